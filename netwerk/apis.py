"""/api/v1/netwerk/: maps, alters, ties, measures, change — for a participant's coordinators
(and administrators) only — and the one write a volunteer may make: a tie made via them."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from buddynet.access import get_from_scope
from buddynet.api import ScopedRelatedField, ScopedViewSet
from buddynet.errors import InvalidInput
from buddynet.records.accounts.selectors import Roles
from buddynet.records.duos.selectors import duo_get_for_user
from buddynet.records.people.selectors import participants_for_user
from buddynet.validators import plausible_date
from buddynet.vocabulary import LifeDomain
from netwerk import selectors, services
from netwerk.models import (
    Alter,
    Category,
    ContactFrequency,
    NetworkMap,
    Occasion,
    Reciprocity,
    Ring,
    SupportType,
    Tie,
    Valence,
)


# --- serializers ----------------------------------------------------------------------------
class AlterOutput(serializers.ModelSerializer):
    class Meta:
        model = Alter
        fields = ["id", "map", "key", "label", "category", "life_domains", "support_types", "ring",
                  "contact_frequency", "valence", "reciprocity", "via_buddy", "check_in", "created_at"]


class TieOutput(serializers.ModelSerializer):
    class Meta:
        model = Tie
        fields = ["id", "map", "a", "b"]


class MapOutput(serializers.ModelSerializer):
    alters = AlterOutput(many=True, read_only=True)
    ties = TieOutput(many=True, read_only=True)

    class Meta:
        model = NetworkMap
        fields = ["id", "participant", "occasion", "date", "recorded_by", "copied_from", "note", "created_at",
                  "updated_at", "alters", "ties"]


class MapCreateInput(serializers.Serializer):
    participant = ScopedRelatedField(participants_for_user)
    occasion = serializers.ChoiceField(choices=Occasion.choices, default=Occasion.INTAKE)
    date = serializers.DateField(validators=[plausible_date])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    copy_from_last = serializers.BooleanField(
        default=True, help_text="Start as a copy of the participant's latest map (same alters, keys and ties).",
    )


class MapUpdateInput(serializers.Serializer):
    occasion = serializers.ChoiceField(choices=Occasion.choices, required=False)
    date = serializers.DateField(required=False, validators=[plausible_date])
    note = serializers.CharField(required=False, allow_blank=True)


class AlterFields(serializers.Serializer):
    label = serializers.CharField(max_length=40, help_text="A first name, nickname or role — never a full name.")
    category = serializers.ChoiceField(choices=Category.choices)
    life_domains = serializers.ListField(child=serializers.ChoiceField(choices=LifeDomain.choices), required=False,
                                         default=list)
    support_types = serializers.ListField(child=serializers.ChoiceField(choices=SupportType.choices),
                                          required=False, default=list)
    ring = serializers.ChoiceField(choices=Ring.choices, required=False, default=Ring.MIDDLE)
    contact_frequency = serializers.ChoiceField(choices=ContactFrequency.choices, required=False, allow_blank=True,
                                                default="")
    valence = serializers.ChoiceField(choices=Valence.choices, required=False, default=Valence.SUPPORTIVE)
    reciprocity = serializers.ChoiceField(choices=Reciprocity.choices, required=False, allow_blank=True, default="")
    via_buddy = serializers.BooleanField(required=False, default=False)


class AlterCreateInput(AlterFields):
    map = ScopedRelatedField(selectors.maps_for_user)


class TieInput(serializers.Serializer):
    a = ScopedRelatedField(selectors.alters_for_user)
    b = ScopedRelatedField(selectors.alters_for_user)


class ViaBuddyInput(serializers.Serializer):
    label = serializers.CharField(max_length=40, help_text="A first name, nickname or role — never a full name.")
    category = serializers.ChoiceField(choices=Category.choices, help_text="Not \"buddy\": the buddy is the one "
                                       "who helped make this tie.")
    life_domains = serializers.ListField(child=serializers.ChoiceField(choices=LifeDomain.choices), required=False,
                                         default=list)
    check_in = serializers.IntegerField(required=False, allow_null=True, default=None)


class ViaBuddyOutput(serializers.ModelSerializer):
    map_date = serializers.DateField(source="map.date", read_only=True)

    class Meta:
        model = Alter
        fields = ["id", "label", "category", "life_domains", "via_buddy", "map_date"]


MEASURES_SCHEMA = inline_serializer("NetworkMeasures", fields={
    "with_buddy": serializers.DictField(), "without_buddy": serializers.DictField(),
})
CHANGE_SCHEMA = inline_serializer("NetworkChange", fields={
    "before_map": serializers.IntegerField(), "after_map": serializers.IntegerField(),
    "gained": serializers.ListField(child=serializers.CharField()),
    "lost": serializers.ListField(child=serializers.CharField()),
    "kept": serializers.ListField(child=serializers.CharField()),
    "gained_via_buddy": serializers.ListField(child=serializers.CharField()),
    "informal_size_change": serializers.IntegerField(),
    "domain_coverage_change": serializers.IntegerField(),
    "constraint_change": serializers.FloatField(allow_null=True),
})


def _valid(serializer_class: Any, request: Request, view: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context=view.get_serializer_context(), **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _CoordinatorWrites:
    def can_write(self, roles: Roles, obj: Any) -> bool:
        project_id = obj.participant.project_id if isinstance(obj, NetworkMap) else obj.map.participant.project_id
        return roles.coordinates(project_id)


# --- maps -----------------------------------------------------------------------------------
class MapViewSet(_CoordinatorWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.maps_for_user
    serializer_class = MapOutput
    filterset_fields = ["participant", "occasion"]
    ordering_fields = ["date"]

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("alters", "ties").order_by("participant_id", "date", "id")

    def _reply(self, network_map: NetworkMap, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=network_map.pk)
        return Response(MapOutput(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=MapCreateInput, responses={201: MapOutput})
    def create(self, request: Request) -> Response:
        data = _valid(MapCreateInput, request, self)
        network_map = services.map_create(
            participant=data["participant"], by=request.user, occasion=data["occasion"], on=data["date"],
            note=data["note"], copy_from_last=data["copy_from_last"],
        )
        return self._reply(network_map, status.HTTP_201_CREATED)

    @extend_schema(request=MapUpdateInput, responses=MapOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        network_map = self.get_object()
        self.require_write(network_map)
        data = _valid(MapUpdateInput, request, self, partial=True)
        return self._reply(services.map_update(network_map=network_map, data=data))

    def destroy(self, request: Request, pk: str) -> Response:
        network_map = self.get_object()
        self.require_write(network_map)
        services.map_delete(network_map=network_map)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=MEASURES_SCHEMA)
    @action(detail=True, methods=["get"])
    def measures(self, request: Request, pk: str) -> Response:
        """All measures of this map, with and without the buddy."""
        return Response(selectors.map_measures(network_map=self.get_object()).as_dict())

    @extend_schema(
        parameters=[OpenApiParameter("against", OpenApiTypes.INT, description="An earlier map of the same "
                                     "participant; default: the map just before this one.")],
        responses=CHANGE_SCHEMA,
    )
    @action(detail=True, methods=["get"])
    def change(self, request: Request, pk: str) -> Response:
        """Change from an earlier map of the same participant to this one (alters by stable key)."""
        after = self.get_object()
        against = request.query_params.get("against")
        if against:
            try:
                before = get_from_scope(self.get_queryset(), against)
            except Http404:
                raise InvalidInput({"against": _("No such map.")}) from None
            if before.participant_id != after.participant_id:
                raise InvalidInput({"against": _("Choose a map of the same participant.")})
        else:
            before = selectors.previous_map(network_map=after)
            if before is None:
                raise InvalidInput({"against": _("This is the participant's first map: nothing to compare.")})
        change = selectors.map_change(before=before, after=after)
        return Response({"before_map": before.pk, "after_map": after.pk, **change.as_dict()})


# --- alters ---------------------------------------------------------------------------------
class AlterViewSet(_CoordinatorWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.alters_for_user
    serializer_class = AlterOutput
    filterset_fields = ["map", "category", "via_buddy"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("map__participant").order_by("map_id", "ring", "id")

    @extend_schema(request=AlterCreateInput, responses={201: AlterOutput})
    def create(self, request: Request) -> Response:
        data = dict(_valid(AlterCreateInput, request, self))
        network_map = data.pop("map")
        alter = services.alter_add(network_map=network_map, data=data, by=request.user)
        return Response(AlterOutput(alter).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AlterFields, responses=AlterOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        alter = self.get_object()
        self.require_write(alter)
        data = _valid(AlterFields, request, self, partial=True)
        return Response(AlterOutput(services.alter_update(alter=alter, data=dict(data))).data)

    def destroy(self, request: Request, pk: str) -> Response:
        alter = self.get_object()
        self.require_write(alter)
        services.alter_remove(alter=alter)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- ties -----------------------------------------------------------------------------------
class TieViewSet(_CoordinatorWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.ties_for_user
    serializer_class = TieOutput
    filterset_fields = ["map"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("map__participant").order_by("map_id", "a_id", "b_id")

    @extend_schema(request=TieInput, responses={201: TieOutput})
    def create(self, request: Request) -> Response:
        data = _valid(TieInput, request, self)
        tie = services.tie_add(a=data["a"], b=data["b"])
        return Response(TieOutput(tie).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        tie = self.get_object()
        self.require_write(tie)
        services.tie_remove(tie=tie)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the volunteer's one write ------------------------------------------------------------------
class TieViaBuddyApi(GenericAPIView):
    """"We met someone new": the duo's volunteer (or its coordinator) adds a person the buddy
    helped the participant meet. It lands on the participant's latest map (or a new interim
    map). The volunteer sees nothing else of the map."""

    permission_classes = [IsAuthenticated]
    serializer_class = ViaBuddyInput

    @extend_schema(request=ViaBuddyInput, responses={201: ViaBuddyOutput})
    def post(self, request: Request, pk: str) -> Response:
        duo = duo_get_for_user(user=request.user, duo_id=pk)  # 404 outside the caller's duos
        data = _valid(ViaBuddyInput, request, self)
        check_in = None
        if data["check_in"] is not None:
            check_in = duo.check_ins.filter(pk=data["check_in"]).first()
            if check_in is None:
                raise InvalidInput({"check_in": _("This check-in does not belong to this duo.")})
        alter = services.tie_via_buddy_add(
            participant=duo.participant, label=data["label"], category=data["category"],
            life_domains=data["life_domains"], by=request.user, check_in=check_in,
        )
        return Response(ViaBuddyOutput(alter).data, status=status.HTTP_201_CREATED)
