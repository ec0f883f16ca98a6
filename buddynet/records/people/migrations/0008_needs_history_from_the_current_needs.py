"""Each participant's needs as they were stored (one field, overwritten until now) become their
first measurement: at intake, dated the day the record was made. Participant.needs stays as
the latest measurement's copy."""

from typing import Any

from django.db import migrations


def forward(apps: Any, schema_editor: Any) -> None:
    Participant = apps.get_model("people", "Participant")
    NeedsMeasurement = apps.get_model("people", "NeedsMeasurement")
    rows = [
        NeedsMeasurement(participant_id=pk, occasion="intake", date=created_at.date(), needs=needs)
        for pk, created_at, needs in Participant.objects.exclude(needs={}).values_list("pk", "created_at", "needs")
        .iterator(chunk_size=2000)
        if needs
    ]
    NeedsMeasurement.objects.bulk_create(rows, batch_size=2000)


def backward(apps: Any, schema_editor: Any) -> None:
    apps.get_model("people", "NeedsMeasurement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0007_needs_measurement")]
    operations = [migrations.RunPython(forward, backward)]
