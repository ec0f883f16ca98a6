from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "buddynet.web"
    label = "web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        # Connects the volunteers' session policy to user_logged_in (password form and magic link).
        from buddynet.web import volunteer  # noqa: F401
