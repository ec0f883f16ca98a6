"""The fixed lists every app shares: life domains, languages, interests, availability slots.

One place, so intake, matching, network maps, check-ins and reports all speak of the same
ten life domains. Values are English codes; labels are Dutch through gettext.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class LifeDomain(models.TextChoices):
    HOUSING = "housing", _("Housing")
    WORK = "work", _("Work")
    INCOME = "income", _("Income and debts")
    HEALTH = "health", _("Health")
    MOBILITY = "mobility", _("Mobility")
    CHILDCARE = "childcare", _("Childcare and parenting")
    EDUCATION = "education", _("Education and training")
    LEISURE = "leisure", _("Leisure")
    ADMINISTRATION = "administration", _("Administration and rights")
    SOCIAL = "social", _("Social network")


LIFE_DOMAINS: tuple[str, ...] = tuple(LifeDomain.values)


class AlterCategory(models.TextChoices):
    """Who someone in a participant's network is to them: an alter on a network map, and a new
    contact recorded with a check-in. The pure core keeps the codes as plain strings
    (netwerk.measures.CATEGORIES); tests/netwerk/test_measures.py keeps the two equal."""

    FAMILY = "family", _("Family")
    PARTNER = "partner", _("Partner")
    FRIEND = "friend", _("Friend")
    NEIGHBOUR = "neighbour", _("Neighbour")
    COLLEAGUE = "colleague", _("Colleague or school")
    BUDDY = "buddy", _("Buddy")
    PROFESSIONAL = "professional", _("Professional helper")
    ORGANISATION = "organisation", _("Organisation or association")


# A check-in's new contact may be of every category but the buddy: the buddy is the volunteer.
NEW_CONTACT_CATEGORIES: list[tuple[str, Promise]] = [
    (value, label) for value, label in AlterCategory.choices if value != AlterCategory.BUDDY
]

# Needs (participant) and strengths (volunteer) are scored per life domain on this scale.
LEVEL_MIN, LEVEL_MAX = 0, 3


class Gender(models.TextChoices):
    FEMALE = "f", _("Woman")
    MALE = "m", _("Man")
    OTHER = "x", _("Other / prefers not to say")


class GenderPreference(models.TextChoices):
    ANY = "any", _("No preference")
    FEMALE = "f", _("Woman")
    MALE = "m", _("Man")


class Mobility(models.TextChoices):
    WALK = "walk", _("On foot")
    BIKE = "bike", _("Bike")
    PUBLIC_TRANSPORT = "public_transport", _("Public transport")
    CAR = "car", _("Car")
    LIMITED = "limited", _("Limited mobility (housebound)")


class Interest(models.TextChoices):
    WALKING = "walking", _("Walking")
    COOKING = "cooking", _("Cooking")
    SPORTS = "sports", _("Sports")
    MUSIC = "music", _("Music")
    CULTURE = "culture", _("Culture and museums")
    GAMES = "games", _("Board games")
    NATURE = "nature", _("Nature and gardening")
    CRAFTS = "crafts", _("Crafts and handiwork")
    READING = "reading", _("Reading")
    TECHNOLOGY = "technology", _("Computers and smartphones")
    COFFEE = "coffee", _("Coffee and a chat")
    CYCLING = "cycling", _("Cycling")
    FILM = "film", _("Film")
    ANIMALS = "animals", _("Animals")


# Languages are ISO 639-1 codes; this is the list offered at intake (Flanders' most spoken
# home languages). The API accepts only these, so matching compares like with like.
LANGUAGES: dict[str, Promise] = {
    "nl": _("Dutch"),
    "fr": _("French"),
    "en": _("English"),
    "de": _("German"),
    "ar": _("Arabic"),
    "tr": _("Turkish"),
    "ber": _("Berber"),
    "es": _("Spanish"),
    "it": _("Italian"),
    "pt": _("Portuguese"),
    "pl": _("Polish"),
    "ro": _("Romanian"),
    "bg": _("Bulgarian"),
    "ru": _("Russian"),
    "uk": _("Ukrainian"),
    "fa": _("Persian"),
    "ps": _("Pashto"),
    "so": _("Somali"),
    "ti": _("Tigrinya"),
    "am": _("Amharic"),
    "ku": _("Kurdish"),
    "sq": _("Albanian"),
    "ur": _("Urdu"),
    "hi": _("Hindi"),
    "zh": _("Chinese"),
    "vgt": _("Flemish Sign Language"),
}

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS: tuple[str, ...] = ("morning", "afternoon", "evening")
# A weekly availability is a list of "day_part" slots, e.g. ["mon_evening", "sat_morning"].
AVAILABILITY_SLOTS: tuple[str, ...] = tuple(f"{d}_{p}" for d in DAYS for p in DAY_PARTS)
