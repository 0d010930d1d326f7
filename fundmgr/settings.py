"""Settings, read from the environment.

FUNDMGR_ENV selects the mode: ``development`` (the default: DEBUG on, console
e-mail, a throwaway secret key) or ``production`` (DEBUG off, every secret and
host from the environment, HTTPS-only cookies and HSTS, so that
``manage.py check --deploy`` reports nothing).

DATABASE_URL selects the database: SQLite in the project folder by default,
any PostgreSQL with ``postgres://user@host:port/name``.
"""

import datetime
import os
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from fundmgr.storage_settings import private_storages

BASE_DIR = Path(__file__).resolve().parent.parent

ENV = os.environ.get("FUNDMGR_ENV", "development")
if ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"FUNDMGR_ENV must be development or production, not {ENV!r}")
PRODUCTION = ENV == "production"


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


if PRODUCTION:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
    except KeyError as missing:
        raise ImproperlyConfigured("SECRET_KEY must be set in production") from missing
    DEBUG = False
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
else:
    # Development only: a fixed, clearly-labelled key that protects nothing.
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-not-secret")  # noqa: S105
    DEBUG = os.environ.get("DEBUG", "1") == "1"
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The site's address, for links in e-mails written by background workers
# (they have no request to take it from): the notifications (docs/background-jobs.md).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "djmoney",
    "django_tasks_db",
    # Staff sign-in (docs/security.md, "Staff sign-in"): lockout, second factor.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "fundmgr.accounts",
    "fundmgr",
    "donors",
    "grants",
    "reports",
    "iati",
    # The REST API (docs/api.md): DRF, its schema, the docs pages' static files.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    # First: every response carries its X-Request-ID, refusals' included, and
    # every log line of the request names it (fundmgr/request_id.py).
    "fundmgr.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost after security: the CSP and Permissions-Policy reach every
    # response, the sign-in, second-factor and size refusals' included.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "fundmgr.permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's id on the request's log lines.
    "fundmgr.request_id.RequestUserMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sign-in: sessions end when idle or old; the second factor is asked for.
    "fundmgr.accounts.middleware.SessionLimitsMiddleware",
    "fundmgr.accounts.middleware.SecondFactorMiddleware",
    # After the second factor: a password alone never earns the staff upload limit.
    "fundmgr.body_limit.RequestBodyLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A money form's one-time token refused (400) or already used (fundmgr/once.py).
    "fundmgr.once.OnceMiddleware",
    # Who acts, for the audit of users and roles (fundmgr/people_audit.py);
    # every 403 a signed-in person meets goes to the audit trail.
    "fundmgr.people_audit.ActingUserMiddleware",
    "fundmgr.refusals.RefusalAuditMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fundmgr.urls"
WSGI_APPLICATION = "fundmgr.wsgi.application"

# Django's form renderer, with selects' options written in Python
# (fundmgr/form_renderer.py: the same HTML, a hundred times faster).
FORM_RENDERER = "fundmgr.form_renderer.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fundmgr.roles.roles_context",
                "fundmgr.accounts.context.two_factor_context",
                # After Django's CSRF processor: public pages cached whole (fundmgr.public_pages).
                "fundmgr.public_pages.csrf_placeholder",
            ],
        },
    },
]

# SQLite by default; our SQLite engine only adds that a whole-database flush
# (tests, `manage.py flush`) may empty the append-only ledger tables, as
# PostgreSQL's TRUNCATE does. Row-level updates and deletes stay forbidden.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "fundmgr.db.backends.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            ),
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (django.tasks) in the database (django-tasks-db), run by
# `manage.py db_worker` (`make run` starts one for every queue; docs/stripe.md).
# One queue per kind of work, each with its own workers in production (Procfile,
# deploy/systemd, docs/deploy.md), so a long export or import never delays a
# webhook or an e-mail; "default" takes any task that names no queue. The tests
# run them immediately instead (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "webhooks", "email", "imports", "exports"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-work"  # each role's work (fundmgr/work.py); a `next` wins
LOGOUT_REDIRECT_URL = "home"

