"""Settings of the gunicorn that benchmarks/checkin_api.py starts: buddynet's own, plus the
URLs of benchmarks/checkin_api_urls.py (buddynet's, and one bare view as the reference)."""

from buddynet.settings import *  # noqa: F403

ROOT_URLCONF = "checkin_api_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
