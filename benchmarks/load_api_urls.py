"""URLs of the load-test server: buddynet's own, plus one bare view as the reference.

The bare view pays what every request pays — gunicorn, Django's whole middleware stack (sessions,
authentication, two-factor gate, audit, CSP, locale) and one query answered from an index — and
nothing of the API: no DRF, no token lookup, no roles, no scoping, no serializer."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from buddynet.records.people.models import Project


@require_GET
def bare(request: HttpRequest, pk: int) -> JsonResponse:
    row = Project.objects.filter(pk=pk).values("id", "name").first()
    return JsonResponse(row or {}, status=200 if row else 404)


urlpatterns = [
    path("bench/bare/<int:pk>/", bare),
    path("", include("buddynet.urls")),
]
