"""The process model (issue 14, item 2): one Procfile that honcho, `make run`/`make serve` and the
systemd units all run, and exactly one beat sending the schedule."""

from __future__ import annotations

import configparser
import datetime as dt
import inspect
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from honcho.environ import parse_procfile

from buddynet.beat import STANDBY_SECONDS, BeatLock, SingleBeatScheduler
from buddynet.celery import app
from tests.conftest import require_postgres
from tests.integration.processes import REPO, VENV_BIN

sys.path.insert(0, str(REPO / "scripts"))
import run  # noqa: E402 - scripts/run.py, the supervisor of make run and make serve

PROCESSES = ["web", "worker", "beat"]


def test_the_procfile_has_web_worker_and_beat_and_honcho_reads_it_as_run_py_does():
    honcho = parse_procfile((REPO / "Procfile").read_text()).processes
    assert list(honcho) == PROCESSES
    assert dict(honcho) == run.procfile()
    assert honcho["web"].startswith("gunicorn buddynet.wsgi:application")
    assert honcho["worker"].startswith("celery -A buddynet worker")
    assert honcho["beat"].startswith("celery -A buddynet beat")
    checked = subprocess.run([str(VENV_BIN / "honcho"), "check"], cwd=REPO, capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("name", PROCESSES)
def test_each_systemd_unit_runs_the_procfile_command_of_its_name(name):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(REPO / "deploy" / "systemd" / f"buddynet-{name}.service")
    assert unit["Service"]["ExecStart"] == f"/opt/buddynet/.venv/bin/python scripts/run.py --exec {name}"
    assert unit["Service"]["KillMode"] == "mixed"  # SIGTERM to gunicorn/Celery's main process, as run.py
    # A process that stops by itself comes back, also after a clean exit (issue 21 item 12).
    assert unit["Service"]["Restart"] == "always"
    target = (REPO / "deploy" / "systemd" / "buddynet.target").read_text()
    assert f"buddynet-{name}.service" in target


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """systemd's own check of the units (unknown keys, bad values, dependencies), with the checkout's
    path for /opt/buddynet so ExecStart= names an executable that exists here."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: systemd)")
    units = sorted((REPO / "deploy" / "systemd").iterdir())
    for unit in units:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/buddynet", str(REPO)))
    result = subprocess.run([analyze, "verify", *(unit.name for unit in units)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    # The check itself reads the units: a misspelt key is reported.
    web = tmp_path / "buddynet-web.service"
    web.write_text(web.read_text().replace("KillMode=", "KilMode="))
    result = subprocess.run([analyze, "verify", web.name], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "Unknown key" in result.stderr and "KilMode" in result.stderr


def test_run_py_exec_becomes_the_procfile_process(tmp_path):
    """`run.py --exec NAME` replaces itself by the Procfile's command (same pid), as systemd expects."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("probe: echo pid=$$ port=${PORT:-8000} path=$(command -v python)\n")
    code = (f"import sys; sys.path.insert(0, {str(REPO / 'scripts')!r}); import os, run; "
            f"run.PROCFILE = __import__('pathlib').Path({str(procfile)!r}); print('self', os.getpid(), flush=True); "
            "sys.exit(run.exec_one('probe'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30,
                            env={**os.environ, "PORT": "8123"})
    assert result.returncode == 0, result.stderr
    own_pid = result.stdout.split()[1]
    assert f"pid={own_pid} port=8123 path={VENV_BIN}/python" in result.stdout
    missing = subprocess.run([sys.executable, str(REPO / "scripts" / "run.py"), "--exec", "nope"], cwd=REPO,
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2 and "no process 'nope'" in missing.stderr


def _supervise(tmp_path: Path, procfile: str, *, stop_after: str | None, timeout: float = 60) -> tuple[int, str]:
    """run.py's supervisor on a Procfile of stand-ins, restarting after 0.2 s instead of 5 s; SIGTERM
    once `stop_after` shows in its output (None: wait for it to exit by itself)."""
    (tmp_path / "Procfile").write_text(procfile)
    code = (f"import sys; sys.path.insert(0, {str(REPO / 'scripts')!r}); import pathlib, run; "
            f"run.PROCFILE = pathlib.Path({str(tmp_path / 'Procfile')!r}); run.RESTART_DELAY_SECONDS = 0.2; "
            "run.READY_TIMEOUT_SECONDS = 1; sys.exit(run.main())")
    env = {**os.environ, "PORT": "1", "COUNT": str(tmp_path / "starts")}  # nothing listens on port 1
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line)
        if stop_after is not None and stop_after in line:
            proc.send_signal(signal.SIGTERM)
            stop_after = None
        assert time.monotonic() < deadline, "".join(lines)
    return proc.wait(timeout=30), "".join(lines)


def test_run_py_starts_a_worker_that_died_again_and_keeps_the_others_running(tmp_path):
    # The worker dies twice (as a broker fault can kill Celery), then stays up.
    (tmp_path / "worker.sh").write_text('echo x >> "$COUNT"; n=$(wc -l < "$COUNT"); echo start $n\n'
                                        'if [ "$n" -lt 3 ]; then exit 1; fi; exec sleep 600\n')
    procfile = f"web: sleep 600\nworker: sh {tmp_path / 'worker.sh'}\n"
    status, out = _supervise(tmp_path, procfile, stop_after="start 3")
    assert out.count("worker exited with status 1: starting it again") == 2, out
    assert "web exited" not in out and "stopping the others" not in out
    assert status == 0 and "all stopped" in out


def test_run_py_gives_up_on_a_process_that_keeps_dying_and_stops_the_others(tmp_path):
    status, out = _supervise(tmp_path, "web: sleep 600\nworker: sh -c \"exit 3\"\n", stop_after=None)
    assert status == 1
    assert out.count("starting it again") == run.RESTART_BURST
    assert f"worker exited with status 3, {run.RESTART_BURST + 1} times within" in out
    assert "web stopped" in out and "all stopped" in out


# --- Exactly one beat ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_only_one_beat_lock_is_held_and_it_is_free_again_when_its_holder_goes():
    first, second = BeatLock(), BeatLock()
    try:
        assert first.acquire()
        assert first.held()
        assert not second.acquire()
        assert not second.held()
        first.release()  # the holder stops (or dies: the connection or file descriptor goes with it)
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_lock_is_an_advisory_lock_that_dies_with_its_connection():
    require_postgres()
    first, second = BeatLock(), BeatLock()
    try:
        assert first.acquire()
        first._pg.close()  # what a killed beat's connection does  # noqa: SLF001
        assert not first.held()
        assert second.acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_stands_by_and_sends_nothing_until_the_first_stops(caplog):
    # Only the probe is due: the schedule `migrate` installed (the every-minute urgent sweep and
    # heartbeat among them) would otherwise take the first tick, one due entry per tick.
    PeriodicTask.objects.update(enabled=False)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="probe", task="buddynet.ping", interval=every_second,
                                last_run_at=timezone.now() - dt.timedelta(hours=1))
    sent: dict[str, list[str]] = {"first": [], "second": []}
    first = SingleBeatScheduler(app=app, lazy=True)
    second = SingleBeatScheduler(app=app, lazy=True)
    # What each sends is recorded instead of published to the broker.
    first.apply_async = lambda entry, *a, **k: sent["first"].append(entry.name)  # type: ignore[method-assign]
    second.apply_async = lambda entry, *a, **k: sent["second"].append(entry.name)  # type: ignore[method-assign]
    try:
        first.setup_schedule()
        second.setup_schedule()
        first.tick()
        assert first.beat_lock.held()
        assert "probe" in sent["first"]  # the due entry went out, from the lock holder
        for _ in range(3):
            assert second.tick() == STANDBY_SECONDS
        assert sent["second"] == []  # the same due entry, and the stand-by sent nothing
        assert "stands by" in caplog.text
        first.close()  # the first beat stops: the second takes over at its next tick
        second.tick()
        assert second.beat_lock.held()
        assert "probe" in sent["second"]
    finally:
        first.beat_lock.release()
        second.close()


