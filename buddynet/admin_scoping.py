"""Django admin that a coordinator can use, limited to their own projects.

Coordinators are staff without Django model permissions: what they may see and change is
decided by their memberships, exactly as in the API, through the same selectors.
Administrators (role or superuser) see everything.

Every admin here counts its change list cheaply (`CheapCounts`, issue 20): no second COUNT(*) of
the whole table for "N total", and on PostgreSQL an unfiltered list of a big table is counted
from the planner's estimate.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connections
from django.http import HttpRequest
from django.utils.functional import cached_property

from buddynet.records.accounts.selectors import roles_of


def whole_table_estimate(queryset: Any) -> int | None:
    """PostgreSQL's estimate of the rows of `queryset`'s table when the queryset is the whole
    table (no WHERE: no filter, search or scope; no DISTINCT, grouping or slice) and the table
    is big (more than settings.ADMIN_COUNT_ESTIMATE_ABOVE rows); None when it must be counted."""
    query = getattr(queryset, "query", None)
    if query is None or connections[queryset.db].vendor != "postgresql":
        return None
    if (query.where or query.distinct or query.combinator or query.group_by is not None or query.is_sliced
            or query.extra or query.extra_tables):
        return None
    with connections[queryset.db].cursor() as cursor:
        # reltuples is kept by autovacuum/ANALYZE; -1 for a table never analysed.
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                       [connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)])
        row = cursor.fetchone()
    estimate = int(row[0]) if row and row[0] is not None else -1
    return estimate if estimate > settings.ADMIN_COUNT_ESTIMATE_ABOVE else None


def inline_save_through(formset: Any, *, parent_field: str, parent: Any, save: Any, delete: Any) -> None:
    """Save an inline's rows through services instead of formset.save(): `delete(obj)` for each
    row marked for deletion, `save(obj, is_new)` (returning the saved object) for each new or
    changed row, with the row's link to `parent` set first. It records what formset.save() would,
    for the admin's change message."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for row in formset.deleted_forms:
        if row.instance.pk is not None:
            delete(row.instance)
            formset.deleted_objects.append(row.instance)
    for row in formset.forms:
        if row in formset.deleted_forms or not row.has_changed():
            continue
        obj = row.instance  # filled from the row's cleaned data when it was validated
        setattr(obj, parent_field, parent)
        is_new = obj.pk is None
        saved = save(obj, is_new)
        if is_new:
            formset.new_objects.append(saved)
        else:
            formset.changed_objects.append((saved, row.changed_data))


class EstimatedCountPaginator(Paginator):
    """Django's paginator; on PostgreSQL, the count of a whole big table is the planner's
    estimate instead of COUNT(*), which reads every row for the number under the list (and the
    page links). Filtered, searched and scoped lists, small tables and SQLite are counted
    exactly. An estimate can be off by a few percent: the list says "about" nowhere (the admin's
    pagination template has no hook for it), a page past the real end is shown empty, and rows past
    an estimate that is too low have no page link (sorting the other way, a filter or a search
    reaches them; README, issue 20)."""

    estimated = False

    @cached_property
    def count(self) -> int:
        estimate = whole_table_estimate(self.object_list)
        if estimate is not None:
            self.estimated = True
            return estimate
        return super().count


class CheapCounts:
    """What every admin of a table that grows uses to count its change list (issue 20):
    `show_full_result_count = False` drops the second COUNT(*) (the unfiltered "N total" beside a
    search or filter: the list shows "Show all" instead), and the paginator estimates the count
    of a whole big table on PostgreSQL."""

    show_full_result_count: ClassVar[bool] = False
    paginator: ClassVar[type] = EstimatedCountPaginator


class AdminOnlyMixin(CheapCounts):
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


class ScopedAdmin(CheapCounts, admin.ModelAdmin):
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
