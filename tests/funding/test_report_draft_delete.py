"""A draft made by mistake can be thrown away (services.report_draft_delete): a first version's draft,
by who may edit it, with its saved narratives and its annexes, in one transaction; the annexes' files
go after commit once no report lists them; the reporting obligation it answered is free again.
A signed-off version and a later version (the answer to a funder's request for completion) stay.
Through the service, the API, the pages and the admin; with the refusals of every role."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from buddynet.errors import Conflict, NotAllowed
from buddynet.features.funding import services
from buddynet.features.funding.models import ProgressReport, ReportAnnex, ReportingObligation, ReportNarrative
from buddynet.records.accounts.models import Role
from buddynet.records.accounts.services import membership_grant
from tests import factories as f
from tests.conftest import World, client_for
from tests.funding.builders import D, Hand, pages, png

REPORTS = "/api/v1/funding/reports/"


def obligation_of(hand: Hand) -> ReportingObligation:
    return ReportingObligation.objects.get(grant=hand.grant)


def mistaken_draft(world: World, hand: Hand) -> tuple[ProgressReport, list[str]]:
    """A draft answering the grant's obligation, with two saved narratives and two annexes; and the
    annexes' file names."""
    report = services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                                    by=world.coordinator, obligation=obligation_of(hand))
    services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Verkeerde subsidie."})
    services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Toch niet."})
    files = [services.report_annex_add(report=report, by=world.coordinator, upload=png(name)).file.name
             for name in ("foto.png", "tweede.png")]
    return report, files


def second_version(world: World, hand: Hand) -> ProgressReport:
    """Version 2, the draft the funder's request for completion opened (with v1's narrative and annex)."""
    report, _files = mistaken_draft(world, hand)
    v1 = services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    return services.report_request_completion(report=v1, by=world.funder_user, comment="Cijfers 2de semester?")


def org_admin_of(world: World) -> Any:
    user = f.UserFactory()
    membership_grant(user=user, role=Role.ORG_ADMIN, organisation=world.project.organisation)
    return user


def untouched(report: ProgressReport, files: list[str]) -> bool:
    return (ProgressReport.objects.filter(pk=report.pk).exists()
            and ReportNarrative.objects.filter(report_id=report.pk).count() == 2
            and ReportAnnex.objects.filter(report_id=report.pk).count() == 2
            and all(default_storage.exists(name) for name in files))


# --- the service ----------------------------------------------------------------------------------
def test_a_first_draft_goes_with_its_narratives_and_annexes_and_frees_its_obligation(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)
    obligation = obligation_of(hand)
    assert obligation not in services.obligations_open_for_report(grant=hand.grant)

    with django_capture_on_commit_callbacks() as callbacks:
        services.report_draft_delete(report=report, by=world.coordinator)
        # The rows are gone in the transaction; the files only once it commits.
        assert not ProgressReport.objects.filter(pk=report.pk).exists()
        assert all(default_storage.exists(name) for name in files)
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()

    assert not ReportNarrative.objects.filter(report_id=report.pk).exists()
    assert not ReportAnnex.objects.filter(report_id=report.pk).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert obligation in services.obligations_open_for_report(grant=hand.grant)
    again = services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                                   by=world.coordinator, obligation=obligation)
    assert again.obligation_id == obligation.pk and again.version == 1


def test_an_administrator_deletes_a_draft_too(world: World, hand: Hand) -> None:
    report, _files = mistaken_draft(world, hand)

    services.report_draft_delete(report=report, by=world.admin)

    assert not ProgressReport.objects.filter(pk=report.pk).exists()


def test_a_file_another_report_still_lists_stays(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)
    other = services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 6, 30),
                                   by=world.coordinator)
    kept = ReportAnnex.objects.get(report=report, file=files[0])
    ReportAnnex.objects.create(report=other, file=kept.file.name, name=kept.name, content_type=kept.content_type,
                               size=kept.size, sha256=kept.sha256)

    with django_capture_on_commit_callbacks(execute=True):
        services.report_draft_delete(report=report, by=world.coordinator)

    assert default_storage.exists(files[0])  # the other report lists it
    assert not default_storage.exists(files[1])


