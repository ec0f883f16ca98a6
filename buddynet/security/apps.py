from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """Sign-in protection, session policy, headers, audit, retention (issue 9). One table: the
    requests counted by the rate limits (models.py, ratelimit.py)."""

    name = "buddynet.security"
    label = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from buddynet.security.sessions import start_session_policy

        # Each login starts the session's clock and remembers "keep me signed in" (sessions.py);
        # the limits and the second factor follow the user's current roles on every request.
        user_logged_in.connect(start_session_policy, dispatch_uid="buddynet-session-policy")
        from buddynet.security import audit

        # Change log of the records about people, names kept out of the log (audit.py).
        audit.connect()
