"""nl-BE writes a short date with slashes, day first: 06/12/2026 (Django's "nl" gives the
Netherlands' 6-12-2026). The same form buddynet asks for when it reads a date from a spreadsheet
or a message (dd/mm/jjjj), and that Django's "nl" input formats accept."""

SHORT_DATE_FORMAT = "d/m/Y"  # '06/12/2026'
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # '06/12/2026 15:23'
