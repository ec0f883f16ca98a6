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

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("BUDDYNET_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", False)


def _secret_key() -> str:
    key = envstr("SECRET_KEY", "")
    if key:
        return key
    # Single-machine default: a random key kept under var/, so sessions survive restarts
    # without anyone having to invent a secret. Production sets SECRET_KEY.
    path = VAR_DIR / "secret_key"
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
    "buddynet.accounts",
    "buddynet.people",
    "buddynet.duos",
    "buddynet.funding",
    "buddynet.web",
    "netwerk",
    "matching",
    "notifications",
    "buddynet.security",
    "axes",  # brute-force lockout (django-axes)
    "csp",  # Content-Security-Policy (django-csp)
    "django_celery_beat",
    # Two-factor sign-in for office roles (buddynet/security/two_factor.py): TOTP + backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Change and access log (buddynet/security/audit.py); after the apps whose models it registers.
    "auditlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
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
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

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
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
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
        "ParticipantStatusEnum": "buddynet.people.models.Participant.Status",
        "VolunteerStatusEnum": "buddynet.people.models.Volunteer.Status",
        "DuoStatusEnum": "buddynet.duos.models.DuoStatus",
        "GoalStatusEnum": "buddynet.duos.models.Goal.Status",
        "ClosureReasonEnum": "buddynet.duos.models.ClosureReason",
        "UserLanguageEnum": [("nl-be", "Nederlands"), ("en", "English")],
        "LifeDomainEnum": "buddynet.vocabulary.LifeDomain",  # netwerk: alters' life domains
        "NetworkCategoryEnum": "netwerk.models.Category",  # netwerk: alter categories
        "MatchRunStatusEnum": "matching.models.MatchRun.Status",
    },
    # drf-spectacular's enum postprocessing, then answers whose shape depends on the role.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "buddynet.openapi.role_dependent_responses",
    ],
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "filesystem://")
_celery_dir = VAR_DIR / "celery"
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
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}
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
# entries are declared in notifications/schedules.py. Works on every broker, the filesystem one too.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "buddynet <noreply@buddynet.localhost>")
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for EMAIL_BACKEND=...filebased...

# --- Notifications --------------------------------------------------------------------------
# Links in e-mails point here.
NOTIFICATIONS_BASE_URL = envstr("BUDDYNET_BASE_URL", "http://127.0.0.1:8000")
# A delivery attempt holds its e-mail this long; above the delivery task's hard time limit
# (60 s), so a row is only handed to another attempt once the first is surely dead.
NOTIFICATIONS_CLAIM_SECONDS = envint("NOTIFICATIONS_CLAIM_SECONDS", 300, minimum=1)
NOTIFICATIONS_MAX_ATTEMPTS = envint("NOTIFICATIONS_MAX_ATTEMPTS", 5, minimum=1)
# The sweep leaves rows younger than this to the task enqueued when they were committed.
NOTIFICATIONS_SWEEP_GRACE_SECONDS = envint("NOTIFICATIONS_SWEEP_GRACE_SECONDS", 120, minimum=0)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
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
# axes.W006 wants the IP address among the lockout parameters against attackers who rotate
# user agents or cookies; counting per account already ignores both, and locking per IP would
# lock whole offices (one NAT address) out after a few colleagues' typos.
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
# --- Volunteer sign-in (web/volunteer.py) ----------------------------------------------------
# Magic links by email (django-sesame): a link signs in once (using it updates last_login,
# which invalidates it) and only within 15 minutes; changing the password voids open links.
SESAME_MAX_AGE = envint("SESAME_MAX_AGE", 15 * 60, minimum=60)
SESAME_ONE_TIME = True
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
