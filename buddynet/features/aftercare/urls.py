"""HTML pages of this app (mounted at /nazorg/ in buddynet/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from buddynet.features.aftercare import views

app_name = "aftercare"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("<int:item_id>/gedaan/", views.item_log, name="item-log"),
    path("deelnemer/<int:participant_id>/", views.index, name="participant"),
    path("projecten/<int:project_id>/regels/", views.project_settings, name="settings"),
    path("doorverwijzingen/", views.referrals, name="referrals"),
    path("doorverwijzingen/deelnemer/<int:participant_id>/", views.participant_referrals,
         name="participant-referrals"),
    path("doorverwijzingen/diensten/nieuw/", views.referral_service, name="referral-service-new"),
    path("doorverwijzingen/diensten/<int:service_id>/", views.referral_service, name="referral-service-edit"),
    path("evaluatie/duo/<int:duo_id>/", views.evaluate, name="evaluate-duo"),
    path("evaluatie/deelnemer/<int:participant_id>/", views.evaluate, name="evaluate-participant"),
    path("doorverwijzingen/<int:referral_id>/uitkomst/", views.referral_outcome, name="referral-outcome"),
]
