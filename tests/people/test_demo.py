"""`manage.py demo`: the advertised Flemish demo, the same every run, within the records' rules."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from buddynet.demo import data as demo
from buddynet.features.funding.models import Funder
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.duos.models import OPEN_STATUSES, CheckIn, Duo, DuoStatus, Goal, NextStep
from buddynet.records.people.models import ConsentEvent, Organisation, Participant, Project, Volunteer
from buddynet.records.people.postcodes import lookup
from buddynet.records.people.screening import screening_problems
from netwerk.models import NetworkMap

# Noon on a fixed day, so that two runs in one test never straddle midnight.
FROZEN = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    """What a demo run made, without ids and timestamps."""
    return {
        "projects": sorted(Project.objects.values_list("organisation__name", "name")),
        "participants": sorted(Participant.objects.values_list(
            "project__name", "first_name", "last_name", "postcode", "status", "waiting_since", "consent_date")),
        "volunteers": sorted(Volunteer.objects.values_list(
            "project__name", "first_name", "last_name", "email", "status", "capacity")),
        "duos": sorted(Duo.objects.values_list(
            "volunteer__email", "participant__first_name", "participant__last_name", "status", "proposed_on",
            "closed_on", "closure_reason")),
        "goals": Goal.objects.count(),
        "check_ins": sorted(CheckIn.objects.values_list("client_uuid", "date", "mode", "author__email")),
        "users": sorted(User.objects.values_list("email", flat=True)),
        "memberships": Membership.objects.count(),
    }


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_it_builds_the_advertised_flemish_demo() -> None:
    run_demo()

    today = timezone.localdate()
    assert sorted(Organisation.objects.values_list("name", "kind")) == [("OCMW Gent", "ocmw"),
                                                                         ("vzw Samen Sterk", "nonprofit")]
    assert Project.objects.count() == 3
    assert Volunteer.objects.count() == 60
    assert Participant.objects.count() == 80
    assert Funder.objects.filter(name="Departement Welzijn, Volksgezondheid en Gezin").exists()
    states = dict(Duo.objects.values_list("status").annotate(n=Count("id")))
    assert set(states) == set(DuoStatus.values), states
    assert states[DuoStatus.ACTIVE] >= 20
    closed = Duo.objects.filter(status=DuoStatus.CLOSED)
    assert closed.values("closure_reason").distinct().count() >= 5
    assert set(closed.values_list("next_step", flat=True)) == set(NextStep.values)

    # Real places: every postcode resolves, and the stored place is the one it resolves to.
    people = [*Participant.objects.all(), *Volunteer.objects.all()]
    for person in people:
        place = lookup(person.postcode)
        assert place is not None
        assert (person.municipality, person.latitude, person.longitude) == (
            place.municipality, place.latitude, place.longitude)
    assert {"Gent", "Antwerpen", "Brugge", "Oostende"} <= {p.municipality for p in people}
    # Dutch names and newcomers with their own languages.
    last_names = {p.last_name for p in people}
    assert {"Peeters", "Janssens", "Maes"} & last_names
    languages = {code for p in Participant.objects.all() for code in p.languages}
    assert {"nl", "ar", "tr"} <= languages
    assert languages & {"fa", "ps"} and languages & {"pl", "ro", "uk"}

    # Intake and screening are not all done.
    assert Volunteer.objects.filter(criminal_record_checked_on=None).exists()
    assert Participant.objects.filter(status=Participant.Status.INTAKE, consent_date=None).exists()
    assert Volunteer.objects.filter(capacity=2).exists()
    waiting = Participant.objects.filter(status=Participant.Status.WAITING)
    assert waiting.exists() and not waiting.filter(waiting_since=None).exists()
    assert not waiting.filter(waiting_since__lt=today - dt.timedelta(days=250)).exists()

    # About six months of check-ins, some with a concern, some handled; goals on every duo.
    dates = CheckIn.objects.aggregate(first=Min("date"), last=Max("date"))
    assert dates["first"] is not None and 150 <= (today - dates["first"]).days <= 200
    assert dates["last"] is not None and (today - dates["last"]).days <= 3
    assert CheckIn.objects.filter(concern=True).exclude(concern_note="").exists()
    assert CheckIn.objects.filter(concern=True, concern_handled_at__isnull=False).exists()
    assert CheckIn.objects.filter(concern=True, concern_handled_at=None).exists()
    assert not Duo.objects.annotate(n=Count("goals")).filter(Q(n=0) | Q(n__gt=3)).exists()
    # Some active duos went quiet: something for the follow-up alerts to find.
    quiet = Duo.objects.filter(status=DuoStatus.ACTIVE).annotate(last=Max("check_ins__date")).filter(
        last__lt=today - dt.timedelta(days=30))
    assert quiet.exists()


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_the_rules_of_the_records_hold() -> None:
    run_demo()

    today = timezone.localdate()
    open_duos = Duo.objects.filter(status__in=OPEN_STATUSES)
    assert not open_duos.values("participant").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Volunteer.objects.annotate(
        n=Count("duos", filter=Q(duos__status__in=OPEN_STATUSES))).filter(n__gt=F("capacity")).exists()
    for duo in Duo.objects.select_related("volunteer", "participant"):
        assert duo.volunteer.screening_complete and duo.participant.has_consent
        assert duo.volunteer.project_id == duo.participant.project_id == duo.project_id
        # The extract date is the latest one: a volunteer still at work renewed it before it
        # expired (issue 16), so it may lie after an older duo's proposal; the intake never does.
        assert duo.volunteer.intake_date <= duo.proposed_on
        assert duo.participant.consent_date <= duo.proposed_on
        steps = [duo.proposed_on, duo.introduced_on, duo.started_on, duo.paused_on, duo.closed_on]
        known = [d for d in steps if d is not None]
        assert known == sorted(known) and known[-1] <= today, steps
    assert not CheckIn.objects.filter(Q(date__gt=today) | Q(date__lt=F("duo__proposed_on"))).exists()
    assert not CheckIn.objects.filter(duo__status=DuoStatus.CLOSED, date__gt=F("duo__closed_on")).exists()
    assert not CheckIn.objects.filter(concern_handled_at__gt=timezone.now()).exists()
    # A participant's status follows their duos, as the duo services set it.
    for participant in Participant.objects.annotate(
        open=Count("duos", filter=Q(duos__status__in=OPEN_STATUSES)), all=Count("duos")
    ):
        if participant.open:
            assert participant.status == Participant.Status.MATCHED
        elif participant.all:
            assert participant.status in (Participant.Status.WAITING, Participant.Status.CLOSED)
    assert demo.problems(project_ids=list(Project.objects.values_list("pk", flat=True))) == []


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_the_demo_obeys_every_consent_and_screening_rule() -> None:
    run_demo()

    today = timezone.localdate()
    # No network map without network consent; every map's participant may have one.
    for participant in Participant.objects.filter(network_maps__isnull=False).distinct():
        assert participant.consent_covers_network, participant.consent_scope
    assert NetworkMap.objects.exists()
    assert Participant.objects.filter(duos__isnull=False, consent_scope="basic").exists()  # the rule had work
    # No active (or pausing) volunteer whose screening is incomplete or expired today.
    working = Volunteer.objects.filter(status__in=(Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED))
    assert working.exists()
    for volunteer in working.select_related("project"):
        assert screening_problems(volunteer, today=today) == [], volunteer
    # Every consent has its history, ending in the current scope.
    for participant in Participant.objects.filter(consent_date__isnull=False).prefetch_related("consent_events"):
        events = list(participant.consent_events.all())
        assert events and events[-1].scope == participant.consent_scope
    assert not ConsentEvent.objects.filter(participant__consent_date__isnull=True).exists()
    # A stopped volunteer's account is closed (issue 16, item 2); some had one, so the rule had work.
    stopped = Membership.objects.filter(volunteer__status=Volunteer.Status.STOPPED)
    assert stopped.exists() and not stopped.filter(user__is_active=True).exists()
    assert demo.problems(project_ids=list(Project.objects.values_list("pk", flat=True))) == []


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_a_second_run_leaves_the_same_data() -> None:
    run_demo()
    first = snapshot()

    run_demo()

    assert snapshot() == first
    assert Organisation.objects.count() == 2 and Volunteer.objects.count() == 60


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_it_leaves_other_data_alone(world: Any) -> None:
    before = {model.__name__: set(model.objects.values_list("pk", flat=True))
              for model in (Organisation, Project, Participant, Volunteer, Duo, CheckIn, User, Funder)}

    run_demo()
    run_demo("--remove")

    after = {model.__name__: set(model.objects.values_list("pk", flat=True))
             for model in (Organisation, Project, Participant, Volunteer, Duo, CheckIn, User, Funder)}
    # Only the demo funder stays behind: real projects may be funded by the same department.
    assert after.pop("Funder") - before.pop("Funder") == set(
        Funder.objects.filter(name=demo.FUNDER_NAME).values_list("pk", flat=True))
    assert after == before
    world.check_in.refresh_from_db()
    assert world.duo.check_ins.count() == 1


@pytest.mark.django_db
def test_it_refuses_to_replace_a_real_organisation_with_a_demo_name() -> None:
    Organisation.objects.create(name="OCMW Gent", kind="ocmw", enterprise_number="0212.197.513")

    with pytest.raises(CommandError, match="OCMW Gent"):
        run_demo()

    assert Organisation.objects.count() == 1
    assert not Project.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_scale_two_builds_twice_the_people() -> None:
    run_demo("--scale", "2")

    assert Volunteer.objects.count() == 120
    assert Participant.objects.count() == 160
    assert Project.objects.count() == 3
    assert 100 <= Duo.objects.count() <= 160
    assert set(Duo.objects.values_list("status", flat=True)) == set(DuoStatus.values)


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_more_projects_for_the_portfolio_benchmark() -> None:
    run_demo("--projects", "5")

    assert Project.objects.count() == 5
    assert Volunteer.objects.count() == 60 + 2 * 20
    assert User.objects.filter(email="coordinator5@buddynet.demo",
                               memberships__role=Role.COORDINATOR).exists()


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_it_prints_logins_that_work() -> None:
    output = run_demo()

    for email in ("admin@buddynet.demo", "coordinator@buddynet.demo", "coordinator2@buddynet.demo",
                  "coordinator3@buddynet.demo", "volunteer@buddynet.demo", "funder@buddynet.demo"):
        assert email in output
        assert authenticate(username=email, password=demo.PASSWORD) is not None, email
    assert demo.PASSWORD in output
    assert "80" in output and "60" in output

    coordinator = User.objects.get(email="coordinator@buddynet.demo")
    assert list(coordinator.memberships.values_list("role", "project__name")) == [
        (Role.COORDINATOR, "Persoonlijke vriend Gent")]
    volunteer = Membership.objects.get(user__email="volunteer@buddynet.demo", role=Role.VOLUNTEER).volunteer
    assert volunteer is not None
    assert volunteer.duos.filter(status=DuoStatus.ACTIVE).exists()
    assert CheckIn.objects.filter(author__email="volunteer@buddynet.demo").exists()
    assert Membership.objects.filter(user__email="funder@buddynet.demo", funder__name=demo.FUNDER_NAME).exists()
    assert User.objects.get(email="admin@buddynet.demo").is_superuser
    # Accounts of the other volunteers cannot sign in.
    assert not User.objects.filter(email__endswith="@buddynet.demo", memberships__role=Role.VOLUNTEER).exclude(
        email="volunteer@buddynet.demo").filter(password__startswith="md5$").exists()



@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_the_support_loop_has_something_to_show_within_the_rules() -> None:
    """Signals, services, referrals, aftercare and evaluations (buddynet/demo/support.py): there,
    the same every run, and nothing the services would refuse."""
    from buddynet.features.aftercare.models import AftercareItem, Evaluation, ItemStatus, Moment, Referral
    from buddynet.features.signals.models import Signal, SignalStatus

    def support() -> dict[str, Any]:
        return {
            "signals": sorted(Signal.objects.values_list("participant__last_name", "date", "barrier_type__code",
                                                         "status", "municipality")),
            "referrals": sorted(Referral.objects.values_list("participant__last_name", "date", "service__name",
                                                             "outcome")),
            "aftercare": sorted(AftercareItem.objects.values_list("duo__participant__last_name", "due_on", "status")),
            "evaluations": sorted(Evaluation.objects.values_list("participant__last_name", "moment", "respondent",
                                                                 "date", "fit")),
        }

    run_demo()
    first = support()
    today = timezone.localdate()
    assert all(first.values()), {k: len(v) for k, v in first.items()}
    assert {s for *_, s, _m in first["signals"]} >= {SignalStatus.NEW, SignalStatus.PASSED_ON}
    for signal in Signal.objects.select_related("participant", "duo"):
        assert signal.date <= today and signal.duo.participant_id == signal.participant_id
        assert signal.municipality  # from the participant's postcode, for the signal report
        assert signal.participant.first_name not in signal.description  # shareable texts name nobody
    for item in AftercareItem.objects.select_related("duo"):
        assert item.duo.status == DuoStatus.CLOSED and item.due_on > item.duo.closed_on
        assert (item.status == ItemStatus.DONE) == (item.done_on is not None) and (item.done_on or today) <= today
    for referral in Referral.objects.select_related("service", "participant"):
        assert referral.service.project_id == referral.participant.project_id
        assert referral.date <= today and (referral.outcome_on is None or referral.outcome_on >= referral.date)
    for evaluation in Evaluation.objects.select_related("duo"):
        assert evaluation.date <= today
        assert evaluation.moment != Moment.FIRST_MEETING or evaluation.duo.started_on is not None
        assert evaluation.fit is None or evaluation.moment == Moment.FIRST_MEETING

    run_demo()  # and once more: the same rows, none left over from the first run
    assert support() == first


@pytest.mark.django_db
@time_machine.travel(FROZEN, tick=False)
def test_the_planner_knows_the_bulk_loaded_rows() -> None:
    """After the bulk load the demo runs ANALYZE (PostgreSQL): with the statistics of empty tables
    the planner scanned every check-in for one duo's (buddynet/demo/data.py)."""
    from django.db import connection

    from tests.conftest import require_postgres

    require_postgres()
    run_demo()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [CheckIn._meta.db_table])
        assert cursor.fetchone()[0] == CheckIn.objects.count()