# --- Staff sign-in: lockout, second factor, sessions, client address --------
# (fundmgr/accounts; docs/security.md, "Staff sign-in")

# django-axes counts failed sign-ins before any password is checked: its
# backend comes first and refuses a locked-out client outright.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A client is locked out after AXES_FAILURE_LIMIT wrong passwords for one
# account from one address (the pair, so that a stranger cannot lock a real
# officer out from elsewhere), until AXES_COOLOFF_MINUTES after the last try or
# an administrator deletes the attempt in the admin site (Axes > Access
# attempts), which is audited. The database handler is chosen over the cache
# one because it gives the administrator that list and the unlock, and it is
# shared by every process without Redis.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address axes records is the one the rate limits use
# (fundmgr.ratelimit.client_ip: django-ipware, FUNDMGR_TRUSTED_PROXIES, IPv6 by /64).
AXES_CLIENT_IP_CALLABLE = "fundmgr.ratelimit.client_ip"
# Only what axes needs: not the form's other fields in its records.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "token", "otp_token"]
# Its own log lines (a banner at every start, a line per sign-in) would clutter
# every command's output; failures and lockouts are in the audit trail instead.
AXES_VERBOSE = False

# How many reverse proxies in front of the site append to X-Forwarded-For; 0
# (the default) means the site is reached directly and X-Forwarded-For, which
# anyone can send, is never read.
FUNDMGR_TRUSTED_PROXIES = int(os.environ.get("FUNDMGR_TRUSTED_PROXIES", "0"))
if FUNDMGR_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("FUNDMGR_TRUSTED_PROXIES must be 0 or more")

# Second factor (django-otp): TOTP apps and one-time recovery codes. Always
# required in production for the roles that move money or manage people
# (fundmgr.accounts.policy): FUNDMGR_REQUIRE_2FA can only turn it on, and a
# production process asked to turn it off refuses to start. Optional (off by
# default) in development, where the demo logins sign in with their password alone.
_REQUIRE_2FA = os.environ.get("FUNDMGR_REQUIRE_2FA", "")
if PRODUCTION:
    if _REQUIRE_2FA not in ("", "1"):
        raise ImproperlyConfigured(
            "FUNDMGR_REQUIRE_2FA cannot be turned off in production: the second factor "
            "is always required there (unset it, or set it to 1)"
        )
    FUNDMGR_REQUIRE_2FA = True
else:
    FUNDMGR_REQUIRE_2FA = _REQUIRE_2FA == "1"
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "fundmgr")
# The admin site never shows a device's secret (nor its QR code).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
FUNDMGR_RECOVERY_CODES = 10

# Sessions: staff sessions end after FUNDMGR_STAFF_SESSION_IDLE_MINUTES without
# a request and FUNDMGR_STAFF_SESSION_MAX_HOURS after signing in; donors' after
# DONOR_SESSION_HOURS (fundmgr.accounts.middleware.SessionLimitsMiddleware).
FUNDMGR_STAFF_SESSION_IDLE_MINUTES = int(os.environ.get("FUNDMGR_STAFF_SESSION_IDLE_MINUTES", "30"))
FUNDMGR_STAFF_SESSION_MAX_HOURS = int(os.environ.get("FUNDMGR_STAFF_SESSION_MAX_HOURS", "12"))
DONOR_SESSION_HOURS = int(os.environ.get("DONOR_SESSION_HOURS", "24"))
SESSION_COOKIE_AGE = 3600 * max(DONOR_SESSION_HOURS, FUNDMGR_STAFF_SESSION_MAX_HOURS)

