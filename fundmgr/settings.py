"""Settings, read from the environment.

FUNDMGR_ENV selects the mode: ``development`` (the default: DEBUG on, console
e-mail, a throwaway secret key) or ``production`` (DEBUG off, every secret and
host from the environment, HTTPS-only cookies and HSTS, so that
``manage.py check --deploy`` reports nothing).

DATABASE_URL selects the database: SQLite in the project folder by default,
any PostgreSQL with ``postgres://user@host:port/name``.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

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
    "fundmgr",
    "donors",
    "grants",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Headers and audit (issue 10): who acts, for the audit of users and roles
    # (fundmgr/people_audit.py); the CSP and Permissions-Policy on every
    # response; every 403 a signed-in person meets goes to the audit trail.
    "fundmgr.people_audit.ActingUserMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "fundmgr.permissions_policy.PermissionsPolicyMiddleware",
    "fundmgr.refusals.RefusalAuditMiddleware",
]

ROOT_URLCONF = "fundmgr.urls"
WSGI_APPLICATION = "fundmgr.wsgi.application"

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
# `manage.py db_worker` (`make run` starts one; docs/stripe.md). The tests run
# them immediately instead (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Languages: English, French and Spanish, the UN working languages the product serves.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "fundmgr" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# --- Personal documents (docs/security-headers.md) ---
# Notes verbales, boarding passes and pledge letters: under random names in
# DOCUMENTS_ROOT, outside STATIC_ROOT and MEDIA_ROOT (refused if inside), never
# served by a web server; handed out only by the views that check the reader
# (fundmgr/private_files.py).
DOCUMENTS_ROOT = Path(os.environ.get("DOCUMENTS_ROOT", BASE_DIR / "var" / "documents"))
STORAGES["documents"] = {"BACKEND": "fundmgr.private_files.DocumentStorage"}

# Background exports (reports.exports): written by the task worker into a folder
# the web server never serves, outside STATIC_ROOT and MEDIA_ROOT (the service
# refuses to write inside either); downloaded through a view that checks the
# reader's role, and deleted EXPORT_RETENTION hours after they are ready
# (`manage.py prune_exports`, from cron).
EXPORTS_ROOT = Path(os.environ.get("EXPORTS_ROOT", BASE_DIR / "var" / "exports"))
EXPORT_RETENTION = int(os.environ.get("EXPORT_RETENTION", "24"))

# Background imports (fundmgr.services.imports): an upload larger than
# IMPORT_INLINE_MAX_BYTES (about 3,000 bank statement lines, well under half a
# second to import) waits under IMPORTS_ROOT, outside STATIC_ROOT and MEDIA_ROOT,
# for the task worker; it is deleted once imported. Smaller ones are imported
# inside the request.
IMPORTS_ROOT = Path(os.environ.get("IMPORTS_ROOT", BASE_DIR / "var" / "imports"))
IMPORT_INLINE_MAX_BYTES = int(os.environ.get("IMPORT_INLINE_MAX_BYTES", "262144"))

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

# --- Content-Security-Policy and Permissions-Policy (docs/security-headers.md) ---
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
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
