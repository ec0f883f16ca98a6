"""Funding records. Only the funder exists yet (it scopes the funder role); grants, budget
lines, tranches, expenses and reports come with the funding issue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Funder(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
