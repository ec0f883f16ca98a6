"""The inbox over the API: list your own messages, mark one or all as read.

Only ever the caller's own inbox — an administrator too gets 404 for someone else's message.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from buddynet.api import ScopedViewSet
from buddynet.api_filters import ScopedFilterSet
from notifications import selectors, services
from notifications.models import Notification


class NotificationOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "subject", "body", "link", "created_at", "read_at", "is_read"]


class InboxFilter(ScopedFilterSet):
    # A choice, not a BooleanFilter: that one quietly ignores a value it cannot read, and a
    # typo would list everything instead of answering 400.
    unread = django_filters.ChoiceFilter(choices=[("true", "true"), ("false", "false")], method="filter_unread",
                                         label="Only unread (true) or only read (false) messages")

    def filter_unread(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(read_at__isnull=value == "true")

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    selector = selectors.inbox_for_user
    # Everyone with an account has an inbox, as on the page /meldingen/.
    allowed_roles = frozenset({"administrator", "coordinator", "volunteer", "funder", "org_admin"})
    serializer_class = NotificationOutput
    filterset_class = InboxFilter
    ordering_fields = ["created_at"]

    def can_write(self, roles: Any, obj: Notification) -> bool:
        return obj.recipient_id == self.request.user.pk

    @extend_schema(request=None, responses=NotificationOutput)
    @action(detail=True, methods=["post"], url_path="read", url_name="read")
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        self.require_write(notification)
        notification = services.inbox_mark_read(user=request.user, notification=notification)
        return Response(NotificationOutput(notification).data)

    @extend_schema(request=None, responses=inline_serializer("InboxReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.inbox_mark_all_read(user=request.user)})
