"""The two-factor step (mounted under /aanmelden/tweestaps/ in buddynet/urls.py)."""

from django.urls import path

from buddynet.security import views

app_name = "security"

urlpatterns = [
    path("", views.two_factor, name="two-factor"),
    path("instellen/", views.two_factor_enrol, name="two-factor-enrol"),
    path("reservecodes/", views.two_factor_backup_codes, name="two-factor-backup-codes"),
]
