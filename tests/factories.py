"""factory_boy factories for the records. Defaults make a valid, matchable person."""

from __future__ import annotations

import datetime as dt

import factory

from buddynet.features.funding.models import Funder
from buddynet.records.accounts.models import Membership, Role, User
from buddynet.records.duos.models import CheckIn, CheckInMode, Duo, DuoStatus, Goal
from buddynet.records.people.models import Organisation, Participant, Project, Volunteer

PASSWORD = "Buddy-net-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.be")
    full_name = factory.Faker("name", locale="nl_BE")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    start_date = dt.date(2025, 1, 1)


class FunderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funder

    name = factory.Sequence(lambda n: f"Financier {n}")


# First names the tests give people on purpose and then look up (``first_name="Nadia"``). A random person
# never gets one of them, so a look-up can never find a second, random "Nadia" (it did, three times, on CI).
# tests/test_factories.py keeps this set complete.
FIXED_FIRST_NAMES = frozenset({
    "Ahmed", "An", "Anders", "Ann", "Anna", "Annelies", "Bert", "Berten", "Bram", "Carl", "Els", "Fatima", "Frans",
    "Ilse", "Jan", "Jozef", "Karim", "Lien", "Lore", "Marieke", "Mariek", "Mariekje", "Nadia", "Nele", "Nina", "Rachid",
    "Sander", "Sara", "Sofie", "Tom", "Vera", "Wim", "Wout", "Yara", "Yasmina", "Zeno", "Zoë", "Zoëlle",
})


def free_first_name() -> str:
    """A random Flemish first name that no test uses on purpose."""
    faker = factory.Faker._get_faker(locale="nl_BE")
    while (name := faker.first_name()) in FIXED_FIRST_NAMES:
        pass
    return name


class PersonFactory(factory.django.DjangoModelFactory):
    project = factory.SubFactory(ProjectFactory)
    first_name = factory.LazyFunction(free_first_name)
    last_name = factory.Faker("last_name", locale="nl_BE")
    birth_year = 1970
    gender = "f"
    postcode = "9000"
    municipality = "Gent"
    latitude = 51.0397129
    longitude = 3.7141549
    languages = factory.LazyFunction(lambda: ["nl"])
    interests = factory.LazyFunction(lambda: ["walking"])
    availability = factory.LazyFunction(lambda: ["sat_morning"])


class ParticipantFactory(PersonFactory):
    class Meta:
        model = Participant

    status = Participant.Status.WAITING
    waiting_since = dt.date(2025, 6, 1)
    consent_date = dt.date(2025, 5, 20)
    # The widest scope (support, network map, anonymous reporting), so that tests of other rules
    # are not stopped by consent; the consent tests set narrower scopes themselves.
    consent_scope = Participant.ConsentScope.RESEARCH
    needs = factory.LazyFunction(lambda: {"social": 3, "administration": 2})


class VolunteerFactory(PersonFactory):
    class Meta:
        model = Volunteer

    status = Volunteer.Status.ACTIVE
    intake_date = dt.date(2025, 2, 1)
    training_date = dt.date(2025, 3, 1)
    criminal_record_checked_on = dt.date(2025, 2, 15)
    capacity = 1
    strengths = factory.LazyFunction(lambda: {"social": 3})


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.COORDINATOR


class DuoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duo

    project = factory.SelfAttribute("participant.project")
    participant = factory.SubFactory(ParticipantFactory)
    volunteer = factory.SubFactory(VolunteerFactory, project=factory.SelfAttribute("..participant.project"))
    status = DuoStatus.ACTIVE
    proposed_on = dt.date(2025, 7, 1)
    introduced_on = dt.date(2025, 7, 8)
    started_on = dt.date(2025, 7, 15)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    duo = factory.SubFactory(DuoFactory)
    life_domain = "social"
    description = "Een keer per maand naar het buurthuis"


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    duo = factory.SubFactory(DuoFactory)
    author = factory.SubFactory(UserFactory)
    date = dt.date(2025, 8, 1)
    duration_minutes = 60
    mode = CheckInMode.IN_PERSON
    mood = 4
