"""Admin: the barrier taxonomy is edited here (administrators: a reference table without rules);
signals themselves are only viewed (they are recorded and moved through the pages and the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from buddynet.admin_scoping import AdminOnlyMixin
from buddynet.features.signals.models import BarrierType, Signal
from buddynet.features.signals.selectors import signals_for_user


@admin.register(BarrierType)
class BarrierTypeAdmin(AdminOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name_nl", "name_en", "active", "position"]
    list_editable = ["active", "position"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a type in use is kept (PROTECT); switch it off with "active" instead


@admin.register(Signal)
class SignalAdmin(AdminOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["date", "barrier_type", "life_domain", "municipality", "status", "project"]
    list_filter = ["status", "barrier_type", "life_domain"]
    fields = ("date", "project", "barrier_type", "life_domain", "municipality", "status", "passed_on_to",
              "status_changed_on", "shareable", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Signal]:
        # A signal is about a participant: the platform administrator sees an organisation's only
        # under a support access, as in the API and on the pages (signals_for_user).
        return signals_for_user(user=request.user).order_by("-date", "-id")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
