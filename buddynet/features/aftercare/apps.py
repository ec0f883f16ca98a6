from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "buddynet.features.aftercare"
    label = "aftercare"
    verbose_name = _("Aftercare")

    def ready(self) -> None:
        from buddynet import privacy
        from buddynet.features.aftercare import handlers
        from buddynet.features.aftercare.privacy import HANDLERS

        # Its part in erasure and export (GDPR), called by buddynet/security/retention.py.
        privacy.register("aftercare", HANDLERS)
        # A duo that closes gets its aftercare planned; one re-opened loses what is still pending.
        handlers.subscribe()
