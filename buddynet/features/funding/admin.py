"""Admin for funding records (administrators only; coordinators use the funding pages).

Grants, their lines, tranches and obligations, and the legal allowance caps are edited here.
Expenses, allowance payments and reports are only viewed (and deleted when booked wrongly):
they are recorded through the pages and the API, where the cap and period rules run.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buddynet.admin_scoping import AdminOnlyMixin
from buddynet.errors import InvalidInput
from buddynet.features.funding import services
from buddynet.features.funding.models import (
    AllowanceCap,
    AllowancePayment,
    BudgetLine,
    DeclaredAllowance,
    Expense,
    Grant,
    ProgressReport,
    ReportingObligation,
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
        # What BaseModelFormSet.save() would record, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.deleted_forms:
            if row.instance.pk is not None:
                services.obligation_delete(obligation=row.instance)
                formset.deleted_objects.append(row.instance)
        for row in formset.forms:
            if row in formset.deleted_forms or not row.has_changed():
                continue
            obligation = row.instance  # filled from the row's cleaned data when it was validated
            obligation.grant = form.instance
            is_new = obligation.pk is None
            saved = services.obligation_save(obligation=obligation, data={})
            if is_new:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, row.changed_data))


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
        # A frozen report is a record sent to the funder: it stays.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_frozen)
