"""Backup and restore: one dated archive holds the database, the media files and a manifest.

The archive (`buddynet-backup-YYYYMMDDTHHMMSSZ.tar.gz`):
- `database.pgdump`: PostgreSQL's own dump (pg_dump, custom format; one consistent snapshot while
  the instance runs), restored with pg_restore in one transaction; or `database.sqlite3`: the
  SQLite file copied through SQLite's online backup API, consistent while others write to it;
- `media/...`: every file of the default storage (the local folder or the S3 bucket), read
  through Django's storage API so both kinds are backed up the same way;
- `manifest.json`: format, time, database vendor, the applied migrations (the schema version),
  the SHA-256 of every other member, and fingerprints of the field-encryption keys — never the
  keys: without the keys the encrypted notes in the dump cannot be read, so the keys must be
  kept apart from the archives (README "Backups").

Restore goes only into an empty database, and checks everything before it writes anything: the
archive's integrity (every hash), the database vendor, that the code knows every migration the
backup has, and that the key the backup's notes were encrypted with is configured here.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from buddynet import crypto
from buddynet.operations.models import Heartbeat
from buddynet.operations.tasks import BACKUP

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
ARCHIVE_NAME = re.compile(r"^buddynet-backup-(\d{8}T\d{6}Z)(?:-\d+)?\.tar\.gz$")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """Backup or restore refused or failed; the message says why and what to do."""


# --- keys and schema -------------------------------------------------------------------------

def key_fingerprint(key: str) -> str:
    """A short, one-way fingerprint of a Fernet key: tells keys apart, reveals nothing of them."""
    return hashlib.sha256(b"buddynet field-encryption key fingerprint v1\0" + key.encode()).hexdigest()[:16]


def key_fingerprints() -> list[str]:
    """Fingerprints of the configured keys, the one that encrypts first (crypto.configured_keys)."""
    return [key_fingerprint(key) for key in crypto.configured_keys()]


def applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


# --- backup ----------------------------------------------------------------------------------

def _archive_path(output: Path | None, now: datetime) -> Path:
    name = f"buddynet-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"
    if output is None:
        directory = Path(settings.BACKUP_DIR)
    elif output.is_dir() or not output.name.endswith(".tar.gz"):  # a folder, perhaps not made yet
        directory = output
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        return output
    directory.mkdir(parents=True, exist_ok=True)
    path, n = directory / name, 1
    while path.exists():  # two backups in one second (a retried task) never overwrite each other
        path = directory / name.replace(".tar.gz", f"-{n}.tar.gz")
        n += 1
    return path


def _pg_env() -> dict[str, str]:
    params = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for variable, value in (("PGHOST", params.get("HOST")), ("PGPORT", params.get("PORT")),
                            ("PGUSER", params.get("USER")), ("PGPASSWORD", params.get("PASSWORD")),
                            ("PGDATABASE", params.get("NAME"))):
        if value:
            env[variable] = str(value)
    options = params.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
        if options.get(option):
            env[variable] = str(options[option])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found: install PostgreSQL's client programs "
                          "(Debian: apt-get install postgresql-client), at least the server's version.")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("The SQLite database is in memory: there is no file to back up.")
    return Path(name)


def _dump_database(target: Path) -> None:
    if connection.vendor == "postgresql":
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
             _pg_env())
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{_sqlite_path()}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            with copy:
                # SQLite's online backup: a consistent copy even while the instance writes.
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        raise BackupError(f"Backing up a {connection.vendor} database is not supported (PostgreSQL or SQLite).")


def media_names(storage: Storage, prefix: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first, in a stable order."""
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:  # a local media folder that was never created
        return
    for name in sorted(files):
        yield f"{prefix}{name}"
    for directory in sorted(directories):
        yield from media_names(storage, f"{prefix}{directory}/")


