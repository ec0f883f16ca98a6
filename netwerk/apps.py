from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetwerkConfig(AppConfig):
    name = "netwerk"
    verbose_name = _("Network maps")

    def ready(self) -> None:
        from netwerk import handlers

        # A new check-in's contacts reach the network map inside the check-in's transaction.
        handlers.subscribe()
