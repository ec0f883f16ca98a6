from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buddynet.admin_scoping import AdminOnlyMixin, ScopedAdmin
from buddynet.errors import InvalidInput
from buddynet.records.people import fields, postcodes, selectors, services
from buddynet.records.people.models import Funder, Organisation, Participant, Project, Volunteer
from buddynet.records.people.screening import screening_problems


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    selector = selectors.organisations_for_user
    delete_service = staticmethod(lambda obj, by: services.organisation_delete(organisation=obj, by=by))
    coordinator_may_add = False
    list_display = ["name", "kind"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "enterprise_number"]}),
        (_("Notification e-mail"), {"fields": ["email_sender_name", "email_reply_to"]}),
    ]

    coordinator_may_change = False

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        services.organisation_save(organisation=obj, data={})


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    selector = selectors.projects_for_user
    delete_service = staticmethod(lambda obj, by: services.project_delete(project=obj, by=by))
    scoped_fields = {"organisation": selectors.organisations_for_user}
    coordinator_may_add = False
    list_display = ["name", "organisation", "start_date", "end_date", "contact_cadence_days"]
    list_filter = ["organisation"]
    search_fields = ["name"]

    def project_of(self, obj: Project) -> int | None:
        return obj.pk

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        services.project_save(project=obj, data={})


PERSON_FIELDSETS = [
    (None, {"fields": ["project", "first_name", "last_name", "status"]}),
    (_("Contact"), {"fields": ["email", "phone", "birth_year", "gender", "postcode", "municipality", "mobility"]}),
    (_("Matching"), {"fields": ["languages", "interests", "availability", "gender_preference",
                          "preferred_age_min", "preferred_age_max"]}),
]


class PersonForm(forms.ModelForm):
    """Validates the intake fields exactly as the API does."""

    list_validators = {
        "languages": fields.validate_languages,
        "interests": fields.validate_interests,
        "availability": fields.validate_availability,
        "needs": fields.validate_domain_levels,
        "strengths": fields.validate_domain_levels,
    }

    def clean_postcode(self) -> str:
        code = self.cleaned_data["postcode"]
        if postcodes.lookup(code) is None:
            raise forms.ValidationError(_("Unknown Belgian postcode: %(code)s.") % {"code": code})
        return code.strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, validate in self.list_validators.items():
            if name in cleaned:
                try:
                    cleaned[name] = validate(cleaned[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned


class ParticipantForm(PersonForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            # The rule participant_save keeps (the end of an intake), shown next to the field.
            services.participant_intake_check(
                status=cleaned.get("status", self.instance.status),
                consent_date=cleaned.get("consent_date", self.instance.consent_date),
            )
            # And the rule of an open duo (the instance still holds the stored status here).
            services.participant_status_check(participant=self.instance, previous=self.instance.status,
                                              status=cleaned.get("status"))
        except InvalidInput as exc:
            self.add_error("status", exc.message["status"])  # type: ignore[index]
        return cleaned


class VolunteerForm(PersonForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        status = cleaned.get("status")
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        if "status" in self.changed_data and status in (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED) and project:
            # The rule volunteer_save keeps (people/screening.py), shown next to the field.
            dates = ("intake_date", "training_date", "criminal_record_checked_on")
            probe = Volunteer(project=project, **{d: cleaned.get(d, getattr(self.instance, d)) for d in dates})
            for problem in screening_problems(probe):
                self.add_error("status", problem)
        if "status" in self.changed_data and self.instance.pk is not None:
            try:
                # The rule volunteer_save keeps under the row lock (the instance still holds the
                # stored status here), shown next to the field.
                services.volunteer_stop_check(volunteer=self.instance, previous=self.instance.status, status=status)
            except InvalidInput as exc:
                self.add_error("status", exc.message["status"])  # type: ignore[index]
        return cleaned

    def clean_capacity(self) -> int | None:
        capacity = self.cleaned_data.get("capacity")
        try:
            # The same check volunteer_save repeats under the row lock; here it shows the
            # problem next to the field instead of failing on save.
            services.volunteer_capacity_check(volunteer=self.instance, capacity=capacity)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message["capacity"]) from None  # type: ignore[index]
        return capacity


class PersonAdmin(ScopedAdmin):
    form = PersonForm
    scoped_fields = {"project": selectors.projects_for_user}
    list_filter = ["project", "status"]
    search_fields = ["first_name", "last_name", "email", "postcode", "municipality"]
    readonly_fields = ["municipality", "latitude", "longitude", "created_at", "updated_at"]

    def _data(self, form: Any) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}


@admin.register(Participant)
class ParticipantAdmin(PersonAdmin):
    selector = selectors.participants_for_user
    delete_service = staticmethod(lambda obj, by: services.participant_delete(participant=obj, by=by))
    form = ParticipantForm
    list_display = ["first_name", "last_name", "project", "status", "waiting_since", "municipality"]
    fieldsets = [
        *PERSON_FIELDSETS,
        (_("Intake"), {"fields": ["referred_by", "waiting_since", "needs", "interpreter_arranged", "notes"]}),
        (_("Consent"), {"fields": ["consent_date", "consent_scope", "consent_recorded_by"]}),
    ]
    readonly_fields = [*PersonAdmin.readonly_fields, "consent_recorded_by"]

    def save_model(self, request: HttpRequest, obj: Participant, form: Any, change: bool) -> None:
        # The service resolves the postcode and records who noted the consent.
        services.participant_save(participant=obj, data={"postcode": obj.postcode}, by=request.user)


@admin.register(Volunteer)
class VolunteerAdmin(PersonAdmin):
    selector = selectors.volunteers_for_user
    delete_service = staticmethod(lambda obj, by: services.volunteer_delete(volunteer=obj, by=by))
    form = VolunteerForm
    list_display = ["first_name", "last_name", "project", "status", "capacity", "criminal_record_checked_on"]
    fieldsets = [
        *PERSON_FIELDSETS,
        (_("Screening"), {"fields": ["intake_date", "training_date", "criminal_record_checked_on"]}),
        (_("Capacity"), {"fields": ["capacity", "max_travel_km", "strengths", "waiting_since", "notes"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Volunteer, form: Any, change: bool) -> None:
        services.volunteer_save(volunteer=obj, data={"postcode": obj.postcode})


@admin.register(Funder)
class FunderAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: Funder, form: Any, change: bool) -> None:
        services.funder_save(funder=obj, data={})

    def delete_model(self, request: HttpRequest, obj: Funder) -> None:
        services.funder_delete(funder=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for funder in queryset:
            services.funder_delete(funder=funder, by=request.user)
