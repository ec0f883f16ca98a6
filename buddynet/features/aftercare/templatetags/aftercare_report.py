from __future__ import annotations

from django import template

from buddynet.features.aftercare.report import labels, voice_labels

register = template.Library()


@register.filter
def referral_label(code: str) -> str:
    return str(labels().get(code, code))


@register.filter
def voice_label(code: str) -> str:
    return str(voice_labels().get(code, code))
