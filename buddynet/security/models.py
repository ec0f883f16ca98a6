"""The security app's one table: recent requests counted by the rate limits (ratelimit.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RateLimitHit(models.Model):
    """One counted request in one bucket (e.g. "sign-in links for this e-mail address").

    The bucket is a keyed hash of what is counted, not the e-mail or IP address itself, and
    rows older than the window are deleted by the next request: the table holds nothing
    personal in the clear and no more than the requests of the last window."""

    bucket = models.CharField(_("bucket"), max_length=64)
    created_at = models.DateTimeField(_("counted at"), db_index=True)

    class Meta:
        verbose_name = _("rate limit hit")
        verbose_name_plural = _("rate limit hits")
        indexes = [models.Index(fields=["bucket", "created_at"], name="security_ratelimit_bucket_at")]

    def __str__(self) -> str:
        return f"{self.bucket[:8]}… {self.created_at:%Y-%m-%d %H:%M:%S}"


class ApiTokenUse(models.Model):
    """When an API token (DRF's authtoken.Token) was last used.

    Written by the token authentication (buddynet/security/tokens.py) at most once per
    API_TOKEN_LAST_USED_MINUTES per token, so a busy client costs one small UPDATE every few
    minutes, not one per request. The token's expiry needs no column: it is the token's
    `created` plus API_TOKEN_DAYS."""

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="use", verbose_name=_("token"),
    )
    last_used_at = models.DateTimeField(_("last used at"))

    class Meta:
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")

    def __str__(self) -> str:
        return f"{self.last_used_at:%Y-%m-%d %H:%M}"
