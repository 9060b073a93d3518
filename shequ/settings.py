"""Shequ settings: one module, every value from the environment (see docs/operations.md)."""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from shequ.core import privatefiles
from shequ.core.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SHEQU_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")
# Made here (0700: the database and media hold personal data), since SQLite does not make
# folders and a fresh clone's `shequ migrate` failed with "unable to open database file".
try:
    privatefiles.make_dirs(VAR_DIR)
except OSError as exc:
    raise ImproperlyConfigured(
        f"SHEQU_VAR_DIR={str(VAR_DIR)!r} cannot be created: {exc.strerror or exc}"
    ) from exc

SHEQU_ENV = env_choice("SHEQU_ENV", "development", ("development", "test", "production"))
PRODUCTION = SHEQU_ENV == "production"

DEBUG = env_bool("SHEQU_DEBUG", default=False)
if DEBUG and PRODUCTION:
    # Django's debug pages show whoever meets an error the traceback with its variables
    # (a decrypted ID number in an unmask), the SQL and the settings.
    raise ImproperlyConfigured("SHEQU_DEBUG must be off when SHEQU_ENV=production")
SECRET_KEY = env_str("SHEQU_SECRET_KEY") or ""
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SHEQU_SECRET_KEY must be set when SHEQU_ENV=production")
    SECRET_KEY = "shequ-development-key-not-for-production"  # noqa: S105
elif PRODUCTION and len(SECRET_KEY) < 32:
    # It signs sessions and CSRF tokens: a short one can be guessed.
    raise ImproperlyConfigured("SHEQU_SECRET_KEY must be at least 32 characters when SHEQU_ENV=production")

# Key for personal data at rest (AES-GCM) and for the keyed lookup hashes:
# 32 random bytes, base64. See docs/decisions/0002-personal-data.md.
FIELD_KEY = env_str("SHEQU_FIELD_KEY") or ""
if not FIELD_KEY and PRODUCTION:
    raise ImproperlyConfigured("SHEQU_FIELD_KEY must be set when SHEQU_ENV=production")
if FIELD_KEY:
    try:
        _field_key_bytes = base64.b64decode(FIELD_KEY, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("SHEQU_FIELD_KEY is not valid base64") from exc
    if len(_field_key_bytes) != 32:
        raise ImproperlyConfigured("SHEQU_FIELD_KEY must decode to 32 bytes (44 base64 characters)")

ALLOWED_HOSTS = env_list("SHEQU_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("SHEQU_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "shequ.core.errorpages.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    # For its static files: the API docs (/api/v1/docs) load Swagger UI from them instead
    # of a CDN, which the content security policy and an intranet would both block.
    "ninja",
    "shequ.core",
    "shequ.access",
    "shequ.areas",
    "shequ.people",
    "shequ.party",
    "shequ.notifications",
    "shequ.problems",
    "shequ.tasks",
    "shequ.points",
    "shequ.registry",
    "django_tasks",
    "django_tasks_db",
    "shequ.reports",
    "shequ.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shequ.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "shequ.core.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shequ.core.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "shequ.core.middleware.ContentSecurityPolicyMiddleware",
    "shequ.core.middleware.SignedOutMiddleware",
    "shequ.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shequ" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.core.context.navigation",
            ],
        },
    },
]

