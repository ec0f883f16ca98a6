from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuosConfig(AppConfig):
    name = "buddynet.records.duos"
    label = "duos"
    verbose_name = _("Duos and check-ins")
