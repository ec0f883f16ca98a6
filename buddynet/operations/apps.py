from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Keeping an instance alive (issue 14): backup and restore, beat's heartbeat, the detailed
    health checks, request logs and error reporting. One table: the heartbeats (models.py)."""

    name = "buddynet.operations"
    label = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from buddynet.operations import schedules

        # Beat's heartbeat and the nightly backup in django-celery-beat's schedule (schedules.py).
        post_migrate.connect(schedules.install_after_migrate, sender=self,
                             dispatch_uid="buddynet-operations-schedules")
