"""What encrypting the notes at rest costs when a page lists check-ins.

Reads N check-ins, each with a note and a concern note of realistic length, twice in the same
run on a throwaway in-memory SQLite database:
- reference: the same rows with the encrypted columns deferred (what a list costs without them);
- measured: the full rows, every note decrypted (Fernet: HMAC check + AES-CBC per value).
Prints the ratio and ends with one JSON line. Target: the full read costs at most 3 × the read
without the notes, i.e. decryption does not dominate a list page. `--quick` for a small run.

    .venv/bin/python benchmarks/field_encryption.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django  # noqa: E402

django.setup()

from django.test.utils import setup_databases, setup_test_environment  # noqa: E402

NOTE = ("We gingen samen naar het OCMW voor de huurpremie; daarna koffie in het buurthuis. "
        "Ze vertelde over haar rugpijn en de brief van de deurwaarder. ") * 2


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = 500 if args.quick else 5000
    repeats = 3 if args.quick else 5

    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    from buddynet.records.duos.models import CheckIn
    from tests import factories as f

    duo = f.DuoFactory()
    author = f.UserFactory()
    start = time.perf_counter()
    CheckIn.objects.bulk_create(
        CheckIn(duo=duo, author=author, date=duo.proposed_on, duration_minutes=60, mode="in_person",
                note=NOTE, concern=True, concern_note=NOTE[:120])
        for _ in range(rows)
    )
    write_seconds = time.perf_counter() - start

    encrypted = ("note", "concern_note", "concern_handled_note")
    reference = best_of(repeats, lambda: list(CheckIn.objects.defer(*encrypted)))
    measured = best_of(repeats, lambda: list(CheckIn.objects.all()))
    assert list(CheckIn.objects.all()[:1])[0].note == NOTE
    ratio = measured / reference
    target = 3.0
    print(f"{rows} check-ins, 2 encrypted notes each")
    print(f"read without the notes: {reference * 1000:.1f} ms; with the notes decrypted: {measured * 1000:.1f} ms")
    per_value = (measured - reference) / (2 * rows)
    print(f"ratio {ratio:.2f} (target ≤ {target}); per decrypted value {per_value * 1e6:.1f} µs")
    print(json.dumps({
        "benchmark": "field_encryption", "rows": rows, "reference_seconds": round(reference, 4),
        "measured_seconds": round(measured, 4), "ratio": round(ratio, 2), "write_seconds": round(write_seconds, 3),
        "target_ratio_max": target, "target_met": ratio <= target,
    }))


if __name__ == "__main__":
    main()
