"""HTML pages of barrier signals (mounted at /signalen/ in buddynet/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from buddynet.features.signals import views

app_name = "signals"

urlpatterns: list[URLPattern | URLResolver] = [
    path("projecten/<int:project_id>/", views.project_signals, name="project"),
    path("deelnemers/<int:participant_id>/nieuw/", views.signal_new, name="signal-new"),
    path("<int:signal_id>/status/", views.signal_move, name="signal-move"),
    path("<int:signal_id>/delen/", views.signal_share, name="signal-share"),
    path("rapport/", views.report, name="report"),
]
