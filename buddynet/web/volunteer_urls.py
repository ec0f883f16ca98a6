"""The volunteer's phone pages, under /mijn/ (mounted in buddynet/web/urls.py, namespace "web")."""

from django.urls import URLPattern, path

from buddynet.web import volunteer

urlpatterns: list[URLPattern] = [
    path("", volunteer.home, name="volunteer-home"),
    path("duo/<int:duo_id>/", volunteer.duo_detail, name="volunteer-duo"),
    path("duo/<int:duo_id>/afspraak/", volunteer.plan_meeting, name="volunteer-plan-meeting"),
    path("contact/", volunteer.check_in_new, name="volunteer-check-in"),
    path("contact/<int:check_in_id>/", volunteer.check_in_edit, name="volunteer-check-in-edit"),
    path("dagen/", volunteer.days, name="volunteer-days"),
    path("link/", volunteer.magic_link_request, name="volunteer-magic-link"),
    path("link/open/", volunteer.MagicLoginView.as_view(), name="volunteer-magic-login"),
    path("uitnodiging/", volunteer.InvitationLoginView.as_view(), name="volunteer-invitation"),
    path("offline/", volunteer.offline, name="volunteer-offline"),
    path("manifest.webmanifest", volunteer.manifest, name="volunteer-manifest"),
    path("sw.js", volunteer.service_worker, name="volunteer-sw"),
]
