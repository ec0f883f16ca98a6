from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications import handlers, schedules

        # Outbox rows are written by these listeners inside the transaction of each change.
        handlers.subscribe()
        # The periodic tasks get their django-celery-beat rows after every migrate (existing
        # rows, possibly edited in the admin, are left alone).
        post_migrate.connect(schedules.install_after_migrate, sender=self)
