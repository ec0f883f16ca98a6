from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from buddynet.api import ScopedRelatedField, ScopedViewSet, ServiceCreateMixin, ServicePatchMixin
from buddynet.records.accounts.selectors import Roles
from buddynet.records.people import fields, postcodes, selectors, services
from buddynet.records.people.models import (
    ConsentEvent,
    Funder,
    NeedsMeasurement,
    Organisation,
    Participant,
    Project,
    Volunteer,
)
from buddynet.records.people.screening import screening_problems
from buddynet.validators import plausible_date

PERSON_FIELDS = [
    "id", "project", "first_name", "last_name", "email", "phone", "birth_year", "gender",
    "postcode", "municipality", "latitude", "longitude", "mobility", "languages", "interests",
    "availability", "gender_preference", "preferred_age_min", "preferred_age_max", "notes",
    "created_at", "updated_at",
]
PERSON_READ_ONLY = ["id", "municipality", "latitude", "longitude", "created_at", "updated_at"]


class CrudMixin(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceCreateMixin, ServicePatchMixin):
    """List/retrieve from the scoped selector; create/update/delete through `save`."""

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.change(request, partial=False)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        self.require_write(obj)
        self.remove(instance=obj)  # the service refuses (409) what other records still refer to
        return Response(status=status.HTTP_204_NO_CONTENT)

    def remove(self, *, instance: Any) -> None:
        """Delete through the app's service (not `delete`: DRF binds that name to the HTTP method)."""
        raise NotImplementedError


# --- Organisations --------------------------------------------------------------------------
class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "enterprise_number", "email_sender_name", "email_reply_to", "created_at"]
        read_only_fields = ["id", "created_at"]


class OrganisationViewSet(CrudMixin, ScopedViewSet):
    selector = selectors.organisations_for_user
    serializer_class = OrganisationSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["name"]

    def check_create(self, data: Any) -> None:
        if not self.roles.administrator:
            raise PermissionDenied(_("Only an administrator can create organisations."))

    def save(self, *, instance: Organisation | None, data: dict[str, Any]) -> Organisation:
        return services.organisation_save(organisation=instance, data=data)

    def remove(self, *, instance: Organisation) -> None:
        services.organisation_delete(organisation=instance, by=self.request.user)


