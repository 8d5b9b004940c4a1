"""jkfp settings: one module, driven by the environment.

DATABASE_URL  picks the database (postgres://... in production and CI); unset → a SQLite file
              in the working directory (`jkfp.sqlite3`), the embedded default.
SECRET_KEY    required in production: with DEBUG off on PostgreSQL and no SECRET_KEY,
              `jkfp check` reports the error jkfp.E001 (the development key is public).
DEBUG         "1"/"true" to turn on debug pages.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/jkfp
REPO_DIR = BASE_DIR.parent.parent

DEBUG = os.environ.get("DEBUG", "").lower() in {"1", "true", "yes"}
DEVELOPMENT_SECRET_KEY = "jkfp-insecure-development-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "simple_history",
    "axes",
    "jkfp.regions",
    "jkfp.accounts",
    "jkfp.summaries",
    "jkfp.registry",
    "jkfp.admission",
    "jkfp.settlement",
    "jkfp.health",
    "jkfp.contracts",
    "jkfp.screening",
    "jkfp.exchange",
    "jkfp.monitoring",
    "jkfp.facilities",
    "jkfp.indicators",
    "jkfp.web",
    "jkfp.demo",
    "jkfp.ops",
    "jkfp.jobs",
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
    "axes.middleware.AxesMiddleware",
    "jkfp.web.middleware.SecurityHeadersMiddleware",
    "jkfp.web.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "jkfp.config.urls"
WSGI_APPLICATION = "jkfp.config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Widgets of forms: inputs and selects rendered in Python, the rest by Django's templates
# (decision 51: a select with 127 options cost 8 ms per page through its templates)
FORM_RENDERER = "jkfp.web.renderers.FastWidgetRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{Path(os.environ.get('JKFP_SQLITE', 'jkfp.sqlite3')).resolve()}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The test database is a file too (not Django's shared in-memory database, whose table
    # locks fail at once): background jobs run in a thread of their own, as in the demo.
    _test_db = Path(DATABASES["default"]["NAME"]).with_suffix(".test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "web/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Uploaded files (attachments of requests), outside the database; in backups (jkfp backup).
MEDIA_ROOT = Path(os.environ.get("JKFP_MEDIA_ROOT", REPO_DIR / "var" / "media"))
MEDIA_URL = "media/"  # never served directly: files go out through scoped views
# Attachments of requests (scanned PDF, JPEG or PNG): at most this size, type checked by content.
JKFP_ATTACHMENT_MAX_BYTES = int(os.environ.get("JKFP_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024
# person exports made by a background job are kept this many days, then removed every night
JKFP_EXPORT_KEEP_DAYS = int(os.environ.get("JKFP_EXPORT_KEEP_DAYS", "7"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default; uploads go to a temporary file

STATIC_URL = "static/"
STATIC_ROOT = REPO_DIR / "var" / "static"
STATICFILES_DIRS = [REPO_DIR / "var" / "assets"]  # built from the npm registry by `make assets`
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Behind TLS (JKFP_HTTPS=1, as a production server should be): secure cookies, HSTS and a
# redirect of plain HTTP. Off by default so that the demo and a LAN test install work on http.
HTTPS = os.environ.get("JKFP_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
if os.environ.get("JKFP_BEHIND_PROXY", "") == "1":  # a reverse proxy terminates TLS
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS preload would commit every subdomain of the deploying government domain: its owner decides
SILENCED_SYSTEM_CHECKS = ["security.W021"]
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Roles allowed to see full ID numbers and phone numbers (each showing is logged).
JKFP_FULL_ID_ROLES = ("reviewer", "approver", "admin")
# Policy parameter folder.
JKFP_POLICIES_DIR = Path(os.environ.get("JKFP_POLICIES_DIR", REPO_DIR / "policies"))
# Disease catalogs (health/catalog.py, docs/catalogs.md).
JKFP_CATALOG_DIR = Path(os.environ.get("JKFP_CATALOG_DIR", REPO_DIR / "catalogs"))

# Data exchange (jkfp.exchange, docs/exchange.md): record-linkage thresholds of the calibrated
# match probability — pairs at or above HIGH link, between LOW and HIGH wait for a person.
JKFP_LINK_HIGH = float(os.environ.get("JKFP_LINK_HIGH", "0.95"))
JKFP_LINK_LOW = float(os.environ.get("JKFP_LINK_LOW", "0.6"))
# A settlement list's rows linked by ID kept in a typed stage table and planned and written by
# SQL (decision 76); off: a BatchRow each, planned in Python (the tests compare the two).
JKFP_SETTLEMENT_STAGE = os.environ.get("JKFP_SETTLEMENT_STAGE", "1") == "1"
# An import writing at least this many rows into a table holding fewer drops the table's
# indexes and foreign keys first and creates them again after (`jkfp.bulkrebuild`, decision 92).
JKFP_BULK_REBUILD_MIN_ROWS = int(os.environ.get("JKFP_BULK_REBUILD_MIN_ROWS", "50000"))
# ---------------------------------------------------------------- warnings (monitoring)
# A change of more households than this at once (an applied import) is checked by a full scan
# of their counties as a background job instead of inline after the commit (decision 69).
JKFP_MONITORING_INLINE_MAX = int(os.environ.get("JKFP_MONITORING_INLINE_MAX", "1000"))

# ---------------------------------------------------------------- background jobs
# jkfp.jobs (decision 48, docs/jobs.md). On PostgreSQL jobs go through procrastinate's queue to
# `jkfp worker`; on SQLite, or with JKFP_JOBS_INPROCESS=1, a thread of the submitting process
# runs them. procrastinate's tables (its Django app) exist on PostgreSQL only.
JKFP_JOBS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
JKFP_JOBS_INPROCESS = os.environ.get("JKFP_JOBS_INPROCESS", "") == "1" or not JKFP_JOBS_POSTGRES
JKFP_JOBS_EAGER = False  # tests: run a job at commit in the calling thread
JKFP_JOBS_STALE_SECONDS = int(os.environ.get("JKFP_JOBS_STALE_SECONDS", "300"))
JKFP_JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JKFP_JOBS_HEARTBEAT_SECONDS", "20"))
JKFP_JOBS_PROGRESS_SECONDS = 0.5  # at most two progress writes a second
JKFP_JOBS_EXAMPLE_SCHEDULE = os.environ.get("JKFP_JOBS_EXAMPLE_SCHEDULE", "") == "1"
if JKFP_JOBS_POSTGRES:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("jkfp.jobs"), "procrastinate.contrib.django")
    PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""  # jkfp's tasks.py modules are jkfp.jobs tasks
    PROCRASTINATE_IMPORT_PATHS = ["jkfp.jobs.procrastinate_tasks"]
