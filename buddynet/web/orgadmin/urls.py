"""The organisation administrator's pages, mounted at /organisatie/ inside the "web" namespace.

Every pattern here needs a row in tests/web/test_orgadmin_access.py (a test fails otherwise).
"""

from django.urls import URLPattern, path

from buddynet.web.orgadmin import views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="orgadmin-home"),
    path("<int:organisation_id>/", views.organisation, name="orgadmin-organisation"),
    path("<int:organisation_id>/coordinatoren/uitnodigen/", views.coordinator_invite,
         name="orgadmin-coordinator-invite"),
    path("<int:organisation_id>/coordinatoren/<int:user_id>/opnieuw-uitnodigen/", views.coordinator_invite_again,
         name="orgadmin-coordinator-invite-again"),
    path("<int:organisation_id>/coordinatoren/<int:user_id>/token-intrekken/", views.coordinator_token_revoke,
         name="orgadmin-coordinator-token-revoke"),
    path("<int:organisation_id>/financiers/uitnodigen/", views.funder_viewer_invite,
         name="orgadmin-funder-viewer-invite"),
    path("<int:organisation_id>/financiers/<int:user_id>/opnieuw-uitnodigen/", views.funder_viewer_invite_again,
         name="orgadmin-funder-viewer-invite-again"),
    path("<int:organisation_id>/vrijwilligers/", views.volunteer_accounts, name="orgadmin-volunteer-accounts"),
    path("<int:organisation_id>/vrijwilligers/<int:volunteer_id>/opnieuw-uitnodigen/", views.volunteer_invite_again,
         name="orgadmin-volunteer-invite-again"),
    path("<int:organisation_id>/vergoedingen/", views.allowance_settings, name="orgadmin-allowance-settings"),
    path("<int:organisation_id>/ondersteuning/", views.support_grant, name="orgadmin-support-grant"),
    path("<int:organisation_id>/ondersteuning/<int:grant_id>/beeindigen/", views.support_end,
         name="orgadmin-support-end"),
]
