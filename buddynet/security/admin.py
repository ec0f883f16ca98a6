"""The audit log in the admin: read-only for everyone, superusers included (docs/security.md)."""

from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils.translation import gettext_lazy

from buddynet.admin_scoping import CheapCounts
from buddynet.records.accounts.selectors import roles_of


class AuditedModelFilter(ResourceTypeFilter):
    """auditlog's resource-type filter, its choices from the models registered for auditing instead
    of a DISTINCT over every log entry on each load (the biggest table: issue 20). Same parameter,
    same filtering."""

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[int, str]]:
        from auditlog.registry import auditlog
        from django.contrib.contenttypes.models import ContentType

        types = ContentType.objects.get_for_models(*auditlog.get_models())
        return sorted(((ct.pk, ct.model) for ct in types.values()), key=lambda choice: choice[1])


class TimestampFilter(admin.DateFieldListFilter):
    """The entries' time as a date filter, titled in the reader's language (auditlog's field is
    named "timestamp" without a translation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = gettext_lazy("time")


class ReadOnlyLogEntryAdmin(CheapCounts, LogEntryAdmin):
    # auditlog's filters but the resource types' choices cheap, and a date filter (links, no
    # query) instead of date_hierarchy, whose years scan every entry (as the check-in list).
    date_hierarchy = None
    list_filter = ["action", AuditedModelFilter, CIDFilter, ("timestamp", TimestampFilter)]

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


# --- django-axes' sign-in logs: axes' own admins (same columns, filters, permissions), counted
# as ours (CheapCounts): one row per sign-in and per failure, the biggest tables after the audit log.

def _install_axes_admins() -> None:
    for model, axes_admin in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin),
                              (AccessFailureLog, AccessFailureLogAdmin)):
        if not admin.site.is_registered(model):
            continue  # AXES_ENABLE_ADMIN = False: axes registered none
        admin.site.unregister(model)
        admin.site.register(model, type(axes_admin.__name__, (CheapCounts, axes_admin), {}))


_install_axes_admins()


# --- GDPR actions on participants and volunteers (art. 15 export, art. 17 erasure), administrators only

def _gdpr_actions(model: Any, *, kind: str, export: Any, pdf: Any, anonymise: Any, code: Any,
                  select_one: Any, erased: Any, explanation: Any = None) -> None:
    """Adds the three actions to `model`'s admin: export as JSON, as PDF, and erase (after a
    confirmation page). `kind` names the files; the callables are retention's for that model."""
    import json

    from django.contrib import messages
    from django.http import HttpResponse
    from django.template.response import TemplateResponse
    from django.utils.translation import gettext as _
    from django.utils.translation import gettext_lazy

    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return

    def _one(modeladmin: Any, request: Any, queryset: Any) -> Any:
        if not roles_of(request.user).administrator:
            modeladmin.message_user(request, _("Only an administrator may do this."), messages.ERROR)
            return None
        if queryset.count() != 1:
            modeladmin.message_user(request, select_one, messages.WARNING)
            return None
        return queryset.get()

    @admin.action(description=gettext_lazy("Export this person's data as JSON (GDPR art. 15)"))
    def export_json(modeladmin: Any, request: Any, queryset: Any) -> Any:
        person = _one(modeladmin, request, queryset)
        if person is None:
            return None
        body = json.dumps(export(person), indent=2, ensure_ascii=False, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-{person.pk}.json"'
        return response

    @admin.action(description=gettext_lazy("Export this person's data as PDF (GDPR art. 15)"))
    def export_pdf(modeladmin: Any, request: Any, queryset: Any) -> Any:
        person = _one(modeladmin, request, queryset)
        if person is None:
            return None
        response = HttpResponse(pdf(person), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{kind}-{person.pk}.pdf"'
        return response

    @admin.action(description=gettext_lazy("Erase this person's data (GDPR art. 17)"))
    def erase(modeladmin: Any, request: Any, queryset: Any) -> Any:
        person = _one(modeladmin, request, queryset)
        if person is None:
            return None
        if request.POST.get("confirm") != "yes":
            context = {**modeladmin.admin_site.each_context(request), "person": person,
                       "code": code(person.pk), "opts": modeladmin.model._meta,
                       "explanation": explanation(person) if explanation else None,
                       "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "security/admin_erase_confirm.html", context)
        anonymise(person)
        modeladmin.message_user(request, erased % {"code": code(person.pk)}, messages.SUCCESS)
        return None

    model_admin.actions = [*(model_admin.actions or []), export_json, export_pdf, erase]


def _volunteer_erasure_explanation(volunteer: Any) -> str:
    from django.utils.translation import gettext as _

    from buddynet.features.funding.selectors import allowances_of_volunteer
    from buddynet.security import retention

    text = _("Names, contact details and notes are removed for good, the user account (if it has no other "
             "role) is deactivated, and the volunteer's names are replaced by %(code)s in the texts of their "
             "duos. Check-ins, days volunteered, allowances and numbers in reports stay. This cannot be "
             "undone.") % {"code": retention.volunteer_code(volunteer.pk)}
    payments, _declared = allowances_of_volunteer(volunteer_id=volunteer.pk)
    years = sorted({p.year for p in payments})
    if years:
        text += " " + _("Allowances were paid for %(years)s: they stay, but no longer show the name. "
                        "If the allowance list with names must still be kept for those years, do not "
                        "erase yet.") % {"years": ", ".join(str(y) for y in years)}
    return text


def _install_gdpr_actions() -> None:
    from django.utils.translation import gettext_lazy

    from buddynet.records.people.models import Participant, Volunteer
    from buddynet.security import retention

    _gdpr_actions(
        Participant, kind="participant",
        export=lambda p: retention.participant_export(participant=p),
        pdf=lambda p: retention.participant_export_pdf(participant=p),
        anonymise=lambda p: retention.participant_anonymise(participant=p),
        code=retention.participant_code,
        select_one=gettext_lazy("Select exactly one participant."),
        erased=gettext_lazy("The participant's data was erased; the record is now %(code)s."),
    )
    _gdpr_actions(
        Volunteer, kind="volunteer",
        export=lambda v: retention.volunteer_export(volunteer=v),
        pdf=lambda v: retention.volunteer_export_pdf(volunteer=v),
        anonymise=lambda v: retention.volunteer_anonymise(volunteer=v),
        code=retention.volunteer_code,
        select_one=gettext_lazy("Select exactly one volunteer."),
        erased=gettext_lazy("The volunteer's data was erased; the record is now %(code)s."),
        explanation=_volunteer_erasure_explanation,
    )


_install_gdpr_actions()


# --- Office API tokens: expiry and last use shown, deleting one is revoking it (services.py)


def _install_token_admin() -> None:
    from django.utils.translation import gettext_lazy
    from rest_framework.authtoken.admin import TokenAdmin
    from rest_framework.authtoken.models import TokenProxy

    from buddynet.security import services

    class ExpiringTokenAdmin(TokenAdmin):
        list_display = ("user", "created", "expires_at", "last_used_at")

        def get_queryset(self, request: Any) -> Any:
            return super().get_queryset(request).select_related("user", "use")

        @admin.display(description=gettext_lazy("expires at"))
        def expires_at(self, obj: Any) -> Any:
            return services.api_token_expires_at(obj)

        @admin.display(description=gettext_lazy("last used at"))
        def last_used_at(self, obj: Any) -> Any:
            return services.api_token_last_used_at(obj)

        # The admin's delete (the token's page, "Delete") is the global administrator's revoke.
        def delete_model(self, request: Any, obj: Any) -> None:
            services.api_token_revoke(token=obj, by=request.user)

        def delete_queryset(self, request: Any, queryset: Any) -> None:
            for token in queryset:
                services.api_token_revoke(token=token, by=request.user)

    if admin.site.is_registered(TokenProxy):
        admin.site.unregister(TokenProxy)
    admin.site.register(TokenProxy, ExpiringTokenAdmin)


_install_token_admin()
