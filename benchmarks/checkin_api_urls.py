"""URLs of the benchmark server: buddynet's own, plus the bare Django view that inserts the same
check-in row as the real endpoints, without DRF, forms, services or authentication — the floor
the real stack is compared with."""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from buddynet.duos.models import CheckIn


@csrf_exempt
def bare_check_in(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    check_in = CheckIn.objects.create(
        duo_id=data["duo"], author_id=data["author"], client_uuid=uuid.UUID(data["client_uuid"]),
        date=data["date"], duration_minutes=data["duration_minutes"], mode=data["mode"],
        activities=data["activities"], life_domains=data["life_domains"], mood=data["mood"], note=data["note"],
    )
    return JsonResponse({"id": check_in.pk}, status=201)


urlpatterns = [
    path("bench/bare-check-in/", bare_check_in),
    path("", include("buddynet.urls")),
]