# Database: SQLite (WAL) under var/ by default; PostgreSQL via SHEQU_DATABASE_URL.
DATABASE_URL = env_str("SHEQU_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'shequ.sqlite3'}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("SHEQU_CONN_MAX_AGE", 600))
except ValueError as exc:
    raise ImproperlyConfigured(f"SHEQU_DATABASE_URL is not a database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend with a queue for writers (see the module's docstring).
    _db["ENGINE"] = "shequ.core.sqlite"
    # Created 0600 before SQLite creates it with the umask's 0644; its -wal and -shm
    # files take the database file's mode.
    if _db["NAME"] and _db["NAME"] != ":memory:" and not str(_db["NAME"]).startswith("file:"):
        try:
            privatefiles.create_if_missing(Path(_db["NAME"]))
        except OSError as exc:
            raise ImproperlyConfigured(
                f"SHEQU_DATABASE_URL: the SQLite database {_db['NAME']!r} cannot be created: "
                f"{exc.strerror or exc}"
            ) from exc
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
elif _db["ENGINE"] not in ("django.db.backends.postgresql",):
    raise ImproperlyConfigured("SHEQU_DATABASE_URL must name sqlite:// or postgres://")
# PostgreSQL: the hot paths' hand-written statements (shequ.core.rawsql.run) are sent as
# server-side prepared statements, so the server parses and plans each once per
# connection. Only those: the ORM's queries keep client-side binding and are never
# prepared (psycopg prepares a query by count only past prepare_threshold, set here out
# of reach). Off for a connection pooler that cannot keep prepared statements (PgBouncer
# before 1.21, or without max_prepared_statements, in transaction mode).
PG_PREPARED_STATEMENTS = env_bool("SHEQU_PG_PREPARED", default=True)
if _db["ENGINE"] == "django.db.backends.postgresql" and PG_PREPARED_STATEMENTS:
    _db.setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # A login is often a name and a year (zhangwei1985): that text as its password was the
    # first guess anyone would make.
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name")},
    },
    {"NAME": "shequ.access.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout: 5 failures lock the account name for 30 minutes, on every login path
# (web form, API token, admin) because all of them go through authenticate().
AXES_FAILURE_LIMIT = env_int("SHEQU_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("SHEQU_LOCKOUT_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shequ.access.views.lockout_response"
AXES_VERBOSE = False

# Sessions end after 30 idle minutes.
SESSION_IDLE_SECONDS = env_int("SHEQU_SESSION_IDLE_SECONDS", 1800, minimum=60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
# Office PCs are shared: the cookie ends with the browser, so closing it signs out (the
# server still ends the session after the idle time above).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Saved when it changes, and at most once a minute to slide its expiry
# (core.middleware.SessionRefreshMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS ended at a proxy (nginx): it says so in X-Forwarded-Proto, which Django trusts only
# when told to. HSTS is sent on HTTPS answers only; 0 turns it off.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SHEQU_PROXY_HTTPS", False) else None
)
SECURE_HSTS_SECONDS = env_int("SHEQU_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
X_FRAME_OPTIONS = "DENY"

# Unmasking personal data: at most this many full values per user per hour.
UNMASK_PER_HOUR = env_int("SHEQU_UNMASK_PER_HOUR", 30, minimum=1)
NUMBER_SEARCH_PER_HOUR = env_int("SHEQU_NUMBER_SEARCH_PER_HOUR", 60, minimum=1)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "shequ" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Leaflet comes from the django-leaflet wheel (its static files only; the app itself
# needs GDAL, which Shequ does not use).
_leaflet_spec = importlib.util.find_spec("leaflet")
if _leaflet_spec is None or not _leaflet_spec.submodule_search_locations:
    raise ImproperlyConfigured("django-leaflet is not installed: run `make install`")
STATICFILES_DIRS = [
    ("leaflet", Path(_leaflet_spec.submodule_search_locations[0]) / "static" / "leaflet"),
]
# Optional tile server for maps (an intranet tile server); without it the map draws
# grids on a plain background.
MAP_TILE_URL = env_str("SHEQU_MAP_TILE_URL", "") or ""

# Problem deadlines by class, in hours: "emergency=2,utilities=24,general=168,complex=360".
_deadline_defaults = {"emergency": 2, "utilities": 24, "general": 168, "complex": 360}
_deadline_raw = env_str("SHEQU_DEADLINE_HOURS", "") or ""
DEADLINE_HOURS = dict(_deadline_defaults)
for _part in filter(None, (p.strip() for p in _deadline_raw.split(","))):
    _name, _, _hours = _part.partition("=")
    if _name not in _deadline_defaults or not _hours.isdigit() or int(_hours) < 1:
        raise ImproperlyConfigured(f"SHEQU_DEADLINE_HOURS has a bad entry {_part!r} (e.g. general=168)")
    DEADLINE_HOURS[_name] = int(_hours)
REOPEN_DAYS = env_int("SHEQU_REOPEN_DAYS", 30, minimum=1)
PHOTO_MAX_BYTES = env_int("SHEQU_PHOTO_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = env_int("SHEQU_PHOTO_MAX_PIXELS", 40_000_000, minimum=10_000)
# Photos are kept at no more than this many pixels on their longest side; the browser
# makes them that small before sending them (shequ/core/static/shequ/photos.js).
PHOTO_MAX_SIDE = env_int("SHEQU_PHOTO_MAX_SIDE", 2560, minimum=320)
PHOTOS_PER_REPORT = 6

# Task list and points (issue 4). Points by difficulty, e.g. "easy=5,normal=10,hard=20,expert=40".
_points_defaults = {"easy": 5, "normal": 10, "hard": 20, "expert": 40}
TASK_POINTS = dict(_points_defaults)
for _part in filter(None, (p.strip() for p in (env_str("SHEQU_TASK_POINTS", "") or "").split(","))):
    _name, _, _value = _part.partition("=")
    if _name not in _points_defaults or not _value.isdigit() or int(_value) < 1:
        raise ImproperlyConfigured(f"SHEQU_TASK_POINTS has a bad entry {_part!r} (e.g. hard=20)")
    TASK_POINTS[_name] = int(_value)
# How many tasks one person may have in hand (claimed, or returned for another proof);
# a proof waiting for acceptance does not count.
TASK_OPEN_CLAIM_CAP = env_int("SHEQU_TASK_OPEN_CLAIM_CAP", 3, minimum=1)
TASK_VIDEO_MAX_BYTES = env_int("SHEQU_TASK_VIDEO_MAX_BYTES", 30 * 1024 * 1024, minimum=1024)
# The day of the month an approved monthly task list is published (if not set on the list).
TASK_LIST_PUBLISH_DAY = env_int("SHEQU_TASK_LIST_PUBLISH_DAY", 1, minimum=1)
if TASK_LIST_PUBLISH_DAY > 28:  # every month has the day, February too
    raise ImproperlyConfigured("SHEQU_TASK_LIST_PUBLISH_DAY must be from 1 to 28")
# Yearly star levels (星级志愿者): the yearly points needed for 1, 2, 3... stars.
_stars_raw = env_str("SHEQU_STAR_THRESHOLDS", "100,300,600,1000,1500") or ""
try:
    STAR_THRESHOLDS = [int(v) for v in _stars_raw.split(",") if v.strip()]
except ValueError as exc:
    raise ImproperlyConfigured("SHEQU_STAR_THRESHOLDS must be increasing numbers, e.g. 100,300,600") from exc
if not STAR_THRESHOLDS or sorted(set(STAR_THRESHOLDS)) != STAR_THRESHOLDS or STAR_THRESHOLDS[0] < 1:
    raise ImproperlyConfigured("SHEQU_STAR_THRESHOLDS must be increasing numbers, e.g. 100,300,600")
RANKING_SIZE = env_int("SHEQU_RANKING_SIZE", 10, minimum=1)

# Background jobs (the monthly report): a database queue run by `shequ db_worker`;
# tests run them at once. Timed work (due reminders, task list publishing, the nightly
# points check) is `shequ periodic`, a loop run beside the worker.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if SHEQU_ENV == "test"
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Checked here: logging's own refusal ("Unable to configure root logger") names no variable.
_log_level_raw = env_str("SHEQU_LOG_LEVEL", "WARNING") or "WARNING"
LOG_LEVEL = _log_level_raw.strip().upper()  # info is taken as INFO
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"SHEQU_LOG_LEVEL={_log_level_raw!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# Production serves collected, hashed static files; development and tests serve them
# straight from the apps and packages.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Lockout is per account name on purpose (5 failures lock that account, from any address);
# axes warns that this ignores the address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
