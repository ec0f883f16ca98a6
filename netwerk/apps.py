from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetwerkConfig(AppConfig):
    name = "netwerk"
    verbose_name = _("Network maps")

    def ready(self) -> None:
        from buddynet import privacy
        from netwerk.privacy import HANDLERS

        # Its part in erasure and export (GDPR), called by buddynet/security/retention.py.
        privacy.register("netwerk", HANDLERS)

        from netwerk import handlers

        # A new check-in's contacts reach the network map inside the check-in's transaction.
        handlers.subscribe()
