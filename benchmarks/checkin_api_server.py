"""Settings of the two gunicorns that benchmarks/checkin_api.py starts, both serving the URLs of
benchmarks/checkin_api_urls.py (buddynet's, and the stock reference view).

- buddynet (CHECKIN_BENCH_SERVER unset): buddynet's own settings.
- stock (CHECKIN_BENCH_SERVER=stock): the same settings with the framework's stock parts wherever
  buddynet may put its own: Django's database session store, Django's ModelBackend, no
  buddynet.records.accounts middleware, DRF's TokenAuthentication and SessionAuthentication. Everything
  else (the other middleware, the audit log, the database) is the same on both, so that the
  comparison shows what buddynet's own code costs over the stock one.
"""

import os

from buddynet.settings import *  # noqa: F403
from buddynet.settings import MIDDLEWARE, REST_FRAMEWORK

ROOT_URLCONF = "checkin_api_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

STOCK_BACKEND = "django.contrib.auth.backends.ModelBackend"
STOCK = {
    "SESSION_ENGINE": "django.contrib.sessions.backends.db",
    "AUTHENTICATION_BACKENDS": [STOCK_BACKEND],
    "MIDDLEWARE": [m for m in MIDDLEWARE if not m.startswith("buddynet.records.accounts.")],
    "REST_FRAMEWORK": {**REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ]},
}

if os.environ.get("CHECKIN_BENCH_SERVER") == "stock":
    globals().update(STOCK)
