"""Existing consent becomes the first step of each participant's history (migration
people/0005_consent_history_screening), and a project's own screening validity moves from the
notification rules to the project (notifications/0002)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("people", "0004_volunteer_anonymised_at"), ("notifications", "0001_initial")]
AFTER = [("people", "0005_consent_history_screening"), ("notifications", "0002_screening_validity_on_project")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_consent_becomes_one_given_step_and_the_validity_moves_to_the_project() -> None:
    executor = _migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        project = old.get_model("people", "Project").objects.create(
            name="P", organisation=old.get_model("people", "Organisation").objects.create(name="O"))
        old.get_model("notifications", "ProjectRules").objects.create(project=project, screening_valid_months=24)
        user = old.get_model("accounts", "User").objects.create(email="alice@example.be")
        Participant = old.get_model("people", "Participant")
        consented = Participant.objects.create(project=project, first_name="A", last_name="B", postcode="9000",
                                               consent_date=datetime.date(2025, 3, 1), consent_scope="network",
                                               consent_recorded_by=user)
        Participant.objects.create(project=project, first_name="C", last_name="D", postcode="9000")

        new = _migrate(AFTER).loader.project_state(AFTER).apps

        events = list(new.get_model("people", "ConsentEvent").objects.values_list(
            "participant_id", "kind", "scope", "on", "how", "recorded_by_id"))
        assert events == [(consented.pk, "given", "network", datetime.date(2025, 3, 1), "other", user.pk)]
        assert new.get_model("people", "Project").objects.get(pk=project.pk).screening_valid_months == 24
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
