"""buddynet settings: one module, driven by environment variables (see README "Configuration").

With nothing set it runs on one machine: SQLite under var/, Celery on kombu's filesystem
transport. DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from buddynet.env import envbool, envint, envlist, envstr
from buddynet.production import Configuration, production_problems, refusal_message

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("BUDDYNET_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", False)


_GENERATED_SECRET_KEY_FILE = VAR_DIR / "secret_key"


def _secret_key() -> str:
    key = envstr("SECRET_KEY", "")
    if key:
        return key
    # Single-machine default: a random key kept under var/, so sessions survive restarts
    # without anyone having to invent a secret. Production sets SECRET_KEY (SECURE refuses this one).
    path = _GENERATED_SECRET_KEY_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "buddynet.records.accounts",
    "buddynet.records.people",
    "buddynet.records.duos",
    "buddynet.features.funding",
    "buddynet.web",
    "buddynet.demo",  # `manage.py demo`: above the records and features, may import them all
    "netwerk",
    "matching",
    "notifications",
    "buddynet.features.signals",  # barrier signals and signal reports (issue 18)
    "buddynet.features.aftercare",  # issue 18: aftercare, referrals, the participant's evaluation
    "buddynet.security",
    "buddynet.deployment",  # production marker and first administrator (manage.py first_admin)
    "axes",  # brute-force lockout (django-axes)
    "csp",  # Content-Security-Policy (django-csp)
    "django_celery_beat",
    # Two-factor sign-in for office roles (buddynet/security/two_factor.py): TOTP + backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Change and access log (buddynet/security/audit.py); after the apps whose models it registers.
    "auditlog",
    # Backup and restore, beat's heartbeat, detailed health, request logs (issue 14; buddynet/operations/).
    "buddynet.operations",
    "health_check",  # django-health-check: the detailed health page's templates
]

MIDDLEWARE = [
    # First: one log line per request (id, user id, status, duration), timing everything below.
    "buddynet.operations.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware (its message is translated): 413 JSON for an oversized API body.
    "buddynet.security.middleware.APIBodyLimitMiddleware",
    "buddynet.security.middleware.PermissionsPolicyMiddleware",
    # Sees exceptions of everything below it: an unreachable database answers 503 + Retry-After.
    "buddynet.security.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Adds request.user.is_verified() (a second factor confirmed in this session).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After AuthenticationMiddleware: signs out sessions past their role's idle or absolute limit.
    "buddynet.security.sessions.SessionTimeoutMiddleware",
    # After OTPMiddleware and the timeouts: office sessions without a confirmed code reach only the 2FA step.
    "buddynet.security.two_factor.TwoFactorMiddleware",
    # Who and from where for audit entries; logs reads of participant records (audit.READ_ROUTES).
    "buddynet.security.audit.AccessLogMiddleware",
    # Below WhiteNoise, so static files (cacheable) never reach it.
    "buddynet.security.middleware.NoStoreMiddleware",
    # Last, as axes asks: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "buddynet.urls"
WSGI_APPLICATION = "buddynet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "buddynet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.inbox",
                "buddynet.web.context_processors.role_menu",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'buddynet.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0, minimum=0))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock when a transaction starts, so two requests that
    # read-then-write (capacity checks, idempotent check-ins) are serialised instead of one
    # failing with "database is locked" halfway through.
    _db["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")} if envbool("SQLITE_FILE_TESTS", False) else {}
DATABASES = {"default": _db}
# The admin's change lists count a whole table (no filter, no search, no scope) above this many
# rows from PostgreSQL's own estimate (pg_class.reltuples) instead of COUNT(*), a scan of every row
# (buddynet/admin_scoping.py, EstimatedCountPaginator). SQLite always counts exactly.
ADMIN_COUNT_ESTIMATE_ABOVE = envint("ADMIN_COUNT_ESTIMATE_ABOVE", 10_000, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# OWASP ASVS 5.0 V6.2: 8 to 64 characters, not a common or personal password, and no composition
# rules (so no NumericPasswordValidator: a long all-digit passphrase is allowed).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "buddynet.security.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 64}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "web:login"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "nl-be"
LANGUAGES = [("nl-be", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "buddynet" / "locale"]
# Where nl-BE writes dates unlike Django's "nl" (the Netherlands): 06/12/2026, not 6-12-2026.
FORMAT_MODULE_PATH = ["buddynet.locale_formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# Collected static files belong to the code, not to the instance: `make install` builds them from
# this checkout into its own var/static, and every process of the checkout serves them from there,
# whatever BUDDYNET_VAR_DIR says. (Under BUDDYNET_VAR_DIR, a `make install` run without the
# production environment filled ./var/static while the systemd units looked in /var/lib/buddynet:
# no manifest, a 500 on every page.)
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# More than one host: media (receipts, frozen report PDFs) on S3-compatible storage through
# django-storages, shared by every web node and worker, when AWS_STORAGE_BUCKET_NAME is set.
# Private objects (no ACL, signed URLs that expire); never overwrite a file of the same name.
AWS_STORAGE_BUCKET_NAME = envstr("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Unset: AWS itself; else the provider's (or MinIO's, Garage's, Ceph's) address.
            "endpoint_url": envstr("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": envstr("AWS_S3_REGION_NAME", "") or None,
            # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are read from the environment by boto3.
            "location": envstr("AWS_LOCATION", ""),  # a folder inside the bucket
            "addressing_style": envstr("AWS_S3_ADDRESSING_STYLE", "") or None,  # "path" for most self-hosted
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": envint("AWS_QUERYSTRING_EXPIRE", 300, minimum=1),
            "file_overwrite": False,
        },
    }
# Files browsers ask for at the site root (/favicon.ico), served by WhiteNoise like static files.
WHITENOISE_ROOT = BASE_DIR / "buddynet" / "web" / "root"

# --- Security -------------------------------------------------------------------------------
# Django's own database sessions: a custom store that read them with one plain statement gained
# nothing measurable on the phone's check-in against the stock reference (benchmarks/checkin_api.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 8, minimum=60)
SECURE = envbool("SECURE", False)  # true behind HTTPS in production
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE and envbool("SECURE_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None

# --- REST API -------------------------------------------------------------------------------
# Multipart API bodies (an expense's receipt of at most 10 MB, and its fields) may be this large;
# any other API body at most DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB). See APIBodyLimitMiddleware.
API_MAX_UPLOAD_BYTES = envint("API_MAX_UPLOAD_BYTES", 11 * 1024 * 1024, minimum=1)

# Office API tokens (admin-issued, see docs/security.md) work this many days after they were made,
# and their last use is written at most once per API_TOKEN_LAST_USED_MINUTES.
API_TOKEN_DAYS = envint("API_TOKEN_DAYS", 90, minimum=1)
API_TOKEN_LAST_USED_MINUTES = envint("API_TOKEN_LAST_USED_MINUTES", 15, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's TokenAuthentication with an expiry and a last-used date (buddynet/security/tokens.py).
        "buddynet.security.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON parser with bounded nesting and no NUL characters (buddynet/parsers.py), then DRF's own.
    "DEFAULT_PARSER_CLASSES": [
        "buddynet.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "buddynet.api_filters.ScopedFilterBackend",  # relations filtered by id, see IdFilter there
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "buddynet.openapi.AutoSchema",  # documents the error answers too
    "EXCEPTION_HANDLER": "buddynet.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "buddynet API",
    "DESCRIPTION": "Records of buddy (persoonlijke vriend) projects. Every object is scoped "
    "to the caller's memberships: what you may not see answers 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ParticipantStatusEnum": "buddynet.records.people.models.Participant.Status",
        "VolunteerStatusEnum": "buddynet.records.people.models.Volunteer.Status",
        "DuoStatusEnum": "buddynet.records.duos.models.DuoStatus",
        "GoalStatusEnum": "buddynet.records.duos.models.Goal.Status",
        "ClosureReasonEnum": "buddynet.records.duos.models.ClosureReason",
        "UserLanguageEnum": [("nl-be", "Nederlands"), ("en", "English")],
        "LifeDomainEnum": "buddynet.vocabulary.LifeDomain",  # netwerk: alters' life domains
        "NetworkCategoryEnum": "netwerk.models.Category",  # netwerk: alter categories
        "MatchRunStatusEnum": "matching.models.MatchRun.Status",
        "ConsentScopeEnum": "buddynet.records.people.models.Participant.ConsentScope",
        "ConsentHowEnum": "buddynet.records.people.models.ConsentEvent.How",
        "AftercareItemKindEnum": "buddynet.features.aftercare.models.ItemKind",
        "AftercareItemStatusEnum": "buddynet.features.aftercare.models.ItemStatus",
        "ReferralServiceKindEnum": "buddynet.features.aftercare.models.ServiceKind",
        "SignalStatusEnum": "buddynet.features.signals.models.SignalStatus",
    },
    # drf-spectacular's enum postprocessing, then answers whose shape depends on the role.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "buddynet.openapi.role_dependent_responses",
        "buddynet.openapi.crud_links",  # links for schemathesis' stateful phase
    ],
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "filesystem://")
_celery_dir = VAR_DIR / "celery"
# Seconds a publish may wait for the broker to accept a connection, and for an answer (issue 21 item 10).
BROKER_CONNECT_TIMEOUT = envint("BROKER_CONNECT_TIMEOUT_SECONDS", 1, minimum=1)
BROKER_SOCKET_TIMEOUT = envint("BROKER_SOCKET_TIMEOUT_SECONDS", 2, minimum=1)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
# How long Redis waits before it hands an unacknowledged task to another worker.
REDIS_VISIBILITY_TIMEOUT = 60 * 60 * 12
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (_celery_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        # kombu's default is "control" relative to the working directory: keep it under var/.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    _default_results = f"file://{_celery_dir / 'results'}"
    (_celery_dir / "results").mkdir(parents=True, exist_ok=True)
else:
    # Above any countdown/ETA we use, so Redis never re-delivers a task that is merely waiting
    # (tests/notifications/test_delivery.py checks it against the retry backoff).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": REDIS_VISIBILITY_TIMEOUT,
        # A request publishes its delivery task after commit; a broker that refuses or is frozen
        # (accepts the connection, never answers) must cost it a bounded moment, never a hang: the
        # outbox row is committed and the sweep sends it later. One quick retry, short socket
        # timeouts (the worker's BRPOP waits 1 s, well inside them). tests/notifications/test_broker_outage.py
        "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
        "socket_timeout": BROKER_SOCKET_TIMEOUT,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_CONNECT_TIMEOUT
    _default_results = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
CELERY_RESULT_BACKEND = envstr("CELERY_RESULT_BACKEND", _default_results) or None
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat reads its schedule from the database (django-celery-beat), editable in the admin; the
# entries are declared in buddynet/schedules.py. Works on every broker, the filesystem one too.
# Run exactly one beat: SingleBeatScheduler (buddynet/beat.py) sends only while it holds a lock
# (PostgreSQL advisory lock, or an flock under var/), so a second beat stands by harmlessly.
CELERY_BEAT_SCHEDULER = "buddynet.beat:SingleBeatScheduler"

# --- E-mail ---------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set (unless EMAIL_BACKEND says otherwise); the console without it.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                       else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)  # TLS from the first byte, usually on port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS, port 587) and EMAIL_USE_SSL (port 465) exclude each other: "
                               "set one of them")
# Seconds a connection to the mail server may hang (Django's default waits forever): a slow or
# silent server fails the attempt, and the outbox retries it later (notifications/services.py).
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "buddynet <noreply@buddynet.localhost>")
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for EMAIL_BACKEND=...filebased...

# --- Notifications --------------------------------------------------------------------------
# Links in e-mails point here.
NOTIFICATIONS_BASE_URL = envstr("BUDDYNET_BASE_URL", "http://127.0.0.1:8000")
# A delivery attempt holds its e-mail this long; above the delivery task's hard time limit
# (45 s), so a row is only handed to another attempt once the first is surely dead.
NOTIFICATIONS_CLAIM_SECONDS = envint("NOTIFICATIONS_CLAIM_SECONDS", 300, minimum=1)
NOTIFICATIONS_MAX_ATTEMPTS = envint("NOTIFICATIONS_MAX_ATTEMPTS", 5, minimum=1)
# The sweep leaves rows younger than this to the task enqueued when they were committed.
NOTIFICATIONS_SWEEP_GRACE_SECONDS = envint("NOTIFICATIONS_SWEEP_GRACE_SECONDS", 120, minimum=0)
# Urgent kinds (a volunteer's worry): a shorter claim (above the delivery task's 45 s hard limit)
# and grace, and a sweep every minute, so one lost with a broker or worker waits about 2 minutes.
NOTIFICATIONS_URGENT_CLAIM_SECONDS = envint("NOTIFICATIONS_URGENT_CLAIM_SECONDS", 50, minimum=1)
NOTIFICATIONS_URGENT_SWEEP_GRACE_SECONDS = envint("NOTIFICATIONS_URGENT_SWEEP_GRACE_SECONDS", 20, minimum=0)

# --- Funder reports -------------------------------------------------------------------------
# Thresholds of the traffic lights, per funder (by name) over the defaults, as JSON, e.g.
# FUNDING_LIGHTS='{"Departement WVG": {"spend_ahead_red": 0.10}}'; the keys and defaults are in
# buddynet/features/funding/lights.py; the funding app refuses an unknown key or a value outside 0..10 at start-up.
FUNDING_LIGHTS = envstr("FUNDING_LIGHTS", "{}")
# A portfolio report over more than one project is made by a Celery task (funding/services.py,
# portfolio_job_*); its result is kept this many hours for the funder who asked, then deleted.
PORTFOLIO_RESULT_HOURS = envint("PORTFOLIO_RESULT_HOURS", 24, minimum=1)

# --- Logging --------------------------------------------------------------------------------
# LOG_FORMAT=json: every line a JSON object (python-json-logger), e.g. the one line per request of
# buddynet/operations/request_log.py with request_id, user_id, method, path, status, duration_ms.
LOG_FORMAT = envstr("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is neither text nor json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s", "rename_fields": {"levelname": "level"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler",
                             **({"formatter": "json"} if LOG_FORMAT == "json" else {})}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# --- Sign-in protection, sessions, headers (issue 9; code in buddynet/security/) -----------------
# django-axes: AXES_FAILURE_LIMIT failed sign-ins for one account (e-mail address, any case)
# lock it for AXES_COOLOFF_MINUTES; a successful sign-in resets the count. Counted per account,
# not per IP address: behind the reverse proxy, or an office's shared connection, one address
# is many people, and per-account counting also stops guessing one password from many addresses.
AUTHENTICATION_BACKENDS = [
    "buddynet.security.axes.RequestAxesBackend",  # refuses locked-out accounts (see its docstring)
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",  # one-time magic links for volunteers (web/volunteer.py)
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Password spraying (one guess at many accounts): a second rule in buddynet/security/axes.py refuses
# sign-ins from a client address with AXES_IP_FAILURE_LIMIT failures across all accounts within
# AXES_COOLOFF_MINUTES; high enough for an office behind one NAT address.
AXES_IP_FAILURE_LIMIT = envint("AXES_IP_FAILURE_LIMIT", 30, minimum=1)
# The client address as the audit log takes it: X-Forwarded-For only with AUDIT_TRUST_X_FORWARDED_FOR.
AXES_CLIENT_IP_CALLABLE = "buddynet.security.audit.client_address"
# axes.W006 wants the IP address among the lockout parameters against attackers who rotate
# user agents or cookies; counting per account already ignores both, and locking per IP at the
# per-account limit would lock whole offices (one NAT address) out after a few colleagues' typos:
# the per-address rule above has its own, higher limit.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "buddynet.security.axes.normalised_username"
AXES_LOCKOUT_CALLABLE = "buddynet.security.axes.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# A volunteer who signs in on their own phone ("keep me signed in", or a magic link) stays
# signed in at most this many days (the volunteer policy's absolute limit below).
VOLUNTEER_SESSION_DAYS = envint("VOLUNTEER_SESSION_DAYS", 90, minimum=1)

# Session timeouts per role (buddynet/security/sessions.py): (idle, absolute) in seconds, set in minutes.
BUDDYNET_SESSION_POLICY = {
    # administrators, coordinators, funders: many people's records, often on shared computers
    "office": (
        60 * envint("SESSION_IDLE_MINUTES_OFFICE", 30, minimum=1),
        60 * envint("SESSION_MAX_MINUTES_OFFICE", 12 * 60, minimum=1),
    ),
    # volunteers only: their own phone, one buddy, a check-in every week or two
    # ("keep me signed in" on their own phone; unticked, the cookie ends with the browser).
    # The absolute limit is VOLUNTEER_SESSION_DAYS unless SESSION_MAX_MINUTES_VOLUNTEER says otherwise.
    "volunteer": (
        60 * envint("SESSION_IDLE_MINUTES_VOLUNTEER", 30 * 24 * 60, minimum=1),
        60 * envint("SESSION_MAX_MINUTES_VOLUNTEER", VOLUNTEER_SESSION_DAYS * 24 * 60,
                    minimum=1),
    ),
}

# Content-Security-Policy (django-csp; Django 5.2 has none built in). Scripts only from our own
# origin or inline with the request's nonce: <script nonce="{{ request.csp_nonce }}">. Style
# attributes stay allowed (bars, SVG pictures), but no other origin is.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_NONCE],
        "style-src": [CSP_SELF, "'unsafe-inline'"],
        "img-src": [CSP_SELF, "data:", "blob:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "worker-src": [CSP_SELF],
        "manifest-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}
TEMPLATES[0]["OPTIONS"]["context_processors"].append("csp.context_processors.nonce")  # {{ CSP_NONCE }}

# Encryption at rest of notes and other special-category text (buddynet/crypto.py, privacy.py).
# FIELD_ENCRYPTION_KEYS: Fernet keys, newest first (make one: python -c "from cryptography.fernet
# import Fernet; print(Fernet.generate_key().decode())"). Unset: derived from SECRET_KEY (and read
# with SECRET_KEY_FALLBACKS too). Rotate: new key first, `manage.py rotate_field_encryption`, drop the old.
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", [])
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS", [])
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None

# --- Production (SECURE=true) refuses demo-only settings at start (buddynet/production.py) ----------
# ALLOW_EMBEDDED_IN_PRODUCTION=true: a deliberate one-host install on SQLite and the filesystem broker.
ALLOW_EMBEDDED_IN_PRODUCTION = envbool("ALLOW_EMBEDDED_IN_PRODUCTION", False)
if SECURE:
    _problems = production_problems(Configuration(
        secret_key=SECRET_KEY,
        secret_key_from_env=bool(envstr("SECRET_KEY", "")),
        generated_secret_key=(_GENERATED_SECRET_KEY_FILE.read_text().strip()
                              if _GENERATED_SECRET_KEY_FILE.exists() else None),
        field_encryption_keys=FIELD_ENCRYPTION_KEYS,
        debug=DEBUG,
        database_engine=str(_db["ENGINE"]),
        broker_url=CELERY_BROKER_URL,
        allow_embedded=ALLOW_EMBEDDED_IN_PRODUCTION,
        other_secrets={name: envstr(name, "") for name in ("HEALTH_TOKEN", "EMAIL_HOST_PASSWORD")},
    ))
    if _problems:
        raise ImproperlyConfigured(refusal_message(_problems))
# --- Volunteer sign-in (web/volunteer.py) ----------------------------------------------------
# Magic links by email (django-sesame): a link signs in once (using it updates last_login,
# which invalidates it) and only within 15 minutes; changing the password voids open links.
SESAME_MAX_AGE = envint("SESAME_MAX_AGE", 15 * 60, minimum=60)
SESAME_ONE_TIME = True
# An invitation to a new account (accounts/invitations.py) is a link of its own scope that stays
# valid longer, since a new volunteer may read their mail days later; it too works once.
INVITATION_MAX_AGE_DAYS = envint("INVITATION_MAX_AGE_DAYS", 7, minimum=1)
# Support access (accounts/support.py): an organisation administrator lets the platform
# administrators read the organisation's participant records for at most this many days at a time.
SUPPORT_ACCESS_MAX_DAYS = envint("SUPPORT_ACCESS_MAX_DAYS", 7, minimum=1)
# Requests for such a link (buddynet/security/ratelimit.py, counted in the database so every
# worker shares the count): at most MAGIC_LINK_LIMIT_PER_ADDRESS per e-mail address and
# MAGIC_LINK_LIMIT_PER_IP per client IP address (an IPv6 /64) in MAGIC_LINK_WINDOW_MINUTES.
# Above that the page answers as always (it never tells whether an address is known) but no
# mail is sent, and a warning is logged. Behind a reverse proxy the client address is only
# known with AUDIT_TRUST_X_FORWARDED_FOR; without it every request counts for the proxy's.
MAGIC_LINK_LIMIT_PER_ADDRESS = envint("MAGIC_LINK_LIMIT_PER_ADDRESS", 5, minimum=1)
MAGIC_LINK_LIMIT_PER_IP = envint("MAGIC_LINK_LIMIT_PER_IP", 20, minimum=1)
MAGIC_LINK_WINDOW_MINUTES = envint("MAGIC_LINK_WINDOW_MINUTES", 60, minimum=1)

# Two-factor sign-in (django-otp) for administrators, coordinators, funder viewers and staff.
# Switching it off is for tests only (tests/conftest.py); production keeps the default.
BUDDYNET_TWO_FACTOR_REQUIRED = envbool("BUDDYNET_TWO_FACTOR_REQUIRED", True)
OTP_TOTP_ISSUER = "buddynet"
# Each wrong code doubles the wait before the next try on that device (1, 2, 4, ... seconds × factor).
OTP_TOTP_THROTTLE_FACTOR = envint("OTP_THROTTLE_FACTOR", 2, minimum=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR

# Audit log (django-auditlog, buddynet/security/audit.py): values of masked fields become "***".
AUDITLOG_MASK_CALLABLE = "buddynet.security.audit.mask_value"
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Behind a reverse proxy that overwrites X-Forwarded-For: take the client address from it.
AUDIT_TRUST_X_FORWARDED_FOR = envbool("AUDIT_TRUST_X_FORWARDED_FOR", False)

# --- Operations: backups, health, logs, errors (issue 14; buddynet/operations/) -------------------
# `manage.py backup` writes here by default; the nightly task (beat, 02:30) only with BACKUP_NIGHTLY.
BACKUP_DIR = Path(envstr("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_NIGHTLY = envbool("BACKUP_NIGHTLY", False)
# Retention after each nightly backup: the newest archive of each of the last N days, and of each of the last M months.
BACKUP_KEEP_DAILY = envint("BACKUP_KEEP_DAILY", 7, minimum=1)
BACKUP_KEEP_MONTHLY = envint("BACKUP_KEEP_MONTHLY", 12, minimum=0)

# Health (buddynet/health.py, buddynet/operations/health.py). /healthz is the cheap, public
# liveness probe; /healthz/detail gives every check to administrators, or to monitoring that
# sends "Authorization: Bearer $HEALTH_TOKEN" (no token set: administrators only).
HEALTH_TOKEN = envstr("HEALTH_TOKEN", "")
HEALTH_BROKER_TIMEOUT_SECONDS = envint("HEALTH_BROKER_TIMEOUT_SECONDS", 2, minimum=1)
HEALTH_WORKER_TIMEOUT_SECONDS = envint("HEALTH_WORKER_TIMEOUT_SECONDS", 2, minimum=1)
# Beat's heartbeat task runs every minute: older than this, beat (or every worker) has stopped.
HEALTH_BEAT_MAX_AGE_SECONDS = envint("HEALTH_BEAT_MAX_AGE_SECONDS", 300, minimum=60)
# Free space below this on the disk of var/ or the local media folder turns the check red.
HEALTH_DISK_MIN_FREE_MB = envint("HEALTH_DISK_MIN_FREE_MB", 1024, minimum=0)
# An e-mail notification still undelivered after this long (sweep every 5 minutes, retries with
# backoff): the delivery is stuck.
HEALTH_OUTBOX_MAX_AGE_MINUTES = envint("HEALTH_OUTBOX_MAX_AGE_MINUTES", 60, minimum=1)
# With BACKUP_NIGHTLY: no complete backup for this long (a night missed, with slack) is red.
HEALTH_BACKUP_MAX_AGE_HOURS = envint("HEALTH_BACKUP_MAX_AGE_HOURS", 26, minimum=1)
# The checks of /healthz/detail (django-health-check); notifications' own check is named here,
# since nothing but the settings and the URLs import notifications.
HEALTH_CHECKS = [
    "health_check.checks.Database",
    "buddynet.operations.health.Broker",
    "buddynet.operations.health.Worker",
    "buddynet.operations.health.BeatHeartbeat",
    "buddynet.operations.health.DiskSpace",
    "buddynet.operations.health.LastBackup",
    "notifications.health.OutboxAge",
]

# Error reporting (sentry-sdk) only when SENTRY_DSN is set; personal data is scrubbed before an
# event leaves the process (buddynet/operations/errors.py).
SENTRY_DSN = envstr("SENTRY_DSN", "")
if SENTRY_DSN:
    from buddynet.operations.errors import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=envstr("SENTRY_ENVIRONMENT", "production"))

# Retention of what is not a person's record (issue 16; buddynet/security/purge.py, run by the
# nightly retention task): the audit log is kept two years, long enough to answer a data subject
# or an inspection about a trajectory's last year; sign-in attempts (django-axes) 90 days,
# enough to see an attack's pattern; applicants and participants who never got past screening or
# intake (no duo ever) are anonymised 12 months after their record last changed.
AUDIT_LOG_RETENTION_DAYS = envint("AUDIT_LOG_RETENTION_DAYS", 730, minimum=30)
SIGN_IN_ATTEMPTS_RETENTION_DAYS = envint("SIGN_IN_ATTEMPTS_RETENTION_DAYS", 90, minimum=1)
UNSCREENED_RETENTION_MONTHS = envint("UNSCREENED_RETENTION_MONTHS", 12, minimum=1)
