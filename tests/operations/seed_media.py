"""Gives the demo's first expenses receipts (media files), one of them arbitrary binary bytes:
run inside an instance's environment (`python -m tests.operations.seed_media`)."""

from __future__ import annotations

import os

import django

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buddynet.settings")
    django.setup()
    from django.core.files.base import ContentFile

    from buddynet.features.funding.models import Expense

    expenses = list(Expense.objects.order_by("pk")[:3])
    assert len(expenses) == 3, "the demo has expenses"
    expenses[0].receipt.save("kassaticket.pdf", ContentFile(b"%PDF-1.4\n" + bytes(range(256)) * 40))
    expenses[1].receipt.save("bon met spatie.jpg", ContentFile(os.urandom(50_000)))
    expenses[2].receipt.save("факту́ра.txt", ContentFile("Bedrag: € 12,50\n".encode()))
