"""Django settings for OpenSPC.

Every setting that differs between the embedded default (SQLite, in-memory channel layer,
no broker) and production (PostgreSQL, Redis, Mosquitto) is read from an environment
variable through the typed helpers of ``openspc.env``; unset variables give the embedded
default.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ

# The typed readers (openspc/env.py); settings_production imports them from here too.
from openspc.env import env_bool, env_int, env_list, env_str

# Lets admin and form classes be subscripted for type checking (ModelAdmin[Node]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

# Off by default: the embedded default is what small plants run in production, and
# Django's debug pages list settings and URL patterns. Development sets OPENSPC_DEBUG=1.
DEBUG = env_bool("OPENSPC_DEBUG", False)
SECRET_KEY = env_str("OPENSPC_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env_list("OPENSPC_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("OPENSPC_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "channels",
    "axes",
    "csp",
    "audit",
    "hierarchy",
    "spc",
    "alerts",
    "ingest",
    "msa",
    "multivariate",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language, the language cookie); a signed-in user's
    # own language and time zone then win (hierarchy.preferences, after authentication).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hierarchy.preferences.PreferenceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "openspc.ratelimit.LoginRateLimitMiddleware",
    "audit.middleware.AuditUserMiddleware",
    # Last: refuses a locked-out user's login before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "openspc.urls"
ASGI_APPLICATION = "openspc.asgi.application"
#: Long-lived threads that run HTTP requests' synchronous code in the server, each with
#: its own database connection (``openspc.pooled_asgi``); more requests than this wait.
HTTP_THREADS = env_int("OPENSPC_HTTP_THREADS", 8)
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with the pragmas that keep one writer and many
# readers from blocking each other (busy timeout, synchronous NORMAL, foreign keys).
SQLITE_PATH = Path(env_str("OPENSPC_SQLITE_PATH", str(BASE_DIR / "data" / "openspc.sqlite3")))
SQLITE_INIT = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA busy_timeout=5000;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA cache_size=-64000;"
)


#: Seconds a request thread keeps its database connection. The server's request threads
#: live as long as the process (``openspc.pooled_asgi``), so reusing their connections
#: saves a connect (and SQLite's pragmas) per request.
CONN_MAX_AGE_DEFAULT = 60


def database_config(url: str) -> dict[str, Any]:
    """Return the default database settings for ``url`` (empty: embedded SQLite)."""
    if not url:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "init_command": SQLITE_INIT,
                "transaction_mode": "IMMEDIATE",
                "timeout": 5,
            },
            "TEST": {"NAME": env_str("OPENSPC_SQLITE_TEST_PATH") or None},
            "CONN_MAX_AGE": env_int("OPENSPC_DB_CONN_MAX_AGE", CONN_MAX_AGE_DEFAULT),
        }
    config: dict[str, Any] = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A sqlite:// URL gets the embedded default's pragmas too (without them every
        # commit is a full fsync in rollback-journal mode).
        options = config.setdefault("OPTIONS", {})
        options.setdefault("init_command", SQLITE_INIT)
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 5)
    config.setdefault("CONN_MAX_AGE", env_int("OPENSPC_DB_CONN_MAX_AGE", CONN_MAX_AGE_DEFAULT))
    # A reused connection is checked once per request, so one that a database restart
    # broke is replaced instead of failing the request.
    config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


DATABASES = {"default": database_config(env_str("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The "shared" cache holds chart payloads (spc/charts/cached.py), their data tokens
# (spc/pipeline/chart_revisions.py) and API identities (hierarchy/identities.py): every
# process that writes samples, changes grants or serves requests must see the same one.
# Redis when the plant runs one (REDIS_URL), else this process's memory (the embedded
# default is one process).
_SHARED_CACHE_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": (
        {"BACKEND": "openspc.caches.TrustedKeysRedisCache", "LOCATION": _SHARED_CACHE_URL}
        if _SHARED_CACHE_URL
        else {
            "BACKEND": "openspc.caches.TrustedKeysLocMemCache",
            "LOCATION": "openspc-shared",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    ),
}
OPENSPC_CHART_CACHE_SECONDS = env_int("OPENSPC_CHART_CACHE_SECONDS", 600)
# Threads storing an import's batches on PostgreSQL (ingest.imports.lanes); 1: none.
OPENSPC_IMPORT_LANES = env_int("OPENSPC_IMPORT_LANES", 2)
# Rows from which an import's lanes are processes of their own (ingest.imports.lane_process).
OPENSPC_IMPORT_PROCESS_ROWS = env_int("OPENSPC_IMPORT_PROCESS_ROWS", 100_000)

# --- Channels, Redis, Celery, MQTT ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # No read timeout: redis-py 8's 5 s default closes idle live sockets (1011).
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "capacity": 1500,
                "expiry": 10,
            },
        }
    }
else:
    # The in-memory layer's default capacity (100 per channel) silently drops a burst's
    # events while a page's consumer is busy (1,000 samples to 8 pages lost ~10 %).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 10000},
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without Redis there is no worker process: tasks run inline (embedded default).
CELERY_TASK_ALWAYS_EAGER = env_bool("OPENSPC_CELERY_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True

MQTT_URL = env_str("MQTT_URL")
MQTT_CLIENT_ID = env_str("OPENSPC_MQTT_CLIENT_ID", "openspc-ingest")
#: Where violation events go (``<topic>/<characteristic id>``): JSON for every violation,
#: Sparkplug B as well for a Sparkplug-fed characteristic. The ingest worker publishes
#: those of MQTT samples; any other process (forms, REST) those of its own, when MQTT_URL
#: is set.
OPENSPC_EVENTS_TOPIC = env_str("OPENSPC_EVENTS_TOPIC", "openspc/events/violations")
OPENSPC_SPARKPLUG_EVENTS_TOPIC = env_str(
    "OPENSPC_SPARKPLUG_EVENTS_TOPIC", "openspc/events/sparkplug"
)

# --- Notifications (alerts/notifications): e-mail, signed webhooks, escalation -----------
#: Absolute base of links in e-mails and webhook bodies (the chart page of a violation).
SITE_URL = env_str("OPENSPC_SITE_URL", "http://localhost:8000").rstrip("/")
# SMTP from the environment; without EMAIL_HOST, mail goes to the console (nothing is sent).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("OPENSPC_FROM_EMAIL", "OpenSPC <openspc@localhost>")
#: Tries per delivery, and the first retry's delay in seconds (doubled each try, at most
#: an hour): 8 tries span about an hour of a receiver's outage.
OPENSPC_NOTIFY_MAX_ATTEMPTS = env_int("OPENSPC_NOTIFY_MAX_ATTEMPTS", 8)
OPENSPC_NOTIFY_BACKOFF_SECONDS = env_int("OPENSPC_NOTIFY_BACKOFF_SECONDS", 30)
OPENSPC_WEBHOOK_TIMEOUT = env_int("OPENSPC_WEBHOOK_TIMEOUT", 5)
#: The daily digest lists characteristics whose Cpk over 30 days is below this.
OPENSPC_DIGEST_CPK_TARGET = float(env_str("OPENSPC_DIGEST_CPK_TARGET", "1.33"))

# --- SPC ------------------------------------------------------------------------------
OPENSPC_WINDOW_CACHE_SIZE = env_int("OPENSPC_WINDOW_CACHE_SIZE", 2000)
# Live pages (spc/live/consumers.py): open sockets per user (per server process), the
# window in which a page's events are coalesced into one frame, and the heartbeat N: a page
# pings every N seconds (static/js/live.js) and a socket silent for 2.5 N is closed.
OPENSPC_LIVE_CONNECTIONS_PER_USER = env_int("OPENSPC_LIVE_CONNECTIONS_PER_USER", 5)
OPENSPC_LIVE_COALESCE_MS = env_int("OPENSPC_LIVE_COALESCE_MS", 100)
OPENSPC_LIVE_HEARTBEAT_SECONDS: float = env_int("OPENSPC_LIVE_HEARTBEAT_SECONDS", 20)
#: A sample's timestamp may lie at most this many seconds ahead of the server's clock
#: (clock skew of a machine or tablet); further in the future, the pipeline refuses it.
OPENSPC_MAX_FUTURE_SKEW_SECONDS = env_int("OPENSPC_MAX_FUTURE_SKEW_SECONDS", 300)

# --- Auth, API ------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes): after OPENSPC_LOGIN_FAILURES failed logins for one user name
# from one address, that pair is locked for OPENSPC_LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Company sign-in (LDAP / AD, OpenID Connect), off unless configured: openspc/settings_signin.py.
from openspc.settings_signin import *  # noqa: E402, F403
from openspc.settings_signin import SIGNIN_BACKENDS  # noqa: E402

AUTHENTICATION_BACKENDS += SIGNIN_BACKENDS
AXES_FAILURE_LIMIT = env_int("OPENSPC_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OPENSPC_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Login POSTs per client address per minute (the page, the admin's, the API's session).
OPENSPC_LOGIN_RATE = env_int("OPENSPC_LOGIN_RATE", 20)

# --- Audit trail (the audit app imports no other app: the project wires it here) ---------
#: Configuration models recorded on every save and delete with old and new values
#: (model label -> fields left out of the record: bookkeeping, not configuration).
AUDIT_CONFIG_MODELS: dict[str, tuple[str, ...]] = {
    "hierarchy.Node": ("path", "depth", "tree_key"),
    "spc.Characteristic": ("revision", "updated_at"),
    "alerts.ReasonCode": (),
    "alerts.NotificationRule": ("created_at",),
    "alerts.WebhookEndpoint": ("secret",),  # a secret never goes into the trail
    "msa.Gauge": ("updated_at",),
    "msa.GaugeStudy": ("seed", "summary"),
    "msa.MsaThresholds": (),
    # Hotelling T² groups (issue 20): a limit calculation is a CHANGE row of the group.
    "multivariate.MultivariateGroup": ("updated_at",),
    "multivariate.GroupMember": (),
    # Who may do what (issue 23): users, role groups, site grants (API tokens are recorded
    # by hierarchy.tokens and their admin); a password never goes into the trail ("~": only
    # that it changed is recorded).
    "auth.User": ("~password", "last_login"),
    "auth.Group": (),
    "hierarchy.SiteGrant": (),
    "ingest.OpcUaEndpoint": ("password", "updated_at"),
    "ingest.OpcUaNode": (),
    # Quality records beside the data (issue 23).
    "alerts.CorrectiveAction": ("created_at",),
    "alerts.CorrectiveActionRequirement": (),
    "spc.Annotation": ("created_at",),
    # Short-run charts (issue 20): the part table a DNOM / Z-MR chart judges samples by.
    "spc.PartTarget": (),
}
#: ``(user) -> plant path prefixes or None (all)``: whose audit entries a user may see.
AUDIT_VISIBLE_PATHS = "hierarchy.scoping.granted_paths"

# Content Security Policy: scripts only from this origin (the pages have no inline script);
# inline style attributes are allowed (Plotly and htmx set styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hierarchy.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["openspc.api_permissions.RolePermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("OPENSPC_API_RATE_ANON", "60/minute"),
        "user": env_str("OPENSPC_API_RATE_USER", "6000/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "hierarchy.scoping.ScopedFilterBackend",
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "openspc.api_errors.handle",
    "DEFAULT_RENDERER_CLASSES": [
        "openspc.api_json.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "openspc.api_json.ORJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenSPC API",
    "DESCRIPTION": "Real-time Statistical Process Control: plant hierarchy, characteristics, "
    "samples, control limits, violations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- i18n, static -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
#: The languages pages are offered in; catalogues in locale/<code>/LC_MESSAGES/django.po
#: (make messages / compilemessages; docs/architecture.md, "Languages").
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("OPENSPC_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# One date-time format for every page (hierarchy/templatetags/plant_time.py), in the plant's
# zone with the zone named: "2026-12-06 14:05:09 CET".
DATETIME_FORMAT = "Y-m-d H:i:s T"
DATE_FORMAT = "Y-m-d"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the app and project static folders until collectstatic has run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("OPENSPC_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
    },
}
