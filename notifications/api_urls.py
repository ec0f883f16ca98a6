"""API endpoints of this app, mounted under /api/v1/ (namespace "v1") in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from notifications.apis import NotificationViewSet

router = SimpleRouter()
# URL names: notifications-list, notifications-detail, notifications-read, notifications-read-all.
router.register("notifications", NotificationViewSet, basename="notifications")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
