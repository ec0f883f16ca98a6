"""English here is read in Belgium: dates day first, as the rest of buddynet's English (babel's
en_GB in buddynet/formats.py) and as nl-BE: 06/12/2026 is 6 December, never 12 June. Django's "en"
writes and reads month first (12/06/2026); here both are day first, so what a page shows and what a
form reads agree. ISO stays the first input format (what a form field without its own format shows)."""

DATE_FORMAT = "j F Y"  # "6 December 2026", as Dutch "6 december 2026"
SHORT_DATE_FORMAT = "d/m/Y"  # '06/12/2026'
# Times on the 24-hour clock, as in nl-BE ("3:23 p.m." reads oddly beside Dutch pages).
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
]
