"""HTML pages of this app, mounted at /financiering/ in buddynet/urls.py."""

from django.urls import URLPattern, URLResolver, path, register_converter

from buddynet.features.funding import views


class FormatConverter:
    regex = "pdf|csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

app_name = "funding"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.portal, name="portal"),
    path("portefeuille/<int:funder_id>/", views.portfolio, name="portfolio"),
    path("portefeuille/<int:funder_id>/rapport.<fmt:fmt>", views.portfolio, name="portfolio-as"),
    path("portefeuille/rapporten/<int:job_id>/", views.portfolio_job, name="portfolio-job"),
    path("portefeuille/rapporten/<int:job_id>/voortgang/", views.portfolio_job_progress,
         name="portfolio-job-progress"),
    path("portefeuille/rapporten/<int:job_id>/download/", views.portfolio_job_download,
         name="portfolio-job-download"),
    path("portefeuille/rapporten/<int:job_id>/opnieuw/", views.portfolio_job_retry, name="portfolio-job-retry"),
    path("subsidies/", views.grants, name="grants"),
    path("subsidies/<int:grant_id>/", views.grant, name="grant"),
    path("uitgaven/<int:expense_id>/bewijsstuk/", views.receipt, name="receipt"),
    path("rapporten/<int:report_id>/", views.report, name="report"),
    path("rapporten/<int:report_id>/rapport.<fmt:fmt>", views.report, name="report-as"),
    path("rapporten/<int:report_id>/rapport.pdf", views.report, {"fmt": "pdf"}, name="report-pdf"),
    path("rapporten/<int:report_id>/afronden/", views.report_sign_off, name="report-sign-off"),
    path("rapporten/<int:report_id>/voorbeeld.pdf", views.report_preview, name="report-preview"),
    path("rapporten/<int:report_id>/toelichting/", views.report_narrative, name="report-narrative"),
    path("rapporten/<int:report_id>/bijlagen/", views.report_annex_add, name="report-annex-add"),
    path("rapporten/<int:report_id>/bijlagen/<int:annex_id>/", views.report_annex, name="report-annex"),
    path("rapporten/<int:report_id>/bijlagen/<int:annex_id>/verwijderen/", views.report_annex_remove,
         name="report-annex-remove"),
    path("rapporten/<int:report_id>/verwijderen/", views.report_delete, name="report-delete"),
    path("rapporten/<int:report_id>/antwoord/", views.report_answer, name="report-answer"),
    path("vergoedingen/", views.allowances, name="allowances-start"),
    path("vergoedingen/<int:project_id>/", views.allowances, name="allowances"),
    path("vergoedingen/<int:project_id>/lijst.csv", views.allowances_csv, name="allowances-csv"),
]
