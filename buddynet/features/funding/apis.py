"""Funding API: grants and their money, volunteer allowances, progress reports.

Who may do what:
- administrators: everything;
- coordinators: read the grants of their projects; book expenses; record allowances of their
  projects' volunteers; create progress reports, sign them off or delete a first draft; mark an
  obligation submitted;
- funders: read their grants, budget lines, tranches, obligations and their *frozen* reports —
  never an expense or an allowance (those name people and suppliers).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from buddynet.api import ScopedRelatedField, ScopedViewSet, ServiceCreateMixin, ServicePatchMixin
from buddynet.features.funding import reports, selectors, services
from buddynet.features.funding.models import (
    AllowanceCap,
    AllowancePayment,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Grant,
    ProgressReport,
    ReportAnnex,
    ReportingObligation,
    Tranche,
)
from buddynet.features.funding.receipts import TYPES as RECEIPT_TYPES
from buddynet.features.funding.receipts import receipt_response
from buddynet.parsers import SafeJSONParser
from buddynet.records.accounts.selectors import Roles, roles_of
from buddynet.records.accounts.types import Actor
from buddynet.records.people.models import Volunteer
from buddynet.records.people.selectors import funders_for_user, projects_for_user
from buddynet.validators import plausible_date

ALL_READERS = frozenset({"administrator", "coordinator", "funder"})
STAFF = frozenset({"administrator", "coordinator"})


def coordinated_volunteers(*, user: Actor) -> QuerySet[Volunteer]:
    """Volunteers whose allowances the caller may record: those of the projects they coordinate."""
    roles = roles_of(user)
    if roles.administrator:
        return Volunteer.objects.all()
    return Volunteer.objects.filter(project_id__in=roles.coordinated_project_ids)


def _admin_only(roles: Roles) -> None:
    if not roles.administrator:
        raise PermissionDenied(_("Only an administrator can change grants."))


class _Crud(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceCreateMixin, ScopedViewSet):
    """List/retrieve from the selector; create (and PATCH, with ServicePatchMixin, for the records
    that may change after they were made: not payments, expenses or reports, which are booked
    once, the caps and rules checked once) through `save` (a service)."""

    def check_create(self, data: Any) -> None:
        _admin_only(self.roles)


# --- grants ------------------------------------------------------------------------------------
class GrantSerializer(serializers.ModelSerializer):
    funder = ScopedRelatedField(funders_for_user)
    project = ScopedRelatedField(projects_for_user)
    project_name = serializers.CharField(source="project.name", read_only=True)
    end_date = serializers.DateField(
        required=False, help_text="Empty: three years after the start date.",
        validators=[plausible_date]
    )

    class Meta:
        model = Grant
        fields = ["id", "funder", "project", "project_name", "reference", "amount", "start_date", "end_date",
                  "created_at"]
        read_only_fields = ["id", "created_at"]


class GrantViewSet(ServicePatchMixin, _Crud):
    selector = selectors.grants_for_user
    serializer_class = GrantSerializer
    allowed_roles = ALL_READERS
    filterset_fields = ["funder", "project"]

    def save(self, *, instance: Grant | None, data: dict[str, Any]) -> Grant:
        return services.grant_save(grant=instance, data=data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def totals(self, request: Request, pk: str) -> Response:
        """Budget and spending per line and per year, tranches and burn rate, up to today."""
        grant = self.get_object()
        today = timezone.localdate()
        end = min(today, grant.end_date)
        m = reports.money_raw(grants=[grant], start=grant.start_date, end=end)[grant.pk]
        return Response(reports.publish_money(m, start=grant.start_date, end=end))


class BudgetLineSerializer(serializers.ModelSerializer):
    grant = ScopedRelatedField(selectors.grants_for_user)

    class Meta:
        model = BudgetLine
        fields = ["id", "grant", "kind", "amount"]
        read_only_fields = ["id"]


class BudgetLineViewSet(_Crud):
    selector = selectors.budget_lines_for_user
    serializer_class = BudgetLineSerializer
    allowed_roles = ALL_READERS
    filterset_fields = ["grant"]

    def save(self, *, instance: BudgetLine | None, data: dict[str, Any]) -> BudgetLine:
        return services.budget_line_save(line=instance, data=data)


class TrancheSerializer(serializers.ModelSerializer):
    grant = ScopedRelatedField(selectors.grants_for_user)

    class Meta:
        model = Tranche
        fields = ["id", "grant", "due_on", "amount", "condition", "paid_on"]
        read_only_fields = ["id"]


class TrancheViewSet(ServicePatchMixin, _Crud):
    selector = selectors.tranches_for_user
    serializer_class = TrancheSerializer
    allowed_roles = ALL_READERS
    filterset_fields = ["grant"]

    def save(self, *, instance: Tranche | None, data: dict[str, Any]) -> Tranche:
        return services.tranche_save(tranche=instance, data=data)


class ObligationSerializer(serializers.ModelSerializer):
    grant = ScopedRelatedField(selectors.grants_for_user)

    class Meta:
        model = ReportingObligation
        fields = ["id", "grant", "kind", "due_on", "submitted_on", "approved_on"]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        submitted = attrs.get("submitted_on", getattr(self.instance, "submitted_on", None))
        approved = attrs.get("approved_on", getattr(self.instance, "approved_on", None))
        if approved and (not submitted or approved < submitted):
            raise serializers.ValidationError({"approved_on": _("A report is approved only after it was submitted.")})
        return attrs


class ObligationViewSet(ServicePatchMixin, _Crud):
    selector = selectors.obligations_for_user
    serializer_class = ObligationSerializer
    allowed_roles = ALL_READERS
    filterset_fields = ["grant", "kind"]

    def can_write(self, roles: Roles, obj: ReportingObligation) -> bool:
        return roles.coordinates(obj.grant.project_id)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A coordinator says when the report went out; what is owed and its approval are the funder's
        # business, recorded by an administrator.
        obj = self.get_object()
        if not self.roles.administrator and set(request.data) - {"submitted_on"}:
            self.require_write(obj)
            raise PermissionDenied(_("A coordinator can only record when the report was submitted."))
        return super().partial_update(request, *args, **kwargs)

    def save(self, *, instance: ReportingObligation | None, data: dict[str, Any]) -> ReportingObligation:
        return services.obligation_save(obligation=instance, data=data)


# --- expenses ----------------------------------------------------------------------------------
class ReceiptField(serializers.FileField):
    """Uploaded as a file; read back as the API's own receipt address, which checks access and the
    file's type on every read. Not the storage's address: on the filesystem that is a /media/ path
    nothing serves, and on S3 a signed bucket address that bypasses access checks while valid."""

    def to_representation(self, value: Any) -> str | None:
        if not value:
            return None
        path = reverse("v1:funding-expense-receipt", args=[value.instance.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ExpenseSerializer(serializers.ModelSerializer):
    grant = ScopedRelatedField(selectors.grants_for_coordinator)
    budget_line = ScopedRelatedField(selectors.budget_lines_for_coordinator)
    receipt = ReceiptField(required=False, allow_empty_file=False,
                           help_text="Upload: the receipt (PDF, PNG or JPEG, at most 10 MB). Read: the address of "
                                     "`GET …/expenses/{id}/receipt/`, which serves it to the same caller.")

    class Meta:
        model = Expense
        fields = ["id", "grant", "budget_line", "date", "amount", "description", "supplier", "receipt",
                  "overspend_justification", "created_at"]
        read_only_fields = ["id", "created_at"]


class ExpenseViewSet(mixins.DestroyModelMixin, _Crud):
    selector = selectors.expenses_for_user
    serializer_class = ExpenseSerializer
    allowed_roles = STAFF
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]
    filterset_fields = ["grant", "budget_line"]

    def can_write(self, roles: Roles, obj: Expense) -> bool:
        return roles.coordinates(obj.grant.project_id)

    def check_create(self, data: Any) -> None:
        """Coordinators may; the scoped grant field refuses grants of other projects."""

    def perform_destroy(self, instance: Expense) -> None:
        self.require_write(instance)
        services.expense_delete(expense=instance)

    @extend_schema(responses={(200, kind): OpenApiTypes.BINARY
                              for kind in (*RECEIPT_TYPES, "application/octet-stream")},
                   description="The expense's receipt (PDF, PNG or JPEG, as its bytes were checked to be), "
                               "to the coordinators of its project and administrators; 404 to anyone else "
                               "and when the expense has no receipt.")
    @action(detail=True, methods=["get"], url_path="receipt", url_name="receipt")
    def receipt(self, request: Request, pk: str | None = None) -> Any:
        expense = selectors.receipt_expense_for_user(user=request.user, expense_id=self.get_object().pk)
        if expense is None:
            raise Http404
        return receipt_response(expense)

    def save(self, *, instance: Expense | None, data: dict[str, Any]) -> Expense:
        return services.expense_record(by=self.request.user, **data)


# --- allowances --------------------------------------------------------------------------------
class AllowanceCapSerializer(serializers.ModelSerializer):
    class Meta:
        model = AllowanceCap
        fields = ["id", "year", "daily_cap", "yearly_cap"]


class AllowanceCapViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The legal caps per year (read here; administrators edit them in the admin)."""

    selector = selectors.allowance_caps_for_user
    serializer_class = AllowanceCapSerializer


