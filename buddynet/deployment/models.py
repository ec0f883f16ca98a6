from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProductionMarker(models.Model):
    """The database was set up for production (by `manage.py first_admin`): the demo refuses it.

    One row at most (primary key fixed at 1). Deleting it by hand is the only way back, on purpose.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    marked_at = models.DateTimeField(_("set up for production on"), default=timezone.now)

    class Meta:
        verbose_name = _("production marker")
        verbose_name_plural = _("production markers")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="deployment_marker_single_row")]

    def __str__(self) -> str:
        return str(_("Production since %(day)s") % {"day": self.marked_at.date().isoformat()})
