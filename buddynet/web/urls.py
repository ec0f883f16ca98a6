"""Shared pages: sign-in and sign-out. Role pages (volunteer, coordinator, funder) add theirs here."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from buddynet.web import views

app_name = "web"

urlpatterns: list[URLPattern | URLResolver] = [
    path("aanmelden/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("afmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("coordinator/", include("buddynet.web.coordinator_urls")),
    path("mijn/", include("buddynet.web.volunteer_urls")),
    path("organisatie/", include("buddynet.web.orgadmin.urls")),
]
