"""What SECURE=true (production) refuses at start-up: settings that are fine for the demo only.

Called at the end of buddynet/settings.py, so every process that loads the settings — gunicorn,
the Celery worker and beat, every `manage.py` command — stops with ImproperlyConfigured before
it serves or touches anything. A Django system check would not do: gunicorn and Celery never run
them. Plain Python on purpose (no Django import), so the rules are tested without a process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Django's own hint of a key it generated (startproject), and its security.W009 bar for a
# key that is long and varied enough.
INSECURE_PREFIX = "django-insecure-"
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5
# What the secrets of deploy/buddynet.env.example say until they are replaced. Left in, a secret is
# known to everyone who has read the repository (the SECRET_KEY placeholder is long and varied
# enough to pass the weak-key rule: sessions and sign-in links could be forged).
PLACEHOLDER = "change-me"


@dataclass(frozen=True)
class Configuration:
    secret_key: str
    secret_key_from_env: bool  # False: generated into var/secret_key by the single-machine default
    generated_secret_key: str | None  # the content of var/secret_key, if that file exists
    field_encryption_keys: list[str]
    debug: bool
    database_engine: str
    broker_url: str
    allow_embedded: bool
    # Other secret settings by name (HEALTH_TOKEN, EMAIL_HOST_PASSWORD): checked for the placeholder.
    other_secrets: Mapping[str, str] = field(default_factory=dict)


def production_problems(config: Configuration) -> list[str]:
    """Each setting that production (SECURE=true) must not run with, as a sentence saying how to fix it."""
    problems: list[str] = []
    key = config.secret_key
    if not config.secret_key_from_env:
        problems.append(
            "SECRET_KEY is not set: the key generated into var/secret_key is for the demo. Set SECRET_KEY "
            "to a long random value kept outside the code (python -c \"import secrets; "
            "print(secrets.token_urlsafe(50))\")."
        )
    elif config.generated_secret_key is not None and key == config.generated_secret_key:
        problems.append(
            "SECRET_KEY is the key generated into var/secret_key for the demo: set a new random one."
        )
    elif (key.startswith(INSECURE_PREFIX) or len(key) < MIN_SECRET_KEY_LENGTH
          or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS):
        problems.append(
            f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters "
            f"(not one starting with {INSECURE_PREFIX!r})."
        )
    for name, value in {"SECRET_KEY": key, **config.other_secrets}.items():
        if PLACEHOLDER in value.lower():
            problems.append(
                f"{name} still holds the placeholder of deploy/buddynet.env.example ({PLACEHOLDER!r}): "
                "set a value of your own."
            )
    if not config.field_encryption_keys:
        problems.append(
            "FIELD_ENCRYPTION_KEYS is not set: notes would be encrypted with a key derived from SECRET_KEY. "
            "Set it to a Fernet key (python -c \"from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())\") and keep a copy with the backups: without it the "
            "encrypted notes cannot be read."
        )
    if config.debug:
        problems.append("DEBUG is true: Django's debug pages show settings and data to anyone. Set DEBUG=false.")
    if not config.allow_embedded:
        if config.database_engine == "django.db.backends.sqlite3":
            problems.append(
                "DATABASE_URL is the embedded SQLite database: set DATABASE_URL=postgres://... "
                "(or ALLOW_EMBEDDED_IN_PRODUCTION=true for a deliberate one-host SQLite install)."
            )
        if config.broker_url.startswith(("filesystem://", "memory://")):
            problems.append(
                "CELERY_BROKER_URL is the embedded filesystem broker: set CELERY_BROKER_URL=redis://... "
                "(or ALLOW_EMBEDDED_IN_PRODUCTION=true for a deliberate one-host install)."
            )
    return problems


def refusal_message(problems: list[str]) -> str:
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"SECURE=true (production) refuses to start with these settings:\n{lines}"
