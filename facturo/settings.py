"""Settings: everything configurable comes from FACTURO_* environment variables."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"FACTURO_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# The embedded default is for a local start; production sets its own key.
SECRET_KEY = env("SECRET_KEY", "facturo-local-only-change-me-in-production-0123456789abcdef")
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "facturo.administrations",
    "facturo.parties",
    "facturo.ledger",
    "facturo.catalog",
    "facturo.charges",
    "facturo.invoicing",
    "facturo.documents",
    "facturo.contracts",
    "facturo.billing",
    "facturo.payments",
    "facturo.einvoicing",
    "facturo.api",
    "facturo.web",
    "facturo.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Every request: body within FACTURO_MAX_UPLOAD_MB (413), no NUL/control characters in texts (422).
    "facturo.requestguard.RequestGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # API only (/api/): bearer tokens, audit actor, Idempotency-Key, JSON errors for 404/405.
    "facturo.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "facturo.urls"
WSGI_APPLICATION = "facturo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "facturo.web.context.administration",
            ],
        },
    }
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{Path.cwd() / 'facturo.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "facturo.db.sqlite3"
    # Tests get a private in-memory database per process (also per xdist worker).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("fr", "Français"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["facturo.web.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "Europe/Amsterdam")

STATIC_URL = "/static/"
# Only collectstatic needs a folder; without one WhiteNoise serves from the apps' folders.
STATIC_ROOT = env("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True

AUDITLOG_INCLUDE_ALL_MODELS = False

# Background work (billing runs, delivery, imports) goes through Django's Tasks API; the
# database backend lets workers on any machine share the queue (`facturo db_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Documents and delivery: files the layouts may read (logos) and the outbound folders of the
# built-in PEPPOL and KSeF channels (one subfolder per administration).
FACTURO_FILES_DIR = env("FILES_DIR", str(Path.cwd() / "facturo-files"))
FACTURO_OUTBOX_DIR = env("OUTBOX_DIR", str(Path.cwd() / "facturo-outbox"))
FACTURO_PEPPOL_ACCESS_POINT = env("PEPPOL_ACCESS_POINT", "facturo.documents.channels.FolderAccessPoint")
FACTURO_KSEF_GATEWAY = env("KSEF_GATEWAY", "facturo.documents.channels.FolderKsefGateway")

# Largest request body (API payloads, statement and CSV uploads); above it the API answers 413
# and the web forms say so. Django's own in-memory limit follows it.
FACTURO_MAX_UPLOAD_MB = int(env("MAX_UPLOAD_MB", "20"))
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTURO_MAX_UPLOAD_MB * 1024 * 1024

# Fernet keys (comma-separated, newest first) for stored secrets such as SMTP passwords;
# empty: one key derived from SECRET_KEY. See facturo/encryption.py for rotation.
FACTURO_ENCRYPTION_KEY = env("ENCRYPTION_KEY", "")

FACTURO_PAGE_SIZE = int(env("PAGE_SIZE", "50"))
FACTURO_IDEMPOTENCY_HOURS = int(env("IDEMPOTENCY_HOURS", "48"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
