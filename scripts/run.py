"""Run buddynet's three processes in the foreground: web (gunicorn), Celery worker, Celery beat.

The commands are the Procfile's (web, worker, beat), the same ones honcho, a PaaS and the systemd
units run. `make run` calls this after migrating and loading the demo data, `make serve` after
migrating without it; `run.py --exec NAME` becomes one Procfile process (what a systemd unit runs).

Why not `honcho start` here (honcho reads the same Procfile and works for anyone who prefers it):
honcho stops a process by signalling its whole process group at once, so Celery's pool processes
get SIGTERM beside their parent, are logged as lost and their running tasks re-queued; it leaves
its children running when it is killed outright; and it cannot say when the site answers. This
tiny supervisor, in the spirit of foreman/honcho, needs nothing but Python and does those:

- every child gets its own process group, so one signal to that group also reaches its own
  children (gunicorn's workers, Celery's pool processes);
- Ctrl-C, SIGTERM or SIGHUP asks each child to stop (SIGTERM: gunicorn and Celery both shut
  down gracefully on it), waits, and kills what is left of each group after a grace period;
- if one child dies on its own (a Celery worker that a broker fault killed, issue 21 item 12),
  it is started again after RESTART_DELAY_SECONDS, as systemd's `Restart=always` does for the
  units; one that dies RESTART_BURST times within RESTART_WINDOW_SECONDS is not coming back by
  itself, so then the others are stopped too and the exit status is non-zero (a half-running
  instance is worse than none);
- on Linux each child also gets SIGTERM if this supervisor is killed outright (PDEATHSIG),
  so nothing is left orphaned;
- output is prefixed per process ("web    | ...") and the URLs are printed once /healthz answers.

Configuration from the environment: HOST (127.0.0.1), PORT (8000), WEB_CONCURRENCY (2),
WORKER_CONCURRENCY (2), and everything buddynet's settings read (DATABASE_URL, ...).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin/: gunicorn and celery live beside python
PROCFILE = ROOT / "Procfile"
GRACE_SECONDS = 20
READY_TIMEOUT_SECONDS = 120
# A child that dies is started again after this pause (systemd's RestartSec of the units) ...
RESTART_DELAY_SECONDS = 5.0
# ... unless it died this often within this window: then it is broken, not unlucky.
RESTART_BURST = 5
RESTART_WINDOW_SECONDS = 300.0

_print_lock = threading.Lock()
# Signals received, appended by the handler. A plain list on purpose: a handler that takes a
# lock (threading.Event.set) deadlocks when the signal lands while the main thread holds that
# same lock inside Event.wait(), and then SIGTERM is ignored for good.
_received: list[int] = []


def say(name: str, line: str) -> None:
    with _print_lock:
        sys.stdout.write(f"{name:<6} | {line}\n")
        sys.stdout.flush()


def _load_libc() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


# Loaded here, in the parent: a child restarted while the output threads run must not dlopen()
# or import between fork and exec (a lock another thread held at the fork stays held forever).
_LIBC = _load_libc()


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGTERM me when the supervisor dies (Linux)."""
    if _LIBC is not None:
        pr_set_pdeathsig = 1
        with contextlib.suppress(Exception):
            _LIBC.prctl(pr_set_pdeathsig, signal.SIGTERM)  # type: ignore[attr-defined]


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=_die_with_parent,  # only calls prctl(): no locks taken
        )
        # Started by start_output() once every child is spawned: forking while other threads
        # run could deadlock a child in _die_with_parent() before it execs.
        self.reader = threading.Thread(target=self._pump, name=f"pump-{name}", daemon=True)

    def start_output(self) -> None:
        self.reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            say(self.name, raw.decode("utf-8", "replace").rstrip("\n"))

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def terminate(self) -> None:
        # The group leader alone: gunicorn's arbiter and Celery's main process stop their own
        # children in order. Signalling the whole group at once would kill Celery's pool
        # processes under it and log them as lost.
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", "", "::", "[::]"} else host  # noqa: S104


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


