"""The first administrator's one-time enrolment page: choose a password (Django's own
PasswordResetConfirmView and token), then sign in, where the second factor is set up."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class EnrolView(auth_views.PasswordResetConfirmView):
    template_name = "deployment/enrol.html"
    # Not signed in on the spot: the sign-in that follows goes through the two-factor enrolment.
    post_reset_login = False
    success_url = reverse_lazy("deployment:enrol-done")


class EnrolDoneView(auth_views.PasswordResetCompleteView):
    template_name = "deployment/enrol_done.html"
