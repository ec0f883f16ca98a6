from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "buddynet.features.funding"
    label = "funding"
    verbose_name = _("Funding")

    def ready(self) -> None:
        from buddynet import privacy
        from buddynet.features.funding import lights
        from buddynet.features.funding.privacy import HANDLERS

        # Its part in erasure and export (GDPR), called by buddynet/security/retention.py.
        privacy.register("funding", HANDLERS)
        lights.thresholds_for("")  # a wrong FUNDING_LIGHTS stops the process at start, not at a funder's click
