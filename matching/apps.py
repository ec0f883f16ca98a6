from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from buddynet import privacy
        from matching.privacy import HANDLERS

        # Its part in erasure and export (GDPR), called by buddynet/security/retention.py.
        privacy.register("matching", HANDLERS)