# --- Projects -------------------------------------------------------------------------------
class ProjectSerializer(serializers.ModelSerializer):
    organisation = ScopedRelatedField(selectors.organisations_for_user)

    class Meta:
        model = Project
        fields = [
            "id", "organisation", "name", "start_date", "end_date", "contact_cadence_days",
            "quiet_alert_days", "planned_duo_months", "default_max_travel_km",
            "matching_weights", "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate_matching_weights(self, value: Any) -> dict[str, float]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(w, int | float) and not isinstance(w, bool) and w >= 0
            for k, w in value.items()
        ):
            raise serializers.ValidationError(_("Give each criterion a number of 0 or more."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": _("The end date is before the start date.")})
        return attrs


class ProjectViewSet(CrudMixin, ScopedViewSet):
    selector = selectors.projects_for_user
    serializer_class = ProjectSerializer
    filterset_fields = ["organisation"]
    ordering_fields = ["name", "start_date"]

    def can_write(self, roles: Roles, obj: Project) -> bool:
        return roles.coordinates(obj.pk)

    def check_create(self, data: Any) -> None:
        if not self.roles.administrator:
            raise PermissionDenied(_("Only an administrator can create projects."))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.get_object()  # 404 before 403 for what the caller cannot see
        if not self.roles.administrator:
            raise PermissionDenied(_("Only an administrator can delete projects."))
        return super().destroy(request, *args, **kwargs)

    def save(self, *, instance: Project | None, data: dict[str, Any]) -> Project:
        return services.project_save(project=instance, data=data)

    def remove(self, *, instance: Project) -> None:
        services.project_delete(project=instance, by=self.request.user)


# --- Participants ---------------------------------------------------------------------------
class PersonSerializer(serializers.ModelSerializer):
    project = ScopedRelatedField(selectors.projects_for_user)
    postcode = serializers.CharField(max_length=4, validators=[fields.validate_postcode])
    languages = serializers.JSONField(validators=[], required=False)
    interests = serializers.JSONField(required=False)
    availability = serializers.JSONField(required=False)

    def validate_languages(self, value: Any) -> list[str]:
        return fields.validate_languages(value)

    def validate_interests(self, value: Any) -> list[str]:
        return fields.validate_interests(value)

    def validate_availability(self, value: Any) -> list[str]:
        return fields.validate_availability(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low = attrs.get("preferred_age_min", getattr(self.instance, "preferred_age_min", None))
        high = attrs.get("preferred_age_max", getattr(self.instance, "preferred_age_max", None))
        if low is not None and high is not None and high < low:
            raise serializers.ValidationError({"preferred_age_max": _("Lower than the minimum age.")})
        moved = self.instance is not None and "project" in attrs and attrs["project"] != self.instance.project
        if moved and self.instance.duos.exists():
            raise serializers.ValidationError({"project": _("Someone with duos cannot change project.")})
        return attrs


class ConsentEventSerializer(serializers.ModelSerializer):
    recorded_by = serializers.StringRelatedField(read_only=True, allow_null=True)
    # "" after a withdrawal of all consent.
    scope = serializers.ChoiceField(choices=Participant.ConsentScope.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ConsentEvent
        fields = ["id", "kind", "scope", "on", "how", "recorded_by", "created_at"]
        read_only_fields = fields


class ConsentInput(serializers.Serializer):
    """One step in the consent history; scope "" withdraws all consent."""

    scope = serializers.ChoiceField(choices=Participant.ConsentScope.choices, allow_blank=True)
    given_on = serializers.DateField(validators=[plausible_date])
    how = serializers.ChoiceField(choices=ConsentEvent.How.choices, default=ConsentEvent.How.SIGNED_FORM)


class ParticipantSerializer(PersonSerializer):
    needs = serializers.JSONField(required=False)
    consent_recorded_by = serializers.StringRelatedField(read_only=True, allow_null=True)  # null: nobody recorded it
    # How a consent given or changed through consent_date/consent_scope was given (kept in its history).
    consent_how = serializers.ChoiceField(choices=ConsentEvent.How.choices, write_only=True, required=False)

    class Meta:
        model = Participant
        fields = [*PERSON_FIELDS, "referred_by", "status", "waiting_since", "needs",
                  "interpreter_arranged", "consent_date", "consent_scope", "consent_recorded_by", "consent_how"]
        read_only_fields = [*PERSON_READ_ONLY, "consent_recorded_by"]

    def validate_needs(self, value: Any) -> dict[str, int]:
        return fields.validate_domain_levels(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        date_ = attrs.get("consent_date", getattr(self.instance, "consent_date", None))
        scope = attrs.get("consent_scope", getattr(self.instance, "consent_scope", ""))
        if bool(date_) != bool(scope):
            key = "consent_scope" if date_ else "consent_date"
            raise serializers.ValidationError({key: _("Consent needs both a date and a scope.")})
        # Waiting for a buddy needs consent: people_services.participant_save refuses it (the rule
        # of intake completion, one place for the API, the intake wizard and the admin).
        return attrs


class NeedsMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = NeedsMeasurement
        fields = ["id", "occasion", "date", "needs", "recorded_by", "created_at"]


class NeedsInput(serializers.Serializer):
    occasion = serializers.ChoiceField(choices=NeedsMeasurement.Occasion.choices)
    date = serializers.DateField(validators=[plausible_date])
    needs = serializers.JSONField(help_text="{life_domain: 0..3}; domains left out mean 0.")

    def validate_needs(self, value: Any) -> dict[str, int]:
        return fields.validate_domain_levels(value)


class NeedsHistoryOutput(serializers.Serializer):
    measurements = NeedsMeasurementSerializer(many=True)
    change = serializers.DictField(allow_null=True, help_text="From the first measurement to the latest: per "
                                   "domain [earlier, later, change], and the totals (0–30).")


class ParticipantViewSet(CrudMixin, ScopedViewSet):
    selector = selectors.participants_for_user
    serializer_class = ParticipantSerializer
    filterset_fields = ["project", "status", "postcode"]
    ordering_fields = ["last_name", "waiting_since", "created_at"]

    def can_write(self, roles: Roles, obj: Participant) -> bool:
        return roles.coordinates(obj.project_id)

    def save(self, *, instance: Participant | None, data: dict[str, Any]) -> Participant:
        return services.participant_save(participant=instance, data=data, by=self.request.user)

    def remove(self, *, instance: Participant) -> None:
        services.participant_delete(participant=instance, by=self.request.user)

    @extend_schema(methods=["GET"], request=None, responses=ConsentEventSerializer(many=True))
    @extend_schema(methods=["POST"], request=ConsentInput, responses={201: ConsentEventSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a history: short, never paged
    def consent(self, request: Request, pk: str) -> Response:
        """The participant's consent history, newest first (GET); add a step to it (POST: given,
        widened, narrowed or withdrawn, derived from the scope before and after)."""
        participant = self.get_object()
        if request.method == "GET":
            events = participant.consent_events.select_related("recorded_by").order_by("-on", "-id")
            return Response(ConsentEventSerializer(events, many=True).data)
        self.require_write(participant)
        data = ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.consent_record(participant=participant, by=request.user, **data.validated_data)
        return Response(ConsentEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=NeedsHistoryOutput)
    @extend_schema(methods=["POST"], request=NeedsInput, responses={201: NeedsMeasurementSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a few measurements: never paged
    def needs(self, request: Request, pk: str) -> Response:
        """The needs measured over time, oldest first, with the change from the first to the latest
        (GET); record a new measurement (POST: intake, interim or closure, dated)."""
        participant = self.get_object()
        if request.method == "GET":
            measurements, change = selectors.needs_history(participant=participant)
            return Response({
                "measurements": NeedsMeasurementSerializer(measurements, many=True).data,
                "change": None if change is None else {
                    "domains": {d: list(row) for d, row in change.domains.items()},
                    "total_before": change.total_before, "total_after": change.total_after,
                    "total_change": change.total_change},
            })
        self.require_write(participant)
        data = NeedsInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        measurement = services.needs_measure(participant=participant, occasion=v["occasion"], on=v["date"],
                                             needs=v["needs"], by=request.user)
        return Response(NeedsMeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)


# --- Volunteers -----------------------------------------------------------------------------
class VolunteerSerializer(PersonSerializer):
    strengths = serializers.JSONField(required=False)
    screening_complete = serializers.BooleanField(read_only=True)
    screening_problems = serializers.SerializerMethodField()
    open_duo_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Volunteer
        fields = [*PERSON_FIELDS, "status", "intake_date", "training_date",
                  "criminal_record_checked_on", "screening_complete", "screening_problems", "capacity", "max_travel_km",
                  "strengths", "waiting_since", "privacy_informed_on", "agreement_signed_on", "open_duo_count"]
        read_only_fields = PERSON_READ_ONLY

    def validate_strengths(self, value: Any) -> dict[str, int]:
        return fields.validate_domain_levels(value)

    def get_screening_problems(self, volunteer: Volunteer) -> list[str]:
        """Why the volunteer cannot be matched or get a new duo today (empty: they can)."""
        return screening_problems(volunteer)


class VolunteerViewSet(CrudMixin, ScopedViewSet):
    selector = selectors.volunteers_for_user
    serializer_class = VolunteerSerializer
    allowed_roles = frozenset({"administrator", "coordinator", "volunteer"})
    filterset_fields = ["project", "status", "postcode"]
    ordering_fields = ["last_name", "created_at"]

    def can_write(self, roles: Roles, obj: Volunteer) -> bool:
        return roles.coordinates(obj.project_id)

    def check_create(self, data: Any) -> None:
        if not (self.roles.administrator or self.roles.is_coordinator):
            raise PermissionDenied()

    def save(self, *, instance: Volunteer | None, data: dict[str, Any]) -> Volunteer:
        volunteer = services.volunteer_save(volunteer=instance, data=data)
        return selectors.volunteer_get_for_user(user=self.request.user, volunteer_id=volunteer.pk)

    def remove(self, *, instance: Volunteer) -> None:
        services.volunteer_delete(volunteer=instance, by=self.request.user)


# --- Funders --------------------------------------------------------------------------------
class FunderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Funder
        fields = ["id", "name", "created_at"]
        read_only_fields = ["id", "created_at"]


class FunderViewSet(CrudMixin, ScopedViewSet):
    selector = selectors.funders_for_user
    serializer_class = FunderSerializer
    allowed_roles = frozenset({"administrator", "funder"})

    def check_create(self, data: Any) -> None:
        if not self.roles.administrator:
            raise PermissionDenied()

    def save(self, *, instance: Funder | None, data: dict[str, Any]) -> Funder:
        return services.funder_save(funder=instance, data=data)

    def remove(self, *, instance: Funder) -> None:
        services.funder_delete(funder=instance, by=self.request.user)


# --- Postcodes ------------------------------------------------------------------------------
class PlaceSerializer(serializers.Serializer):
    postcode = serializers.CharField()
    municipality = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class PostcodeLookupApi(APIView):
    """The municipality and coordinates of a Belgian postcode (for intake forms)."""

    @extend_schema(responses=PlaceSerializer)
    def get(self, request: Request, postcode: str) -> Response:
        place = postcodes.lookup(postcode)
        if place is None:
            return Response(
                {"postcode": [_("Unknown Belgian postcode: %(code)s.") % {"code": postcode}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(PlaceSerializer(place).data)
