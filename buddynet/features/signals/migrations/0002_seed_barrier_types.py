"""The barrier taxonomy's first rows: the structural barriers that research on people in poverty
finding and keeping work names (issue 18), plus non-take-up of rights, digital exclusion and
waiting lists. Administrators edit the list afterwards in the admin."""

from typing import Any

from django.db import migrations

BARRIERS = [
    ("housing", "Huisvesting", "Housing"),
    ("mobility", "Mobiliteit", "Mobility"),
    ("childcare", "Kinderopvang", "Childcare"),
    ("discrimination", "Vooroordelen en discriminatie", "Prejudice and discrimination"),
    ("complex-procedures", "Complexe jobs en procedures", "Complexity of jobs and procedures"),
    ("education-language", "Onderwijs en taal", "Education and language"),
    ("debt-income", "Schulden en inkomen", "Debt and income"),
    ("health", "Gezondheid", "Health"),
    ("non-take-up", "Niet-gebruik van rechten", "Non-take-up of rights"),
    ("digital-exclusion", "Digitale uitsluiting", "Digital exclusion"),
    ("waiting-lists", "Wachtlijsten", "Waiting lists"),
]


def seed(apps: Any, schema_editor: Any) -> None:
    BarrierType = apps.get_model("signals", "BarrierType")
    for position, (code, nl, en) in enumerate(BARRIERS, 1):
        BarrierType.objects.update_or_create(code=code, defaults={"name_nl": nl, "name_en": en,
                                                                   "position": position * 10})


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("signals", "BarrierType").objects.filter(
        code__in=[code for code, _nl, _en in BARRIERS], signals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("signals", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
