"""Settings of the gunicorn that benchmarks/load_api.py starts: those of checkin_api_server.py
(buddynet's own, no debug, quiet logs) with buddynet's own URLs (no reference view)."""

from checkin_api_server import *  # noqa: F403

ROOT_URLCONF = "buddynet.urls"