def wait_until_serving(children: list[Child], base_url: str) -> str | None:
    """Poll /healthz until the web server answers (any status); None if it never did."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and not _received:
        if any(c.proc.poll() is not None for c in children):
            return None
        # As the reverse proxy asks (with SECURE=true plain HTTP is redirected to HTTPS, which
        # this port does not speak); a redirect is an answer too, so none is followed.
        request = urllib.request.Request(f"{base_url}/healthz", headers={"X-Forwarded-Proto": "https"})  # noqa: S310
        try:
            with _NO_REDIRECTS.open(request, timeout=5) as resp:
                return f"{resp.status} {resp.read().decode()}"
        except urllib.error.HTTPError as exc:  # 503: serving, but something is down
            return f"{exc.code} {exc.read().decode(errors='replace')[:200]}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.25)
    return None


def stop_all(children: list[Child]) -> None:
    for child in children:
        child.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        try:
            status = child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            say("run", f"{child.name} stopped (exit status {status})")
        except subprocess.TimeoutExpired:
            say("run", f"{child.name} did not stop within {GRACE_SECONDS}s: killing it")
            child.signal_group(signal.SIGKILL)
            child.proc.wait()
    # Leftovers of a group whose leader exited (a pool process that outlived its parent).
    for child in children:
        child.signal_group(signal.SIGKILL)
    for child in children:
        if child.reader.is_alive():
            child.reader.join(timeout=2)


def procfile(path: Path | None = None) -> dict[str, str]:
    """The processes of the Procfile, {name: shell command}, in order (honcho's format)."""
    processes: dict[str, str] = {}
    for line in (path or PROCFILE).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            processes[match.group(1)] = match.group(2).strip()
    return processes


def shell_argv(command: str) -> list[str]:
    # `exec`: the shell becomes the process itself, so signals reach gunicorn or Celery directly.
    return ["/bin/sh", "-c", f"exec {command}"]


def process_env() -> dict[str, str]:
    # The venv's bin/ first: the Procfile names gunicorn and celery without a path, as a PaaS does.
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "buddynet.settings"}


def exec_one(name: str) -> int:
    """Become the Procfile's process `name` (what a systemd unit runs): no supervisor in between."""
    commands = procfile()
    if name not in commands:
        print(f"run.py: no process {name!r} in {PROCFILE} (there are: {', '.join(commands)})", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    argv = shell_argv(commands[name])
    os.execve(argv[0], argv, process_env())  # noqa: S606 - argv is /bin/sh -c with the Procfile line
    return 0  # not reached


def _pause(seconds: float) -> None:
    """Sleep, but wake up for a stop request."""
    deadline = time.monotonic() + seconds
    while not _received and time.monotonic() < deadline:
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def supervise(children: list[Child], env: dict[str, str]) -> int:
    """Keep the children running until a stop is requested (0), restarting one that died; 1 when
    one keeps dying (RESTART_BURST times within RESTART_WINDOW_SECONDS)."""
    deaths: dict[str, list[float]] = {}
    while not _received:
        failed = next((c for c in children if c.proc.poll() is not None), None)
        if failed is None:
            time.sleep(0.5)
            continue
        status = failed.proc.returncode
        failed.signal_group(signal.SIGKILL)  # what is left of its group (pool processes)
        now = time.monotonic()
        recent = [t for t in deaths.get(failed.name, []) if now - t < RESTART_WINDOW_SECONDS] + [now]
        deaths[failed.name] = recent
        if len(recent) > RESTART_BURST:
            say("run", f"{failed.name} exited with status {status}, {len(recent)} times within "
                       f"{RESTART_WINDOW_SECONDS:.0f}s: stopping the others")
            return 1
        say("run", f"{failed.name} exited with status {status}: starting it again in {RESTART_DELAY_SECONDS:g}s")
        _pause(RESTART_DELAY_SECONDS)
        if _received:
            break
        if failed.reader.is_alive():
            failed.reader.join(timeout=2)
        again = Child(failed.name, failed.argv, env)
        children[children.index(failed)] = again
        again.start_output()
        say("run", f"{failed.name} started again (pid {again.proc.pid})")
    return 0


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    web_workers = os.environ.get("WEB_CONCURRENCY", "2")
    worker_concurrency = os.environ.get("WORKER_CONCURRENCY", "2")
    env = process_env()
    env.update(HOST=f"[{host}]" if ":" in host and not host.startswith("[") else host, PORT=port,
               WEB_CONCURRENCY=web_workers, WORKER_CONCURRENCY=worker_concurrency)

    commands = {name: shell_argv(command) for name, command in procfile().items()}

    def request_stop(signum: int, _frame: object) -> None:
        # Only note it: no locks, no printing (that could re-enter a write in progress).
        _received.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, request_stop)

    children: list[Child] = []
    exit_code = 0
    try:
        for name, argv in commands.items():
            children.append(Child(name, argv, env))
        for child in children:
            child.start_output()
        base_url = f"http://{_display_host(host)}:{port}"
        health = wait_until_serving(children, base_url)
        if health is not None:
            say("run", "")
            say("run", f"buddynet is up (web, worker, beat). /healthz: {health}")
            say("run", f"  site:      {base_url}/")
            say("run", f"  admin:     {base_url}/admin/")
            say("run", f"  API docs:  {base_url}/api/docs/")
            say("run", "Press Ctrl-C to stop all three.")
            say("run", "")
        elif not _received and all(c.proc.poll() is None for c in children):
            say("run", f"the web server did not answer {base_url}/healthz within {READY_TIMEOUT_SECONDS}s")
            exit_code = 1
        if exit_code == 0:
            exit_code = supervise(children, env)
    finally:
        if _received:
            say("run", f"{signal.Signals(_received[0]).name} received: stopping web, worker and beat")
        stop_all(children)
    say("run", "all stopped")
    return exit_code


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--exec":
        sys.exit(exec_one(sys.argv[2]))
    sys.exit(main())
