"""REST API of matching under /api/v1/: match runs (start, status and progress), proposals
(accept / reject), forbidden and locked pairs. Only administrators and the project's
coordinators see any of it; for volunteers and funders each object is a 404."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from buddynet.access import get_from_scope
from buddynet.api import ScopedRelatedField, ScopedViewSet
from buddynet.records.accounts.selectors import Roles, roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.people.models import Participant, Volunteer
from buddynet.records.people.selectors import participants_for_user, volunteers_for_user
from matching import selectors, services, texts
from matching.engine import CRITERIA
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal


def _coordinated_volunteers(*, user: Actor) -> Any:
    """Volunteers of the projects the caller coordinates (not their own volunteer record)."""
    roles = roles_of(user)
    qs = volunteers_for_user(user=user)
    return qs if roles.administrator else qs.filter(project_id__in=roles.coordinated_project_ids)


class _CoordinatorOnly(ScopedViewSet):
    allowed_roles = frozenset({"administrator", "coordinator"})

    def can_write(self, roles: Roles, obj: Any) -> bool:
        return roles.coordinates(obj.project_id)


# --- match runs -------------------------------------------------------------------------------
class UnmatchedOutput(serializers.Serializer):
    participant = serializers.IntegerField()
    participant_name = serializers.CharField()
    reason = serializers.CharField()
    params = serializers.DictField()
    text = serializers.CharField()


class MatchRunOutput(serializers.ModelSerializer):
    """A run's status, progress and result. The frozen pools (all ids) stay in the record: the
    page polls this while the run works, and 2 × 10,000 ids a second would be waste."""

    unmatched = serializers.SerializerMethodField()
    projects = serializers.SerializerMethodField(help_text="the projects of a pooled run; empty otherwise")

    class Meta:
        model = MatchRun
        fields = [
            "id", "project", "pooled", "projects", "status", "progress", "stage", "created_at", "started_at",
            "finished_at", "weights", "rules", "solver", "solver_status", "objective", "participant_count",
            "volunteer_count", "feasible_pairs", "matched_count", "timings", "unmatched", "error",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_projects(self, run: MatchRun) -> list[int]:
        # Only a pooled run has any: the page polls this every second, a run of one project asks nothing.
        return sorted(run.projects.values_list("pk", flat=True)) if run.pooled else []

    @extend_schema_field(UnmatchedOutput(many=True))
    def get_unmatched(self, run: MatchRun) -> list[dict[str, Any]]:
        ids = [row["participant"] for row in run.unmatched]
        names = {p.pk: str(p) for p in Participant.objects.filter(pk__in=ids).only("first_name", "last_name")}
        return [{**row, "participant_name": names.get(row["participant"], ""),
                 "text": texts.why_unmatched(row["reason"], row["params"])} for row in run.unmatched]


class MatchRunListOutput(serializers.ModelSerializer):
    class Meta:
        model = MatchRun
        fields = ["id", "project", "pooled", "status", "progress", "stage", "created_at", "finished_at", "objective",
                  "participant_count", "volunteer_count", "matched_count"]


class MatchRunStartInput(serializers.Serializer):
    project = ScopedRelatedField(selectors.matchable_projects_for_user)
    weights = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=100), required=False)

    def validate_weights(self, value: dict[str, float]) -> dict[str, float]:
        return known_criteria(value)


def known_criteria(value: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(value) - set(CRITERIA))
    if unknown:
        raise serializers.ValidationError(
            _("Unknown criteria: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(CRITERIA)})
    return value


class MatchRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _CoordinatorOnly):
    selector = selectors.match_runs_for_user
    filterset_fields = ["project", "status"]

    def get_serializer_class(self) -> Any:
        return MatchRunListOutput if self.action == "list" else MatchRunOutput

    @extend_schema(request=MatchRunStartInput, responses={201: MatchRunOutput, 202: MatchRunOutput})
    def create(self, request: Request) -> Response:
        """Start a run. A small pool is matched at once (201); a large one is queued (202): poll
        the run for its progress."""
        serializer = MatchRunStartInput(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        run = services.match_run_start(project=data["project"], by=request.user, weights=data.get("weights"))
        run.refresh_from_db()
        code = status.HTTP_201_CREATED if run.finished else status.HTTP_202_ACCEPTED
        return Response(MatchRunOutput(run, context=self.get_serializer_context()).data, status=code)


# --- pooled runs of several projects of one city (issue 20) -------------------------------------
class PooledMatchRunApi(APIView):
    """POST: one match run over several projects of one organisation in one municipality.

    For the organisation's administrator, or a coordinator of every one of the projects. The
    answer holds the run's status and counts, no names (an organisation administrator reads no
    participant data): its proposals are read, and decided, by who coordinates every project
    (GET /match-runs/{id}/, /match-proposals/?run=)."""

    class PooledRunInputSerializer(serializers.Serializer):
        projects = ScopedRelatedField(selectors.poolable_projects_for_user, many=True, allow_empty=False)
        weights = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=100), required=False)

        def validate_weights(self, value: dict[str, float]) -> dict[str, float]:
            return known_criteria(value)

    class PooledRunOutputSerializer(serializers.ModelSerializer):
        projects = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

        class Meta:
            model = MatchRun
            fields = ["id", "project", "projects", "pooled", "status", "progress", "stage", "created_at",
                      "finished_at", "weights", "objective", "participant_count", "volunteer_count",
                      "matched_count"]

    @extend_schema(request=PooledRunInputSerializer,
                   responses={201: PooledRunOutputSerializer, 202: PooledRunOutputSerializer})
    def post(self, request: Request) -> Response:
        roles = roles_of(request.user)
        if not (roles.administrator or roles.is_coordinator or roles.is_org_admin):
            raise PermissionDenied()
        serializer = self.PooledRunInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            run = services.match_run_start_pooled(projects=list(data["projects"]), by=request.user,
                                                  weights=data.get("weights"))
        run.refresh_from_db()
        code = status.HTTP_201_CREATED if run.finished else status.HTTP_202_ACCEPTED
        return Response(self.PooledRunOutputSerializer(run).data, status=code)


# --- proposals --------------------------------------------------------------------------------
class PartOutput(serializers.Serializer):
    criterion = serializers.CharField()
    label = serializers.CharField()
    points = serializers.IntegerField()
    max_points = serializers.IntegerField()


class AlternativeOutput(serializers.Serializer):
    volunteer = serializers.IntegerField()
    volunteer_name = serializers.CharField()
    score = serializers.IntegerField()
    distance_km = serializers.FloatField()
    parts = PartOutput(many=True)


def explained_parts(parts: dict[str, int], weights: dict[str, float]) -> list[dict[str, Any]]:
    from matching.engine.model import POINTS

    return [{"criterion": name, "label": str(texts.CRITERION_LABELS[name]), "points": int(parts.get(name, 0)),
             "max_points": int(round(float(weights.get(name, 0)) * POINTS))} for name in CRITERIA]


class ProposalOutput(serializers.ModelSerializer):
    participant_name = serializers.SerializerMethodField()
    volunteer_name = serializers.SerializerMethodField()
    parts = serializers.SerializerMethodField()
    alternatives = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id", "run", "participant", "participant_name", "volunteer", "volunteer_name", "score", "parts",
            "distance_km", "locked", "alternatives", "decision", "decision_reason", "decided_by", "decided_at",
            "duo",
        ]

    def get_participant_name(self, proposal: Proposal) -> str:
        return str(proposal.participant)

    def get_volunteer_name(self, proposal: Proposal) -> str:
        return str(proposal.volunteer)

    @extend_schema_field(PartOutput(many=True))
    def get_parts(self, proposal: Proposal) -> list[dict[str, Any]]:
        return explained_parts(proposal.parts, proposal.run.weights)

    @extend_schema_field(AlternativeOutput(many=True))
    def get_alternatives(self, proposal: Proposal) -> list[dict[str, Any]]:
        names = self.context.get("volunteer_names")
        if names is None:
            names = alternative_names([proposal])
        return [{"volunteer": alt["volunteer"], "volunteer_name": names.get(alt["volunteer"], ""),
                 "score": alt["score"], "distance_km": alt["distance_km"],
                 "parts": explained_parts(alt["parts"], proposal.run.weights)} for alt in proposal.alternatives]


def alternative_names(proposals: list[Proposal]) -> dict[int, str]:
    """The names of every alternative volunteer on a page, in one query."""
    ids = {alt["volunteer"] for p in proposals for alt in p.alternatives}
    return {v.pk: str(v) for v in Volunteer.objects.filter(pk__in=ids).only("first_name", "last_name")}


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    forbid = serializers.BooleanField(required=False, default=False)


class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _CoordinatorOnly):
    selector = selectors.proposals_for_user
    serializer_class = ProposalOutput
    filterset_fields = ["run", "decision"]
    ordering_fields = ["score"]

    def can_write(self, roles: Roles, obj: Proposal) -> bool:
        # Of a pooled run, who coordinates every project of it: the services' one rule.
        return selectors.may_decide_run(user=self.request.user, run=obj.run)

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-score", "participant_id", "pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset if page is None else page)
        context = {**self.get_serializer_context(), "volunteer_names": alternative_names(rows)}
        data = ProposalOutput(rows, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def _reply(self, proposal: Proposal) -> Response:
        proposal = selectors.proposal_get_for_user(user=self.request.user, proposal_id=proposal.pk)
        return Response(ProposalOutput(proposal, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ProposalOutput)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept: the duo is created (state proposed). 409 when the volunteer has no room left
        or the participant got a duo meanwhile (e.g. another coordinator was quicker)."""
        proposal = self.get_object()
        self.require_write(proposal)
        return self._reply(services.proposal_accept(proposal=proposal, by=request.user))

    @extend_schema(request=RejectInput, responses=ProposalOutput)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        self.require_write(proposal)
        serializer = RejectInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._reply(services.proposal_reject(proposal=proposal, by=request.user, reason=data["reason"],
                                                    forbid=data["forbid"]))


