"""The signed-in user's own account pages (mounted under /account/ in buddynet/urls.py)."""

from django.urls import path

from buddynet.security import views

app_name = "account"

urlpatterns = [
    path("beveiliging/", views.account_security, name="security"),
]
