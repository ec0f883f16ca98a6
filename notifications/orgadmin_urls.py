"""The organisation administrator's page of a project's follow-up settings (issue 16), mounted at
/organisatie/ in buddynet/urls.py beside the other organisation pages (buddynet/web/orgadmin/),
which cannot import this app. Every pattern here needs a row in tests/web/test_orgadmin.py."""

from django.urls import URLPattern, path

from notifications import views

app_name = "notification-rules"

urlpatterns: list[URLPattern] = [
    path("<int:organisation_id>/projecten/<int:project_id>/meldingsregels/", views.project_rules, name="project"),
]
