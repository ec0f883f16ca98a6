"""`manage.py demo`: load (or reload) the Flemish demo data and print the demo logins."""

from __future__ import annotations

import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from buddynet.demo import data as demo


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise ArgumentTypeError(f"{value} is less than 1")
    return number


class Command(BaseCommand):
    help = (
        "Load a realistic Flemish demo (2 organisations, 3 projects, ~60 volunteers, ~80 participants, "
        "duos in every state, six months of check-ins). Same data every run: the demo rows are "
        "replaced, nothing else is touched."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--scale", type=positive, default=1,
                            help="Build N times as many volunteers, participants, duos and check-ins (benchmarks).")
        parser.add_argument("--projects", type=positive, default=3,
                            help="Number of projects (default 3; e.g. 28 for the funder portfolio).")
        parser.add_argument("--organisations", type=positive, default=2,
                            help="Number of organisations the projects are spread over (default 2).")
        parser.add_argument("--years", type=positive, default=1,
                            help="1: about six months of duos (default); 3: three years of duos, closures and maps.")
        parser.add_argument("--grants", type=positive, default=1,
                            help="Grants per project (default 1; more come from other funders).")
        parser.add_argument("--target", action="store_true",
                            help="The size of a real umbrella deployment (issue 20): 150 projects in 40 "
                                 "organisations, three years, 4 grants a project (~3,000 volunteers, 4,000 "
                                 "participants, 5,000 duos, 250,000 check-ins, 10,000 network maps, 30,000 "
                                 "expenses). Overrides --projects, --organisations, --years and --grants.")
        parser.add_argument("--remove", action="store_true", help="Only delete the demo data.")

    def handle(self, *args: Any, scale: int, projects: int, organisations: int, years: int, grants: int,
               target: bool, remove: bool, **options: Any) -> None:
        started = time.perf_counter()
        try:
            if remove:
                with transaction.atomic():
                    removed = demo.remove()
                self.stdout.write("Demo verwijderd / demo removed: "
                                  + ", ".join(f"{n} {what}" for what, n in removed.items()))
                return
            world = demo.TARGET if target else demo.World(projects=projects, organisations=organisations,
                                                          years=years, grants_per_project=grants)
            summary = demo.build(scale=scale, world=world)
        except demo.DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        self._report(summary, time.perf_counter() - started)

    def _report(self, summary: demo.Summary, seconds: float) -> None:
        out = self.stdout.write
        out(self.style.SUCCESS(
            f"Demo geladen / demo loaded (scale {summary.scale}, seed {demo.SEED}, {seconds:.1f} s)"))
        out("")
        width = max(len(what) for what in summary.counts)
        for what, n in summary.counts.items():
            out(f"  {what:<{width}}  {n:>7}")
        states = ", ".join(f"{state} {n}" for state, n in summary.duo_states.items())
        out(f"  duo's / duos per state: {states}")
        if summary.first_check_in and summary.last_check_in:
            out(f"  contactmomenten / check-ins: {summary.first_check_in} .. {summary.last_check_in}")
        out("")
        out("Aanmelden / logins")
        rows = [("rol / role", "e-mail", "wachtwoord / password", "wat / scope")]
        rows += [(login.role, login.email, summary.password, login.who) for login in summary.logins]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for k, row in enumerate(rows):
            out("  " + "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
            if k == 0:
                out("  " + "  ".join("-" * w for w in widths) + "  " + "-" * len(row[3]))
