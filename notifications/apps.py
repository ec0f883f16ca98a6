from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications import handlers

        # Outbox rows are written by these listeners inside the transaction of each change.
        handlers.subscribe()
        from buddynet import privacy
        from notifications.privacy import HANDLERS

        # Its part in erasure and export (GDPR), called by buddynet/security/retention.py.
        privacy.register("notifications", HANDLERS)
