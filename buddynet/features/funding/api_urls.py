"""API endpoints of this app, mounted under /api/v1/ (namespace "v1") in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from buddynet.features.funding import apis

router = SimpleRouter()
router.register("funding/grants", apis.GrantViewSet, basename="funding-grant")
router.register("funding/budget-lines", apis.BudgetLineViewSet, basename="funding-budget-line")
router.register("funding/tranches", apis.TrancheViewSet, basename="funding-tranche")
router.register("funding/obligations", apis.ObligationViewSet, basename="funding-obligation")
router.register("funding/expenses", apis.ExpenseViewSet, basename="funding-expense")
router.register("funding/allowance-caps", apis.AllowanceCapViewSet, basename="funding-allowance-cap")
router.register("funding/allowance-payments", apis.AllowancePaymentViewSet, basename="funding-allowance-payment")
router.register("funding/declared-allowances", apis.DeclaredAllowanceViewSet, basename="funding-declared-allowance")
router.register("funding/reports", apis.ReportViewSet, basename="funding-report")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
