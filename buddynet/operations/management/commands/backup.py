"""`manage.py backup [--output PATH]`: one dated archive of the database, media and manifest."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from buddynet.operations.services import BackupError, backup_create


class Command(BaseCommand):
    help = ("Write one dated backup archive (database dump, media files, manifest with the schema version and "
            "key fingerprints — never the keys). Prints the archive's path as the last line.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", type=Path, default=None,
                            help="A folder for the dated archive, or a file name ending in .tar.gz "
                                 "(default: BACKUP_DIR).")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        try:
            result = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{result.manifest['database']} database, {result.media_files} media files, "
                          f"{len(result.manifest['migrations'])} migrations, {result.size} bytes")
        self.stdout.write(str(result.path))
