"""Check-ins' new contacts (labels of people, also alter labels on the network maps) are masked
in the audit log from now on (buddynet/security/audit.py AUDITED). Entries written before held
them in plain text: mask those too, so erasure has nothing left to find in the log.

A one-off change made by the deployment, not by the application (which never edits the log).
Not reversible: the labels are gone, as intended.
"""

from typing import Any

from django.db import migrations

MASK = "***"
MASKED = {("duos", "checkin"): ("new_contacts",)}


def mask_logged_values(apps: Any, schema_editor: Any) -> None:
    log_entry = apps.get_model("auditlog", "LogEntry")
    for (app_label, model), fields in MASKED.items():
        entries = log_entry.objects.using(schema_editor.connection.alias).filter(
            content_type__app_label=app_label, content_type__model=model,
        )
        for pk, changes in entries.values_list("pk", "changes").iterator():
            if not isinstance(changes, dict):
                continue
            masked = {
                name: ([MASK for _ in value] if name in fields and isinstance(value, list) else value)
                for name, value in changes.items()
            }
            if masked != changes:
                log_entry.objects.using(schema_editor.connection.alias).filter(pk=pk).update(changes=masked)


class Migration(migrations.Migration):

    dependencies = [
        ("security", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(mask_logged_values, migrations.RunPython.noop),
    ]
