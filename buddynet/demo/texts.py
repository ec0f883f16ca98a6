"""Hand-written material for the demo data (`manage.py demo`): names, places and Dutch texts.

Plain data, no Django. Names are common in Flanders — Flemish ones and those of the largest
groups of newcomers (Moroccan, Turkish, Syrian, Afghan, Eastern European, Eritrean, Congolese) —
each origin with the languages its people typically speak at home.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    # (language, probability) — the first language of an origin is always spoken.
    languages: tuple[tuple[str, float], ...]
    dutch: float  # share that speaks Dutch (participants; volunteers always do)


ORIGINS: dict[str, Origin] = {
    "flemish": Origin(
        female=("An", "Annelies", "Els", "Ellen", "Evelien", "Griet", "Hilde", "Inge", "Katrien",
                "Kristien", "Leen", "Lies", "Liesbeth", "Lotte", "Marieke", "Marleen", "Mieke",
                "Nathalie", "Nele", "Sofie", "Sarah", "Sien", "Tine", "Veerle", "Wendy", "Ilse",
                "Karolien", "Hanne", "Jolien", "Lien", "Margot", "Fien", "Femke", "Febe", "Emma",
                "Louise", "Julie", "Lore", "Roos", "Martine", "Godelieve", "Rita", "Monique",
                "Simonne", "Jeannine", "Ria", "Paula", "Yvonne", "Linda", "Greet", "Bieke", "Joke",
                "Heidi", "Kaat", "Kato", "Jana", "Elke"),
        male=("Bart", "Bert", "Dirk", "Filip", "Geert", "Gert", "Hans", "Jan", "Jef", "Jens",
              "Joris", "Koen", "Kris", "Luc", "Marc", "Michiel", "Nick", "Pieter", "Pieterjan",
              "Raf", "Stijn", "Steven", "Tom", "Tim", "Wim", "Wouter", "Yves", "Ward", "Warre",
              "Arne", "Bram", "Lander", "Seppe", "Lowie", "Mathias", "Thibault", "Robbe", "Jonas",
              "Frederik", "Dries", "Gilles", "Willy", "Roger", "Georges", "Frans", "Jozef",
              "Marcel", "Eddy", "Patrick", "Rudi", "Erik", "Guido", "Johan", "Herman", "Ludo"),
        last=("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
              "Wouters", "De Smet", "Hermans", "Aerts", "Vermeulen", "Van den Broeck", "De Backer",
              "Smets", "Verstraete", "Declercq", "Desmet", "Vandenberghe", "Martens", "Van Damme",
              "De Cock", "Michiels", "Coppens", "Lambrechts", "Verhoeven", "De Wilde",
              "Van de Velde", "Pauwels", "Segers", "Vermeersch", "Verbruggen", "Cools", "Bogaert",
              "Baert", "Verhaeghe", "De Vos", "Van Acker", "Hendrickx", "Stevens", "De Meyer",
              "Van Hecke", "Vanhove", "D'hondt", "Verschueren", "Van Looy", "Lemmens", "Vercammen",
              "Thys", "Van Laere", "Huysmans", "Claeys", "Van Hoof", "De Pauw", "Govaerts",
              "Van der Linden", "Moens", "Raes", "Van Impe", "Bracke", "Vervaet", "Roels",
              "Callens", "Verbeke", "Vanneste", "Deprez", "Van Roy", "Dewulf", "Schepens"),
        languages=(("nl", 1.0), ("fr", 0.35), ("en", 0.45), ("de", 0.05)),
        dutch=1.0,
    ),
    "moroccan": Origin(
        female=("Fatima", "Khadija", "Aicha", "Naima", "Samira", "Hafida", "Latifa", "Malika",
                "Zineb", "Soukaina", "Imane", "Nadia", "Houda", "Loubna", "Salma"),
        male=("Mohamed", "Ahmed", "Youssef", "Mustapha", "Abdelkader", "Rachid", "Hassan", "Karim",
              "Said", "Bilal", "Mehdi", "Driss", "Hamid", "Nordin", "Ayoub"),
        last=("El Amrani", "Benali", "El Idrissi", "Bouzid", "Azzouzi", "El Khattabi", "Bakkali",
              "Haddouchi", "Ouali", "Chaouki", "El Ouardi", "Tahiri", "Boukhari", "Lamrani",
              "Ait Ali", "Essaidi", "El Moussaoui"),
        languages=(("ar", 1.0), ("ber", 0.5), ("fr", 0.4)),
        dutch=0.6,
    ),
    "turkish": Origin(
        female=("Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Özlem", "Sevgi",
                "Gülsen", "Hülya", "Derya"),
        male=("Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "Murat", "Osman",
              "Yusuf", "Emre", "Kemal"),
        last=("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir",
              "Arslan", "Doğan", "Koç", "Kurt", "Polat", "Kılıç", "Aslan", "Çetin"),
        languages=(("tr", 1.0), ("ku", 0.1)),
        dutch=0.7,
    ),
    "syrian": Origin(
        female=("Rania", "Lina", "Hala", "Rasha", "Nour", "Dima", "Reem", "Maha"),
        male=("Omar", "Khaled", "Ahmad", "Mahmoud", "Yasser", "Rami", "Ammar", "Fadi", "Bassel"),
        last=("Al-Hassan", "Haddad", "Al-Khatib", "Hamdan", "Darwish", "Al-Ahmad", "Kassab",
              "Nasser", "Mansour", "Saleh", "Al-Masri", "Othman"),
        languages=(("ar", 1.0), ("ku", 0.15), ("en", 0.3)),
        dutch=0.4,
    ),
    "afghan": Origin(
        female=("Zahra", "Mariam", "Shabnam", "Farzana", "Parwana", "Nargis", "Laila"),
        male=("Ahmad", "Mohammad", "Abdul", "Hamid", "Jawad", "Farid", "Nasir", "Rahim", "Wahid",
              "Sayed"),
        last=("Ahmadi", "Hashimi", "Rahimi", "Karimi", "Haidari", "Noori", "Sultani", "Safi",
              "Stanekzai", "Popal", "Wardak", "Amiri"),
        languages=(("fa", 1.0), ("ps", 0.45), ("en", 0.2)),
        dutch=0.35,
    ),
    "polish": Origin(
        female=("Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Ewa", "Monika"),
        male=("Piotr", "Tomasz", "Krzysztof", "Paweł", "Marek", "Łukasz"),
        last=("Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Kaczmarek", "Król", "Wieczorek"),
        languages=(("pl", 1.0), ("en", 0.3)),
        dutch=0.4,
    ),
    "romanian": Origin(
        female=("Elena", "Ioana", "Maria", "Andreea", "Mihaela"),
        male=("Ion", "Gheorghe", "Andrei", "Florin", "Marian"),
        last=("Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Constantin", "Munteanu", "Lungu"),
        languages=(("ro", 1.0), ("en", 0.2), ("it", 0.1)),
        dutch=0.3,
    ),
    "ukrainian": Origin(
        female=("Olena", "Iryna", "Natalia", "Oksana", "Tetiana", "Yulia"),
        male=("Oleksandr", "Andriy", "Serhiy", "Dmytro", "Volodymyr"),
        last=("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk",
              "Boyko", "Moroz"),
        languages=(("uk", 1.0), ("ru", 0.6), ("en", 0.3)),
        dutch=0.2,
    ),
    "eritrean": Origin(
        female=("Helen", "Senait", "Yohana", "Mebrat", "Selam"),
        male=("Yonas", "Tesfay", "Dawit", "Merhawi", "Samuel"),
        last=("Tesfamariam", "Ghebreyesus", "Haile", "Kidane", "Tekle", "Berhane", "Woldemichael"),
        languages=(("ti", 1.0), ("am", 0.3), ("en", 0.4)),
        dutch=0.3,
    ),
    "congolese": Origin(
        female=("Grâce", "Nadège", "Mireille", "Esther", "Ruth"),
        male=("Jean-Pierre", "Patrick", "Christian", "Serge", "Didier"),
        last=("Mbuyi", "Kabongo", "Tshibangu", "Ilunga", "Mukendi", "Kalonji"),
        languages=(("fr", 1.0), ("en", 0.2)),
        dutch=0.5,
    ),
}

# Who comes to a buddy project in a Flemish city, and who volunteers.
PARTICIPANT_ORIGINS: tuple[tuple[str, float], ...] = (
    ("flemish", 0.48), ("moroccan", 0.13), ("turkish", 0.08), ("syrian", 0.07), ("afghan", 0.06),
    ("polish", 0.04), ("romanian", 0.04), ("ukrainian", 0.04), ("eritrean", 0.03), ("congolese", 0.03),
)
VOLUNTEER_ORIGINS: tuple[tuple[str, float], ...] = (
    ("flemish", 0.80), ("moroccan", 0.07), ("turkish", 0.05), ("syrian", 0.02), ("afghan", 0.01),
    ("polish", 0.02), ("ukrainian", 0.01), ("congolese", 0.02),
)


@dataclass(frozen=True)
class Region:
    city: str
    postcodes: tuple[str, ...]


# The three default projects' regions, then one region per extra project (--projects K).
GENT = Region("Gent", ("9000", "9030", "9031", "9032", "9040", "9041", "9042", "9050", "9051", "9052"))
ANTWERPEN = Region("Antwerpen", ("2000", "2018", "2020", "2060", "2100", "2140", "2170", "2180", "2600"))
BRUGGE = Region("Brugge-Oostende", ("8000", "8200", "8310", "8380", "8400"))
EXTRA_REGIONS: tuple[Region, ...] = (
    Region("Leuven", ("3000", "3001", "3010", "3012")),
    Region("Mechelen", ("2800",)),
    Region("Kortrijk", ("8500",)),
    Region("Aalst", ("9300",)),
    Region("Hasselt", ("3500",)),
    Region("Genk", ("3600",)),
    Region("Sint-Niklaas", ("9100",)),
    Region("Turnhout", ("2300",)),
    Region("Roeselare", ("8800",)),
    Region("Geel", ("2440",)),
    Region("Dendermonde", ("9200",)),
    Region("Diest", ("3290",)),
    Region("Ieper", ("8900",)),
    Region("Mol", ("2400",)),
    Region("Halle", ("1500",)),
    Region("Vilvoorde", ("1800",)),
    Region("Ninove", ("9400",)),
    Region("Lier", ("2500",)),
    Region("Aarschot", ("3200",)),
    Region("Lokeren", ("9160",)),
    Region("Waregem", ("8790",)),
    Region("Beringen", ("3580",)),
    Region("Herentals", ("2200",)),
    Region("Eeklo", ("9900",)),
    Region("Oudenaarde", ("9700",)),
    Region("Lommel", ("3920",)),
)

REFERRERS: tuple[str, ...] = (
    "OCMW – sociale dienst", "CAW – onthaal", "Huisarts", "Wijkgezondheidscentrum", "Buurtwerk",
    "Opgroeien (Kind en Gezin)", "Schuldbemiddeling", "CGG – geestelijke gezondheidszorg",
    "Agentschap Integratie en Inburgering", "Zelf aangemeld", "Dienstencentrum",
    "Ziekenfonds – dienst maatschappelijk werk",
)

COORDINATOR_NAMES: tuple[str, ...] = (
    "Sofie Van den Broeck", "Jeroen De Clercq", "Hanne Verstraete", "Nadia Bouzid", "Pieter Maes",
)

VOLUNTEER_NOTES: tuple[str, ...] = (
    "Werkt in ploegen; best via sms contacteren.",
    "Gepensioneerd leerkracht, veel geduld met papierwerk.",
    "Student sociaal werk, beschikbaar tot juni.",
    "Heeft zelf ervaring met armoede; sterke ervaringsdeskundige.",
    "Wil liefst iemand in de buurt, fietst overal naartoe.",
)

PARTICIPANT_NOTES: tuple[str, ...] = (
    "Woont alleen sinds het overlijden van haar partner.",
    "Weinig contact met familie; wil graag meer buiten komen.",
    "Leefloon; veel ongeopende post.",
    "Kinderen wonen in het buitenland.",
    "Net verhuisd naar een sociale woning, kent niemand in de buurt.",
    "Angstig in drukke plaatsen; eerste afspraken liefst thuis.",
)

INTERPRETER_NOTE = "Spreekt nog weinig Nederlands; tolk via het Agentschap Integratie en Inburgering."

GOALS: dict[str, tuple[str, ...]] = {
    "housing": ("Samen een sociale woning aanvragen", "De woning opgeruimd en veilig krijgen",
                "Met de huisbaas praten over het vocht in de badkamer"),
    "work": ("Een cv opmaken en samen naar de VDAB gaan", "Vrijwilligerswerk zoeken als opstap naar werk",
             "Een sollicitatiegesprek voorbereiden"),
    "income": ("Overzicht krijgen op de facturen en schulden", "Samen naar de schuldbemiddeling gaan",
               "Een weekbudget opstellen en volhouden"),
    "health": ("Weer regelmatig naar de huisarts gaan", "Elke week samen wandelen om te bewegen",
               "Een tandarts vinden die de derdebetalersregeling toepast"),
    "mobility": ("Zelfstandig de bus nemen naar het centrum", "Een tweedehandsfiets en fietsles regelen",
                 "Een abonnement van De Lijn aan verminderd tarief aanvragen"),
    "childcare": ("Een plaats in de kinderopvang vinden", "Contact leggen met de school van de kinderen",
                  "Huiswerkbegeleiding zoeken voor de oudste"),
    "education": ("Inschrijven voor een cursus Nederlands (NT2)", "Leren werken met itsme en de smartphone",
                  "Een cursus volgen bij het Centrum voor Basiseducatie"),
    "leisure": ("Lid worden van een wandelclub", "Met de UiTPAS naar een voorstelling gaan",
                "Een bibliotheekkaart aanvragen en samen naar de bib gaan"),
    "administration": ("De post samen openen en ordenen", "Verhoogde tegemoetkoming aanvragen bij het ziekenfonds",
                       "De belastingaangifte op tijd indienen via Tax-on-web"),
    "social": ("Eén keer per week naar het buurthuis gaan", "Het contact met de familie herstellen",
               "Een buur leren kennen om op terug te vallen", "Naar de koffienamiddag van het dienstencentrum"),
}

CHECK_IN_NOTES: dict[str, tuple[str, ...]] = {
    "talk": ("Koffie gedronken bij haar thuis, ze vertelde over de kleinkinderen.",
             "Lang gebabbeld; hij was opgewekter dan de vorige keer.",
             "Over de feestdagen gepraat, die vallen zwaar."),
    "walk": ("Wandeling in het park, het was mooi weer.", "Samen naar de markt gewandeld.",
             "Korte wandeling; de knie doet nog pijn."),
    "errands": ("Samen boodschappen gedaan in de sociale kruidenier.", "Een winterjas gekocht in de kringwinkel."),
    "paperwork": ("Brieven van het ziekenfonds samen gelezen en beantwoord.",
                  "Formulier voor de huurpremie ingevuld.", "De post van de afgelopen maand geordend."),
    "outing": ("Met de trein naar zee geweest.", "Bezoek aan het stadsmuseum met de UiTPAS."),
    "appointment": ("Mee geweest naar het OCMW voor het gesprek met de maatschappelijk werker.",
                    "Samen naar de huisarts.", "Eerste gesprek bij de schuldbemiddeling."),
    "meal": ("Samen gekookt; ze was trots op haar couscous.", "Gegeten in het buurtrestaurant."),
    "activity": ("Samen naar de bib en een voorleesnamiddag.", "Petanque gespeeld in het dienstencentrum."),
    "phone": ("Kort gebeld om de afspraak te bevestigen.", "Telefoontje; hij voelde zich wat alleen."),
    "message": ("Berichtje gestuurd, alles ok.", "Foto's van de kleinkinderen doorgestuurd gekregen."),
}

CONCERNS: tuple[str, ...] = (
    "Ze kreeg een brief van de deurwaarder en is erg ongerust.",
    "Hij zegt dat hij soms dagen niet eet op het einde van de maand.",
    "De huisbaas dreigt met uithuiszetting.",
    "Ze leek erg somber en zei dat ze het niet meer ziet zitten.",
    "Er ligt veel ongeopende post; ik vermoed schulden.",
    "Hij vraagt me geregeld om geld; ik weet niet goed hoe ik grenzen stel.",
    "Ze mist haar afspraken bij het OCMW en dreigt haar leefloon te verliezen.",
    "De verwarming is al twee weken stuk en het is koud in huis.",
)

CONCERN_HANDLED: tuple[str, ...] = (
    "Gebeld met de deelnemer; afspraak gemaakt bij de schuldbemiddeling.",
    "Besproken in het teamoverleg; met toestemming de huisarts verwittigd.",
    "Met de vrijwilliger gebeld en de grenzen van de rol besproken.",
    "Doorverwezen naar het CAW; opvolging volgende week.",
    "Contact opgenomen met de sociale huisvestingsmaatschappij.",
)

NEW_CONTACTS: tuple[tuple[str, str, str], ...] = (
    ("Buurman van de overkant", "neighbour", "social"),
    ("Medewerker schuldbemiddeling", "professional", "income"),
    ("Wandelclub De Stappers", "organisation", "leisure"),
    ("Lotgenote uit de praatgroep", "friend", "social"),
    ("Vrijwilliger bij de voedselbank", "organisation", "income"),
    ("Leerkracht van de NT2-les", "professional", "education"),
    ("Huisarts in het wijkgezondheidscentrum", "professional", "health"),
    ("Buurvrouw met de hond", "neighbour", "social"),
    ("Collega in het vrijwilligerswerk", "colleague", "work"),
    ("Nicht in Antwerpen", "family", "social"),
)

PAUSE_REASONS: tuple[str, ...] = (
    "Ziekenhuisopname van de deelnemer",
    "Vrijwilliger tijdelijk in het buitenland",
    "Deelnemer op familiebezoek in het land van herkomst",
    "Drukke examenperiode van de vrijwilliger",
    "Deelnemer wil even rust",
)

CLOSURE_NOTES: dict[str, tuple[str, ...]] = {
    "goals_reached": ("Ze gaat nu zelfstandig naar het buurthuis en heeft er vriendinnen.",
                      "Administratie op orde, schuldbemiddeling loopt; hij heeft de buddy niet meer nodig."),
    "planned_end": ("Traject afgerond zoals gepland; ze blijven af en toe contact houden.",),
    "participant_stopped": ("Deelnemer wilde niet verder; te veel aan het hoofd.",),
    "volunteer_stopped": ("Vrijwilliger verhuist voor werk; deelnemer wil graag een nieuwe buddy.",),
    "no_click": ("Na de kennismaking bleek er geen klik; beiden akkoord om te stoppen.",),
    "moved": ("Deelnemer verhuisd naar een andere stad; doorverwezen naar het lokale CAW.",),
    "health": ("Deelnemer opgenomen in een woonzorgcentrum.",),
    "referred": ("Doorverwezen naar intensievere begeleiding door het CAW.",),
    "conflict": ("Grensoverschrijdend gedrag (geldvragen); duo in overleg beëindigd.",),
    "not_started": ("Deelnemer kwam niet opdagen op de kennismaking en reageert niet meer.",),
    "other": ("Na een lange pauze niet meer opgestart.",),
}
