from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from buddynet.admin_scoping import AdminOnlyMixin
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


@admin.register(Membership)
class MembershipAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "role", "project", "volunteer", "funder", "organisation", "created_at"]
    # One query for the page, not one per row (an organisation administrator's row named its
    # organisation with a query of its own: 9 queries at 1x, 7 at 10x in benchmarks/scale.py).
    list_select_related = ["user", "project", "volunteer", "funder", "organisation"]
    list_filter = ["role", "project"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user", "project", "volunteer", "funder", "organisation"]