# --- forbidden and locked pairs ----------------------------------------------------------------
class PairInput(serializers.Serializer):
    participant = ScopedRelatedField(participants_for_user)
    volunteer = ScopedRelatedField(_coordinated_volunteers)
    reason = serializers.CharField(max_length=300)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["participant"].project_id != attrs["volunteer"].project_id:
            raise serializers.ValidationError(
                {"volunteer": _("The volunteer belongs to a different project than the participant.")})
        return attrs


class PairOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    participant = serializers.IntegerField(source="participant_id")
    participant_name = serializers.SerializerMethodField()
    volunteer = serializers.IntegerField(source="volunteer_id")
    volunteer_name = serializers.SerializerMethodField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_participant_name(self, rule: Any) -> str:
        return str(rule.participant)

    def get_volunteer_name(self, rule: Any) -> str:
        return str(rule.volunteer)


class _PairViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, _CoordinatorOnly):
    serializer_class = PairOutput
    filterset_fields = ["project", "participant", "volunteer"]
    create_service: Any = None

    def create(self, request: Request) -> Response:
        serializer = PairInput(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rule = type(self).create_service(by=request.user, **serializer.validated_data)
        return Response(PairOutput(rule).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Any) -> None:
        self.require_write(instance)
        services.pair_rule_remove(rule=instance, by=self.request.user)


@extend_schema(request=PairInput, responses={200: PairOutput, 201: PairOutput})
class ForbiddenPairViewSet(_PairViewSet):
    """Pairs the matcher must never propose (after a failed duo or a known conflict)."""

    selector = selectors.forbidden_pairs_for_user
    create_service = staticmethod(services.pair_rule_forbid)
    queryset = ForbiddenPair.objects.none()  # for the schema; rows come from the selector


@extend_schema(request=PairInput, responses={200: PairOutput, 201: PairOutput})
class LockedPairViewSet(_PairViewSet):
    """Pairs every run keeps as they are; the rest is optimised around them."""

    selector = selectors.locked_pairs_for_user
    create_service = staticmethod(services.pair_rule_lock)
    queryset = LockedPair.objects.none()


__all__ = ["ForbiddenPairViewSet", "LockedPairViewSet", "MatchRunViewSet", "ProposalViewSet", "OpenApiTypes"]


# --- a suggestion for one participant now (issue 20) ----------------------------------------------
def coordinated_participants(*, user: Actor) -> Any:
    """Participants of the projects the caller coordinates (administrators: all they see)."""
    roles = roles_of(user)
    qs = participants_for_user(user=user)
    return qs if roles.administrator else qs.filter(project_id__in=roles.coordinated_project_ids)


def suggestion_data(found: services.ParticipantSuggestion) -> dict[str, Any]:
    """The JSON of a suggestion: the volunteers best first, each explained per criterion. A note
    only where the latest match run gives a suggested volunteer's last places to others."""
    own = found.own_proposal
    return {
        "participant": found.participant.pk,
        "feasible": found.feasible,
        "volunteers": [{
            "volunteer": s.volunteer.pk, "volunteer_name": str(s.volunteer), "score": s.score,
            "distance_km": round(s.distance_km, 1), "parts": explained_parts(s.parts, found.weights),
            "contested": s.contested,
            "taken_by": [{"participant": p.participant_id, "participant_name": str(p.participant),
                          "proposal": p.pk, "run": p.run_id} for p in s.taken_by],
            "note": str(_("The latest match run proposes this volunteer to another waiting participant: choosing "
                          "them here would undo that proposal.")) if s.contested else "",
        } for s in found.volunteers],
        "own_proposal": None if own is None else {
            "proposal": own.pk, "run": own.run_id, "volunteer": own.volunteer_id,
            "volunteer_name": str(own.volunteer), "score": own.score,
        },
    }


class SuggestionApi(APIView):
    """GET: the five best available volunteers for one participant, explained (no match run)."""

    class OutputSerializer(serializers.Serializer):
        participant = serializers.IntegerField()
        feasible = serializers.IntegerField(help_text="volunteers in reach who pass every hard rule")
        volunteers = serializers.ListField(child=serializers.DictField())
        own_proposal = serializers.DictField(
            allow_null=True, help_text="this participant's open proposal in the latest match run, when it names "
                                       "another volunteer than the first suggestion")

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, participant_id: int) -> Response:
        participant = get_from_scope(coordinated_participants(user=request.user).select_related("project"),
                                     participant_id)
        found = services.participant_suggestions(participant=participant, by=request.user)
        return Response(self.OutputSerializer(suggestion_data(found)).data)
