"""Helpers for tests that start real processes: free ports, process trees, bounded waits.

Linux only (reads /proc), like the machines buddynet runs and is tested on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # pytest runs from the venv: celery, gunicorn are beside it


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class Proc:
    pid: int
    start_time: int  # clock ticks since boot: tells a pid apart from a later reuse of it
    cmdline: str


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, pgid, start_time) of a live process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def descendants(root: int) -> list[Proc]:
    """Every live process under `root` (children, grandchildren, ...), root excluded."""
    parents: dict[int, list[int]] = {}
    stats: dict[int, tuple[str, int, int, int]] = {}
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None and stat[0] != "Z":
            stats[pid] = stat
            parents.setdefault(stat[1], []).append(pid)
    found: list[Proc] = []
    todo = list(parents.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(Proc(pid, stats[pid][3], _cmdline(pid)))
        todo.extend(parents.get(pid, []))
    return found


def in_group(pgid: int) -> list[Proc]:
    out = []
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None and stat[0] != "Z" and stat[2] == pgid:
            out.append(Proc(pid, stat[3], _cmdline(pid)))
    return out


def still_alive(procs: Iterable[Proc]) -> list[Proc]:
    alive = []
    for proc in procs:
        stat = _stat(proc.pid)
        if stat is not None and stat[0] != "Z" and stat[3] == proc.start_time:
            alive.append(proc)
    return alive


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def kill_all(procs: Iterable[Proc]) -> None:
    for proc in still_alive(procs):
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the process, then SIGKILL its whole process group if it is still there."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:])
