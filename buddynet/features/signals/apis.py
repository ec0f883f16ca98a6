"""/api/v1/signals/: barrier signals of the caller's projects (coordinators, administrators),
recording one, moving its status, sharing its description; the barrier types; the signal report.
A volunteer records a barrier with their check-in (POST /api/v1/check-ins/ with "barrier")."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from buddynet.api import ScopedRelatedField, ScopedViewSet
from buddynet.features.signals import report as signal_report
from buddynet.features.signals import selectors, services
from buddynet.features.signals.models import BarrierType, Signal, SignalStatus
from buddynet.records.accounts.models import User
from buddynet.records.accounts.selectors import roles_of
from buddynet.records.duos.selectors import duos_in_scope
from buddynet.records.people.selectors import participants_for_user
from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain


def _me(request: Request) -> User:
    """The signed-in user (IsAuthenticated ran before any write)."""
    return cast(User, request.user)


class SignalOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    barrier_type: serializers.SlugRelatedField[BarrierType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True)

    class Meta:
        model = Signal
        fields = ["id", "project", "participant", "duo", "check_in", "date", "life_domain", "barrier_type",
                  "description", "municipality", "status", "passed_on_to", "status_changed_on", "shareable",
                  "recorded_by", "created_at", "updated_at"]


class SignalInput(serializers.Serializer):  # type: ignore[type-arg]
    participant = ScopedRelatedField(participants_for_user)
    duo = ScopedRelatedField(duos_in_scope, required=False, allow_null=True, default=None)
    barrier_type = serializers.CharField(max_length=40)
    life_domain = serializers.ChoiceField(choices=LifeDomain.choices)
    description = serializers.CharField(max_length=Signal.DESCRIPTION_MAX, required=False, allow_blank=True,
                                        default="")
    date = serializers.DateField(validators=[plausible_date], required=False)


class MoveInput(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=SignalStatus.choices)
    passed_on_to = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class ShareInput(serializers.Serializer):  # type: ignore[type-arg]
    shareable = serializers.BooleanField()
    description = serializers.CharField(max_length=Signal.DESCRIPTION_MAX, required=False, allow_blank=True)


class SignalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.signals_for_user
    serializer_class = SignalOutput
    filterset_fields = ["project", "participant", "status", "life_domain", "municipality"]
    ordering_fields = ["date", "created_at"]

    @extend_schema(request=SignalInput, responses={201: SignalOutput})
    def create(self, request: Request) -> Response:
        data = SignalInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        participant, duo, on = v.pop("participant"), v.pop("duo"), v.pop("date", None)
        with transaction.atomic():
            signal = services.signal_record(participant=participant, duo=duo, data=v, by=_me(request), on=on)
        return Response(SignalOutput(signal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MoveInput, responses={200: SignalOutput})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        signal = self.get_object()
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        signal = services.signal_move(signal=signal, by=_me(request), **data.validated_data)
        return Response(SignalOutput(signal).data)

    @extend_schema(request=ShareInput, responses={200: SignalOutput})
    @action(detail=True, methods=["post"])
    def share(self, request: Request, pk: str) -> Response:
        signal = self.get_object()
        data = ShareInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            if "description" in data.validated_data:
                signal = services.signal_describe(signal=signal, by=_me(request),
                                                  description=data.validated_data["description"])
            signal = services.signal_share(signal=signal, shareable=data.validated_data["shareable"],
                                           by=_me(request))
        return Response(SignalOutput(signal).data)


class BarrierTypeOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = BarrierType
        fields = ["code", "name", "name_nl", "name_en"]


class BarrierTypesApi(GenericAPIView):  # type: ignore[type-arg]
    """The active barrier types (every signed-in user: a volunteer's app offers them as chips)."""

    permission_classes = [IsAuthenticated]
    serializer_class = BarrierTypeOutput
    pagination_class = None
    queryset = BarrierType.objects.none()  # for the schema only: get() reads through the selector

    @extend_schema(responses=BarrierTypeOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(BarrierTypeOutput(selectors.barrier_types_offered(), many=True).data)


class ReportInput(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(validators=[plausible_date])
    end = serializers.DateField(validators=[plausible_date])
    municipality = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    project = ScopedRelatedField(selectors.report_projects_for_user, required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end cannot be before the start.")]})
        return attrs


class SignalReportApi(GenericAPIView):  # type: ignore[type-arg]
    """The signal report's numbers (coordinators over their projects, organisation administrators over
    their organisations', administrators)."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReportInput

    @extend_schema(parameters=[ReportInput], responses={200: dict})
    def get(self, request: Request) -> Response:
        roles = roles_of(request.user)
        if not (roles.administrator or roles.is_coordinator or roles.is_org_admin):
            raise PermissionDenied  # volunteers and funders: 403, as the schema says for a refused role
        data = ReportInput(data=request.query_params, context={"request": request})
        data.is_valid(raise_exception=True)
        c = data.validated_data
        projects = ([c["project"]] if c["project"] is not None
                    else list(selectors.report_projects_for_user(user=request.user)))
        signals = selectors.report_signals(user=request.user, project_ids=[p.pk for p in projects])
        return Response(signal_report.signal_report(signals=signals, start=c["start"], end=c["end"],
                                                    municipality=c["municipality"].strip(),
                                                    projects=[p.name for p in projects]))
