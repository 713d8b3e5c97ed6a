"""Settings shared by every environment, read from the environment (django-environ).

Environment variables: ``DATABASE_URL`` (default: SQLite under ``var/``), ``REDIS_URL``
(Celery broker; default: kombu's ``filesystem://`` transport under ``var/broker``),
``EMAIL_URL`` or ``EMAIL_BACKEND`` (default: files under ``var/mail``), ``SECRET_KEY``,
``DEBUG``, ``ALLOWED_HOSTS``, ``SITE_URL`` (absolute base for links in emails),
``ASSAY_SWEEP_INTERVAL`` (seconds between deadline sweeps, default 10).
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp.constants import NONE, SELF
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("ASSAY_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ADMIN_URL = env("ADMIN_URL", default="admin/")
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "questionbank",
    "assessments",
    "candidates",
]

MIDDLEWARE = [
    "config.middleware.RequestClockMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LazyMessageMiddleware",  # Django's, building the storage only when used
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.CSPMiddleware",  # django-csp's, building the settings' policies once
    # Last, as django-axes requires: it turns locked-out logins into 429 pages.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Recruiter login: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "candidates.clients.client_ip"
AXES_RESET_ON_SUCCESS = True

# Scripts only from our own origin: no inline script anywhere (the API docs use the split view).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'assay.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by the web server, the worker and beat: WAL lets readers
    # and the one writer overlap, IMMEDIATE takes the write lock up front instead of failing
    # a transaction half-way, and the timeout waits for the lock rather than erroring.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # Off by default (Django's default): the check is a SELECT 1 round trip at the start of every request,
    # 15 % of a web worker's time under autosave load (bench/). Without it a connection broken by a database
    # restart fails one request per process, which Django then closes and replaces; the candidate's page
    # retries its save. Turn it on where the database is often restarted or failed over under the app.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
# The candidate's hot statements (autosave, authentication) as prepared statements: off behind a
# connection pooler in transaction mode that cannot keep them (candidates.rows.hot_cursor).
ASSAY_PREPARED_STATEMENTS = env.bool("ASSAY_PREPARED_STATEMENTS", default=True)
if ASSAY_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # psycopg prepares nothing, even on request, while the threshold is None (Django's default). Django's
    # own cursors bind on the client and never prepare, so this only lets hot_cursor's requests through.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
LOGIN_URL = "workspace-login"
LOGIN_REDIRECT_URL = "workspace-home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)  # seconds: a working day
CSRF_COOKIE_SAMESITE = "Lax"

# --- Email -------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Assay <assay@localhost>")
EMAIL_FILE_PATH = VAR_DIR / "mail"
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env(
        "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
    )
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Cache (throttling, login lock-outs) ---------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")


def _redis_db(url: str, db: int) -> str:
    """The same Redis server as ``url`` with another database number."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


if "CACHE_URL" in env:
    CACHES = {"default": env.cache("CACHE_URL")}
elif REDIS_URL:
    # Not the broker's database: clearing the cache must never drop queued tasks.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": _redis_db(REDIS_URL, 1)}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # one client per pool, not per call
    # Every request of the candidate pages (autosave included) and the workspace reads its session: from
    # Redis rather than PostgreSQL, written through to the database. Only with a cache all processes share:
    # a per-process cache would keep serving a session another process had ended (a logout, a new key).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# Redis redelivers an unacknowledged message after the visibility timeout; no ETA may come near it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **globals().get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
ASSAY_MAX_ETA = CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] // 2
# Seconds before the outbox sweep resends a pending email, and before a claim in "sending" is stale.
OUTBOX_RESEND_AFTER = env.int("OUTBOX_RESEND_AFTER", default=60)
OUTBOX_STALE_CLAIM = env.int("OUTBOX_STALE_CLAIM", default=300)
# Webhooks (candidates.webhooks). Seconds to wait after each failed attempt; the delivery fails after
# the last one (comma-separated in the environment, e.g. WEBHOOK_RETRY_SCHEDULE=1,2).
WEBHOOK_RETRY_SCHEDULE = env.list("WEBHOOK_RETRY_SCHEDULE", cast=int, default=[30, 120, 600, 3600, 21600, 86400])
# Seconds before a claim in "delivering" is stale (far above the 15 s request timeout), and rows per sweep.
WEBHOOK_STALE_CLAIM = env.int("WEBHOOK_STALE_CLAIM", default=300)
WEBHOOK_SWEEP_BATCH = env.int("WEBHOOK_SWEEP_BATCH", default=200)
# SSRF guard: off, webhook URLs must be https and resolve to public addresses only.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Work no candidate waits on (emails with their PDF, webhooks, forms drawn ahead of a start) has its own
# queue, so a cohort's thousands of reports or invitations never hold back the deadline sweeps; a worker
# consumes every queue listed here unless told otherwise.
CELERY_TASK_QUEUES = (Queue("celery", routing_key="celery"), Queue("outbound", routing_key="outbound"))
CELERY_TASK_ROUTES = {
    "candidates.send_outbox_email": {"queue": "outbound"},
    "candidates.send_outbox_emails": {"queue": "outbound"},
    "candidates.deliver_webhook": {"queue": "outbound"},
    "candidates.prepare_form": {"queue": "outbound"},
}
# The recruiter's report email carries the candidate report as a PDF (about 0.4 s of CPU each).
REPORT_PDF_ATTACHED = env.bool("REPORT_PDF_ATTACHED", default=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
ASSAY_SWEEP_INTERVAL = env.float("ASSAY_SWEEP_INTERVAL", default=10.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-expired-sessions": {
        "task": "candidates.sweep_expired_sessions",
        "schedule": ASSAY_SWEEP_INTERVAL,
    },
    "send-pending-emails": {
        "task": "candidates.send_pending_emails",
        "schedule": env.float("ASSAY_OUTBOX_INTERVAL", default=30.0),
    },
    "deliver-due-webhooks": {
        "task": "candidates.deliver_due_webhooks",
        "schedule": env.float("WEBHOOK_SWEEP_INTERVAL", default=30.0),
    },
}

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.BoundedLimitOffsetPagination",
    "DEFAULT_THROTTLE_RATES": {
        "candidate": env("THROTTLE_CANDIDATE", default="600/min"),
        "auth": env("THROTTLE_AUTH", default="10/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Assay API",
    "DESCRIPTION": (
        "Recruiters (token auth: `Authorization: Token <key>`) manage the bank, test templates, "
        "invitations and results. Candidates (invitation token: `Authorization: Invitation "
        "<token>`) start, fetch, answer and submit their test session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "QuestionStatusEnum": "questionbank.enums.QuestionStatus",
        "SessionStatusEnum": "candidates.enums.SessionStatus",
        "InvitationStatusEnum": "candidates.enums.InvitationStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_tokens": {"()": "config.log_filters.MaskInvitationTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # runserver's access log: through our handler, so invitation tokens are masked.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
AXES_VERBOSE = False

# --- Item statistics (bank health) --------------------------------------------------------------
ITEM_STATS_MIN_SAMPLE = env.int("ITEM_STATS_MIN_SAMPLE", default=30)  # below it: numbers, no flags
ITEM_EXPOSURE_CAP = env.int("ITEM_EXPOSURE_CAP", default=500)         # sessions before "overexposed"
CELERY_BEAT_SCHEDULE["recompute-item-statistics"] = {
    "task": "candidates.recompute_statistics",
    "schedule": env.float("ITEM_STATS_INTERVAL", default=3600.0),
}

if env.bool("ASSAY_COUNT_SQL", default=False):
    MIDDLEWARE.insert(1, "config.middleware.SqlCountMiddleware")