def test_settings_use_the_single_beat_scheduler():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULER == "buddynet.beat:SingleBeatScheduler"
    assert Path(REPO / "Procfile").read_text().count("celery -A buddynet beat") == 1


def test_the_lock_check_names_what_pyproject_asks_and_the_venv_lacks():
    import check_lock  # scripts/check_lock.py, run by make install after installing requirements.lock

    assert check_lock.problems() == []  # this venv has everything buddynet's metadata names
    found = check_lock.problems(["Django==1.0", "surely-not-installed-pkg==1.0; extra == 'dev'",
                                 "also-not-installed==1.0; extra == 'docs'"])
    assert found == [f"Django==1.0 is required, {__import__('django').__version__} is installed",
                     'surely-not-installed-pkg==1.0; extra == "dev" is not installed']


# --- The settings file of a server, read alike by systemd, honcho and a shell --------------------
ENV_EXAMPLE = REPO / "deploy" / "buddynet.env.example"
PRINT_ENV = "import json, os, sys; print(json.dumps(dict(os.environ))); sys.exit(3)"
# Characters a shell, honcho's shlex or systemd's EnvironmentFile parser would each read their own way.
SPECIAL = set(" #$\"'<>&;|\\`")


def _assignments(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_the_env_file_example_reads_the_same_in_a_shell_in_honcho_and_for_systemd(tmp_path):
    """README: systemd's EnvironmentFile, `buddynet-manage` (honcho -e) and `set -a; . FILE` before
    `make serve` read /etc/buddynet/buddynet.env. The sender `buddynet <…>` unquoted was a syntax
    error in the shell (DEFAULT_FROM_EMAIL left empty) and lost its space in honcho."""
    written = _assignments(ENV_EXAMPLE.read_text())
    assert {"SECURE", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "DEFAULT_FROM_EMAIL"} <= set(written)
    # Any value with a special character is in single quotes: literal for systemd, shell and shlex alike.
    for key, raw in written.items():
        inner = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == "'" else raw
        assert not SPECIAL & set(inner) or inner != raw, f"{key}={raw}: put the value in single quotes"
        assert "'" not in inner, f"{key}: a single quote cannot be inside single quotes"
    expected = {key: raw.strip("'") for key, raw in written.items()}
    assert expected["DEFAULT_FROM_EMAIL"] == "buddynet <buddynet@example.be>"

    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    shell = subprocess.run(["bash", "-c", f'set -a; . "$1"; set +a; exec {sys.executable} -c "$2"', "_",
                            str(ENV_EXAMPLE), PRINT_ENV], env=clean, capture_output=True, text=True, timeout=60)
    honcho = subprocess.run([str(VENV_BIN / "honcho"), "-e", str(ENV_EXAMPLE), "run", sys.executable, "-c",
                             PRINT_ENV], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60)
    for name, result in (("shell", shell), ("honcho", honcho)):
        assert result.stderr == "", f"{name}: {result.stderr}"
        assert result.returncode == 3, f"{name} does not pass on the command's exit status"
        read = json.loads(result.stdout)
        assert {key: read.get(key) for key in expected} == expected, name


STATIC_PROBE = """
import re, django
django.setup()
from django.test import Client
page = Client().get("/aanmelden/")
print(page.status_code, " ".join(re.findall(r'/static/[^"]+\\.css', page.content.decode())))
"""


def test_an_instance_whose_var_dir_is_elsewhere_serves_the_static_files_make_install_collected(tmp_path):
    """`make install` (as root, without the server's settings) collects into the checkout; the
    systemd units run with BUDDYNET_VAR_DIR=/var/lib/buddynet. Under that var dir the manifest was
    missing: a 500 ("Missing staticfiles manifest entry") on every page."""
    if not (REPO / "var" / "static" / "staticfiles.json").exists():
        pytest.fail("no collected static files: run `make install` (or collectstatic) first")
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    # PYTHONPATH: this checkout's code, whichever checkout the venv's editable install points at.
    env.update(DJANGO_SETTINGS_MODULE="buddynet.settings", BUDDYNET_VAR_DIR=str(tmp_path / "var-lib-buddynet"),
               PYTHONPATH=str(REPO),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run([sys.executable, "-c", STATIC_PROBE], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    status, stylesheets = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "200"
    # The hashed names of the manifest (whitenoise serves them with a year's cache).
    assert re.search(r"/static/web/app\.[0-9a-f]{12}\.css", stylesheets), stylesheets
    assert not (tmp_path / "var-lib-buddynet" / "static").exists()
def test_the_proxy_example_drops_the_server_header_gunicorn_always_sends():
    """Issue 21 item 8: gunicorn writes `Server: gunicorn` on every response and has no setting
    to leave it out, so the reverse proxy of deploy/ removes it (its own and gunicorn's)."""
    from gunicorn.http import wsgi

    assert "Server: %s" in inspect.getsource(wsgi.Response.default_headers)  # still unconditional
    caddy = (REPO / "deploy" / "Caddyfile").read_text()
    lines = [line.split("#")[0].strip() for line in caddy.splitlines()]
    assert "header -Server" in lines  # Caddy's own
    proxy = caddy[caddy.index("reverse_proxy"):]
    proxy = proxy[:proxy.index("\n\t}")]
    assert "header_down -Server" in [line.strip() for line in proxy.splitlines()]  # gunicorn's
