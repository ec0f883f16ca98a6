"""/api/v1/aftercare/: the planned aftercare of closed duos and each project's aftercare rules,
for the project's coordinators (and administrators) only. Writes call the one service."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from buddynet.api import ScopedViewSet
from buddynet.duos.models import CheckInMode
from buddynet.features.aftercare import selectors, services
from buddynet.features.aftercare.models import AftercareItem, AftercareSettings
from buddynet.people.selectors import project_get_for_user


class ItemOutput(serializers.ModelSerializer):
    participant = serializers.IntegerField(source="duo.participant_id", read_only=True)
    closed_on = serializers.DateField(source="duo.closed_on", read_only=True)

    class Meta:
        model = AftercareItem
        fields = ["id", "duo", "participant", "closed_on", "kind", "due_on", "status", "done_on", "mode", "note",
                  "done_by"]


class LogInput(serializers.Serializer):
    on = serializers.DateField(required=False)
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
        item = services.aftercare_log(item=item, by=request.user, on=data.validated_data.get("on"),
                                      mode=data.validated_data["mode"], note=data.validated_data["note"])
        return Response(ItemOutput(self.get_queryset().get(pk=item.pk)).data)


class SettingsIO(serializers.ModelSerializer):
    contact_months = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=24),
                                           max_length=6, required=False)

    class Meta:
        model = AftercareSettings
        fields = ["project", "contact_months", "closure_map", "interim_map_months"]
        read_only_fields = ["project"]


class SettingsApi(GenericAPIView):
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
        rules = services.aftercare_settings_save(project_id=pk, by=request.user, data=dict(data.validated_data))
        return Response(SettingsIO(rules).data, status=status.HTTP_200_OK)
