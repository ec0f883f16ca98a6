"""The legal caps of the Belgian flat-rate volunteer allowance (indexed each year). Administrators
edit them afterwards in the admin; this only seeds the years known when the app was written."""

from decimal import Decimal

from django.db import migrations

CAPS = {
    2024: ("41.48", "1659.29"),
    2025: ("42.31", "1692.51"),
    2026: ("44.02", "1760.83"),
}


def seed(apps, schema_editor):
    AllowanceCap = apps.get_model("funding", "AllowanceCap")
    for year, (daily, yearly) in CAPS.items():
        # get_or_create: an administrator's correction made before this ran is kept.
        AllowanceCap.objects.get_or_create(
            year=year, defaults={"daily_cap": Decimal(daily), "yearly_cap": Decimal(yearly)}
        )


def unseed(apps, schema_editor):
    apps.get_model("funding", "AllowanceCap").objects.filter(year__in=CAPS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("funding", "0002_grants"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
