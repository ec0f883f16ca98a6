"""API endpoints of this app, mounted under /api/v1/ (namespace "v1") in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from buddynet.features.aftercare import apis

router = SimpleRouter()
router.register("aftercare/items", apis.ItemViewSet, basename="aftercare-item")
router.register("referrals/services", apis.ReferralServiceViewSet, basename="referral-service")
router.register("referrals", apis.ReferralViewSet, basename="referral")
router.register("evaluations", apis.EvaluationViewSet, basename="evaluation")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("aftercare/projects/<str:project_id>/settings/", apis.SettingsApi.as_view(), name="aftercare-settings"),
]
