"""API endpoints of this app, mounted under /api/v1/ (namespace "v1") in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from matching import apis

router = SimpleRouter()
router.register("match-runs", apis.MatchRunViewSet, basename="matching-run")
router.register("match-proposals", apis.ProposalViewSet, basename="matching-proposal")
router.register("match-forbidden-pairs", apis.ForbiddenPairViewSet, basename="matching-forbidden-pair")
router.register("match-locked-pairs", apis.LockedPairViewSet, basename="matching-locked-pair")

urlpatterns: list[URLPattern | URLResolver] = [
    # Before the router's, whose detail route would read "pooled" as a run id.
    path("match-runs/pooled/", apis.PooledMatchRunApi.as_view(), name="matching-run-pooled"),
    *router.urls,
    path("match-suggestions/<int:participant_id>/", apis.SuggestionApi.as_view(), name="matching-suggestion"),
]
