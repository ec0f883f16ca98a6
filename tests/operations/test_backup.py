"""Backup → drop → restore round trips through the real commands, in processes of their own, on a
SQLite file and on PostgreSQL: every table's row count, every encrypted note's text and every media
file come back the same; a restore with the wrong key is refused and writes nothing.

Each instance is a `manage.py` process with its own BUDDYNET_VAR_DIR (media, SQLite file) and
DATABASE_URL, as an administrator would run them; the data is the demo plus three receipts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from tests.conftest import require_postgres
from tests.integration.processes import REPO

pytestmark = pytest.mark.slow

KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
# The record of a complete backup that the detailed health reads (buddynet/operations/health.py).
HEARTBEATS = "SELECT COUNT(*) FROM operations_heartbeat WHERE name = 'backup'"


def _env(var_dir: Path, database_url: str, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_URL", "FIELD_ENCRYPTION"))}
    env.update(BUDDYNET_VAR_DIR=str(var_dir), DATABASE_URL=database_url, FIELD_ENCRYPTION_KEYS=key,
               SECRET_KEY="backup-test-secret-key-" + "x" * 40, DJANGO_SETTINGS_MODULE="buddynet.settings",
               CELERY_TASK_ALWAYS_EAGER="true")
    return env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    if check:
        assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _snapshot(env: dict[str, str]) -> dict[str, Any]:
    return json.loads(_run(env, "-m", "tests.operations.snapshot").stdout)


class SQLite:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path

    def url(self, name: str) -> str:
        return f"sqlite:///{self.tmp_path / (name + '.sqlite3')}"

    def create(self, name: str) -> None:
        pass  # a file that does not exist yet is an empty database

    def drop(self, name: str) -> None:
        (self.tmp_path / (name + ".sqlite3")).unlink()

    def table_count(self, name: str) -> int:
        import sqlite3

        path = self.tmp_path / (name + ".sqlite3")
        if not path.exists():
            return 0
        with sqlite3.connect(path) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type='table'").fetchone()[0])

    def backup_heartbeats(self, name: str) -> int:
        import sqlite3

        with sqlite3.connect(self.tmp_path / (name + ".sqlite3")) as conn:
            return int(conn.execute(HEARTBEATS).fetchone()[0])


class PostgreSQL:
    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        self.params = {"host": db.get("HOST") or "127.0.0.1", "port": str(db.get("PORT") or 5432),
                       "user": db.get("USER") or "postgres", "password": db.get("PASSWORD") or ""}
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        # Named after the configured database (buddynet_<helper> on a shared server): no clash.
        self.prefix = f"{db['NAME']}_backup_{worker}_"

    def _name(self, name: str) -> str:
        return self.prefix + name

    def url(self, name: str) -> str:
        p = self.params
        auth = p["user"] + (f":{p['password']}" if p["password"] else "")
        return f"postgres://{auth}@{p['host']}:{p['port']}/{self._name(name)}"

    def _admin(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def create(self, name: str) -> None:
        self.drop(name)
        self._admin(f'CREATE DATABASE "{self._name(name)}"')

    def drop(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self._name(name)}" WITH (FORCE)')

    def table_count(self, name: str) -> int:
        import psycopg

        with psycopg.connect(dbname=self._name(name), **self.params) as conn:
            return int(conn.execute(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()[0])

    def backup_heartbeats(self, name: str) -> int:
        import psycopg

        with psycopg.connect(dbname=self._name(name), **self.params) as conn:
            return int(conn.execute(HEARTBEATS).fetchone()[0])


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLite | PostgreSQL]:
    if request.param == "sqlite":
        yield SQLite(tmp_path)
        return
    require_postgres()
    pg = PostgreSQL()
    yield pg
    for name in ("src", "dst"):
        pg.drop(name)


def _media_files(var_dir: Path) -> list[Path]:
    return sorted(p for p in (var_dir / "media").rglob("*") if p.is_file())


def test_backup_drop_restore_gives_back_every_row_note_and_file(engine: SQLite | PostgreSQL, tmp_path: Path) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    engine.create("src")
    source = _env(source_dir, engine.url("src"), KEY)
    _run(source, "manage.py", "migrate", "--noinput", "-v0")
    _run(source, "manage.py", "demo")
    _run(source, "-m", "tests.operations.seed_media")
    before = _snapshot(source)
    assert len(before["media"]) == 3
    assert len(before["decrypted"]) > 50, "the demo has encrypted notes"
    assert sum(before["counts"].values()) > 1000

    assert engine.backup_heartbeats("src") == 0
    backup = _run(source, "manage.py", "backup", "--output", str(tmp_path / "backups"))
    assert engine.backup_heartbeats("src") == 1, "a complete backup is recorded for the detailed health"
    archive = Path(backup.stdout.strip().splitlines()[-1])
    assert archive.is_file() and archive.parent == tmp_path / "backups"
    assert archive.name.startswith("buddynet-backup-") and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o077 == 0, "only the owner may read an archive"
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        raw = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())  # type: ignore[union-attr]
    assert KEY.encode() not in raw, "the archive never holds the key"
    assert "buddynet_operations.0001_initial" not in manifest["migrations"]
    assert "operations.0001_initial" in manifest["migrations"]
    sample_note = next(iter(before["decrypted"].values()))
    assert sample_note.encode() not in raw, "notes stay encrypted in the dump"

    # The instance is lost: its database and its media folder.
    engine.drop("src")
    for path in _media_files(source_dir):
        path.unlink()

    engine.create("dst")
    # With another key: refused with a clear message, nothing written to the database or the media.
    wrong = _run(_env(target_dir, engine.url("dst"), OTHER_KEY), "manage.py", "restore", str(archive), check=False)
    assert wrong.returncode == 1
    assert "Refused" in wrong.stderr and "field-encryption key" in wrong.stderr
    assert "Nothing was written" in wrong.stderr
    assert OTHER_KEY not in wrong.stderr and KEY not in wrong.stderr
    assert engine.table_count("dst") == 0
    assert _media_files(target_dir) == []

    target = _env(target_dir, engine.url("dst"), KEY)
    restored = _run(target, "manage.py", "restore", str(archive))
    assert "Restored" in restored.stdout

    after = _snapshot(target)
    assert after["counts"] == before["counts"]
    assert after["decrypted"] == before["decrypted"]
    assert after["media"] == before["media"]
    for path in _media_files(target_dir):
        name = path.relative_to(target_dir / "media")
        assert (source_dir / "media" / name).exists() is False  # really restored, not left behind
    assert {str(p.relative_to(target_dir / "media")) for p in _media_files(target_dir)} == set(before["media"])

    # Into a database that is no longer empty: refused, the rows stay as they are.
    again = _run(target, "manage.py", "restore", str(archive), check=False)
    assert again.returncode == 1 and "is not empty" in again.stderr
    assert _snapshot(target)["counts"] == before["counts"]


def test_a_damaged_archive_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    source = _env(tmp_path / "source", f"sqlite:///{tmp_path / 'src.sqlite3'}", KEY)
    _run(source, "manage.py", "migrate", "--noinput", "-v0")
    archive = Path(_run(source, "manage.py", "backup", "--output", str(tmp_path / "b.tar.gz")).stdout.splitlines()[-1])
    assert archive == tmp_path / "b.tar.gz"
    # Rewrite the archive with one byte of the database changed, the manifest left as it was.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(damaged, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("database"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            import io

            out.addfile(member, io.BytesIO(data))
    target_db = tmp_path / f"dst-{uuid.uuid4().hex}.sqlite3"
    result = _run(_env(tmp_path / "target", f"sqlite:///{target_db}", KEY), "manage.py", "restore", str(damaged),
                  check=False)
    assert result.returncode == 1 and "damaged" in result.stderr
    assert not target_db.exists() or target_db.stat().st_size == 0
