"""Settings shared by every environment; values come from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.csp import CSP

# PATHS
# ------------------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# ENVIRONMENT (see .env.example)
# ------------------------------------------------------------------------------
env = environ.Env()
env_file = Path(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
if env_file.exists():
    # `.env.example` copied as is must work: its values carry `# ...` comments after them.
    env.read_env(str(env_file), parse_comments=True)

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "portal_ui.accounts",
    "portal_ui.core",
    "portal_ui.jobs",
    "portal_ui.mirror",
    "portal_ui.dispatch",
    "portal_ui.portal_links",
    "ninja",  # serves the API docs page's Swagger UI assets locally (strict CSP, no CDN)
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "portal_ui.core.middleware.ForwardedForMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal_ui.core.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal_ui.core.middleware.UpstreamLimitsMiddleware",
]

# URLS AND TEMPLATES
# ------------------------------------------------------------------------------
ROOT_URLCONF = "portal_ui.urls"
WSGI_APPLICATION = "portal_ui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal_ui.core.context_processors.navigation",
                "portal_ui.jobs.context_processors.outbox_banner",
            ],
        },
    },
]

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept for a minute (no new connection per request) and checked before each request reuses one.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that accepts and never answers must not hold a request: give up connecting after a few
    # seconds, and stop any statement that runs longer than it ever should.
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
        "options": f"-c statement_timeout={env.int('DATABASE_STATEMENT_TIMEOUT_MS', default=30000)}",
        **DATABASES["default"].get("OPTIONS", {}),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHES
# ------------------------------------------------------------------------------
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    # Drawn parts of pages and API answers, under keys that change whenever what they show changes (the read
    # model's version, a link's fingerprint): each web process keeps its own, with no round trip to a shared
    # cache and nothing to invalidate across processes.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, keeping its redis-py client and incrementing in one round trip (core.cache).
    CACHES["default"]["BACKEND"] = "portal_ui.core.cache.SharedClientRedisCache"

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, with the session's user kept per process under a generation (accounts.backends).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal_ui.accounts.backends.KeptUserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout: after AXES_FAILURE_LIMIT failures for one username from one address, wait AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# INTERNATIONALIZATION
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="America/New_York")
USE_I18N = False
USE_TZ = True

# STATIC AND MEDIA FILES
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads: anything larger than this is refused with a clear message before it is sent upstream.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# A whole request body may be the largest upload and its form fields; larger ones are refused unread.
REQUEST_MAX_BYTES = UPLOAD_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# SECURITY
# ------------------------------------------------------------------------------
# Headers and cookies (production.py turns on the HTTPS-only parts).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
# Whether every process (web and worker) shares the default cache (Redis, as in production). Then staff sessions
# are read from it (written through to the database): no session query per page; and what a process keeps under
# generations (``core.generations``) follows the changes other processes make. A per-process cache keeps the
# database sessions (or a log-out in one process would leave the session open in the others' caches), and
# generations are not used (every read goes to the database).
CACHE_SHARED = not CACHES["default"]["BACKEND"].endswith("LocMemCache")
if CACHE_SHARED:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# SCHEDULE AND MAP
# ------------------------------------------------------------------------------
# How often an open schedule board asks whether the sync brought changes (an empty 204 when it did not).
BOARD_POLL_SECONDS = env.int("BOARD_POLL_SECONDS", default=20)
# The map's tiles: any XYZ tile server ({z}/{x}/{y}); its origin is the only image host the CSP allows.
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
_tiles = urlsplit(MAP_TILE_URL)
MAP_TILE_ORIGIN = f"{_tiles.scheme}://{_tiles.netloc}" if _tiles.scheme and _tiles.netloc else ""
if MAP_TILE_ORIGIN:
    SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], MAP_TILE_ORIGIN]
# The calendar feed: how many days back and ahead its events reach.
CALENDAR_FEED_DAYS_BACK = env.int("CALENDAR_FEED_DAYS_BACK", default=30)
CALENDAR_FEED_DAYS_AHEAD = env.int("CALENDAR_FEED_DAYS_AHEAD", default=180)

# TECHLINK
# ------------------------------------------------------------------------------
# Upstream TechLink API light. The embedded sandbox is the default; point this at the real portal to go live.
TECHLINK_BASE_URL = env("TECHLINK_BASE_URL", default="http://127.0.0.1:8001/api/light/")
TECHLINK_USERNAME = env("TECHLINK_USERNAME", default="demo")
TECHLINK_PASSWORD = env("TECHLINK_PASSWORD", default="demo-password")
TECHLINK_CONNECT_TIMEOUT = env.float("TECHLINK_CONNECT_TIMEOUT", default=3.05)
TECHLINK_READ_TIMEOUT = env.float("TECHLINK_READ_TIMEOUT", default=20.0)
TECHLINK_MAX_RETRIES = env.int("TECHLINK_MAX_RETRIES", default=3)
TECHLINK_MAX_WORKERS = env.int("TECHLINK_MAX_WORKERS", default=8)
# Inside a web request: all TechLink calls of the request together get this many seconds (retries included),
# and at most this many requests per process wait on TechLink at once (keep it below the web server's threads
# per process); the others answer at once from the read model with a banner. Background work keeps the
# timeouts and retries above.
TECHLINK_WEB_DEADLINE = env.float("TECHLINK_WEB_DEADLINE", default=4.0)
TECHLINK_WEB_CONCURRENCY = env.int("TECHLINK_WEB_CONCURRENCY", default=4)
# Reverse proxies in front of the web server that append to X-Forwarded-For (0: none, the default).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
HEALTHZ_UPSTREAM_TIMEOUT = env.float("HEALTHZ_UPSTREAM_TIMEOUT", default=5.0)

# CELERY
# ------------------------------------------------------------------------------
# The embedded default is kombu's SQLAlchemy transport on a SQLite file (no server to run; messages are
# written in transactions, so a reader never sees half a message); production and CI use Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("sqla+sqlite"):
    # These options go to SQLAlchemy's create_engine: wait for a busy SQLite file instead of failing.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
elif CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Staff's writes, the read model's refreshes and the outbox's pump have queues of their own, which a worker
# serves in turn (every worker consumes all three: `-Q writes,mirror,pump`): a write never waits behind a
# backlog of refreshes, and the pump never waits behind a backlog of either.
CELERY_TASK_DEFAULT_QUEUE = "writes"
CELERY_TASK_QUEUES = {"writes": {}, "mirror": {}, "pump": {}}
CELERY_TASK_ROUTES = {"mirror.*": {"queue": "mirror"}, "jobs.pump_upstream_writes": {"queue": "pump"}}

# CELERY BEAT: every periodic task, in one place
# ------------------------------------------------------------------------------
# Read model (portal_ui/mirror): new ids every minute; new ids, status changes and a slice of open work orders
# every 2 minutes (the "open" cycle); everything, removals included, hourly; the reference lists every 5
# minutes. Two runs of one cycle never overlap (each cycle has its own lease); different cycles may.
# Outbox (portal_ui/jobs): the pump, every JOBS_PUMP_INTERVAL_SECONDS (5 s), on its own queue; a round not
# taken within its interval expires (the next one does its work).
# Daily housekeeping: old one-time codes and access-log rows, long-finished writes.
CELERY_BEAT_SCHEDULE = {
    "mirror-sync-new": {"task": "mirror.sync_new", "schedule": 60.0, "options": {"expires": 60}},
    "mirror-sync-open": {"task": "mirror.sync_open", "schedule": 120.0, "options": {"expires": 120}},
    "mirror-sync-full": {"task": "mirror.sync_full", "schedule": 3600.0, "options": {"expires": 3600}},
    "mirror-sync-reference": {
        "task": "mirror.sync_reference",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    "jobs-pump": {
        "task": "jobs.pump_upstream_writes",
        "schedule": env.float("JOBS_PUMP_INTERVAL_SECONDS", default=5.0),
        "options": {"expires": env.float("JOBS_PUMP_INTERVAL_SECONDS", default=5.0), "queue": "pump"},
    },
    "jobs-purge-finished": {
        "task": "jobs.purge_finished_upstream_writes",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600},
    },
    "portal-links-housekeeping": {
        "task": "portal_links.housekeeping",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600},
    },
}

# READ MODEL
# ------------------------------------------------------------------------------
# How many open work orders one run of the "open" cycle refreshes (least recently synced first).
MIRROR_OPEN_REFRESH_BUDGET = env.int("MIRROR_OPEN_REFRESH_BUDGET", default=500)

# OUTBOX OF WRITES TO TECHLINK
# ------------------------------------------------------------------------------
# The outbox table is the schedule: the pump (CELERY BEAT above) claims the writes that are due and wakes
# workers for them; broker messages are only wake-ups. A write TechLink did not take (no connection, a 5xx,
# no answer) is tried again with capped exponential backoff and jitter for JOBS_RETRY_FOR_SECONDS after it
# was made; only TechLink's refusal (a 4xx) or that limit fails it. While TechLink cannot be reached, the
# whole outbox pauses behind one probe, retried on the same backoff, and resumes by itself.
JOBS_PUMP_INTERVAL_SECONDS = CELERY_BEAT_SCHEDULE["jobs-pump"]["schedule"]
# At most this many workers the pump wakes per round (about the number of worker processes).
JOBS_PUMP_WAKEUPS = env.int("JOBS_PUMP_WAKEUPS", default=8)
JOBS_RETRY_FOR_SECONDS = env.int("JOBS_RETRY_FOR_SECONDS", default=24 * 3600)
JOBS_RETRY_BACKOFF_SECONDS = env.float("JOBS_RETRY_BACKOFF_SECONDS", default=2.0)
JOBS_RETRY_BACKOFF_MAX_SECONDS = env.float("JOBS_RETRY_BACKOFF_MAX_SECONDS", default=60.0)
# A worker's claim on a write: renewed every third of it while the worker sends, so a live but slow send keeps
# its write and a killed worker's write is taken over by the pump this long after the last renewal. Keep it
# well above TECHLINK_READ_TIMEOUT.
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=45)
# Writes to one object are sent one after the other by the same task, this many at most, then woken again.
JOBS_LINE_BUDGET = env.int("JOBS_LINE_BUDGET", default=20)
# Writes done this many days ago are forgotten (failed ones stay until staff retry or dismiss them).
JOBS_KEEP_DONE_DAYS = env.int("JOBS_KEEP_DONE_DAYS", default=90)


# E-MAIL
# ------------------------------------------------------------------------------
# One-time codes for private portal links, notifications).
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {k: v for k, v in _email_options.items() if v not in (None, "")}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="TechLink Dispatch <dispatch@localhost>")

# PORTAL LINKS
# ------------------------------------------------------------------------------
# Public address of this dashboard, used to build portal link URLs shown to staff and customers.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Portal links: namespace of links created in the dashboard, and the customer page's per-IP rate limit.
PORTAL_LINK_DEFAULT_NAMESPACE = env("PORTAL_LINK_DEFAULT_NAMESPACE", default="default")
PORTAL_LINK_RATE_LIMIT = env("PORTAL_LINK_RATE_LIMIT", default="60/m")
# How long a web process trusts its cached check of an API key (a revoke elsewhere takes this long at most).
PORTAL_LINK_API_KEY_CACHE_SECONDS = env.int("PORTAL_LINK_API_KEY_CACHE_SECONDS", default=10)
PORTAL_LINK_ACCESS_LOG_DAYS = env.int("PORTAL_LINK_ACCESS_LOG_DAYS", default=365)
# Page views of links without a view limit or view notifications are written in batches, at most this many
# seconds after the view (0: in the request). See portal_links/customer/view_batch.py.
PORTAL_LINK_VIEW_FLUSH_SECONDS = env.float("PORTAL_LINK_VIEW_FLUSH_SECONDS", default=1.0)
# Customer pages render from the dashboard's copy of the work order; an older copy is refreshed in the background.
PORTAL_LINK_SNAPSHOT_MAX_AGE = env.int("PORTAL_LINK_SNAPSHOT_MAX_AGE", default=60)

# CLOSE-OUT
# ------------------------------------------------------------------------------
# Close-out review (portal_ui/dispatch/closeouts). Answers starting with one of these words or phrases read as a
# "No" and are flagged for attention; "at least one photo" is a point of the score whenever the work order asks
# for a document or has questions.
CLOSEOUT_NO_WORDS = env.list(
    "CLOSEOUT_NO_WORDS",
    default=["no", "nope", "negative", "not done", "not completed", "not yet", "incomplete", "partially",
             "partly", "unable", "refused"],
)  # fmt: skip
CLOSEOUT_REQUIRE_PHOTO = env.bool("CLOSEOUT_REQUIRE_PHOTO", default=True)
# Another reminder to the technician within this many hours of the last one asks for a confirmation first.
CLOSEOUT_REMINDER_REPEAT_HOURS = env.float("CLOSEOUT_REMINDER_REPEAT_HOURS", default=24.0)
# The review queue: every CLOSEOUT_SCAN_INTERVAL_SECONDS, up to CLOSEOUT_SCAN_BUDGET work orders with these status
# codes (In Progress, Work Complete, Closed), scheduled or changed within CLOSEOUT_SCAN_DAYS, are looked at (one
# TechLink call each, least recently looked at first) for new close-out documents, photos and answers.
CLOSEOUT_SCAN_STATUSES = env.list("CLOSEOUT_SCAN_STATUSES", cast=int, default=[70, 80, 90])
CLOSEOUT_SCAN_DAYS = env.int("CLOSEOUT_SCAN_DAYS", default=30)
CLOSEOUT_SCAN_BUDGET = env.int("CLOSEOUT_SCAN_BUDGET", default=100)
CLOSEOUT_SCAN_INTERVAL_SECONDS = env.float("CLOSEOUT_SCAN_INTERVAL_SECONDS", default=300.0)
# Photos larger than this are not scaled (listed as "could not be shown"); thumbnails live under MEDIA_ROOT and
# are removed when unused for CLOSEOUT_PHOTO_KEEP_DAYS (made again on demand).
CLOSEOUT_PHOTO_MAX_BYTES = env.int("CLOSEOUT_PHOTO_MAX_BYTES", default=50 * 1024 * 1024)
CLOSEOUT_PHOTO_KEEP_DAYS = env.int("CLOSEOUT_PHOTO_KEEP_DAYS", default=90)
# Reports (PDF, made by a worker) are kept this many days; one queued or being made for longer than
# CLOSEOUT_REPORT_STUCK_SECONDS is taken over by the next request. Extra folders searched first for the
# report's TrueType font (DejaVuSans.ttf; ReportLab's own Vera otherwise).
CLOSEOUT_REPORT_KEEP_DAYS = env.int("CLOSEOUT_REPORT_KEEP_DAYS", default=30)
CLOSEOUT_REPORT_STUCK_SECONDS = env.int("CLOSEOUT_REPORT_STUCK_SECONDS", default=300)
CLOSEOUT_REPORT_FONT_DIRS = env.list("CLOSEOUT_REPORT_FONT_DIRS", default=[])
CELERY_TASK_ROUTES["dispatch.*"] = {"queue": "mirror"}
CELERY_BEAT_SCHEDULE["dispatch-closeout-scan"] = {
    "task": "dispatch.closeout_scan",
    "schedule": CLOSEOUT_SCAN_INTERVAL_SECONDS,
    "options": {"expires": CLOSEOUT_SCAN_INTERVAL_SECONDS},
}
CELERY_BEAT_SCHEDULE["dispatch-closeout-reports-purge"] = {
    "task": "dispatch.closeout_reports_purge",
    "schedule": 24 * 3600.0,
    "options": {"expires": 3600},
}

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
