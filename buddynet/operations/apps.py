from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Keeping an instance alive (issue 14): backup and restore, beat's heartbeat, the detailed
    health checks, request logs and error reporting. One table: the heartbeats (models.py)."""

    name = "buddynet.operations"
    label = "operations"
    verbose_name = _("Operations")
    # Beat's heartbeat and the nightly backup are in the one schedule list, buddynet/schedules.py.
