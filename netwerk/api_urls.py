"""API endpoints of this app, mounted under /api/v1/ (namespace "v1") in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from netwerk.apis import AlterViewSet, MapViewSet, TieViaBuddyApi, TieViewSet

router = SimpleRouter()
router.register("netwerk/maps", MapViewSet, basename="netwerk-map")
router.register("netwerk/alters", AlterViewSet, basename="netwerk-alter")
router.register("netwerk/ties", TieViewSet, basename="netwerk-tie")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("netwerk/duos/<str:pk>/tie-via-buddy/", TieViaBuddyApi.as_view(), name="netwerk-tie-via-buddy"),
]
