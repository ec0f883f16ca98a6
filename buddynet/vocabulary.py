"""The fixed lists every app shares: life domains, languages, interests, availability slots.

One place, so intake, matching, network maps, check-ins and reports all speak of the same
ten life domains. Values are English codes; labels are Dutch through gettext.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifeDomain(models.TextChoices):
    HOUSING = "housing", _("Wonen")
    WORK = "work", _("Werk")
    INCOME = "income", _("Inkomen en schulden")
    HEALTH = "health", _("Gezondheid")
    MOBILITY = "mobility", _("Mobiliteit")
    CHILDCARE = "childcare", _("Kinderopvang en opvoeding")
    EDUCATION = "education", _("Onderwijs en vorming")
    LEISURE = "leisure", _("Vrije tijd")
    ADMINISTRATION = "administration", _("Administratie en rechten")
    SOCIAL = "social", _("Sociaal netwerk")


LIFE_DOMAINS: tuple[str, ...] = tuple(LifeDomain.values)

# Needs (participant) and strengths (volunteer) are scored per life domain on this scale.
LEVEL_MIN, LEVEL_MAX = 0, 3


class Gender(models.TextChoices):
    FEMALE = "f", _("Vrouw")
    MALE = "m", _("Man")
    OTHER = "x", _("Anders / zegt het liever niet")


class GenderPreference(models.TextChoices):
    ANY = "any", _("Geen voorkeur")
    FEMALE = "f", _("Vrouw")
    MALE = "m", _("Man")


class Mobility(models.TextChoices):
    WALK = "walk", _("Te voet")
    BIKE = "bike", _("Fiets")
    PUBLIC_TRANSPORT = "public_transport", _("Openbaar vervoer")
    CAR = "car", _("Auto")
    LIMITED = "limited", _("Beperkt mobiel (aan huis)")


class Interest(models.TextChoices):
    WALKING = "walking", _("Wandelen")
    COOKING = "cooking", _("Koken")
    SPORTS = "sports", _("Sport")
    MUSIC = "music", _("Muziek")
    CULTURE = "culture", _("Cultuur en musea")
    GAMES = "games", _("Gezelschapsspelen")
    NATURE = "nature", _("Natuur en tuinieren")
    CRAFTS = "crafts", _("Knutselen en handwerk")
    READING = "reading", _("Lezen")
    TECHNOLOGY = "technology", _("Computer en smartphone")
    COFFEE = "coffee", _("Koffie drinken en praten")
    CYCLING = "cycling", _("Fietsen")
    FILM = "film", _("Film")
    ANIMALS = "animals", _("Dieren")


# Languages are ISO 639-1 codes; this is the list offered at intake (Flanders' most spoken
# home languages). The API accepts only these, so matching compares like with like.
LANGUAGES: dict[str, str] = {
    "nl": "Nederlands",
    "fr": "Frans",
    "en": "Engels",
    "de": "Duits",
    "ar": "Arabisch",
    "tr": "Turks",
    "ber": "Berbers",
    "es": "Spaans",
    "it": "Italiaans",
    "pt": "Portugees",
    "pl": "Pools",
    "ro": "Roemeens",
    "bg": "Bulgaars",
    "ru": "Russisch",
    "uk": "Oekraïens",
    "fa": "Perzisch",
    "ps": "Pasjtoe",
    "so": "Somali",
    "ti": "Tigrinya",
    "am": "Amhaars",
    "ku": "Koerdisch",
    "sq": "Albanees",
    "ur": "Urdu",
    "hi": "Hindi",
    "zh": "Chinees",
    "vgt": "Vlaamse Gebarentaal",
}

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS: tuple[str, ...] = ("morning", "afternoon", "evening")
# A weekly availability is a list of "day_part" slots, e.g. ["mon_evening", "sat_morning"].
AVAILABILITY_SLOTS: tuple[str, ...] = tuple(f"{d}_{p}" for d in DAYS for p in DAY_PARTS)