def test_a_delete_rolled_back_keeps_every_row_and_file(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)

    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        services.report_draft_delete(report=report, by=world.coordinator)
        raise RuntimeError("the caller's transaction fails after the delete")

    assert callbacks == []
    assert untouched(report, files)


def test_a_signed_off_report_stays(world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)
    report = services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Conflict):
        services.report_draft_delete(report=report, by=world.coordinator)

    assert callbacks == []
    assert untouched(report, files)


def test_a_second_version_stays_because_it_answers_the_request_for_completion(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    v2 = second_version(world, hand)
    files = list(v2.annexes.values_list("file", flat=True))

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Conflict) as refused:
        services.report_draft_delete(report=v2, by=world.coordinator)

    assert "vraag om aanvulling" in str(refused.value.message)  # says why, in Dutch by default
    assert callbacks == []
    assert ProgressReport.objects.filter(pk=v2.pk).exists()
    assert v2.narratives.count() == 1 and v2.annexes.count() == 2
    assert all(default_storage.exists(name) for name in files)


@pytest.mark.parametrize("who", ["other_coordinator", "funder_user", "volunteer_user", "org_admin"])
def test_only_who_may_edit_the_report_deletes_it(world: World, hand: Hand, who: str,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)
    user = org_admin_of(world) if who == "org_admin" else getattr(world, who)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(NotAllowed):
        services.report_draft_delete(report=report, by=user)

    assert callbacks == []
    assert untouched(report, files)


# --- the API --------------------------------------------------------------------------------------
def test_delete_over_the_api_removes_the_draft_and_its_files(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.coordinator).delete(f"{REPORTS}{report.pk}/")

    assert response.status_code == 204
    assert not ProgressReport.objects.filter(pk=report.pk).exists()
    assert not any(default_storage.exists(name) for name in files)


@pytest.mark.parametrize(("who", "state", "status"), [
    ("coordinator", "frozen", 409), ("coordinator", "second", 409), ("funder_user", "frozen", 403),
    ("funder_user", "draft", 404), ("other_coordinator", "draft", 404), ("volunteer_user", "draft", 404),
])
def test_the_api_refuses_and_deletes_nothing(world: World, hand: Hand, who: str, state: str, status: int) -> None:
    if state == "second":
        report = second_version(world, hand)
        files = list(report.annexes.values_list("file", flat=True))
    else:
        report, files = mistaken_draft(world, hand)
        if state == "frozen":
            report = services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    narratives, annexes = report.narratives.count(), report.annexes.count()

    response = client_for(getattr(world, who)).delete(f"{REPORTS}{report.pk}/", HTTP_ACCEPT_LANGUAGE="nl-be")

    assert response.status_code == status, response.content
    if state == "second":
        assert "aanvulling" in response.json()["detail"]  # Dutch, and says why
    assert ProgressReport.objects.filter(pk=report.pk).exists()
    assert (report.narratives.count(), report.annexes.count()) == (narratives, annexes)
    assert all(default_storage.exists(name) for name in files)


# --- the pages ------------------------------------------------------------------------------------
def test_the_coordinator_deletes_a_draft_after_confirming_on_a_page(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)
    coordinator = pages(world.coordinator)
    page = f"/financiering/rapporten/{report.pk}/"

    assert f'href="{page}verwijderen/"' in coordinator.get(page).content.decode()
    confirm = coordinator.get(f"{page}verwijderen/")
    body = confirm.content.decode()
    assert confirm.status_code == 200
    assert 'method="post"' in body and "foto.png" in body and "tweede.png" in body
    assert "Ontwerp verwijderen" in body  # Dutch by default
    assert ProgressReport.objects.filter(pk=report.pk).exists()  # the GET deleted nothing

    with django_capture_on_commit_callbacks(execute=True):
        deleted = coordinator.post(f"{page}verwijderen/")

    assert deleted.status_code == 302
    assert deleted["Location"] == f"/financiering/subsidies/{hand.grant.pk}/#reports"
    assert not ProgressReport.objects.filter(pk=report.pk).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert "is verwijderd" in coordinator.get(deleted["Location"]).content.decode()


