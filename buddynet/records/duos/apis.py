from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from buddynet.api import CheckedLaterIdField, FieldsBuiltOnce, ScopedRelatedField, ScopedViewSet
from buddynet.errors import InvalidInput
from buddynet.records.accounts.selectors import Roles
from buddynet.records.accounts.types import Actor
from buddynet.records.duos import selectors, services
from buddynet.records.duos.models import Activity, CheckIn, CheckInMode, ClosureReason, Duo, Goal, NextStep
from buddynet.records.people import fields
from buddynet.records.people.selectors import participants_for_user, volunteers_for_user
from buddynet.validators import plausible_date
from buddynet.vocabulary import NEW_CONTACT_CATEGORIES, LifeDomain


# --- Duos -----------------------------------------------------------------------------------
@contextmanager
def _input_named(**names: str) -> Iterator[None]:
    """Services name the column (introduced_on, ...); a 400 names the field the client sent (on)."""
    try:
        yield
    except InvalidInput as exc:
        if isinstance(exc.message, dict):
            exc.message = {names.get(k, k): v for k, v in exc.message.items()}
        raise


class GoalInline(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "life_domain", "description", "status"]


class DuoOutput(serializers.ModelSerializer):
    """What a coordinator sees of a duo."""

    volunteer_name = serializers.SerializerMethodField()
    participant_name = serializers.SerializerMethodField()
    last_check_in_on = serializers.DateField(read_only=True)
    goals = GoalInline(many=True, read_only=True)

    class Meta:
        model = Duo
        fields = [
            "id", "project", "volunteer", "volunteer_name", "participant", "participant_name",
            "status", "proposed_on", "introduced_on", "started_on", "paused_on", "pause_reason",
            "planned_end_on", "next_meeting_on", "closed_on", "closure_reason", "closure_note",
            "evaluation_volunteer", "evaluation_participant", "next_step", "last_check_in_on",
            "goals",
        ]

    def get_volunteer_name(self, duo: Duo) -> str:
        return f"{duo.volunteer.first_name} {duo.volunteer.last_name}"

    def get_participant_name(self, duo: Duo) -> str:
        return f"{duo.participant.first_name} {duo.participant.last_name}"


class VolunteerDuoOutput(serializers.ModelSerializer):
    """What a volunteer sees of their own duo: the buddy's first name, never the record."""

    participant_first_name = serializers.CharField(source="participant.first_name")
    last_check_in_on = serializers.DateField(read_only=True)
    goals = GoalInline(many=True, read_only=True)

    class Meta:
        model = Duo
        fields = ["id", "participant_first_name", "status", "introduced_on", "started_on",
                  "planned_end_on", "next_meeting_on", "last_check_in_on", "goals"]


class DuoProposeInput(serializers.Serializer):
    volunteer = ScopedRelatedField(volunteers_for_user)
    participant = ScopedRelatedField(participants_for_user)
    proposed_on = serializers.DateField(required=False, validators=[plausible_date])


class DateInput(serializers.Serializer):
    on = serializers.DateField(required=False, validators=[plausible_date])


class PauseInput(DateInput):
    reason = serializers.CharField(max_length=200)


class MeetingInput(serializers.Serializer):
    on = serializers.DateField(allow_null=True, validators=[plausible_date])


class CloseInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    on = serializers.DateField(required=False, validators=[plausible_date])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evaluation_volunteer = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    evaluation_participant = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    next_step = serializers.ChoiceField(choices=NextStep.choices)


class DuoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.duos_for_user
    allowed_roles = frozenset({"administrator", "coordinator", "volunteer"})
    filterset_fields = ["project", "status", "volunteer", "participant"]
    ordering_fields = ["proposed_on", "started_on"]

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("goals")

    def get_serializer_class(self) -> Any:
        roles = self.roles
        if roles.administrator or roles.is_coordinator:
            return DuoOutput
        return VolunteerDuoOutput

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        # A coordinator who is also a volunteer elsewhere sees only the volunteer view of
        # duos outside their projects.
        if args and isinstance(args[0], Duo) and not self.roles.coordinates(args[0].project_id):
            kwargs.setdefault("context", self.get_serializer_context())
            return VolunteerDuoOutput(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # One serializer per duo, not one for the page: get_serializer_class() alone would
        # give a coordinator who volunteers elsewhere the full record (participant's full
        # name) of their own buddy's duo.
        # One instance of each shape for the whole page: building a serializer's fields per
        # row cost more than the rest of the request (benchmarks/load_api.py).
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = self.get_serializer_context()
        full, narrow = DuoOutput(context=context), VolunteerDuoOutput(context=context)
        roles = self.roles
        data = [(full if roles.coordinates(duo.project_id) else narrow).to_representation(duo)
                for duo in (queryset if page is None else page)]
        return Response(data) if page is None else self.get_paginated_response(data)

    def _reply(self, duo: Duo, code: int = status.HTTP_200_OK) -> Response:
        duo = selectors.duo_get_for_user(user=self.request.user, duo_id=duo.pk)
        return Response(DuoOutput(duo, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=DuoProposeInput, responses={201: DuoOutput})
    def create(self, request: Request) -> Response:
        if not (self.roles.administrator or self.roles.is_coordinator):
            raise PermissionDenied()
        data = self._valid(DuoProposeInput, request)
        duo = services.duo_propose(
            volunteer=data["volunteer"], participant=data["participant"], by=request.user,
            proposed_on=data.get("proposed_on"),
        )
        return self._reply(duo, status.HTTP_201_CREATED)

    def _valid(self, serializer_class: Any, request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _writable(self) -> Duo:
        # 404 outside the caller's scope; who may act on a visible duo is the service's to
        # decide (NotAllowed → 403), the same for the pages, the admin and the tasks.
        return self.get_object()

    @extend_schema(request=DateInput, responses=DuoOutput)
    @action(detail=True, methods=["post"])
    def introduce(self, request: Request, pk: str) -> Response:
        duo = self._writable()
        data = self._valid(DateInput, request)
        with _input_named(introduced_on="on"):
            duo = services.duo_introduce(duo=duo, by=request.user, introduced_on=data.get("on"))
        return self._reply(duo)

    @extend_schema(request=DateInput, responses=DuoOutput)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        duo = self._writable()
        data = self._valid(DateInput, request)
        with _input_named(started_on="on"):
            duo = services.duo_activate(duo=duo, by=request.user, started_on=data.get("on"))
        return self._reply(duo)

    @extend_schema(request=PauseInput, responses=DuoOutput)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        duo = self._writable()
        data = self._valid(PauseInput, request)
        return self._reply(
            services.duo_pause(duo=duo, by=request.user, reason=data["reason"], paused_on=data.get("on"))
        )

    @extend_schema(request=None, responses=DuoOutput)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        duo = self._writable()
        return self._reply(services.duo_resume(duo=duo, by=request.user))

    @extend_schema(request=CloseInput, responses=DuoOutput)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        duo = self._writable()
        data = self._valid(CloseInput, request)
        with _input_named(closed_on="on"):
            duo = services.duo_close(
                duo=duo, by=request.user, reason=data["reason"], closed_on=data.get("on"),
                note=data["note"], evaluation_volunteer=data.get("evaluation_volunteer"),
                evaluation_participant=data.get("evaluation_participant"), next_step=data["next_step"],
            )
        return self._reply(duo)

    @extend_schema(request=None, responses=DuoOutput)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Undo a closure; pending aftercare is cancelled."""
        duo = self._writable()
        return self._reply(services.duo_reopen(duo=duo, by=request.user))

    @extend_schema(request=MeetingInput, responses=VolunteerDuoOutput)
    @action(detail=True, methods=["post"], url_path="next-meeting")
    def next_meeting(self, request: Request, pk: str) -> Response:
        """The volunteer of the duo (or its coordinator) notes the next planned meeting."""
        duo = self.get_object()
        data = self._valid(MeetingInput, request)
        services.duo_plan_meeting(duo=duo, by=request.user, on=data["on"])
        duo = selectors.duo_get_for_user(user=request.user, duo_id=duo.pk)
        return Response(self.get_serializer(duo).data)


# --- Goals ----------------------------------------------------------------------------------
def _coordinated_duos(*, user: Actor) -> Any:
    return selectors.duos_for_user(user=user, role="coordinator")


class GoalSerializer(serializers.ModelSerializer):
    duo = ScopedRelatedField(_coordinated_duos)

    class Meta:
        model = Goal
        fields = ["id", "duo", "life_domain", "description", "status", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_duo(self, duo: Duo) -> Duo:
        if self.instance is not None and duo.pk != self.instance.duo_id:
            raise serializers.ValidationError(_("A goal cannot move to another duo."))
        return duo


class GoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    selector = selectors.goals_for_user
    serializer_class = GoalSerializer
    allowed_roles = frozenset({"administrator", "coordinator", "volunteer"})
    filterset_fields = ["duo", "life_domain", "status"]

    def create(self, request: Request) -> Response:
        if not (self.roles.administrator or self.roles.is_coordinator):
            raise PermissionDenied()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        goal = services.goal_save(duo=data.pop("duo"), by=request.user, data=data)
        return Response(self.get_serializer(goal).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        goal = self.get_object()
        # Checked before the input, so a volunteer hears 403 rather than why the body is
        # wrong; the service checks the same (services.duo_may_manage) for every channel.
        if not services.duo_may_manage(user=request.user, project_id=goal.duo.project_id):
            raise PermissionDenied()
        serializer = self.get_serializer(goal, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("duo", None)
        return Response(self.get_serializer(services.goal_save(goal=goal, by=request.user, data=data)).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def perform_destroy(self, instance: Goal) -> None:
        services.goal_delete(goal=instance, by=self.request.user)


# --- Check-ins ------------------------------------------------------------------------------
class NewContactInput(serializers.Serializer):
    label = serializers.CharField(max_length=60)
    category = serializers.ChoiceField(choices=NEW_CONTACT_CATEGORIES)
    life_domain = serializers.ChoiceField(choices=LifeDomain.choices)


class BarrierInput(serializers.Serializer):
    """"We met a barrier": passed on with the barrier_met event (the signals feature checks the
    code against its taxonomy and stores it as a barrier signal with the check-in)."""

    barrier_type = serializers.CharField(max_length=40, help_text="The code of an active barrier type.")
    life_domain = serializers.ChoiceField(choices=LifeDomain.choices)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                        help_text="Short, without names; encrypted at rest.")


class CheckInSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    # The id only: check_in_record's INSERT checks that the duo is the caller's (see create).
    duo = CheckedLaterIdField(selectors.duos_in_scope)
    client_uuid = serializers.UUIDField(required=False)
    activities = serializers.ListField(
        child=serializers.ChoiceField(choices=Activity.choices), required=False, default=list
    )
    life_domains = serializers.JSONField(required=False, default=list)
    new_contacts = NewContactInput(many=True, required=False, default=list)
    barrier = BarrierInput(required=False, allow_null=True, write_only=True)
    mode = serializers.ChoiceField(choices=CheckInMode.choices)
    author = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id", "duo", "client_uuid", "author", "date", "duration_minutes", "mode", "activities",
            "life_domains", "mood", "note", "concern", "concern_note", "new_contacts", "barrier",
            "concern_handled_at", "concern_handled_note", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "author", "concern_handled_at", "concern_handled_note",
                            "created_at", "updated_at"]

    def validate_date(self, value: date) -> date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The date is in the future."))
        return value

    def validate_life_domains(self, value: Any) -> list[str]:
        return fields.validate_life_domains(value)

    def validate_activities(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        concern = attrs.get("concern", getattr(self.instance, "concern", False))
        note = attrs.get("concern_note", getattr(self.instance, "concern_note", ""))
        if concern and not note.strip():
            raise serializers.ValidationError(
                {"concern_note": _("Tell the coordinator briefly what you are worried about.")}
            )
        if self.instance is not None:
            if "duo" in attrs and attrs["duo"] != self.instance.duo_id:
                raise serializers.ValidationError(
                    {"duo": _("A check-in cannot move to another duo.")}
                )
            if "client_uuid" in attrs and attrs["client_uuid"] != self.instance.client_uuid:
                raise serializers.ValidationError({"client_uuid": _("The client UUID cannot change.")})
        return attrs


class HandleConcernInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CheckInViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.check_ins_for_user
    serializer_class = CheckInSerializer
    allowed_roles = frozenset({"administrator", "coordinator", "volunteer"})
    filterset_fields = ["duo", "concern", "mode", "date"]
    ordering_fields = ["date", "created_at"]

    def can_write(self, roles: Roles, obj: CheckIn) -> bool:
        return True  # the service decides (author within 48 h, or a coordinator)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        duo = data.pop("duo")
        client_uuid = data.pop("client_uuid", None)
        barrier = data.pop("barrier", None)
        try:
            check_in, created = services.check_in_record(
                duo=duo, author=request.user, client_uuid=client_uuid, data=data,
                barrier=dict(barrier) if barrier else None,
            )
        except services.DuoOutOfReach:
            raise serializer.fields["duo"].does_not_exist(request.data.get("duo")) from None
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        # The answer through the validated serializer, as DRF's CreateModelMixin does after
        # save(): a second serializer would build its fields again.
        serializer.instance = check_in
        return Response(serializer.data, status=code)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        check_in = self.get_object()
        serializer = self.get_serializer(check_in, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("duo", None)
        data.pop("client_uuid", None)
        data.pop("barrier", None)  # a barrier is recorded with a new check-in, or as a signal
        check_in = services.check_in_update(check_in=check_in, by=request.user, data=data)
        return Response(self.get_serializer(check_in).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(request=HandleConcernInput, responses=CheckInSerializer)
    @action(detail=True, methods=["post"], url_path="handle-concern")
    def handle_concern(self, request: Request, pk: str) -> Response:
        check_in = self.get_object()
        serializer = HandleConcernInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_in = services.concern_mark_handled(
            check_in=check_in, by=request.user, note=serializer.validated_data["note"]
        )
        return Response(self.get_serializer(check_in).data)
