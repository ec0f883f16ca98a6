"""Admin for funding records (administrators only; coordinators use the funding pages).

Grants, their lines, tranches and obligations, and the legal allowance caps are edited here.
Expenses, allowance payments and reports are only viewed (and deleted when booked wrongly, a
report only as a first draft, through services.report_draft_delete): they are recorded through the
pages and the API, where the cap and period rules run.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buddynet.admin_scoping import AdminOnlyMixin, inline_save_through
from buddynet.errors import InvalidInput, ServiceError
from buddynet.features.funding import services
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
    ReportNarrative,
    Tranche,
)
from buddynet.features.funding.services import default_end_date
from buddynet.formats import money


class GrantForm(forms.ModelForm):
    class Meta:
        model = Grant
        fields = ["funder", "project", "reference", "amount", "start_date", "end_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = False
        self.fields["end_date"].help_text = _("Empty: three years after the start date.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        funder, amount, start = cleaned.get("funder"), cleaned.get("amount"), cleaned.get("start_date")
        if funder and amount and amount > funder.grant_cap:
            self.add_error("amount", _("A grant of this funder is at most %(cap)s.") % {"cap": money(funder.grant_cap)})
        if start and not cleaned.get("end_date"):
            cleaned["end_date"] = default_end_date(start)
            self.instance.end_date = cleaned["end_date"]
        if start and cleaned.get("end_date") and cleaned["end_date"] < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return cleaned


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


class TrancheInline(admin.TabularInline):
    model = Tranche
    extra = 0


class ObligationForm(forms.ModelForm):
    class Meta:
        model = ReportingObligation
        fields = ["kind", "due_on", "submitted_on", "approved_on"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            # The rule obligation_save keeps under the row lock (the instance still holds the stored
            # row here), shown next to the fields.
            services.obligation_change_check(obligation_id=self.instance.pk, new={
                name: cleaned[name] for name in self.changed_data if name in cleaned})
        except InvalidInput as exc:
            for name, message in exc.message.items():  # type: ignore[union-attr]
                self.add_error(name if name in self.fields else None, message)
        return cleaned


class ObligationInline(admin.TabularInline):
    model = ReportingObligation
    form = ObligationForm
    extra = 0


@admin.register(Grant)
class GrantAdmin(AdminOnlyMixin, admin.ModelAdmin):
    form = GrantForm
    list_display = ["reference", "project", "funder", "amount", "start_date", "end_date"]
    list_filter = ["funder"]
    search_fields = ["reference", "project__name"]
    inlines = [BudgetLineInline, TrancheInline, ObligationInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The obligations inline, through obligation_save / obligation_delete (what a signed-off
        report froze stays); the other inlines save as Django does."""
        if formset.model is not ReportingObligation:
            super().save_formset(request, form, formset, change)
            return
        inline_save_through(
            formset, parent_field="grant", parent=form.instance,
            save=lambda obligation, is_new: services.obligation_save(obligation=obligation, data={}),
            delete=lambda obligation: services.obligation_delete(obligation=obligation))


@admin.register(AllowanceCap)
class AllowanceCapAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["year", "daily_cap", "yearly_cap"]


class ViewOnly(AdminOnlyMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Expense)
class ExpenseAdmin(ViewOnly):
    list_display = ["date", "grant", "budget_line", "amount", "supplier"]
    list_filter = ["grant__funder", "budget_line__kind"]
    search_fields = ["grant__reference", "description", "supplier"]

    def delete_model(self, request: HttpRequest, obj: Expense) -> None:
        services.expense_delete(expense=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for expense in queryset:
            services.expense_delete(expense=expense)


@admin.register(AllowancePayment)
class AllowancePaymentAdmin(ViewOnly):
    list_display = ["volunteer", "year", "kind", "days", "amount", "paid_on"]
    list_filter = ["year", "kind"]


@admin.register(DeclaredAllowance)
class DeclaredAllowanceAdmin(ViewOnly):
    list_display = ["volunteer", "year", "organisation", "days", "amount"]
    list_filter = ["year"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ViewOnly):
    list_display = ["grant", "period_start", "period_end", "status", "frozen_at"]
    list_filter = ["status", "grant__funder"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only what the service deletes: a draft of a first version (a frozen report is a record
        # sent to the funder; a later version answers the funder's request for completion).
        return super().has_delete_permission(request, obj) and (
            obj is None or services.report_draft_deletable(report=obj, by=request.user))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[list[Any], dict[str, int], set[str],
                                                                             list[str]]:
        """The confirmation page of a delete: the draft with its narratives and annexes (which PROTECT
        it: Django would call them protected and refuse), or, for a report the service refuses (the
        bulk action offers every row), that report with the reason, so nothing is deleted."""
        deleted: list[Any] = []
        protected: list[str] = []
        counts = {str(ProgressReport._meta.verbose_name_plural): 0,
                  str(ReportNarrative._meta.verbose_name_plural): 0, str(ReportAnnex._meta.verbose_name_plural): 0}
        for report in objs:
            try:
                services.report_draft_delete_check(report=report, by=request.user)
            except ServiceError as exc:
                protected.append(f"{report.name}: {exc.message}")
                continue
            narratives, annexes = list(report.narratives.all()), list(report.annexes.all())
            deleted += [str(report), [*(f"{n._meta.verbose_name}: {n}" for n in narratives),
                                      *(f"{a._meta.verbose_name}: {a}" for a in annexes)]]
            counts[str(ProgressReport._meta.verbose_name_plural)] += 1
            counts[str(ReportNarrative._meta.verbose_name_plural)] += len(narratives)
            counts[str(ReportAnnex._meta.verbose_name_plural)] += len(annexes)
        return deleted, {k: v for k, v in counts.items() if v}, set(), protected

    def delete_model(self, request: HttpRequest, obj: ProgressReport) -> None:
        try:
            services.report_draft_delete(report=obj, by=request.user)
        except ServiceError as exc:  # refused since the confirmation page (a race): nothing deleted
            raise PermissionDenied(str(exc.message)) from exc

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # One by one through the service, all or nothing (Django's default is one queryset DELETE).
        try:
            with transaction.atomic():
                for report in queryset:
                    services.report_draft_delete(report=report, by=request.user)
        except ServiceError as exc:
            raise PermissionDenied(str(exc.message)) from exc
