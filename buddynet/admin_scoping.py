"""Django admin that a coordinator can use, limited to their own projects.

Coordinators are staff without Django model permissions: what they may see and change is
decided by their memberships, exactly as in the API, through the same selectors.
Administrators (role or superuser) see everything.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest

from buddynet.records.accounts.selectors import roles_of


class AdminOnlyMixin:
    """Back-office tables only administrators touch (users, memberships, organisations)."""

    def _allowed(self, request: HttpRequest) -> bool:
        return roles_of(request.user).administrator

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)


class ScopedAdmin(admin.ModelAdmin):
    """Rows come from `selector(user=...)`; related choices are scoped the same way.

    `scoped_fields` maps a foreign-key field name to the selector that limits its choices.
    `project_of(obj)` says which project an object belongs to, for change permission.
    """

    selector: Any = None
    scoped_fields: dict[str, Any] = {}
    coordinator_may_add = True
    coordinator_may_change = True
    coordinator_may_delete = False
    # `delete_service(obj, by)`: the app's service that deletes (and refuses); without one the
    # admin deletes nothing, so a delete never skips the rules the services keep (issue 15).
    delete_service: Any = None

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = type(self).selector(user=request.user)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def project_of(self, obj: Any) -> int | None:
        return getattr(obj, "project_id", None)

    def _staff_role(self, request: HttpRequest) -> bool:
        roles = roles_of(request.user)
        return roles.administrator or roles.is_coordinator

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._staff_role(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._staff_role(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        roles = roles_of(request.user)
        return roles.administrator or (self.coordinator_may_add and roles.is_coordinator)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        roles = roles_of(request.user)
        if obj is None:
            return roles.administrator or roles.is_coordinator
        if roles.administrator:
            return True
        project_id = self.project_of(obj)
        return self.coordinator_may_change and project_id is not None and roles.coordinates(project_id)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.delete_service is None:
            return False
        roles = roles_of(request.user)
        if roles.administrator:
            return True
        if not self.coordinator_may_delete:
            return False
        return obj is None or roles.coordinates(self.project_of(obj) or -1)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        type(self).delete_service(obj, request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # One by one through the service (Django's default is one queryset DELETE, no rules).
        for obj in queryset:
            type(self).delete_service(obj, request.user)

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A plain related filter ("project") offers every row of the related table, so a
        # coordinator would read the names of other organisations' projects in the sidebar;
        # RelatedOnlyFieldListFilter offers only the values of the rows they can see.
        scoped = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                try:
                    field = get_fields_from_path(self.model, item)[-1]
                except FieldDoesNotExist:
                    field = None
                if field is not None and field.is_relation:
                    item = (item, admin.RelatedOnlyFieldListFilter)
            scoped.append(item)
        return scoped

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        selector = self.scoped_fields.get(db_field.name)
        if selector is not None:
            kwargs["queryset"] = selector(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
