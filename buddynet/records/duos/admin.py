from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buddynet.admin_scoping import ScopedAdmin
from buddynet.errors import ServiceError
from buddynet.records.duos import selectors, services
from buddynet.records.duos.models import CheckIn, Duo, Goal, VolunteerDay
from buddynet.records.people.selectors import participants_for_user, projects_for_user, volunteers_for_user


class GoalInline(admin.TabularInline):
    """A duo's goals. Offered only to who may change them while the duo is open (the service's
    rule, services.goals_may_change); DuoAdmin.save_formset writes them through goal_save and
    goal_delete, which refuse the same whatever the admin offers."""

    model = Goal
    extra = 0
    fields = ["life_domain", "description", "status"]

    def _may_change(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and services.goals_may_change(user=request.user, duo=obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_change(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class DuoAddForm(forms.ModelForm):
    class Meta:
        model = Duo
        fields = ["volunteer", "participant", "proposed_on"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        volunteer, participant = cleaned.get("volunteer"), cleaned.get("participant")
        if volunteer and participant:
            try:
                services.duo_proposal_check(volunteer=volunteer, participant=participant)
            except ServiceError as exc:
                message = exc.message
                if isinstance(message, dict):
                    for field, text in message.items():
                        self.add_error(field if field in self.fields else None, str(text))
                else:
                    self.add_error(None, str(message))
        return cleaned


@admin.register(Duo)
class DuoAdmin(ScopedAdmin):
    """Duos are created and moved through their lifecycle by the duo services only: the
    status fields are read-only here; the actions below call the services."""

    selector = selectors.duos_for_user
    scoped_fields = {
        "project": projects_for_user, "volunteer": volunteers_for_user, "participant": participants_for_user,
    }
    list_display = ["__str__", "project", "status", "proposed_on", "started_on", "planned_end_on", "closed_on"]
    list_filter = ["project", "status", "closure_reason"]
    search_fields = ["volunteer__first_name", "volunteer__last_name", "participant__first_name",
                     "participant__last_name"]
    inlines = [GoalInline]
    actions = ["introduce", "activate", "resume"]
    status_fields = ["status", "proposed_on", "introduced_on", "started_on", "paused_on", "pause_reason",
                     "planned_end_on", "closed_on", "closure_reason", "closure_note", "evaluation_volunteer",
                     "evaluation_participant", "next_step", "created_by", "created_at", "updated_at"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = DuoAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["status", "created_by"]
        return ["project", "volunteer", "participant", *self.status_fields]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["volunteer", "participant", "proposed_on"]
        return ["project", "volunteer", "participant", "next_meeting_on", *self.status_fields]

    def save_model(self, request: HttpRequest, obj: Duo, form: Any, change: bool) -> None:
        if change:
            # The one field the admin edits; saving the form for its goals alone (a closed duo
            # too) must not plan a meeting.
            if "next_meeting_on" in form.changed_data:
                try:
                    services.duo_plan_meeting(duo=obj, by=request.user, on=obj.next_meeting_on)
                except ServiceError as error:
                    raise PermissionDenied(str(error.message)) from error
            return
        # The form checked the pair; the service checks again under the row locks.
        duo = services.duo_propose(
            volunteer=obj.volunteer, participant=obj.participant, by=request.user, proposed_on=obj.proposed_on,
        )
        obj.pk = duo.pk
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The goals inline, through the goal services (who may, and only while the duo is open)."""
        if formset.model is not Goal:
            super().save_formset(request, form, formset, change)
            return
        # What BaseModelFormSet.save() would record, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            for goal_form in formset.deleted_forms:
                if goal_form.instance.pk is not None:
                    services.goal_delete(goal=goal_form.instance, by=request.user)
                    formset.deleted_objects.append(goal_form.instance)
            for goal_form in formset.forms:
                if goal_form in formset.deleted_forms or not goal_form.has_changed():
                    continue
                data = {name: goal_form.cleaned_data[name] for name in GoalInline.fields}
                if goal_form.instance.pk is None:
                    formset.new_objects.append(
                        services.goal_save(duo=form.instance, by=request.user, data=data))
                else:
                    formset.changed_objects.append((
                        services.goal_save(goal=goal_form.instance, by=request.user, data=data),
                        goal_form.changed_data))
        except ServiceError as error:
            # Raised inside the admin's transaction: the duo's own change rolls back with it.
            raise PermissionDenied(str(error.message)) from error

    def _run(self, request: HttpRequest, queryset: QuerySet[Duo], service: Any) -> None:
        done = 0
        for duo in queryset:
            try:
                service(duo=duo, by=request.user)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{duo}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, _("%(count)d duo(s) updated.") % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Mark as introduced (today)"))
    def introduce(self, request: HttpRequest, queryset: QuerySet[Duo]) -> None:
        self._run(request, queryset, services.duo_introduce)

    @admin.action(description=_("Start the duo (today)"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Duo]) -> None:
        self._run(request, queryset, services.duo_activate)

    @admin.action(description=_("Resume a paused duo"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Duo]) -> None:
        self._run(request, queryset, services.duo_resume)


class CheckInForm(forms.ModelForm):
    """The back office's correction of a check-in: a date outside the duo's life is a field
    error here, as in the API and the pages (services.check_in_date_check); who may correct it
    and when is check_in_update's, on save."""

    class Meta:
        model = CheckIn
        fields = "__all__"  # noqa: DJ007 -- the admin decides the fields (its get_fields), as without this form

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "date" in self.changed_data and self.instance.pk is not None:
            try:
                services.check_in_date_check(duo=self.instance.duo, day=cleaned.get("date"))
            except ServiceError as exc:
                self.add_error("date", exc.message["date"] if isinstance(exc.message, dict) else str(exc.message))
        return cleaned


@admin.register(CheckIn)
class CheckInAdmin(ScopedAdmin):
    selector = selectors.check_ins_for_user
    form = CheckInForm
    coordinator_may_add = False
    list_display = ["duo", "date", "mode", "duration_minutes", "mood", "concern", "concern_handled_at"]
    # A date filter (today, past 7 days, this month, this year: links, no query) instead of
    # date_hierarchy, whose years cost two more scans of every check-in in scope on each load
    # (MIN/MAX, then DISTINCT years): at the target size (239,000 check-ins) about a third of the
    # page's database time (issue 20, benchmarks/scale.py).
    list_filter = ["concern", "mode", "date", "duo__project"]
    readonly_fields = ["duo", "author", "client_uuid", "created_at", "updated_at", "concern_handled_at",
                       "concern_handled_by"]

    def get_queryset(self, request: HttpRequest) -> Any:
        # The duo column shows both first names: joined here, not two queries per row (issue 20;
        # list_select_related is ignored when the selector's queryset already selects related).
        return super().get_queryset(request).select_related("duo__volunteer", "duo__participant")

    def project_of(self, obj: CheckIn) -> int | None:
        return obj.duo.project_id

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # contact moments are logged by their volunteers (check_in_record)

    def save_model(self, request: HttpRequest, obj: CheckIn, form: Any, change: bool) -> None:
        # A correction through the same service as the API and the phone (who may, when).
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.check_in_update(check_in=obj, by=request.user, data=data)
        except ServiceError as error:
            raise PermissionDenied(str(error.message)) from error


@admin.register(VolunteerDay)
class VolunteerDayAdmin(ScopedAdmin):
    """Days volunteered, read-only: volunteers mark them on their phone (services.volunteer_day_mark);
    the allowance is computed from them in funding."""

    selector = selectors.volunteer_days_for_user
    coordinator_may_add = False
    coordinator_may_change = False
    list_display = ["volunteer", "date", "created_by", "created_at"]
    list_filter = ["date", "volunteer__project"]  # not date_hierarchy: as CheckInAdmin
    readonly_fields = ["volunteer", "date", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only for everyone: the days change through volunteer_day_mark/unmark only

    def project_of(self, obj: VolunteerDay) -> int | None:
        return obj.volunteer.project_id