# Password reset by e-mail (Django's views): each client address and each
# e-mail address may ask this many times an hour.
FUNDMGR_PASSWORD_RESETS_PER_ADDRESS = int(
    os.environ.get("FUNDMGR_PASSWORD_RESETS_PER_ADDRESS", "5")
)
FUNDMGR_PASSWORD_RESETS_PER_EMAIL = int(os.environ.get("FUNDMGR_PASSWORD_RESETS_PER_EMAIL", "3"))

# The cache holds the rate limits' counters (fundmgr.ratelimit): local memory
# (one process) by default, so `make run` needs nothing; REDIS_URL gives every
# web process of a deployment one shared count.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "fundmgr"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
# --- end of staff sign-in ------------------------------------------------------

# Languages: English, French and Spanish, the UN working languages the product serves.
LANGUAGE_CODE = "en"
# The six official languages of the United Nations, in the UN's order.
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "fundmgr" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# --- Private files: documents, imports, exports (fundmgr/private_files.py) ---
# Three storages, never served and without a URL: a file is handed out only by
# a view that checks the reader. FUNDMGR_STORAGE=local (the default) keeps each
# in a folder below, outside STATIC_ROOT and MEDIA_ROOT (refused if inside);
# FUNDMGR_STORAGE=s3 puts them in one private bucket of S3-compatible object
# storage (AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, ...: docs/deploy.md, "Object storage"),
# so web processes and workers may run on different hosts.
#
# Notes verbales, boarding passes and pledge letters, under random names.
DOCUMENTS_ROOT = Path(os.environ.get("DOCUMENTS_ROOT", BASE_DIR / "var" / "documents"))
# Background exports (reports.exports): written by the task worker, downloaded
# through a view that checks the reader's role, and deleted EXPORT_RETENTION
# hours after they are ready (`manage.py prune_exports`, from cron).
EXPORTS_ROOT = Path(os.environ.get("EXPORTS_ROOT", BASE_DIR / "var" / "exports"))
EXPORT_RETENTION = int(os.environ.get("EXPORT_RETENTION", "24"))
# Background imports (fundmgr.services.imports): an upload larger than
# IMPORT_INLINE_MAX_BYTES (about 3,000 bank statement lines, well under half a
# second to import) is stored by the web process for the task worker and
# deleted once imported. Smaller ones are imported inside the request.
IMPORTS_ROOT = Path(os.environ.get("IMPORTS_ROOT", BASE_DIR / "var" / "imports"))
IMPORT_INLINE_MAX_BYTES = int(os.environ.get("IMPORT_INLINE_MAX_BYTES", "262144"))
STORAGES.update(private_storages(os.environ))
# Each worker's own local folder for the files it needs on disk (a copy of an
# upload for its parser, a workbook being written); unset: one in the system's
# temporary folder. Never shared between hosts.
FUNDMGR_SCRATCH_DIR = os.environ.get("FUNDMGR_SCRATCH_DIR") or None
# --- end of private files ------------------------------------------------------

# E-mail through Django 6.1's MAILERS: the console in development, SMTP in
# production (host and credentials from the environment).
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": (
            {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": os.environ.get("EMAIL_USE_TLS", "1") == "1",
            }
            if PRODUCTION
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fundmgr@localhost")

# -- Donors' e-mailed links and public pledges (docs/security.md) --------
# A donor's sign-in link expires this many minutes after it is sent.
DONOR_SIGN_IN_LINK_MINUTES = int(os.environ.get("DONOR_SIGN_IN_LINK_MINUTES", "30"))
# A pledge's confirmation link (sent to the address typed) expires after these days.
DONOR_PLEDGE_CONFIRMATION_DAYS = int(os.environ.get("DONOR_PLEDGE_CONFIRMATION_DAYS", "14"))
# An anonymous pledge above the appeal's target times this is held for finance's review.
DONOR_PLEDGE_REVIEW_ABOVE_TARGET = os.environ.get("DONOR_PLEDGE_REVIEW_ABOVE_TARGET", "1")
# -- end of donors' block --------------------------------------------------------

