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


# --- GDPR actions on participants (art. 15 export, art. 17 erasure), administrators only ------

def _participant_actions() -> None:
    import json

    from django.contrib import messages
    from django.http import HttpResponse
    from django.template.response import TemplateResponse
    from django.utils.translation import gettext as _
    from django.utils.translation import gettext_lazy

    from buddynet.people.models import Participant
    from buddynet.security import retention

    model_admin = admin.site._registry.get(Participant)
    if model_admin is None:
        return

    def _one(modeladmin: Any, request: Any, queryset: Any) -> Any:
        if not roles_of(request.user).administrator:
            modeladmin.message_user(request, _("Only an administrator may do this."), messages.ERROR)
            return None
        if queryset.count() != 1:
            modeladmin.message_user(request, _("Select exactly one participant."), messages.WARNING)
            return None
        return queryset.get()

    @admin.action(description=gettext_lazy("Export this person's data as JSON (GDPR art. 15)"))
    def export_json(modeladmin: Any, request: Any, queryset: Any) -> Any:
        person = _one(modeladmin, request, queryset)
        if person is None:
            return None
        body = json.dumps(retention.participant_export(participant=person), indent=2, ensure_ascii=False, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="participant-{person.pk}.json"'
        return response

    @admin.action(description=gettext_lazy("Export this person's data as PDF (GDPR art. 15)"))
    def export_pdf(modeladmin: Any, request: Any, queryset: Any) -> Any:
        person = _one(modeladmin, request, queryset)
        if person is None:
            return None
        response = HttpResponse(retention.participant_export_pdf(participant=person), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="participant-{person.pk}.pdf"'
        return response

    @admin.action(description=gettext_lazy("Erase this person's data (GDPR art. 17)"))
    def erase(modeladmin: Any, request: Any, queryset: Any) -> Any:
        person = _one(modeladmin, request, queryset)
        if person is None:
            return None
        if request.POST.get("confirm") != "yes":
            context = {**modeladmin.admin_site.each_context(request), "person": person,
                       "code": retention.participant_code(person.pk), "opts": modeladmin.model._meta,
                       "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "security/admin_erase_confirm.html", context)
        retention.participant_anonymise(participant=person)
        modeladmin.message_user(request, _("The participant's data was erased; the record is now %(code)s.")
                                % {"code": retention.participant_code(person.pk)}, messages.SUCCESS)
        return None

    model_admin.actions = [*(model_admin.actions or []), export_json, export_pdf, erase]


_participant_actions()