class AllowancePaymentSerializer(serializers.ModelSerializer):
    volunteer = ScopedRelatedField(coordinated_volunteers)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    days = serializers.IntegerField(min_value=0, max_value=366, required=False, default=0)
    warning = serializers.SerializerMethodField()

    class Meta:
        model = AllowancePayment
        fields = ["id", "volunteer", "kind", "paid_on", "year", "days", "amount", "warning", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_warning(self, payment: AllowancePayment) -> str | None:
        return self.context.get("warning")


class AllowancePaymentViewSet(_Crud):
    selector = selectors.allowance_payments_for_user
    serializer_class = AllowancePaymentSerializer
    allowed_roles = STAFF
    filterset_fields = ["volunteer", "year", "kind"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Coordinators may (allowed_roles); the scoped volunteer field refuses other projects' volunteers.
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.allowance_payment_record(by=request.user, **serializer.validated_data)
        out = self.get_serializer_class()(result.payment, context={**self.get_serializer_context(),
                                                                   "warning": result.warning})
        return Response(out.data, status=status.HTTP_201_CREATED)


class DeclaredAllowanceSerializer(serializers.ModelSerializer):
    volunteer = ScopedRelatedField(coordinated_volunteers)

    class Meta:
        model = DeclaredAllowance
        fields = ["id", "volunteer", "year", "organisation", "days", "amount", "created_at"]
        read_only_fields = ["id", "created_at"]


class DeclaredAllowanceViewSet(_Crud):
    selector = selectors.declared_allowances_for_user
    serializer_class = DeclaredAllowanceSerializer
    allowed_roles = STAFF
    filterset_fields = ["volunteer", "year"]

    def check_create(self, data: Any) -> None:
        """Coordinators may; the scoped volunteer field refuses other projects' volunteers."""

    def save(self, *, instance: DeclaredAllowance | None, data: dict[str, Any]) -> DeclaredAllowance:
        return services.declared_allowance_record(**data)


# --- progress reports --------------------------------------------------------------------------
class ReportSerializer(serializers.ModelSerializer):
    grant = ScopedRelatedField(selectors.grants_for_coordinator)
    obligation = ScopedRelatedField(
        selectors.obligations_for_user, required=False, allow_null=True,
        help_text="The grant's reporting obligation this report answers: its first sign-off marks it "
                  "submitted, the funder's approval marks it approved. Empty: a report nobody asked for.")
    # A plain string in the schema: "status" enums of other apps would collide with this one's name.
    status = serializers.CharField(read_only=True, help_text="draft | frozen")
    answer = serializers.CharField(read_only=True, help_text="'' | approved | completion_requested")
    name = serializers.CharField(read_only=True, help_text="What to type as `confirmation` to sign off.")
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "grant", "period_start", "period_end", "obligation", "name", "version", "previous", "status",
                  "frozen_at", "pdf", "pdf_sha256", "answer", "answer_comment", "answered_at", "created_at"]
        read_only_fields = ["id", "name", "version", "previous", "status", "frozen_at", "pdf", "pdf_sha256",
                            "answer", "answer_comment", "answered_at", "created_at"]

    def get_pdf(self, report: ProgressReport) -> str | None:
        return reverse("funding:report-pdf", args=[report.pk]) if report.is_frozen else None


class NarrativeSerializer(serializers.Serializer):
    highlights = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                       max_length=services.NARRATIVE_MAX_CHARS)
    difficulties = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                         max_length=services.NARRATIVE_MAX_CHARS)
    deviations = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                       max_length=services.NARRATIVE_MAX_CHARS)
    outlook = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                    max_length=services.NARRATIVE_MAX_CHARS)