# Money: every currency django-money offers; amounts keep 3 decimals at most
# (KWD, BHD), rounding to each currency's own minor unit is explicit in code.
CURRENCY_DECIMAL_PLACES = 3
DEFAULT_CURRENCY = "USD"

# Exchange rates: how long a UN operational rate stays in force when no newer
# one is recorded. "month" = only within its own calendar month (UNORE are
# published monthly, some revised mid-month).
FUNDMGR_RATE_VALIDITY = os.environ.get("FUNDMGR_RATE_VALIDITY", "month")

# Card donations through Stripe (donors/payments, docs/stripe.md).
# Development and tests: localstripe, a fake Stripe server on loopback, with
# obviously fake keys. Production: everything from the environment; no key
# means card payments are off, a secret key needs the other two. STRIPE_API_BASE
# unset (None) means the real Stripe.
if PRODUCTION:
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    if STRIPE_SECRET_KEY and not (STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET):
        raise ImproperlyConfigured(
            "STRIPE_SECRET_KEY needs STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET"
        )
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
else:
    _LOCALSTRIPE = f"http://127.0.0.1:{os.environ.get('LOCALSTRIPE_PORT', '8420')}"
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_local")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_local")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_local_development_only")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", _LOCALSTRIPE) or None
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", f"{_LOCALSTRIPE}/js.stripe.com/v3/")

# The largest request body accepted, refused before it is read
# (fundmgr.body_limit): staff upload nominations with a ZIP of notes verbales
# (200 MB at most); the public and donors send at most a 10 MB pledge letter.
MAX_STAFF_REQUEST_BYTES = int(os.environ.get("MAX_STAFF_REQUEST_BYTES", 220 * 1024 * 1024))
MAX_PUBLIC_REQUEST_BYTES = int(os.environ.get("MAX_PUBLIC_REQUEST_BYTES", 11 * 1024 * 1024))

# Refusals (403) written to the audit trail per person per hour; past it, one
# "refused:throttled" record, then the log only (fundmgr.refusals).
REFUSALS_AUDITED_PER_HOUR = int(os.environ.get("REFUSALS_AUDITED_PER_HOUR", "100"))

# Whom to tell about a vulnerability on this deployment, published at
# /.well-known/security.txt (RFC 9116; SECURITY.md): a mailto: or https: URI.
# /readyz fails when the oldest task waiting in the database queue is older
# than this many seconds: a task worker has stopped (fundmgr/health.py).
FUNDMGR_READY_MAX_TASK_AGE = int(os.environ.get("FUNDMGR_READY_MAX_TASK_AGE", "900"))

# The longest a public page (an appeal's) is served from the cache to visitors
# without a session; a change to what it shows replaces it at once, except a
# bulk change, seen within this many seconds (fundmgr/public_pages.py). 0: never.
FUNDMGR_PUBLIC_PAGE_SECONDS = int(os.environ.get("FUNDMGR_PUBLIC_PAGE_SECONDS", "60"))

# --- The REST API (/api/v1/, docs/api.md) ---------------------------------------
# Personal tokens only (api.authentication), one permission (the token's scope
# and its owner's roles today, api.permissions), a rate limit per token on the
# shared cache (api.throttling), JSON only: no browsable API, whose pages have
# inline scripts and would take a session.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
# Calls one token may make in a minute; past it, 429 with Retry-After.
FUNDMGR_API_REQUESTS_PER_MINUTE = int(os.environ.get("FUNDMGR_API_REQUESTS_PER_MINUTE", "120"))
SPECTACULAR_SETTINGS = {
    "TITLE": "fundmgr API",
    "DESCRIPTION": (
        "Read the trust fund's books: funds with their position, the financial "
        "statement, exchange rates, events, donors, pledges with their schedules, "
        "receipts and journal entries; read travel grants; start, follow and "
        "download exports; import UN exchange rates, pledge registers and bank "
        "statements. Authenticate with a personal API "
        "token: Authorization: Bearer <token>. Money is an object with the amount "
        "as a string and its currency; dates are ISO 8601."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choices whose field names other resources use too ("kind", "status", "state").
    "ENUM_NAME_OVERRIDES": {
        "ExportKindEnum": "reports.models.Export.Kind",
        "ExportStatusEnum": "reports.models.Export.Status",
        "GrantStateEnum": "grants.models.GrantState",
    },
}

SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "mailto:security@fundmgr.invalid")

