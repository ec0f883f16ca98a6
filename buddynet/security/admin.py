"""The audit log in the admin: read-only for everyone, superusers included (docs/security.md)."""

from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from buddynet.accounts.selectors import roles_of


class ReadOnlyLogEntryAdmin(LogEntryAdmin):
    # auditlog's own admin lets a superuser delete entries; an audit trail that its subjects'
    # administrators can prune is no audit trail.
    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    # Administrators (the role) read the log; coordinators see reads on their participant pages.
    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff and roles_of(request.user).administrator)

    def has_module_permission(self, request: Any) -> bool:
        return self.has_view_permission(request)


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, ReadOnlyLogEntryAdmin)
