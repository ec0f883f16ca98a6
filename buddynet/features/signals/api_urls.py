"""API endpoints of barrier signals, mounted under /api/v1/ (namespace "v1") in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from buddynet.features.signals.apis import BarrierTypesApi, SignalReportApi, SignalViewSet

router = SimpleRouter()
router.register("signals", SignalViewSet, basename="signal")

urlpatterns: list[URLPattern | URLResolver] = [
    path("signals/barrier-types/", BarrierTypesApi.as_view(), name="signal-barrier-types"),
    path("signals/report/", SignalReportApi.as_view(), name="signal-report"),
    *router.urls,
]
