"""The coordinator's pages, mounted at /coordinator/ inside the "web" namespace.

Every pattern here needs a row in tests/web/test_coordinator_access.py (a test fails otherwise).
"""

from django.urls import URLPattern, URLResolver, path

from buddynet.web.coordinator import accounts, bulk, edit, story, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="coordinator-home"),
    path("projecten/<int:project_id>/", views.today, name="coordinator-today"),
    path("projecten/<int:project_id>/deelnemers/", views.participants, name="coordinator-participants"),
    path("projecten/<int:project_id>/deelnemers/intake/", views.participant_intake,
         name="coordinator-participant-intake"),
    path("projecten/<int:project_id>/vrijwilligers/", views.volunteers, name="coordinator-volunteers"),
    path("projecten/<int:project_id>/vrijwilligers/intake/", views.volunteer_intake,
         name="coordinator-volunteer-intake"),
    path("projecten/<int:project_id>/deelnemers/importeren/", bulk.participant_import,
         name="coordinator-participant-import"),
    path("projecten/<int:project_id>/deelnemers/exporteren/", bulk.participant_export,
         name="coordinator-participant-export"),
    path("projecten/<int:project_id>/vrijwilligers/importeren/", bulk.volunteer_import,
         name="coordinator-volunteer-import"),
    path("projecten/<int:project_id>/vrijwilligers/exporteren/", bulk.volunteer_export,
         name="coordinator-volunteer-export"),
    path("projecten/<int:project_id>/duos/", views.duos, name="coordinator-duos"),
    path("deelnemers/<int:participant_id>/", views.participant, name="coordinator-participant"),
    path("deelnemers/<int:participant_id>/bewerken/", edit.participant_edit, name="coordinator-participant-edit"),
    path("deelnemers/<int:participant_id>/verhaal.pdf", story.participant_story, name="coordinator-participant-story"),
    path("deelnemers/<int:participant_id>/toestemming/", views.participant_consent,
         name="coordinator-participant-consent"),
    path("deelnemers/<int:participant_id>/behoeften/", views.participant_needs,
         name="coordinator-participant-needs"),
    path("vrijwilligers/<int:volunteer_id>/", views.volunteer, name="coordinator-volunteer"),
    path("vrijwilligers/<int:volunteer_id>/bewerken/", edit.volunteer_edit, name="coordinator-volunteer-edit"),
    path("vrijwilligers/<int:volunteer_id>/uitnodigen/", accounts.volunteer_invite,
         name="coordinator-volunteer-invite"),
    path("vrijwilligers/<int:volunteer_id>/opnieuw-uitnodigen/", accounts.volunteer_invite_again,
         name="coordinator-volunteer-invite-again"),
    path("duos/<int:duo_id>/", views.duo, name="coordinator-duo"),
    path("duos/<int:duo_id>/kennismaking/", views.duo_introduce, name="coordinator-duo-introduce"),
    path("duos/<int:duo_id>/starten/", views.duo_activate, name="coordinator-duo-activate"),
    path("duos/<int:duo_id>/pauzeren/", views.duo_pause, name="coordinator-duo-pause"),
    path("duos/<int:duo_id>/hervatten/", views.duo_resume, name="coordinator-duo-resume"),
    path("duos/<int:duo_id>/afsluiten/", views.duo_close, name="coordinator-duo-close"),
    path("duos/<int:duo_id>/heropenen/", views.duo_reopen, name="coordinator-duo-reopen"),
    path("duos/<int:duo_id>/doel/", views.duo_goal_add, name="coordinator-duo-goal-add"),
    path("doelen/<int:goal_id>/", views.goal_edit, name="coordinator-goal-edit"),
    path("contactmomenten/<int:check_in_id>/corrigeren/", views.check_in_correct,
         name="coordinator-check-in-correct"),
    path("contactmomenten/<int:check_in_id>/zorg-opgevolgd/", views.concern_handle,
         name="coordinator-concern-handle"),
]