@pytest.mark.parametrize("state", ["frozen", "second"])
def test_the_page_offers_no_delete_of_a_kept_version_and_refuses_it(world: World, hand: Hand, state: str) -> None:
    if state == "second":
        report = second_version(world, hand)
    else:
        report, _files = mistaken_draft(world, hand)
        report = services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    coordinator = pages(world.coordinator)
    page = f"/financiering/rapporten/{report.pk}/"

    assert f'href="{page}verwijderen/"' not in coordinator.get(page).content.decode()
    assert coordinator.get(f"{page}verwijderen/")["Location"] == page
    refused = coordinator.post(f"{page}verwijderen/", follow=True)

    assert refused.redirect_chain == [(page, 302)]
    assert ProgressReport.objects.filter(pk=report.pk).exists()
    assert report.annexes.count() == 2


# --- the admin ------------------------------------------------------------------------------------
def test_the_admin_deletes_a_draft_through_the_service(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    report, files = mistaken_draft(world, hand)
    admin = pages(world.admin)
    url = f"/admin/funding/progressreport/{report.pk}/delete/"

    confirm = admin.get(url).content.decode()
    assert "foto.png" in confirm and 'name="post"' in confirm  # listed with the report, not "protected"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not ProgressReport.objects.filter(pk=report.pk).exists()
    assert not any(default_storage.exists(name) for name in files)


def test_the_admin_refuses_a_signed_off_version_and_the_version_completing_it(world: World, hand: Hand) -> None:
    v2 = second_version(world, hand)
    v1 = v2.previous
    assert v1 is not None and v1.is_frozen
    admin = pages(world.admin)

    for report in (v1, v2):
        response = admin.post(f"/admin/funding/progressreport/{report.pk}/delete/", {"post": "yes"})
        assert response.status_code == 403, report.version
        assert ProgressReport.objects.filter(pk=report.pk).exists() and report.annexes.count() == 2


def test_the_admins_bulk_delete_refuses_all_when_one_is_kept(
        world: World, hand: Hand, django_capture_on_commit_callbacks: Any) -> None:
    v2 = second_version(world, hand)
    draft = services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 6, 30),
                                   by=world.coordinator)
    services.report_narrative_save(report=draft, by=world.coordinator, texts={"highlights": "Dubbel."})
    admin = pages(world.admin)
    action = {"action": "delete_selected", "_selected_action": [v2.pk, draft.pk]}

    confirm = admin.post("/admin/funding/progressreport/", action)
    assert confirm.status_code == 200 and "aanvulling" in confirm.content.decode()
    admin.post("/admin/funding/progressreport/", {**action, "post": "yes"})
    assert ProgressReport.objects.filter(pk__in=[v2.pk, draft.pk]).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post("/admin/funding/progressreport/", {**action, "_selected_action": [draft.pk],
                                                               "post": "yes"})
    assert done.status_code == 302
    assert not ProgressReport.objects.filter(pk=draft.pk).exists()
    assert ProgressReport.objects.filter(pk=v2.pk).exists()


def test_a_write_to_a_draft_deleted_meanwhile_is_a_conflict_not_an_error(world: World, hand: Hand) -> None:
    # A second tab still shows the draft another request just deleted: its save answers 409.
    report, _files = mistaken_draft(world, hand)
    services.report_draft_delete(report=report, by=world.coordinator)

    with pytest.raises(Conflict):
        services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Nog iets."})
    with pytest.raises(Conflict):
        services.report_annex_add(report=report, by=world.coordinator, upload=png("laat.png"))
    with pytest.raises(Conflict):
        services.report_draft_delete(report=report, by=world.coordinator)
    assert not ReportNarrative.objects.filter(report_id=report.pk).exists()