# --- Content-Security-Policy and Permissions-Policy (docs/security.md) ---
# Django's own CSP middleware. Nothing inline anywhere (no <script> body, no
# style attribute, no <style>): scripts and styles come from our static files
# only. The card page alone adds Stripe.js's origins
# (donors/payments/csp.py, built from STRIPE_JS_URL at request time).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Browser features no page here uses are denied to the page and anything it
# frames (fundmgr/permissions_policy.py; the card page allows ``payment`` to Stripe).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    # A load balancer or monitor probes the application server itself, over
    # plain HTTP: the health endpoints answer there instead of redirecting.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logs and error reports (docs/deploy.md, "Logs and errors") ---
# One JSON object per line on stderr in production (LOG_FORMAT=json), a
# readable line in development (text); both name the request id and the user
# id (fundmgr/request_id.py, fundmgr/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# Errors (ERROR and above, DEBUG off) are mailed to ADMINS through the outbox,
# one mail per kind of error per 10 minutes. ADMINS="Name <a@b>, c@d".
ADMINS = [address for _name, address in getaddresses([os.environ.get("ADMINS", "")]) if address]
if any("@" not in address for address in ADMINS):
    raise ImproperlyConfigured("ADMINS must be e-mail addresses, separated by commas")
EMAIL_SUBJECT_PREFIX = os.environ.get("EMAIL_SUBJECT_PREFIX", "[fundmgr] ")
# And to Sentry when SENTRY_DSN is set (fundmgr/sentry.py): no personal data.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from fundmgr import sentry

    try:
        _TRACES = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0"))
    except ValueError:
        _TRACES = -1.0
    if not 0 <= _TRACES <= 1:
        raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1")
    sentry.init(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ENV),
        release=os.environ.get("FUNDMGR_RELEASE") or sentry.release(),
        traces_sample_rate=_TRACES,
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "fundmgr.request_id.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "fundmgr.logs.JsonFormatter"},
        "text": {"()": "fundmgr.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        },
        "error_reports": {
            "class": "fundmgr.logs.ErrorReportHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console", "error_reports"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers off: they would print its lines a second time
        # and mail the administrators from inside the request. Its records
        # reach the root's handlers above.
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.db.backends": {"level": "WARNING"},
        # Anyone can send a wrong Host header: logged, never mailed.
        "django.security.DisallowedHost": {"handlers": ["console"], "propagate": False},
        # django-axes logs every successful sign-in; the audit trail has what matters.
        "axes": {"level": "WARNING"},
    },
}

# IATI publishing (docs/iati.md): the organisation that administers the funds
# and reports them. UNOSSC has no identifier of its own on an IATI list; it is
# hosted by UNDP, whose identifier (OECD DAC list) is XM-DAC-41114. Type 40:
# multilateral (OrganisationType codelist).
FUNDMGR_IATI_REPORTING_ORG_REF = os.environ.get("FUNDMGR_IATI_REPORTING_ORG_REF", "XM-DAC-41114")
FUNDMGR_IATI_REPORTING_ORG_TYPE = os.environ.get("FUNDMGR_IATI_REPORTING_ORG_TYPE", "40")
FUNDMGR_IATI_REPORTING_ORG_NAME = os.environ.get(
    "FUNDMGR_IATI_REPORTING_ORG_NAME",
    "United Nations Office for South-South Cooperation (UNOSSC), hosted by UNDP",
)
