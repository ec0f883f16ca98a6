"""English here is read in Belgium: dates day first, as the rest of buddynet's English (babel's
en_GB in buddynet/formats.py) and as nl-BE: 06/12/2026 is 6 December, never 12 June. Django's "en"
writes and reads month first (12/06/2026); its en_GB formats are taken whole, input formats
included, so what a form shows and what it reads agree."""

from django.conf.locale.en_GB.formats import *  # noqa: F403

# Times on the 24-hour clock, as in nl-BE (en_GB's "3:23 p.m." reads oddly beside Dutch pages).
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
