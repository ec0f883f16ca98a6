from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from buddynet.health import healthz
from buddynet.operations.health import DetailedHealthView
from buddynet.records.accounts.apis import (
    MeApi,
    MembershipViewSet,
    UserViewSet,
    VolunteerInvitationApi,
    VolunteerInvitationResendApi,
)
from buddynet.records.duos.apis import CheckInViewSet, DuoViewSet, GoalViewSet
from buddynet.records.people.apis import (
    FunderViewSet,
    OrganisationViewSet,
    ParticipantViewSet,
    PostcodeLookupApi,
    ProjectViewSet,
    VolunteerViewSet,
)

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("projects", ProjectViewSet, basename="project")
router.register("participants", ParticipantViewSet, basename="participant")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("funders", FunderViewSet, basename="funder")
router.register("duos", DuoViewSet, basename="duo")
router.register("goals", GoalViewSet, basename="goal")
router.register("check-ins", CheckInViewSet, basename="checkin")
router.register("users", UserViewSet, basename="user")
router.register("memberships", MembershipViewSet, basename="membership")

api_v1 = [
    path("me/", MeApi.as_view(), name="me"),
    path("postcodes/<str:postcode>/", PostcodeLookupApi.as_view(), name="postcode"),
    path("volunteers/<int:volunteer_id>/invitation/", VolunteerInvitationApi.as_view(), name="volunteer-invitation"),
    path("volunteers/<int:volunteer_id>/invitation/resend/", VolunteerInvitationResendApi.as_view(),
         name="volunteer-invitation-resend"),
    *router.urls,
    path("", include("netwerk.api_urls")),
    path("", include("matching.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("buddynet.features.funding.api_urls")),
    path("", include("buddynet.features.signals.api_urls")),
    path("", include("buddynet.features.aftercare.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/detail", DetailedHealthView.as_view(), name="healthz-detail"),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline: CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Language: the django_language cookie (set through /i18n/setlang/), else the browser's
    # Accept-Language, else Dutch (nl-BE).
    path("admin/", admin.site.urls),
    path("netwerk/", include("netwerk.urls")),
    path("matching/", include("matching.urls")),
    path("meldingen/", include("notifications.urls")),
    # A project's notification rules, on the organisation administrator's pages (issue 16).
    path("organisatie/", include("notifications.orgadmin_urls")),
    path("financiering/", include("buddynet.features.funding.urls")),
    path("signalen/", include("buddynet.features.signals.urls")),
    path("nazorg/", include("buddynet.features.aftercare.urls")),
    path("aanmelden/tweestaps/", include("buddynet.security.urls")),
    path("account/", include("buddynet.security.account_urls")),
    path("aanmelden/welkom/", include("buddynet.deployment.urls")),
    path("", include("buddynet.web.urls")),
]

# Unknown addresses under /api/ answer JSON like every other API error (buddynet/api.py).
handler404 = "buddynet.api.not_found"
# An unreachable database answers 503 + Retry-After, also when a middleware met it; else a 500.
handler500 = "buddynet.security.middleware.server_error"
