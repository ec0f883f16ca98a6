"""Match runs in the admin: read-only records, scoped like the API (decisions happen on the
review page and through the services, never by editing rows)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from buddynet.admin_scoping import ScopedAdmin
from matching import selectors
from matching.models import MatchRun, Proposal


class ReadOnlyScopedAdmin(ScopedAdmin):
    coordinator_may_add = False
    coordinator_may_change = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyScopedAdmin):
    selector = selectors.match_runs_for_user
    list_display = ["id", "project", "pooled", "status", "created_at", "matched_count", "participant_count",
                    "objective"]
    list_filter = ["status"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyScopedAdmin):
    selector = selectors.proposals_for_user
    list_display = ["id", "run", "volunteer", "participant", "score", "decision"]
    list_filter = ["decision"]

    def project_of(self, obj: Any) -> int | None:
        return obj.run.project_id
