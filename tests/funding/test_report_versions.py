"""Narrative, annexes, confirmed sign-off and the funder's answer (issue 19 item 3).

The coordinator writes the narrative (every save kept), adds annexes (checked by content and size),
confirms the sign-off with the report's name; the frozen version keeps its PDF and its hash for good.
The funder approves or asks for completion; a request opens a new version and the frozen one stays.
Over the API and over the pages, with the access of every role."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from buddynet.errors import Conflict, InvalidInput, NotAllowed
from buddynet.features.funding import services
from buddynet.features.funding.models import ProgressReport, ReportAnnex, ReportNarrative
from buddynet.features.funding.prose import to_html
from notifications.models import Notification
from tests.conftest import World, client_for
from tests.funding.builders import D, Hand, pages, png

REPORTS = "/api/v1/funding/reports/"


def pdf_file(name: str = "begroting.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def draft(world: World, hand: Hand) -> ProgressReport:
    return services.report_create(grant=hand.grant, period_start=D(2025, 1, 1), period_end=D(2025, 12, 31),
                                  by=world.coordinator)


def stored(report: ProgressReport) -> bytes:
    report.refresh_from_db()
    with report.pdf.open("rb") as fh:
        return fh.read()


# --- the versioned approval flow over the API ---------------------------------------------------
def test_the_versioned_approval_flow_over_the_api(world: World, hand: Hand) -> None:
    coordinator, funder = client_for(world.coordinator), client_for(world.funder_user)
    made = coordinator.post(REPORTS, {"grant": hand.grant.pk, "period_start": "2025-01-01",
                                      "period_end": "2025-12-31"}, format="json").json()
    url = f"{REPORTS}{made['id']}/"
    assert made["name"] == "WVG-2025-001 v1" and made["version"] == 1

    # Two saves, two revisions; the second changes one section and keeps the others.
    assert coordinator.post(f"{url}narrative/", {"highlights": "Veel **nieuwe** buddy's.",
                                                 "outlook": "Meer vrijwilligers."}, format="json").status_code == 201
    assert coordinator.post(f"{url}narrative/", {"difficulties": "- wachtlijst\n- vervoer"},
                            format="json").status_code == 201
    revisions = coordinator.get(f"{url}narrative/").json()
    assert [r["difficulties"] for r in revisions] == ["- wachtlijst\n- vervoer", ""]
    assert revisions[0]["highlights"] == "Veel **nieuwe** buddy's."
    added = coordinator.post(f"{url}annexes/", {"file": png()}, format="multipart")
    assert added.status_code == 201, added.content
    assert added.json()["content_type"] == "image/png"

    # The funder sees nothing of the draft; the sign-off needs the report's name typed.
    assert funder.get(url).status_code == 404
    wrong = coordinator.post(f"{url}sign-off/", {"confirmation": "WVG-2025-001"}, format="json")
    assert wrong.status_code == 400 and "confirmation" in wrong.json()
    assert ProgressReport.objects.get(pk=made["id"]).status == "draft"
    signed = coordinator.post(f"{url}sign-off/", {"confirmation": " wvg-2025-001 V1 "}, format="json")
    assert signed.status_code == 200, signed.content
    v1 = ProgressReport.objects.get(pk=made["id"])
    first_pdf = stored(v1)
    assert signed.json()["pdf_sha256"] == v1.pdf_sha256 == hashlib.sha256(first_pdf).hexdigest()

    # The funder reads the version, its narrative and its annex, and downloads the annex.
    seen = funder.get(url).json()
    assert seen["narrative"]["outlook"] == "Meer vrijwilligers." and len(seen["annexes"]) == 1
    download = Client()
    download.force_login(world.funder_user)
    got = download.get(seen["annexes"][0]["download"])
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert got["Cache-Control"] == "no-store" and got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(b"".join(got.streaming_content)).hexdigest() == seen["annexes"][0]["sha256"]

    # The funder asks for completion: a new draft version with the same text and annex.
    assert funder.post(f"{url}request-completion/", {"comment": ""}, format="json").status_code == 400
    asked = funder.post(f"{url}request-completion/", {"comment": "Licht de wachtlijst toe."}, format="json")
    assert asked.status_code == 201, asked.content
    v2 = ProgressReport.objects.get(pk=asked.json()["id"])
    assert (v2.version, v2.previous_id, v2.status, v2.name) == (2, v1.pk, "draft", "WVG-2025-001 v2")
    assert services.report_narrative(report=v2).texts() == services.report_narrative(report=v1).texts()
    assert [a.sha256 for a in v2.annexes.all()] == [a.sha256 for a in v1.annexes.all()]
    assert Notification.objects.filter(recipient=world.coordinator, kind="report_completion_requested").exists()
    assert funder.get(f"{REPORTS}{v2.pk}/").status_code == 404  # not the funder's until signed off

    # v1 stays frozen, with the answer beside it; v2 is completed and signed off; the funder approves.
    assert coordinator.post(f"{url}narrative/", {"outlook": "later"}, format="json").status_code == 409
    v2_url = f"{REPORTS}{v2.pk}/"
    assert coordinator.post(f"{v2_url}narrative/", {"difficulties": "De wachtlijst telt 12 mensen."},
                            format="json").status_code == 201
    assert coordinator.post(f"{v2_url}sign-off/", {"confirmation": "WVG-2025-001 v2"},
                            format="json").status_code == 200
    approved = funder.post(f"{v2_url}approve/", {"comment": "Dank u."}, format="json")
    assert approved.status_code == 200 and approved.json()["answer"] == "approved"
    assert funder.post(f"{v2_url}approve/", {}, format="json").status_code == 409
    assert Notification.objects.filter(recipient=world.coordinator, kind="report_approved").exists()
    v1.refresh_from_db()
    assert (v1.answer, v1.answer_comment) == ("completion_requested", "Licht de wachtlijst toe.")
    assert stored(v1) == first_pdf and v1.pdf_sha256 == hashlib.sha256(first_pdf).hexdigest()
    listed = funder.get(REPORTS, {"grant": hand.grant.pk}).json()["results"]
    assert sorted((r["version"], r["answer"]) for r in listed) == [(1, "completion_requested"), (2, "approved")]


# --- a frozen version never changes -------------------------------------------------------------
def test_a_frozen_version_never_changes(world: World, hand: Hand) -> None:
    report = draft(world, hand)
    services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Goed jaar."})
    annex = services.report_annex_add(report=report, by=world.coordinator, upload=pdf_file())
    services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    body, digest = stored(report), report.pdf_sha256
    numbers, revisions = report.numbers, ReportNarrative.objects.filter(report=report).count()

    with pytest.raises(Conflict):
        services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Anders."})
    with pytest.raises(Conflict):
        services.report_annex_add(report=report, by=world.coordinator, upload=png())
    with pytest.raises(Conflict):
        services.report_annex_remove(annex=annex, by=world.coordinator)
    with pytest.raises(Conflict):
        services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    services.report_request_completion(report=report, by=world.funder_user, comment="Meer cijfers a.u.b.")

    report.refresh_from_db()
    assert (stored(report), report.pdf_sha256, report.numbers) == (body, digest, numbers)
    assert hashlib.sha256(body).hexdigest() == digest
    assert ReportNarrative.objects.filter(report=report).count() == revisions
    assert list(report.annexes.values_list("sha256", flat=True)) == [annex.sha256]


def test_the_pdf_holds_the_narrative_and_lists_the_annexes(world: World, hand: Hand) -> None:
    import pypdfium2

    report = draft(world, hand)
    services.report_narrative_save(report=report, by=world.coordinator, texts={
        "highlights": "Het **wachtlijstproject** liep goed.", "deviations": "- later gestart\n- minder budget"})
    annex = services.report_annex_add(report=report, by=world.coordinator, upload=png("foto van de opening.png"))
    services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)

    pdf = pypdfium2.PdfDocument(stored(report))
    text = " ".join(pdf[n].get_textpage().get_text_range() for n in range(len(pdf))).replace("\r\n", " ")
    pdf.close()
    assert "wachtlijstproject liep goed" in text and "**" not in text
    assert "later gestart" in text
    # A line may break inside a file name or the hash, but with no hyphen added (it would change them).
    squeezed = "".join(text.split())
    assert "foto_van_de_opening.png" in squeezed and annex.sha256 in squeezed


def test_each_save_keeps_the_earlier_text_and_the_same_text_adds_no_revision(world: World, hand: Hand) -> None:
    report = draft(world, hand)
    services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Eerste"})
    services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Tweede"})
    services.report_narrative_save(report=report, by=world.coordinator, texts={"highlights": "Tweede"})

    assert list(report.narratives.order_by("saved_at", "id").values_list("highlights", flat=True)) == [
        "Eerste", "Tweede"]


# --- rules that only a service can know ---------------------------------------------------------
@pytest.mark.parametrize(("name", "body"), [
    ("rapport.pdf", b"Dit is gewoon tekst, geen pdf."),
    ("foto.png", b"MZ\x90\x00" + b"\x00" * 200),  # a Windows program named .png
    ("foto.png", b"\x89PNG\r\n\x1a\n" + b"kapot" * 40),  # a PNG signature over garbage
    ("foto.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
])
def test_an_annex_is_checked_by_its_content_not_its_name(world: World, hand: Hand, name: str, body: bytes) -> None:
    report = draft(world, hand)

    with pytest.raises(InvalidInput) as refused:
        services.report_annex_add(report=report, by=world.coordinator, upload=SimpleUploadedFile(name, body))

    assert "file" in refused.value.message  # type: ignore[operator]
    assert not ReportAnnex.objects.exists()


def test_an_annex_over_ten_megabytes_is_refused(world: World, hand: Hand) -> None:
    report = draft(world, hand)
    big = SimpleUploadedFile("groot.pdf", b"%PDF-1.4\n" + b"0" * (services.ANNEX_MAX_BYTES - 8))

    with pytest.raises(InvalidInput):
        services.report_annex_add(report=report, by=world.coordinator, upload=big)
    assert not ReportAnnex.objects.exists()
    exact = SimpleUploadedFile("precies.pdf", b"%PDF-1.4\n" + b"0" * (services.ANNEX_MAX_BYTES - 9))
    assert services.report_annex_add(report=report, by=world.coordinator, upload=exact).size == services.ANNEX_MAX_BYTES


def test_a_jpeg_renamed_to_png_is_stored_as_the_jpeg_it_is(world: World, hand: Hand) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="JPEG")
    annex = services.report_annex_add(report=draft(world, hand), by=world.coordinator,
                                      upload=SimpleUploadedFile("scan.png", buffer.getvalue()))

    assert (annex.content_type, annex.name) == ("image/jpeg", "scan.jpg")


def test_only_the_projects_coordinator_writes_and_only_the_grants_funder_answers(world: World, hand: Hand) -> None:
    report = draft(world, hand)
    for outsider in (world.other_coordinator, world.funder_user, world.volunteer_user):
        with pytest.raises(NotAllowed):
            services.report_narrative_save(report=report, by=outsider, texts={"highlights": "x"})
    with pytest.raises(NotAllowed):
        services.report_sign_off(report=report, by=world.other_coordinator, confirmation=report.name)
    services.report_sign_off(report=report, by=world.coordinator, confirmation=report.name)
    for outsider in (world.coordinator, world.other_coordinator):
        with pytest.raises(NotAllowed):
            services.report_approve(report=report, by=outsider)
    assert ProgressReport.objects.get(pk=report.pk).answer == ""


def test_the_narrative_is_rendered_safely_with_light_formatting() -> None:
    html = to_html("Eerste **vet** regel\ntweede <script>alert(1)</script>\n\n- een\n* twee\n\nSlot & <b>einde</b>")

    assert html == ("<p>Eerste <strong>vet</strong> regel<br>tweede &lt;script&gt;alert(1)&lt;/script&gt;</p>"
                    "<ul><li>een</li><li>twee</li></ul><p>Slot &amp; &lt;b&gt;einde&lt;/b&gt;</p>")
    assert to_html("") == "" and to_html("** niet vet **") == "<p>** niet vet **</p>"


# --- the pages ----------------------------------------------------------------------------------
def test_the_versioned_approval_flow_over_the_pages(world: World, hand: Hand) -> None:
    report = draft(world, hand)
    coordinator, funder = pages(world.coordinator), pages(world.funder_user)
    page = f"/financiering/rapporten/{report.pk}/"

    body = coordinator.get(page).content.decode()
    assert 'spellcheck="true"' in body and 'lang="nl-BE"' in body
    saved = coordinator.post(f"{page}toelichting/", {"highlights": "Een **sterk** jaar.", "difficulties": "",
                                                     "deviations": "", "outlook": ""})
    assert saved.status_code == 302
    assert coordinator.post(f"{page}bijlagen/", {"file": pdf_file()}).status_code == 302
    assert report.annexes.count() == 1
    assert "<strong>sterk</strong>" in coordinator.get(page).content.decode()

    preview = coordinator.get(f"{page}voorbeeld.pdf")
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline") and preview["Cache-Control"] == "no-store"
    summary = coordinator.get(f"{page}afronden/").content.decode()
    assert "WVG-2025-001 v1" in summary and "begroting.pdf" in summary
    wrong = coordinator.post(f"{page}afronden/", {"confirmation": "ja"})
    assert wrong.status_code == 200 and "WVG-2025-001 v1" in wrong.content.decode()
    report.refresh_from_db()
    assert not report.is_frozen
    assert coordinator.post(f"{page}afronden/", {"confirmation": "WVG-2025-001 v1"}).status_code == 302
    report.refresh_from_db()
    assert report.is_frozen and report.pdf_sha256

    funder_page = funder.get(page).content.decode()
    assert "Een <strong>sterk</strong> jaar." in funder_page and 'name="answer"' in funder_page
    assert funder.post(f"{page}antwoord/", {"answer": "complete", "comment": ""}).status_code == 302
    assert not ProgressReport.objects.filter(previous=report).exists()  # a request must say what
    asked = funder.post(f"{page}antwoord/", {"answer": "complete", "comment": "Cijfers 2de semester?"})
    assert asked.status_code == 302
    v2 = ProgressReport.objects.get(previous=report)
    versions = coordinator.get(f"/financiering/rapporten/{v2.pk}/").content.decode()
    assert report.pdf_sha256 in versions and "Cijfers 2de semester?" in versions
    assert funder.get(f"/financiering/rapporten/{v2.pk}/").status_code == 404
    assert coordinator.post(f"/financiering/rapporten/{v2.pk}/afronden/",
                            {"confirmation": "WVG-2025-001 v2"}).status_code == 302
    assert funder.post(f"/financiering/rapporten/{v2.pk}/antwoord/", {"answer": "approve"}).status_code == 302
    v2.refresh_from_db()
    assert v2.answer == "approved"


PAGE_CASES = [
    # (page, method, for a draft or a frozen report, {role: status})
    ("", "GET", "draft", {"coordinator": 200, "other_coordinator": 404, "funder_user": 404, "volunteer_user": 404}),
    ("", "GET", "frozen", {"coordinator": 200, "other_coordinator": 404, "funder_user": 200, "volunteer_user": 404}),
    ("voorbeeld.pdf", "GET", "draft",
     {"coordinator": 200, "other_coordinator": 404, "funder_user": 404, "volunteer_user": 404}),
    ("afronden/", "GET", "draft", {"coordinator": 200, "other_coordinator": 404, "funder_user": 404,
                                   "volunteer_user": 404}),
    ("afronden/", "GET", "frozen", {"coordinator": 302, "other_coordinator": 404, "funder_user": 403,
                                    "volunteer_user": 404}),
    ("toelichting/", "POST", "draft", {"coordinator": 302, "other_coordinator": 404, "funder_user": 404,
                                       "volunteer_user": 404}),
    ("bijlagen/", "POST", "draft", {"coordinator": 302, "other_coordinator": 404, "funder_user": 404,
                                    "volunteer_user": 404}),
    ("bijlagen/{annex}/", "GET", "frozen", {"coordinator": 200, "other_coordinator": 404, "funder_user": 200,
                                            "volunteer_user": 404}),
    ("bijlagen/{annex}/", "GET", "draft", {"coordinator": 200, "other_coordinator": 404, "funder_user": 404,
                                           "volunteer_user": 404}),
    ("bijlagen/{annex}/verwijderen/", "POST", "draft",
     {"coordinator": 302, "other_coordinator": 404, "funder_user": 404, "volunteer_user": 404}),
    ("antwoord/", "POST", "frozen", {"coordinator": 403, "other_coordinator": 404, "funder_user": 302,
                                     "volunteer_user": 404}),
    ("verwijderen/", "GET", "draft", {"coordinator": 200, "other_coordinator": 404, "funder_user": 404,
                                      "volunteer_user": 404}),
    ("verwijderen/", "POST", "draft", {"coordinator": 302, "other_coordinator": 404, "funder_user": 404,
                                       "volunteer_user": 404}),
    ("verwijderen/", "POST", "frozen", {"coordinator": 302, "other_coordinator": 404, "funder_user": 403,
                                        "volunteer_user": 404}),
]


@pytest.mark.parametrize(("path", "method", "state", "expect"), PAGE_CASES,
                         ids=[f"{m} {p or 'page'} ({s})" for p, m, s, _ in PAGE_CASES])
def test_each_report_page_answers_each_role(world: World, hand: Hand, path: str, method: str, state: str,
                                            expect: dict[str, int]) -> None:
    numbers = services.report_numbers(report=draft(world, hand))
    for role, status in expect.items():
        report = draft(world, hand)
        annex = services.report_annex_add(report=report, by=world.coordinator, upload=pdf_file())
        if state == "frozen":  # frozen as report_sign_off freezes, without printing a PDF for each role
            report.status, report.numbers, report.frozen_at = "frozen", numbers, timezone.now()
            report.pdf.save("frozen.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
            report.save()
        url = f"/financiering/rapporten/{report.pk}/" + path.format(annex=annex.pk)
        data = {"highlights": "x", "file": png(), "answer": "approve", "comment": "ok"}
        client = pages(getattr(world, role))
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == status, (role, url)
        if path == "verwijderen/":  # the coordinator's POST deletes the draft; a frozen version stays
            gone = not ProgressReport.objects.filter(pk=report.pk).exists()
            assert gone == (method == "POST" and status == 302 and state == "draft"), (role, url)
            continue
        report.refresh_from_db()
        changed = (report.narratives.exists() or report.annexes.count() != 1 or bool(report.answer))
        assert changed == (method == "POST" and status == 302), (role, url)
    assert Client().get(f"/financiering/rapporten/{report.pk}/").status_code == 302  # to the login page
