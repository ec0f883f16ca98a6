"""URLs of the benchmark servers: buddynet's own, plus the reference: the same authenticated
check-in written the stock Django/DRF way — DRF's own authentication classes, a plain
ModelSerializer, a scoped look-up of the duo, then `CheckIn.objects.create` in
`transaction.atomic` (a resend of the same client UUID answers the stored row). No buddynet
service, selector or access helper is used, so nothing buddynet changes speeds it up."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from buddynet.records.accounts.models import Membership, Role
from buddynet.records.duos.models import CheckIn, Duo, DuoStatus

LOGGABLE = [DuoStatus.INTRODUCED, DuoStatus.ACTIVE, DuoStatus.PAUSED]


class StockCheckInSerializer(serializers.ModelSerializer):
    duo = serializers.IntegerField(write_only=True)  # looked up in the caller's scope by the view
    client_uuid = serializers.UUIDField()  # no unique validator: a resend answers the stored row

    class Meta:
        model = CheckIn
        fields = ["id", "duo", "client_uuid", "date", "duration_minutes", "mode", "activities", "life_domains",
                  "mood", "note", "concern", "concern_note", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_date(self, value: date) -> date:
        if value > timezone.localdate():
            raise serializers.ValidationError("The date is in the future.")
        return value


def duos_of(user: Any) -> Any:
    """The duos `user` may log contact for: their own as a volunteer, their projects' as a
    coordinator, all as a superuser."""
    duos = Duo.objects.filter(status__in=LOGGABLE)
    if user.is_superuser:
        return duos
    mine = Membership.objects.filter(user=user)
    return duos.filter(Q(volunteer__in=mine.filter(role=Role.VOLUNTEER).values("volunteer"))
                       | Q(project__in=mine.filter(role=Role.COORDINATOR).values("project")))


class StockCheckInView(APIView):
    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        serializer = StockCheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        duo = get_object_or_404(duos_of(request.user), pk=data["duo"])
        if data["date"] < duo.proposed_on:
            raise serializers.ValidationError({"date": ["The date is before the start of the duo."]})
        try:
            with transaction.atomic():
                serializer.save(duo=duo, author=request.user)  # ModelSerializer.create: CheckIn.objects.create
        except IntegrityError:
            check_in = get_object_or_404(CheckIn, client_uuid=data["client_uuid"], duo=duo, author=request.user)
            return Response(StockCheckInSerializer(check_in).data, status=status.HTTP_200_OK)
        return Response(serializer.data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("bench/stock/check-ins/", StockCheckInView.as_view()),
    path("", include("buddynet.urls")),
]
