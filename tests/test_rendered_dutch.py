"""Every page and e-mail, rendered in Dutch, shows no English and writes dates and money the
Belgian way (issue 17).

tests/test_translations.py checks the catalogues and the templates' source; this test looks at
what a Dutch-speaking user actually gets. On the demo (the data a new coordinator meets) every
page that tests/test_query_counts.py measures is rendered in nl for each role it names, the
role's own pages show their menu, and every notification e-mail and the PDFs are rendered too.
The text a user reads (also aria-label, title, alt, placeholder) fails on:

- a piece of English that the project's catalogues translate (a msgid shown as itself: a string
  not marked for translation at the place it is shown, or rendered outside the user's language);
- an ISO date (2026-03-16) outside a form field, or the Netherlands' 16-3-2026: nl-BE writes
  "16 mrt. 2026" or 16/03/2026;
- "EUR 44.02" money: nl-BE writes "€ 44,02".
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from babel.messages.pofile import read_po
from django.core import mail
from django.test import Client
from django.urls import reverse

from buddynet.demo import data as demo
from notifications import messages as notification_messages
from notifications.models import Kind
from tests.test_query_counts import FROZEN, Ids, Measure, ids_for_demo, pin_for, url_names

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = [ROOT / "buddynet", ROOT / "matching", ROOT / "netwerk", ROOT / "notifications"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|\[\[.*?\]\]")
ISO_DATE = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b")
# The Netherlands' short date (Django's "nl": 6-12-2026); nl-BE writes 06/12/2026.
DASHED_DATE = re.compile(r"\b[0-3]?\d-[01]?\d-(19|20)\d\d\b")
EUR_MONEY = re.compile(r"\bEUR\s?-?\d")
# Pages that are not a role's own (the sign-in, the admin's own chrome) and paths without a menu.
NO_MENU_PREFIXES = ("/admin/", "/api/")


def english_fragments() -> set[str]:
    """Pieces of English the project translates: each msgid of the project's catalogues cut at its
    placeholders, kept when it has at least three words and its Dutch does not hold it too
    (names and words that are the same in both languages are no sign of English)."""
    fragments: set[str] = set()
    for folder in CODE_DIRS:
        for path in folder.rglob("*.po"):
            with path.open("rb") as handle:
                catalog = read_po(handle)
            for message in catalog:
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                dutch = " ".join(str(s) for s in strings if s)
                for msgid in ids:
                    for piece in PLACEHOLDER.split(str(msgid or "")):
                        piece = " ".join(piece.split()).strip(" .,:;()“”\"'-–—")
                        if len(piece.split()) >= 3 and piece not in dutch:
                            fragments.add(piece)
    return fragments


def visible_text(html: str) -> str:
    """What a reader or a screen reader meets: the text between tags and the labelling attributes."""
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S | re.I)
    labels = re.findall(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"', html)
    body = re.sub(r"<[^>]*>", " ", html)
    return " ".join(htmllib.unescape(" ".join([body, *labels])).split())


def problems_in(text: str, fragments: set[str]) -> list[str]:
    found = [f"English: {piece!r}" for piece in sorted(fragments) if piece in text]
    found += [f"ISO date: {m.group(0)!r} in …{text[max(0, m.start() - 60):m.end() + 20]}…"
              for m in ISO_DATE.finditer(text)]
    found += [f"dashed date: {m.group(0)!r} in …{text[max(0, m.start() - 60):m.end() + 20]}…"
              for m in DASHED_DATE.finditer(text)]
    found += [f"EUR money: …{text[max(0, m.start() - 40):m.end() + 20]}…" for m in EUR_MONEY.finditer(text)]
    return found


def pages(ids: Ids) -> Iterator[tuple[str, str, str]]:
    """(URL name, role, address) of every page the query-count pins render with data."""
    for name in sorted(url_names()):
        pin = pin_for(name)
        if not isinstance(pin, Measure) or name.startswith(("v1:", "admin:")):
            continue
        url = reverse(name, kwargs=pin.kwargs(ids) or None)
        for role in pin.roles:
            yield name, role, url


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).split())


def message_context(**extra: Any) -> dict[str, Any]:
    """A value for every placeholder of notifications/messages.py, as its callers give them:
    dates as dates, labels of choices as lazy labels (rendered in the recipient's language)."""
    from buddynet.features.funding.models import ObligationKind
    from matching.models import MatchRun

    day = dt.date(2026, 3, 2)
    return {"amount": "1234.50", "buddy": "Marieke", "checked": day, "closed": day, "comment": "",
            "coordinator": "An", "count": 1, "days": 12, "due": dt.date(2026, 4, 30), "duo": "Bert & Marieke",
            "end": dt.date(2026, 12, 20), "expires": dt.date(2027, 3, 2), "funder": "Departement WVG",
            "introduced": day, "last": dt.date(2026, 2, 1), "minimum": 2, "months": 3, "on": day,
            "participant": "Marieke", "project": "Buddy Gent", "run": "#4", "service": "CAW Oost-Vlaanderen",
            "started": day, "status": MatchRun.Status.DONE.label, "version": 2, "volunteer": "Bert Jacobs",
            "what": ObligationKind.FINANCIAL.label, "year": 2026,
            **extra}


def test_the_checks_find_english_iso_dates_and_eur_money() -> None:
    """The checks below can fail: each kind of mistake is reported."""
    fragments = english_fragments()
    assert "Concern raised about the duo" in fragments
    found = problems_in(visible_text(
        '<p title="Mark all as read">Zorg gemeld op 2026-03-02 (2-3-2026), bedrag EUR 44.02</p>'), fragments)
    assert any("Mark all as read" in f for f in found)
    assert any("ISO date" in f for f in found) and any("EUR money" in f for f in found)
    assert any("dashed date: '2-3-2026'" in f for f in found)
    right = '<input value="2026-03-02"><p>2 mrt. 2026, 02/03/2026, € 44,02</p>'
    assert problems_in(visible_text(right), fragments) == []


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_every_page_and_pdf_of_the_demo_in_dutch_has_no_english_and_belgian_formats() -> None:
    demo.build(scale=1, projects=1)
    ids = ids_for_demo()
    fragments = english_fragments()
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    found: dict[str, list[str]] = {}
    without_menu: list[str] = []
    seen = 0
    for name, role, url in pages(ids):
        client.force_login(ids.users[role])
        response = client.get(url, follow=True)
        assert response.status_code == 200, (name, role, response.status_code)
        if not response["Content-Type"].startswith("text/html"):
            continue
        seen += 1
        html = response.content.decode()
        problems = problems_in(visible_text(str(html)), fragments)
        if problems:
            found[f"{name} ({role})"] = problems
        if not url.startswith(NO_MENU_PREFIXES) and 'class="main-nav"' not in html:
            without_menu.append(f"{name} ({role})")
    # PDFs a coordinator prints or sends: the participant's own story and a progress report.
    client.force_login(ids.users["coordinator"])
    for name, url in (
        ("story", reverse("web:coordinator-participant-story", args=[ids.participant.pk])),
        ("report", reverse("funding:report-preview", args=[ids.report_id])),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", name
        problems = problems_in(pdf_text(b"".join(response) if response.streaming else response.content), fragments)
        if problems:
            found[f"{name} PDF"] = problems
    assert seen > 50
    assert found == {}, "\n".join(f"{where}: {p}" for where, ps in found.items() for p in ps)
    assert without_menu == []


@pytest.mark.parametrize("kind", list(Kind.values))
def test_every_notification_in_dutch_has_no_english_and_belgian_formats(kind: str) -> None:
    fragments = english_fragments()
    variants: list[dict[str, Any]] = [{}]
    if kind == Kind.DUO_QUIET:
        variants.append({"first_month": True})
    if kind == Kind.AFTERCARE_DUE:
        variants.append({"closure_map": True})
    if kind == Kind.PAIRING_FIT_POOR:
        variants.append({"side": "volunteer"})
    if kind == Kind.CONCERN_HANDLED:
        variants.append({"answered": True})
    if kind == Kind.REPORT_APPROVED:
        variants.append({"comment": "Goed"})
    for extra in variants:
        subject, body = notification_messages.render(kind, "nl", message_context(**extra))
        assert problems_in(f"{subject} {body}", fragments) == [], (kind, extra, subject, body)


@pytest.mark.django_db
def test_every_e_mail_of_the_inbox_and_the_digest_is_dutch(world: Any) -> None:
    """The e-mail around a message (its greeting, footer and links) and the daily digest, in nl."""
    from notifications import services as notification_services
    from notifications.models import Channel, Notification
    from notifications.selectors import Recipient

    fragments = english_fragments()
    user = world.coordinator
    user.language = "nl"
    user.save(update_fields=["language"])
    context = {"duo": "Bert & Marieke", "volunteer": "Bert", "on": dt.date(2026, 3, 2)}
    notification_services.notification_create([notification_services.Message(
        Recipient(user.pk, "nl", False), Kind.CONCERN_RAISED, "rendered-dutch", context)])
    mails = Notification.objects.filter(recipient=user, channel=Channel.EMAIL)
    assert mails.exists()
    for notification in mails:
        message = notification_services.build_email(notification)
        html = next(body for body, kind in message.alternatives if kind == "text/html")
        for text in (str(message.subject), str(message.body), visible_text(str(html))):
            assert problems_in(text, fragments) == [], text
    # The daily digest (a concern is urgent and never waits for it; a quiet duo does).
    notification_services.notification_create([notification_services.Message(
        Recipient(user.pk, "nl", True), Kind.DUO_QUIET, "rendered-dutch-2", message_context())])
    mail.outbox.clear()
    notification_services.digest_deliver(user_id=user.pk)
    assert mail.outbox, "no digest was sent"
    for sent in mail.outbox:
        html = next((body for body, kind in getattr(sent, "alternatives", []) if kind == "text/html"), "")
        for text in (str(sent.subject), str(sent.body), visible_text(str(html))):
            assert problems_in(text, fragments) == [], text
