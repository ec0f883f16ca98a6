"""Administrators see every notification, above all the failed ones (filter "failed"), and can
send a failed e-mail again. Coordinators do not see that table (messages are personal), but set
the notification rules of their own projects."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from buddynet.admin_scoping import AdminOnlyMixin, ScopedAdmin
from buddynet.records.people.selectors import projects_for_user
from notifications import selectors, services
from notifications.models import Notification, Preference, ProjectRules


class DeliveryState(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("failed", _("Failed")), ("pending", _("Not yet sent")), ("sent", _("Sent"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.value() == "failed":
            return queryset.exclude(failed_at=None)
        if self.value() == "pending":
            return queryset.filter(sent_at=None, failed_at=None)
        if self.value() == "sent":
            return queryset.exclude(sent_at=None)
        return queryset


@admin.register(Notification)
class NotificationAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "subject", "sent_at", "failed_at", "attempts"]
    list_filter = [DeliveryState, "channel", "kind"]
    search_fields = ["recipient__email", "subject", "dedup_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # rows come from the rules and events, never by hand

    @admin.action(description=_("Send failed e-mails again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        failed = list(queryset.exclude(failed_at=None).filter(channel="email", sent_at=None))
        for notification in failed:
            services.notification_redeliver(notification=notification)
        self.message_user(request, ngettext("%d e-mail queued again.", "%d e-mails queued again.", len(failed))
                          % len(failed), messages.SUCCESS)


class ProjectRulesForm(forms.ModelForm):
    class Meta:
        model = ProjectRules
        fields = ["project", "disabled_kinds", *services.RULE_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:  # the thresholds as they would be saved, checked by the service's rule
            rules = ProjectRules(**{name: cleaned[name] for name in ("disabled_kinds", *services.RULE_FIELDS)})
            for name, text in services.project_rules_problems(rules=rules).items():
                self.add_error(name if name in self.fields else None, text)
        return cleaned


@admin.register(ProjectRules)
class ProjectRulesAdmin(ScopedAdmin):
    """A coordinator sets the rules of their own projects; an administrator of every project.
    Organisation administrators have their own page (notifications/views.py project_rules); both
    save through services.project_rules_save."""

    form = ProjectRulesForm
    selector = selectors.project_rules_for_user
    scoped_fields = {"project": projects_for_user}
    list_display = ["project", "first_month_min_check_ins", "new_duo_days", "screening_warn_days"]
    list_select_related = ["project"]

    def save_model(self, request: HttpRequest, obj: ProjectRules, form: Any, change: bool) -> None:
        saved = services.project_rules_save(project=obj.project, by=request.user, data={
            name: getattr(obj, name) for name in ("disabled_kinds", *services.RULE_FIELDS)})
        obj.pk = saved.pk  # the admin's log entry and "continue editing" name the saved row


@admin.register(Preference)
class PreferenceAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "email_frequency"]
    list_select_related = ["user"]