class NarrativeRevisionSerializer(NarrativeSerializer):
    id = serializers.IntegerField(read_only=True)
    saved_at = serializers.DateTimeField(read_only=True)


class AnnexSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReportAnnex
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, annex: ReportAnnex) -> str:
        return reverse("funding:report-annex", args=[annex.report_id, annex.pk])


class ReportDetailSerializer(ReportSerializer):
    numbers = serializers.SerializerMethodField()
    narrative = serializers.SerializerMethodField()
    annexes = AnnexSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "numbers", "narrative", "annexes"]

    def get_numbers(self, report: ProgressReport) -> dict[str, Any]:
        return services.report_numbers(report=report)

    @extend_schema_field(NarrativeSerializer(allow_null=True))
    def get_narrative(self, report: ProgressReport) -> dict[str, str] | None:
        narrative = services.report_narrative(report=report)
        return narrative.texts() if narrative else None


class SignOffSerializer(serializers.Serializer):
    # Not required by the serializer, so that a frozen report answers 409 whatever is sent; the service
    # refuses an empty or wrong confirmation of a draft with a 400 on this field.
    confirmation = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                         help_text="The report's `name`, typed by the person who signs off.")


class AnswerSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class CompletionSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000)


class AnnexUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)


class ReportViewSet(mixins.DestroyModelMixin, _Crud):
    """Progress reports. DELETE throws away a draft of a first version made by mistake, with its
    narrative and annexes (services.report_draft_delete); a signed-off or later version answers 409."""

    selector = selectors.reports_for_user
    serializer_class = ReportSerializer
    allowed_roles = ALL_READERS
    filterset_fields = ["grant", "status"]
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # The sign-off prints the PDF before it locks anything (report_sign_off, issue 15): it must not
        # run inside the one transaction ScopedViewSet opens around writes. Its only write is atomic.
        match = getattr(request, "resolver_match", None)
        if request.method == "POST" and match is not None and match.url_name == "funding-report-sign-off":
            return super(ScopedViewSet, self).dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_serializer_class(self) -> Any:
        return ReportDetailSerializer if self.action == "retrieve" else ReportSerializer

    def can_write(self, roles: Roles, obj: ProgressReport) -> bool:
        return roles.coordinates(obj.grant.project_id)

    def check_create(self, data: Any) -> None:
        if not (self.roles.administrator or self.roles.is_coordinator):
            raise PermissionDenied()

    def save(self, *, instance: ProgressReport | None, data: dict[str, Any]) -> ProgressReport:
        return services.report_create(by=self.request.user, **data)

    def perform_destroy(self, instance: ProgressReport) -> None:
        self.require_write(instance)
        services.report_draft_delete(report=instance, by=self.request.user)

    def _out(self, report: ProgressReport, code: int = status.HTTP_200_OK) -> Response:
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=SignOffSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str) -> Response:
        """Sign off and freeze: the numbers and the PDF (its SHA-256 kept) are stored; the funder receives
        the report. `confirmation` is the report's `name` (see the preview: `pdf` of the draft)."""
        report = self.get_object()
        self.require_write(report)
        body = SignOffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.report_sign_off(report=report, by=request.user,
                                          confirmation=body.validated_data["confirmation"])
        return self._out(report)

    @extend_schema(methods=["GET"], request=None, responses=NarrativeRevisionSerializer(many=True))
    @extend_schema(methods=["POST"], request=NarrativeSerializer, responses={201: NarrativeRevisionSerializer})
    @action(detail=True, methods=["get", "post"])
    def narrative(self, request: Request, pk: str) -> Response:
        """GET: every saved revision of the narrative, newest first. POST: save the sections given as a
        new draft revision (a frozen version refuses: 409)."""
        report = self.get_object()
        self.require_write(report)
        if request.method == "GET":
            rows = report.narratives.order_by("-saved_at", "-id")
            return Response(NarrativeRevisionSerializer(rows, many=True).data)
        body = NarrativeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revision = services.report_narrative_save(report=report, by=request.user, texts=body.validated_data)
        return Response(NarrativeRevisionSerializer(revision).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=AnnexSerializer(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": AnnexUploadSerializer},
                   responses={201: AnnexSerializer})
    @action(detail=True, methods=["get", "post"])
    def annexes(self, request: Request, pk: str) -> Response:
        """GET: the annexes of this version. POST (multipart, `file`): add a PDF, JPEG or PNG of at
        most 10 MB, checked by its content, to a draft version."""
        report = self.get_object()
        if request.method == "GET":
            return Response(AnnexSerializer(report.annexes.order_by("uploaded_at", "id"), many=True).data)
        self.require_write(report)
        body = AnnexUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        annex = services.report_annex_add(report=report, by=request.user, upload=body.validated_data["file"])
        return Response(AnnexSerializer(annex).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"annexes/(?P<annex_id>[0-9]+)", url_name="annex")
    def annex(self, request: Request, pk: str, annex_id: str) -> Response:
        """Remove an annex from a draft version."""
        report = self.get_object()
        annex = get_object_or_404(report.annexes.all(), pk=int(annex_id))
        self.require_write(report)
        services.report_annex_remove(annex=annex, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=AnswerSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """The funder approves this signed-off version ("goedgekeurd"), with an optional comment."""
        report = self.get_object()
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._out(services.report_approve(report=report, by=request.user, **body.validated_data))

    @extend_schema(request=CompletionSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"], url_path="request-completion")
    def request_completion(self, request: Request, pk: str) -> Response:
        """The funder asks for completion ("vraag om aanvulling") with a comment: this version stays frozen
        and a new draft version opens (the answer is that new version)."""
        report = self.get_object()
        body = CompletionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = services.report_request_completion(report=report, by=request.user, **body.validated_data)
        return self._out(new, status.HTTP_201_CREATED)
