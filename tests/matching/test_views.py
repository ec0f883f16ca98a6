"""The coordinator's review pages, server side: who may see them, and each form's effect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from buddynet.records.duos.models import Duo
from matching import services
from matching.models import ForbiddenPair, LockedPair, MatchRun, Proposal
from tests import factories as f
from tests.conftest import World


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def run(world: World) -> MatchRun:
    today = dt.date.today()
    for i in range(3):
        f.ParticipantFactory(project=world.project, waiting_since=today - dt.timedelta(days=100 + i))
    for _ in range(2):
        f.VolunteerFactory(project=world.project)
    return services.match_run_start(project=world.project, by=world.coordinator)


def test_the_coordinator_sees_proposals_bars_alternatives_and_reasons(world: World, run: MatchRun) -> None:
    response = browser_for(world.coordinator).get(f"/matching/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card proposal"') == 2
    assert "Network complementarity" in html and "300 of 300" in html
    assert "alternative" in html
    assert "gives them to other participants" in html


@pytest.mark.parametrize("who", ["volunteer_user", "funder_user", "other_coordinator"])
def test_others_get_404_on_every_page(world: World, run: MatchRun, who: str) -> None:
    client = browser_for(getattr(world, who))
    proposal = run.proposals.first()

    pages = [f"/matching/runs/{run.pk}/", f"/matching/projecten/{world.project.pk}/"]
    if who != "other_coordinator":
        pages.append("/matching/")
    for page in pages:
        assert client.get(page).status_code == 404, page
    assert client.post(f"/matching/voorstellen/{proposal.pk}/aanvaarden/").status_code == 404
    assert client.post(f"/matching/projecten/{world.project.pk}/start/").status_code == 404
    proposal.refresh_from_db()
    assert proposal.decision == "pending" and MatchRun.objects.count() == 1


def test_the_forms_accept_reject_lock_forbid_and_run_again(world: World, run: MatchRun) -> None:
    client = browser_for(world.coordinator)
    first, second = run.proposals.order_by("-score", "participant_id")

    client.post(f"/matching/voorstellen/{first.pk}/aanvaarden/")
    client.post(f"/matching/voorstellen/{second.pk}/weigeren/", {"reason": "Andere timing", "forbid": "on"})
    page = client.get(f"/matching/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.decision == "accepted" and Duo.objects.filter(pk=first.duo_id).exists()
    assert second.decision == "rejected"
    assert ForbiddenPair.objects.filter(participant=second.participant, volunteer=second.volunteer).exists()
    assert "Accepted" in page and "Rejected" in page

    rerun = client.post(f"/matching/projecten/{world.project.pk}/start/")
    newest = MatchRun.objects.order_by("-pk").first()
    assert rerun.status_code == 302 and rerun["Location"] == f"/matching/runs/{newest.pk}/"
    assert newest.pk != run.pk
    # The fixture's pool is 3 participants for 2 free volunteers of capacity 1. The re-run sees
    # the accepted pair gone (participant matched, volunteer full) and the rejected pair
    # forbidden, so it proposes exactly one pair: the participant the first run left out, with
    # the rejected proposal's volunteer.
    [left_out] = [u["participant"] for u in run.unmatched]
    [proposal] = newest.proposals.all()
    assert (proposal.participant_id, proposal.volunteer_id) == (left_out, second.volunteer_id)

    locked = client.post(f"/matching/voorstellen/{proposal.pk}/vastzetten/", {"reason": "Buren"})

    assert locked.status_code == 302
    assert list(LockedPair.objects.values_list("participant_id", "volunteer_id", "reason")) == [
        (left_out, second.volunteer_id, "Buren")]


def test_a_rejection_without_a_reason_is_refused_with_a_message(world: World, run: MatchRun) -> None:
    client = browser_for(world.coordinator)
    proposal = run.proposals.first()

    response = client.post(f"/matching/voorstellen/{proposal.pk}/weigeren/", {"reason": ""}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")

    assert "Say why you reject this proposal." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.decision == Proposal.Decision.PENDING


def test_locking_a_volunteer_outside_the_alternatives_is_a_404(world: World, run: MatchRun) -> None:
    client = browser_for(world.coordinator)
    proposal = run.proposals.first()

    response = client.post(f"/matching/voorstellen/{proposal.pk}/vastzetten/",
                           {"volunteer": world.other_volunteer.pk, "reason": "x"})

    assert response.status_code == 404
    assert LockedPair.objects.count() == 0


def test_names_link_to_the_profiles_and_a_higher_alternative_says_who_has_it(world: World) -> None:
    """Nadia can only go with Vera (Arabic); Jan would score higher with Vera too, but the optimum
    gives Vera to Nadia, and Jan's alternative says so, with a link to Nadia."""
    vera = f.VolunteerFactory(project=world.project, first_name="Vera", last_name="Aerts", languages=["nl", "ar"],
                              interests=["walking", "cooking"], strengths={"social": 3, "administration": 2})
    wim = f.VolunteerFactory(project=world.project, first_name="Wim", last_name="Bos", languages=["nl"],
                             interests=["music"], strengths={})
    jan = f.ParticipantFactory(project=world.project, first_name="Jan", last_name="Claes", languages=["nl"],
                               interests=["walking", "cooking"])
    nadia = f.ParticipantFactory(project=world.project, first_name="Nadia", last_name="Amrani", languages=["ar"])
    run = services.match_run_start(project=world.project, by=world.coordinator)
    pairs = {(p.participant_id, p.volunteer_id) for p in run.proposals.all()}
    assert pairs == {(nadia.pk, vera.pk), (jan.pk, wim.pk)}
    jan_proposal = run.proposals.get(participant=jan)
    assert any(alt["volunteer"] == vera.pk and alt["score"] > jan_proposal.score for alt in jan_proposal.alternatives)

    html = browser_for(world.coordinator).get(f"/matching/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert f'<a href="/coordinator/vrijwilligers/{wim.pk}/">Wim Bos</a> &amp; ' \
           f'<a href="/coordinator/deelnemers/{jan.pk}/">Jan Claes</a>' in html
    nadia_proposal = run.proposals.get(participant=nadia)
    assert ("Scoort hoger, maar in het beste plan voor alle deelnemers samen gaat deze vrijwilliger met: "
            f'<a href="/coordinator/deelnemers/{nadia.pk}/">Nadia Amrani</a> '
            f'(<a href="#proposal-{nadia_proposal.pk}">haar of zijn voorstel</a>).') in html


def test_a_pair_with_an_interpreter_says_so_instead_of_zero_shared_languages(world: World) -> None:
    f.VolunteerFactory(project=world.project, languages=["nl"])
    f.ParticipantFactory(project=world.project, languages=["ti"], interpreter_arranged=True)
    run = services.match_run_start(project=world.project, by=world.coordinator)
    assert run.proposals.count() == 1
    html = browser_for(world.coordinator).get(f"/matching/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "geen gedeelde taal: met een tolk" in html
    languages_bar = html.split("Gedeelde talen", 1)[1].split("</li>", 1)[0]
    assert "0 van" not in languages_bar


def test_accepting_a_stale_proposal_answers_409_with_a_dutch_page(world: World, run: MatchRun) -> None:
    client = browser_for(world.coordinator)
    proposal = run.proposals.first()
    assert client.post(f"/matching/voorstellen/{proposal.pk}/aanvaarden/").status_code == 302
    duos = Duo.objects.count()

    again = client.post(f"/matching/voorstellen/{proposal.pk}/aanvaarden/")

    assert again.status_code == 409
    html = again.content.decode()
    assert "Dit voorstel kan niet meer aanvaard worden" in html and 'role="alert"' in html
    assert f"/matching/runs/{run.pk}/#proposal-{proposal.pk}" in html
    assert Duo.objects.count() == duos


# --- a suggestion for one participant (issue 20) ---------------------------------------------
def test_the_coordinator_sees_five_suggested_volunteers_with_their_reasons(world: World) -> None:
    newcomer = f.ParticipantFactory(project=world.project, first_name="Nadia")
    for _ in range(7):
        f.VolunteerFactory(project=world.project)

    response = browser_for(world.coordinator).get(f"/matching/deelnemers/{newcomer.pk}/suggesties/",
                                                  HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Suggested volunteers for Nadia" in html
    assert html.count('class="card proposal"') == 5
    assert "Network complementarity" in html and "km apart" in html
    assert Duo.objects.filter(participant=newcomer).count() == 0  # a suggestion proposes nothing
    dutch = browser_for(world.coordinator).get(f"/matching/deelnemers/{newcomer.pk}/suggesties/",
                                               HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Voorgestelde vrijwilligers voor Nadia" in dutch


@pytest.mark.parametrize("who", ["volunteer_user", "funder_user", "other_coordinator"])
def test_others_get_404_on_the_suggestion_page(world: World, who: str) -> None:
    assert browser_for(getattr(world, who)).get(
        f"/matching/deelnemers/{world.participant.pk}/suggesties/").status_code == 404


def test_the_api_gives_the_same_suggestion_as_the_page(world: World) -> None:
    for _ in range(3):
        f.VolunteerFactory(project=world.project)
    client = browser_for(world.coordinator)

    data = client.get(f"/api/v1/match-suggestions/{world.participant.pk}/").json()

    assert data["participant"] == world.participant.pk and data["feasible"] >= 3
    scores = [row["score"] for row in data["volunteers"]]
    assert scores == sorted(scores, reverse=True) and len(scores) <= 5
    assert all(sum(p["points"] for p in row["parts"]) == row["score"] for row in data["volunteers"])


def test_the_run_page_shows_proposals_a_page_at_a_time(world: World, run: MatchRun) -> None:
    for _ in range(30):
        Proposal.objects.create(run=run, participant=f.ParticipantFactory(project=world.project),
                                volunteer=f.VolunteerFactory(project=world.project), score=100,
                                parts={"distance": 100})
    client = browser_for(world.coordinator)

    first = client.get(f"/matching/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    last = client.get(f"/matching/runs/{run.pk}/?page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    total = run.proposals.count()
    assert f"{total} proposals" in first and "Page 1 of 2" in first
    assert first.count('class="card proposal"') == 25
    assert last.count('class="card proposal"') == total - 25
