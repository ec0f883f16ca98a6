from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buddynet.admin_scoping import AdminOnlyMixin, inline_save_through
from buddynet.records.accounts import services
from buddynet.records.accounts.models import Membership, User

admin.site.site_header = _("buddynet administration")
admin.site.site_title = "buddynet"
admin.site.index_title = _("Records")
# Roles come from memberships, not Django groups.
admin.site.unregister(Group)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["project", "volunteer", "funder"]


def _membership_save(membership: Membership, *, change: bool) -> Membership:
    """A membership the back office added or changed, through the accounts services (which end
    the user's API tokens when their roles change)."""
    if not change:
        return services.membership_grant(
            user=membership.user, role=membership.role, project=membership.project,
            volunteer=membership.volunteer, funder=membership.funder, organisation=membership.organisation)
    return services.membership_update(membership=membership)


@admin.register(User)
class UserAdmin(AdminOnlyMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal details"), {"fields": ("full_name", "language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"is_superuser", "is_staff"} & set(form.changed_data):
            services.user_access_changed(user=obj)  # the API tokens follow the roles

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The memberships inline, through the accounts services."""
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        inline_save_through(
            formset, parent_field="user", parent=form.instance,
            save=lambda membership, is_new: _membership_save(membership, change=not is_new),
            delete=lambda membership: services.membership_revoke(membership=membership))


@admin.register(Membership)
class MembershipAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "role", "project", "volunteer", "funder", "organisation", "created_at"]
    # One query for the page, not one per row (an organisation administrator's row named its
    # organisation with a query of its own: 9 queries at 1x, 7 at 10x in benchmarks/scale.py).
    list_select_related = ["user", "project", "volunteer", "funder", "organisation"]
    list_filter = ["role", "project"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user", "project", "volunteer", "funder", "organisation"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change and not form.has_changed():
            return
        obj.pk = _membership_save(obj, change=change).pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_revoke(membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset.select_related("user"):
            services.membership_revoke(membership=membership)
