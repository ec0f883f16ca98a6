"""HTML pages of this app, mounted at /matching/ in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver, path

from matching import views

app_name = "matching"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("projecten/<int:project_id>/", views.project_page, name="project"),
    path("projecten/<int:project_id>/start/", views.start, name="start"),
    path("runs/<int:run_id>/", views.run_page, name="run"),
    path("organisaties/<int:organisation_id>/samen/", views.pooled_page, name="pooled"),
    path("deelnemers/<int:participant_id>/suggesties/", views.suggestion_page, name="suggestion"),
    path("voorstellen/<int:proposal_id>/aanvaarden/", views.accept, name="accept"),
    path("voorstellen/<int:proposal_id>/weigeren/", views.reject, name="reject"),
    path("voorstellen/<int:proposal_id>/vastzetten/", views.pair_rule, {"kind": "lock"}, name="lock"),
    path("voorstellen/<int:proposal_id>/uitsluiten/", views.pair_rule, {"kind": "forbid"}, name="forbid"),
    path("vastgezet/<int:rule_id>/verwijderen/", views.remove_rule, {"kind": "lock"}, name="unlock"),
    path("uitgesloten/<int:rule_id>/verwijderen/", views.remove_rule, {"kind": "forbid"}, name="unforbid"),
]