class _Hashing(io.RawIOBase):
    """Reads through a file object, hashing what passes (so a member is read once)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha256 = raw, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, fileobj: IO[bytes], size: int, mtime: float) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    hashing = _Hashing(fileobj)
    tar.addfile(info, hashing)
    return hashing.sha256.hexdigest()


@dataclass
class BackupResult:
    path: Path
    size: int
    media_files: int
    manifest: dict[str, Any] = field(repr=False)


def backup_create(*, output: Path | None = None) -> BackupResult:
    """Write one dated archive of the database, the media files and the manifest; returns it.

    Written under a temporary name beside the target and renamed when complete, so a crash or a
    full disk never leaves something that looks like a finished backup."""
    now = datetime.now(UTC)
    path = _archive_path(output, now)
    partial = path.with_name(path.name + ".partial")
    database_member = DATABASE_MEMBER.get(connection.vendor, "database")
    hashes: dict[str, str] = {}
    media_count = 0
    try:
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as tmp:
            dump = Path(tmp) / database_member
            _dump_database(dump)
            migrations = applied_migrations()
            # Only the owner reads an archive: it holds every participant's record.
            partial.touch(mode=0o600)
            with tarfile.open(partial, "w:gz") as tar:
                with dump.open("rb") as handle:
                    hashes[database_member] = _add(tar, database_member, handle, dump.stat().st_size, now.timestamp())
                dump.unlink()  # the dump is in the archive: don't hold it twice on disk
                for name in media_names(default_storage):
                    with default_storage.open(name, "rb") as handle:
                        hashes[MEDIA_PREFIX + name] = _add(
                            tar, MEDIA_PREFIX + name, handle, default_storage.size(name), now.timestamp())
                    media_count += 1
                manifest = {
                    "format": FORMAT,
                    "created_at": now.isoformat(),
                    "database": connection.vendor,
                    "migrations": migrations,
                    "encryption": {"encrypting_key": key_fingerprints()[0], "keys": key_fingerprints()},
                    "files": hashes,
                }
                body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                _add(tar, MANIFEST, io.BytesIO(body), len(body), now.timestamp())
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    logger.info("backup written: %s (%d bytes, %d media files)", path, path.stat().st_size, media_count)
    # After the dump, so the archive holds the previous one: the detailed health's "last backup".
    Heartbeat.objects.update_or_create(name=BACKUP, defaults={"at": timezone.now()})
    return BackupResult(path=path, size=path.stat().st_size, media_files=media_count, manifest=manifest)


# --- restore ---------------------------------------------------------------------------------

@dataclass
class RestoreResult:
    database: str
    media_files: int
    missing_migrations: list[str]
    created_at: str


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError("This is not a buddynet backup: it has no manifest.json.") from None
    handle = tar.extractfile(member)
    if handle is None:
        raise BackupError("manifest.json in the archive is not a file.")
    manifest: dict[str, Any] = json.loads(handle.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not one this version reads ({FORMAT}).")
    return manifest


def _check_keys(manifest: dict[str, Any]) -> list[str]:
    """Refuses when the key the backup's notes were encrypted with is not configured; returns the
    fingerprints of older keys of the backup that are missing (values rotation left behind)."""
    ours = key_fingerprints()
    theirs = manifest["encryption"]
    if theirs["encrypting_key"] not in ours:
        raise BackupError(
            "Refused: this backup's encrypted notes were written with the field-encryption key with "
            f"fingerprint {theirs['encrypting_key']}, and none of this instance's keys has it "
            f"(configured: {', '.join(ours)}). Without that key the notes cannot be read. Set "
            "FIELD_ENCRYPTION_KEYS (or SECRET_KEY, if the backup's instance had no FIELD_ENCRYPTION_KEYS) "
            "to the key kept with your backups and run restore again. Nothing was written.")
    return [fp for fp in theirs["keys"] if fp not in ours]


def _check_empty_database() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"Refused: the database {connection.settings_dict['NAME']!r} is not empty ({len(tables)} tables). "
            "Restore into a new, empty database (PostgreSQL: createdb; SQLite: a file that does not exist "
            "yet). Nothing was written.")


def _verify_and_extract(tar: tarfile.TarFile, manifest: dict[str, Any], into: Path) -> None:
    """Every member the manifest lists, with its hash; nothing else; no path outside `into`."""
    expected: dict[str, str] = manifest["files"]
    seen = set()
    for member in tar.getmembers():
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile():
            raise BackupError(f"The archive holds {member.name!r}, which its manifest does not list.")
        target = (into / member.name).resolve()
        if not target.is_relative_to(into.resolve()):
            raise BackupError(f"The archive member {member.name!r} points outside the restore folder.")
        handle = tar.extractfile(member)
        assert handle is not None
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected[member.name]:
            raise BackupError(f"The archive is damaged: {member.name} does not match its manifest hash.")
        seen.add(member.name)
    if missing := set(expected) - seen:
        raise BackupError(f"The archive is incomplete: {', '.join(sorted(missing))} missing.")


def _same_file(storage: Storage, name: str, local: Path) -> bool:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == hashlib.sha256(local.read_bytes()).hexdigest()


def _restore_database(dump: Path) -> None:
    if connection.vendor == "postgresql":
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={connection.settings_dict['NAME']}", str(dump)], _pg_env())
    else:
        target = _sqlite_path()
        connection.close()
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()


def backup_restore(*, archive: Path) -> RestoreResult:
    """Restore `archive` into this instance's empty database and its media storage.

    Everything that can refuse is checked first; only then is anything written."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist or is not a file.")
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 (closed by the `with` below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive: {exc}") from None
    with tar, tempfile.TemporaryDirectory(prefix="buddynet-restore-") as tmp:
        manifest = _read_manifest(tar)
        _check_keys(manifest)
        if manifest["database"] != connection.vendor:
            raise BackupError(f"Refused: the backup is of a {manifest['database']} database, this instance uses "
                              f"{connection.vendor}. Nothing was written.")
        unknown = sorted(set(manifest["migrations"]) - _known_migrations())
        if unknown:
            raise BackupError("Refused: the backup was made by a newer version of buddynet (unknown migrations: "
                              f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}). Install that version "
                              "first. Nothing was written.")
        _check_empty_database()
        root = Path(tmp)
        _verify_and_extract(tar, manifest, root)
        media = sorted(name.removeprefix(MEDIA_PREFIX) for name in manifest["files"] if name.startswith(MEDIA_PREFIX))
        clashes = [name for name in media if default_storage.exists(name)
                   and not _same_file(default_storage, name, root / MEDIA_PREFIX / name)]
        if clashes:
            raise BackupError(f"Refused: the media storage already holds other files under the same names "
                              f"({', '.join(clashes[:5])}). Restore into empty media storage. Nothing was written.")
        database_member = DATABASE_MEMBER[connection.vendor]
        _restore_database(root / database_member)
        for name in media:
            if default_storage.exists(name):
                continue  # the same bytes are there already
            with (root / MEDIA_PREFIX / name).open("rb") as handle:
                saved = default_storage.save(name, File(handle))
            if saved != name:
                raise BackupError(f"The media storage saved {name} as {saved}.")
    missing = sorted(_known_migrations() - set(manifest["migrations"]))
    return RestoreResult(database=connection.vendor, media_files=len(media), missing_migrations=missing,
                         created_at=manifest["created_at"])


# --- retention -------------------------------------------------------------------------------

def backups_prune(*, directory: Path, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Delete the archives the retention scheme no longer keeps; returns them.

    Kept: the newest archive of each of the last `keep_daily` days that have one, and the newest
    of each of the last `keep_monthly` months. Only files named like buddynet's archives count."""
    dated: list[tuple[datetime, Path]] = []
    for path in directory.glob("buddynet-backup-*.tar.gz"):
        match = ARCHIVE_NAME.match(path.name)
        if match:
            dated.append((datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC), path))
    dated.sort(reverse=True)  # newest first
    keep: set[Path] = set()
    days: dict[date, Path] = {}
    months: dict[tuple[int, int], Path] = {}
    for when, path in dated:
        days.setdefault(when.date(), path)
        months.setdefault((when.year, when.month), path)
    keep.update(list(days.values())[:keep_daily])
    keep.update(list(months.values())[:keep_monthly])
    removed = [path for _, path in dated if path not in keep]
    for path in removed:
        path.unlink()
    return removed
