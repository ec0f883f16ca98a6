from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "buddynet.features.signals"
    label = "signals"
    verbose_name = _("Barrier signals")

    def ready(self) -> None:
        from buddynet import privacy
        from buddynet.features.signals import handlers
        from buddynet.features.signals.privacy import HANDLERS

        # Its part in erasure and export (GDPR), called by buddynet/security/retention.py.
        privacy.register("signals", HANDLERS)
        # A barrier met on a check-in (the phone, the API) becomes a signal in its transaction.
        handlers.subscribe()
