"""`manage.py first_admin EMAIL`: set this database up for production with its first administrator."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from buddynet.deployment import services


class Command(BaseCommand):
    help = (
        "Mark the database as production (the demo refuses it from then on) and create the first "
        "administrator without a password; prints a one-time link to choose one. The second factor "
        "is set up at the first sign-in."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", help="E-mail address of the first administrator (their login).")
        parser.add_argument("--name", default="", help="Their full name.")

    def handle(self, *args: Any, email: str, name: str, **options: Any) -> None:
        if not settings.SECURE:
            # Run bare on a server (without /etc/buddynet/buddynet.env), manage.py has the demo
            # defaults: this would set up the checkout's SQLite file, not the production database.
            db = connection.settings_dict
            self.stderr.write(self.style.WARNING(
                f"Let op / warning: SECURE is not true, so these are not production settings. Database: "
                f"{connection.vendor} {db.get('NAME')}{' on ' + db['HOST'] if db.get('HOST') else ''}. On a "
                f"server, run this through buddynet-manage (README, 'manage.py on the server')."))
        try:
            admin = services.first_admin_create(email=email, full_name=name)
        except services.FirstAdminRefused as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Productiedatabank, eerste beheerder / production database, first administrator: {admin.user.email}"))
        self.stdout.write("Eenmalige link om een wachtwoord te kiezen (3 dagen geldig) / "
                          "one-time link to choose a password (valid 3 days):")
        self.stdout.write(admin.link)
