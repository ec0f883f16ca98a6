"""`manage.py restore ARCHIVE`: a backup into this instance's empty database and media storage."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from buddynet.operations.services import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup archive into an EMPTY database (and media storage). Refuses, writing nothing, "
            "when the field-encryption key of the backup is not configured, the database is not empty, the "
            "archive is damaged or comes from a newer version.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            result = backup_restore(archive=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {result.created_at}: {result.database} database, "
            f"{result.media_files} media files."))
        if result.missing_migrations:
            self.stdout.write(f"This version has {len(result.missing_migrations)} newer migrations: "
                              "run `manage.py migrate` before starting the instance.")
