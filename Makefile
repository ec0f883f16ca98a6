# buddynet — one command each: `make run` starts a working instance with demo data,
# `make test` runs the whole suite, `make serve` starts production (no demo).
# Needs only Python 3.11, 3.12 or 3.13, GNU make and PyPI.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Re-installs only when pyproject.toml or the lock changes (or the venv is new).
INSTALLED := $(VENV)/.installed
# Exact versions with hashes of every dependency (dev ones included), for Python 3.11-3.13.
LOCK := requirements.lock

# The same var/ the settings use (BUDDYNET_VAR_DIR overrides it): the instance's data.
VAR_DIR := $(or $(BUDDYNET_VAR_DIR),var)
# Collected static files are part of the checkout, whatever BUDDYNET_VAR_DIR says (settings.STATIC_ROOT).
STATIC_MANIFEST := var/static/staticfiles.json
STATIC_SOURCES := $(shell find buddynet matching netwerk notifications -path '*/static/*' -type f 2>/dev/null)

# Translations: every django.po of the project, compiled with Babel (no system gettext needed).
PO_FILES := $(shell find buddynet matching netwerk notifications -path '*/locale/*/LC_MESSAGES/*.po' 2>/dev/null)
MO_FILES := $(PO_FILES:.po=.mo)

HOST ?= 127.0.0.1
PORT ?= 8000

PYTEST_ARGS ?=
# The suite runs on both cores (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2

.PHONY: help install chromium run serve test lint check lock clean distclean

help:
	@echo "make install    venv, dependencies (incl. dev), translations, static files"
	@echo "make run        migrate, load demo data, start web + Celery worker + beat on http://$(HOST):$(PORT)/"
	@echo "make serve      production: migrate, start web + worker + beat (the Procfile), no demo data"
	@echo "make test       the whole test suite (PYTEST_ARGS='...' passes options to pytest)"
	@echo "make lint       ruff and mypy (django-stubs; strict on the cores and typed services)"
	@echo "make check      Django system checks (also --deploy with production settings), missing migrations, OpenAPI schema"
	@echo "make lock       regenerate $(LOCK) from pyproject.toml (after changing a dependency)"
	@echo "make clean      caches, compiled translations, collected static files"
	@echo "make distclean  clean + the venv and var/ (the local database!)"

# The first of python3.11, python3.12, python3.13 that runs (CI has 3.11), else python3 if it is
# one of them; PYTHON=... chooses.
$(PY):
	@py="$${PYTHON:-}"; \
	for candidate in python3.11 python3.12 python3.13; do \
	  if [ -z "$$py" ] && command -v $$candidate >/dev/null 2>&1 && $$candidate -c '' 2>/dev/null; then py=$$candidate; fi; \
	done; \
	if [ -z "$$py" ] && command -v python3 >/dev/null 2>&1 \
	   && python3 -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))'; then py=python3; fi; \
	if [ -z "$$py" ]; then echo "error: buddynet needs Python 3.11, 3.12 or 3.13 (python3.1x, or python3 being one)" >&2; exit 1; fi; \
	echo "creating $(VENV) with $$($$py --version)"; \
	"$$py" -m venv $(VENV)

# Exactly the locked versions, each checked against its hash; then buddynet itself without
# resolving anything. `pip check` and scripts/check_lock.py fail when pyproject.toml names a
# dependency (dev ones included) that the lock lacks.
$(INSTALLED): pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; echo "error: $(LOCK) is out of date with pyproject.toml: run make lock" >&2; exit 1; }
	@$(PY) scripts/check_lock.py
	@touch $@

# One command regenerates the lock: every dependency of pyproject.toml (with the dev extra) and
# what they need, exact versions with the hashes of all their files, valid on Python 3.11-3.13.
lock: | $(PY)
	@test -x $(BIN)/uv || $(PY) -m pip install --quiet --disable-pip-version-check "$$(grep -oE 'uv==[0-9.]+' pyproject.toml)"
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" --quiet --output-file $(LOCK)
	@echo "$(LOCK): $$(grep -cE '^[a-zA-Z0-9]' $(LOCK)) packages"

# Babel skips a catalog whose header is marked fuzzy and still exits 0: fail instead of
# shipping an interface without its translations.
%.mo: %.po | $(INSTALLED)
	@rm -f $@
	$(BIN)/pybabel compile --domain django --input-file $< --output-file $@
	@test -f $@ || { echo "error: $< was not compiled (is its header marked '#, fuzzy'?)" >&2; exit 1; }

$(STATIC_MANIFEST): $(INSTALLED) $(STATIC_SOURCES)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@touch $@

install: $(INSTALLED) $(MO_FILES) $(STATIC_MANIFEST)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	HOST=$(HOST) PORT=$(PORT) exec $(PY) scripts/run.py

# Production: the same three processes (the Procfile's), after the migrations; never the demo.
# Configure with environment variables first (README "Production"): with SECURE=true every step
# refuses demo-only settings. Static files are collected by `install`.
serve: install
	$(PY) manage.py migrate --noinput
	HOST=$(HOST) PORT=$(PORT) exec $(PY) scripts/run.py

# Browser tests drive Debian's chromium (Playwright cannot download its own browser here).
# Installed once through apt-get when missing (needs root, as on the CI machine); elsewhere
# install the `chromium` package yourself or point CHROMIUM_PATH at a Chromium binary.
CHROMIUM_PATH ?= $(shell command -v chromium 2>/dev/null || echo /usr/bin/chromium)
chromium:
	@if [ -x "$(CHROMIUM_PATH)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null \
	  || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null; }; \
	else echo "error: browser tests need chromium (apt-get install chromium, or set CHROMIUM_PATH)" >&2; exit 1; fi

# pytest exits 5 when it collected no test: like any non-zero status, that fails `make test`.
test: install chromium
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	@schema="$$(mktemp)"; trap 'rm -f "$$schema"' EXIT; \
	$(PY) manage.py spectacular --validate --fail-on-warn --file "$$schema"; \
	echo "OpenAPI schema valid ($$(wc -c < "$$schema") bytes)"
	@# Production settings (HTTPS, a real secret, own encryption key) must pass Django's deployment
	@# checks with no warning. ALLOW_EMBEDDED_IN_PRODUCTION: this check needs no PostgreSQL or Redis.
	SECURE=true DEBUG=false ALLOWED_HOSTS=buddy.example.be ALLOW_EMBEDDED_IN_PRODUCTION=true \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache build *.egg-info var/static
	rm -f $(MO_FILES)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(VAR_DIR)
