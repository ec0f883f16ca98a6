"""The first administrator's enrolment link (mounted under /aanmelden/welkom/ in buddynet/urls.py)."""

from django.urls import path

from buddynet.deployment import views

app_name = "deployment"

urlpatterns = [
    path("<uidb64>/<token>/", views.EnrolView.as_view(), name="enrol"),
    path("klaar/", views.EnrolDoneView.as_view(), name="enrol-done"),
]
