"""HTML pages of this app (mounted at /meldingen/ in buddynet/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/gelezen/", views.mark_read, name="mark-read"),
    path("alles-gelezen/", views.mark_all_read, name="mark-all-read"),
    path("voorkeur/", views.set_preference, name="preference"),
]
