"""Password rules per OWASP ASVS 5.0 (V6.2): length, not composition.

ASVS asks for at least 8 characters, at least 64 allowed, no composition rules (no "one digit,
one capital") and a check against commonly used passwords. Django ships the minimum length, the
common-password list and the similarity check; this module adds the upper bound, which keeps a
megabyte "password" from costing a megabyte of PBKDF2 work per sign-in attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from buddynet.records.accounts.models import User


class MaximumLengthValidator:
    def __init__(self, max_length: int = 64) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can contain at most %(max_length)d character.",
            "Your password can contain at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}
