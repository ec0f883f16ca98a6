"""/api/v1/aftercare/: the planned aftercare of closed duos and each project's aftercare rules,
for the project's coordinators (and administrators) only. Writes call the one service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from buddynet.api import ScopedRelatedField, ScopedViewSet
from buddynet.errors import InvalidInput
from buddynet.features.aftercare import selectors, services
from buddynet.features.aftercare.models import (
    QUESTIONS,
    AftercareItem,
    AftercareSettings,
    Evaluation,
    Moment,
    Referral,
    ReferralOutcome,
    ReferralService,
    Respondent,
    ServiceKind,
    Source,
)
from buddynet.records.accounts.models import User
from buddynet.records.duos.models import CheckInMode
from buddynet.records.duos.selectors import duos_in_scope
from buddynet.records.people.selectors import participants_for_user, project_get_for_user, projects_for_user
from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain

MAX_CSV_BYTES = 1_000_000

if TYPE_CHECKING:
    Serializer = serializers.Serializer[Any]
    ModelSerializer = serializers.ModelSerializer[Any]
    GenericView = GenericAPIView[Any]
else:
    GenericView = GenericAPIView
    Serializer = serializers.Serializer
    ModelSerializer = serializers.ModelSerializer


def _by(request: Request) -> User:
    """The signed-in user (IsAuthenticated ran before any write)."""
    return cast(User, request.user)


class ItemOutput(ModelSerializer):
    participant = serializers.IntegerField(source="duo.participant_id", read_only=True)
    closed_on = serializers.DateField(source="duo.closed_on", read_only=True, allow_null=True)

    class Meta:
        model = AftercareItem
        fields = ["id", "duo", "participant", "closed_on", "kind", "due_on", "status", "done_on", "mode", "note",
                  "done_by"]


class LogInput(Serializer):
    on = serializers.DateField(validators=[plausible_date], required=False)
    mode = serializers.ChoiceField(choices=CheckInMode.choices, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.items_for_user
    serializer_class = ItemOutput
    filterset_fields = ["duo", "status", "kind"]
    ordering_fields = ["due_on"]

    @extend_schema(request=LogInput, responses=ItemOutput)
    @action(detail=True, methods=["post"])
    def log(self, request: Request, pk: str) -> Response:
        """Record the aftercare contact (or the closure map) as done."""
        item = self.get_object()
        data = LogInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.aftercare_log(item=item, by=_by(request), on=data.validated_data.get("on"),
                                      mode=data.validated_data["mode"], note=data.validated_data["note"])
        return Response(ItemOutput(self.get_queryset().get(pk=item.pk)).data)


class SettingsIO(ModelSerializer):
    contact_months = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=24),
                                           max_length=6, required=False)

    class Meta:
        model = AftercareSettings
        fields = ["project", "contact_months", "closure_map", "interim_map_months"]
        read_only_fields = ["project"]


class SettingsApi(GenericView):
    """GET/PATCH /api/v1/aftercare/projects/<id>/settings/: the project's aftercare rules."""

    permission_classes = [IsAuthenticated]
    serializer_class = SettingsIO

    def _project_id(self, request: Request, project_id: Any) -> int:
        return project_get_for_user(user=request.user, project_id=project_id).pk

    def get(self, request: Request, project_id: str) -> Response:
        pk = self._project_id(request, project_id)
        return Response(SettingsIO(selectors.settings_of(project_id=pk)).data)

    def patch(self, request: Request, project_id: str) -> Response:
        pk = self._project_id(request, project_id)
        data = SettingsIO(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        rules = services.aftercare_settings_save(project_id=pk, by=_by(request), data=dict(data.validated_data))
        return Response(SettingsIO(rules).data, status=status.HTTP_200_OK)


# --- referrals (issue 18 item 3) ---------------------------------------------------------------
class ServiceOutput(ModelSerializer):
    class Meta:
        model = ReferralService
        fields = ["id", "project", "name", "kind", "municipality", "contact", "active"]


class ServiceInput(Serializer):
    project = ScopedRelatedField(projects_for_user)
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    municipality = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ImportInput(Serializer):
    project = ScopedRelatedField(projects_for_user)
    file = serializers.FileField(max_length=200)


class ReferralServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.referral_services_for_user
    serializer_class = ServiceOutput
    filterset_fields = ["project", "kind", "municipality", "active"]

    @extend_schema(request=ServiceInput, responses={201: ServiceOutput})
    def create(self, request: Request) -> Response:
        data = ServiceInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        project = values.pop("project")
        service = services.referral_service_save(project_id=project.pk, by=_by(request), data=values)
        return Response(ServiceOutput(service).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": ImportInput},
                   responses=inline_serializer("ServiceImport", fields={"imported": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        """Import the directory from a CSV (name/naam, kind/soort, municipality/gemeente, contact)."""
        if not (self.role_names() & self.allowed_roles):
            raise PermissionDenied()
        data = ImportInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        count = services.referral_services_import(project_id=data.validated_data["project"].pk, by=_by(request),
                                                  data=data.validated_data["file"].read(MAX_CSV_BYTES + 1))
        return Response({"imported": count})


class ReferralOutput(ModelSerializer):
    class Meta:
        model = Referral
        fields = ["id", "participant", "service", "date", "life_domain", "reason", "made_by", "outcome",
                  "outcome_on", "outcome_note"]


class ReferralInput(Serializer):
    participant = ScopedRelatedField(participants_for_user)
    service = ScopedRelatedField(selectors.referral_services_for_user)
    date = serializers.DateField(validators=[plausible_date])
    life_domain = serializers.ChoiceField(choices=LifeDomain.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class OutcomeInput(Serializer):
    outcome = serializers.ChoiceField(choices=ReferralOutcome.choices)
    on = serializers.DateField(validators=[plausible_date], required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.referrals_for_user
    serializer_class = ReferralOutput
    filterset_fields = ["participant", "service", "outcome", "life_domain"]

    @extend_schema(request=ReferralInput, responses={201: ReferralOutput})
    def create(self, request: Request) -> Response:
        data = ReferralInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        referral = services.referral_record(participant=v["participant"], service=v["service"], by=_by(request),
                                            on=v["date"], life_domain=v["life_domain"], reason=v["reason"])
        return Response(ReferralOutput(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OutcomeInput, responses=ReferralOutput)
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        """What came of the referral."""
        referral = self.get_object()
        data = OutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        referral = services.referral_outcome_record(referral=referral, by=_by(request), outcome=v["outcome"],
                                                    on=v.get("on"), note=v["note"])
        return Response(ReferralOutput(referral).data)


# --- the participant's voice (issue 18 item 4) --------------------------------------------------
class EvaluationOutput(ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "participant", "duo", "moment", "respondent", "source", "date", *QUESTIONS, "own_words",
                  "recorded_by"]


def _face() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True, default=None)


class EvaluationInput(Serializer):
    participant = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                           max_value=2**63 - 1)
    duo = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=2**63 - 1)
    moment = serializers.ChoiceField(choices=Moment.choices)
    respondent = serializers.ChoiceField(choices=Respondent.choices, default=Respondent.PARTICIPANT)
    source = serializers.ChoiceField(choices=Source.choices, default=Source.PHONE)  # type: ignore[assignment]
    date = serializers.DateField(validators=[plausible_date])
    heard = _face()
    decide = _face()
    network = _face()
    recommend = _face()
    fit = _face()
    own_words = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Coordinators read; the duo's volunteer may also record (create), for their buddy."""

    selector = selectors.evaluations_for_user
    serializer_class = EvaluationOutput
    filterset_fields = ["participant", "duo", "moment", "respondent"]
    allowed_roles = frozenset({"administrator", "coordinator", "volunteer"})

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not (self.role_names() & {"administrator", "coordinator"}):
            raise PermissionDenied()
        return super().list(request, *args, **kwargs)

    @extend_schema(request=EvaluationInput, responses={201: EvaluationOutput})
    def create(self, request: Request) -> Response:
        data = EvaluationInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        duo_id, participant_id = v.pop("duo"), v.pop("participant")
        if duo_id is None and participant_id is None:
            raise InvalidInput({"participant": _("Give the participant or the duo.")})
        # An id outside the caller's scope is "does not exist" (400 on the field), as elsewhere.
        duo = (duos_in_scope(user=request.user).select_related("participant").filter(pk=duo_id).first()
               if duo_id is not None else None)
        if duo_id is not None and duo is None:
            raise InvalidInput({"duo": _("Unknown duo.")})
        participant = (duo.participant if duo is not None
                       else participants_for_user(user=request.user).filter(pk=participant_id).first())
        if participant is None:
            raise InvalidInput({"participant": _("Unknown participant.")})
        evaluation = services.evaluation_record(participant=participant, duo=duo, by=_by(request), data=v)
        return Response(EvaluationOutput(evaluation).data, status=status.HTTP_201_CREATED)
