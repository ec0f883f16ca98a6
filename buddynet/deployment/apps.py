from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeploymentConfig(AppConfig):
    """This installation: whether its database was set up for production, and its first administrator
    (`manage.py first_admin`). One table, one row at most (models.py)."""

    name = "buddynet.deployment"
    label = "deployment"
    verbose_name = _("Installation")
