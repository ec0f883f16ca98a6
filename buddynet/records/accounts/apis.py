from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from buddynet.api import ScopedViewSet
from buddynet.records.accounts import invitations, services
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.accounts.selectors import roles_of, volunteer_account
from buddynet.records.accounts.types import Actor
from buddynet.records.people.selectors import volunteer_get_for_user


def users_for_user(*, user: Actor) -> QuerySet[User]:
    # Ordered, so pages neither repeat nor skip anyone (the models have no Meta.ordering).
    return User.objects.order_by("email") if roles_of(user).administrator else User.objects.none()


def memberships_for_user(*, user: Actor) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user", "project", "volunteer", "funder").order_by("pk")
    return qs if roles_of(user).administrator else qs.none()


class MeOutput(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "language", "roles"]

    def get_roles(self, user: User) -> dict[str, Any]:
        r = roles_of(user)
        return {
            "administrator": r.administrator,
            "coordinated_projects": sorted(r.coordinated_project_ids),
            "volunteer": r.volunteer_id,
            "funders": sorted(r.funder_ids),
            "administered_organisations": sorted(r.administered_organisation_ids),
        }


class MeInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    language = serializers.ChoiceField(choices=["nl-be", "en"], required=False)


class MeApi(APIView):
    """The signed-in user and their roles; PATCH changes name and language."""

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        return Response(MeOutput(request.user).data)

    @extend_schema(request=MeInput, responses=MeOutput)
    def patch(self, request: Request) -> Response:
        serializer = MeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, data=dict(serializer.validated_data))
        return Response(MeOutput(user).data)


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, allow_blank=False,
                                     style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "language", "is_active", "is_staff", "password", "date_joined"]
        read_only_fields = ["id", "date_joined"]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # E-mail addresses are stored lower case (user_create, UserManager), so the uniqueness
        # check must see the lower-case form too, or "ALICE@…" would slip in next to "alice@…".
        if hasattr(data, "get") and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].lower()}
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("password"):
            # On update, compare the password with what the user will be, not with blanks.
            candidate = User(email=attrs.get("email", getattr(self.instance, "email", "")),
                             full_name=attrs.get("full_name", getattr(self.instance, "full_name", "")))
            try:
                validate_password(attrs["password"], candidate)
            except Exception as exc:  # django ValidationError → field error
                raise serializers.ValidationError({"password": list(getattr(exc, "messages", [str(exc)]))}) from None
        return attrs


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                  ScopedViewSet):
    selector = users_for_user
    serializer_class = UserSerializer
    allowed_roles = frozenset({"administrator"})
    filterset_fields = ["is_active", "is_staff"]

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.user_create(
            email=data["email"], password=data.get("password"), full_name=data.get("full_name", ""),
            language=data.get("language", "nl-be"), is_staff=data.get("is_staff", False),
        )
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        password = data.pop("password", None)
        # The instance is changed in place: UpdateModelMixin renders serializer.data from it.
        services.user_update(user=serializer.instance, data=data, password=password)


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "user", "role", "project", "volunteer", "funder", "organisation", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needed = {
            Role.ADMINISTRATOR: None, Role.ORG_ADMIN: "organisation", Role.COORDINATOR: "project",
            Role.VOLUNTEER: "volunteer", Role.FUNDER: "funder",
        }[attrs["role"]]
        errors = {}
        for scope in ("project", "volunteer", "funder", "organisation"):
            if scope == needed and not attrs.get(scope):
                errors[scope] = _("Required for this role.")
            elif scope != needed and attrs.get(scope):
                errors[scope] = _("Does not apply to this role.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                        ScopedViewSet):
    selector = memberships_for_user
    serializer_class = MembershipSerializer
    allowed_roles = frozenset({"administrator"})
    filterset_fields = ["user", "role", "project", "funder", "organisation"]

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_grant(**serializer.validated_data)
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Membership) -> None:
        if not self.roles.administrator:
            raise PermissionDenied()
        services.membership_revoke(membership=instance)


# --- A volunteer's account, from the coordinator (accounts/invitations.py) ---------------------
class VolunteerAccountOutput(serializers.Serializer):
    has_account = serializers.BooleanField()
    email = serializers.EmailField(allow_null=True)
    active = serializers.BooleanField()
    signed_in = serializers.BooleanField(help_text="False: the first sign-in is still expected.")
    last_sent = serializers.DateTimeField(allow_null=True)
    sent_count = serializers.IntegerField()


def _account_state(volunteer: Any) -> dict[str, Any]:
    account = volunteer_account(volunteer=volunteer)
    if account is None:
        return {"has_account": False, "email": None, "active": False, "signed_in": False,
                "last_sent": None, "sent_count": 0}
    return {"has_account": True, "email": account["user"].email, "active": account["active"],
            "signed_in": account["signed_in"], "last_sent": account["last_sent"],
            "sent_count": account["sent_count"]}


def _volunteer_of_coordinator(request: Request, volunteer_id: int) -> Any:
    """404 outside the caller's scope; 403 for who sees the record but does not coordinate it
    (the volunteer themselves)."""
    volunteer = volunteer_get_for_user(user=request.user, volunteer_id=volunteer_id)
    if not roles_of(request.user).coordinates(volunteer.project_id):
        raise PermissionDenied()
    return volunteer


def _login_url(request: Request) -> str:
    return request.build_absolute_uri(reverse("web:volunteer-invitation"))


class VolunteerInvitationApi(APIView):
    """GET: the volunteer's account (expected first sign-in?). POST: invite them (account,
    membership, an e-mailed sign-in link); 400 without an address, 409 when the address belongs
    to another account, the volunteer already has an account or has stopped."""

    @extend_schema(responses=VolunteerAccountOutput)
    def get(self, request: Request, volunteer_id: int) -> Response:
        volunteer = _volunteer_of_coordinator(request, volunteer_id)
        return Response(VolunteerAccountOutput(_account_state(volunteer)).data)

    @extend_schema(request=None, responses={201: VolunteerAccountOutput})
    def post(self, request: Request, volunteer_id: int) -> Response:
        volunteer = _volunteer_of_coordinator(request, volunteer_id)
        invitations.invitation_send(volunteer=volunteer, by=request.user, login_url=_login_url(request))
        return Response(VolunteerAccountOutput(_account_state(volunteer)).data, status=status.HTTP_201_CREATED)


class VolunteerInvitationResendApi(APIView):
    """POST: a fresh sign-in link for a volunteer who has not signed in yet (409 otherwise)."""

    @extend_schema(request=None, responses=VolunteerAccountOutput)
    def post(self, request: Request, volunteer_id: int) -> Response:
        volunteer = _volunteer_of_coordinator(request, volunteer_id)
        invitations.invitation_resend(volunteer=volunteer, by=request.user, login_url=_login_url(request))
        return Response(VolunteerAccountOutput(_account_state(volunteer)).data)
