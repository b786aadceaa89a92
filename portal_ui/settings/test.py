"""Test settings: SQLite in memory by default, real PostgreSQL when DATABASE_URL says so (CI)."""

import os
import tempfile

from .base import *
from .base import env

SECRET_KEY = "test-only-key-0123456789abcdef0123456789abcdef0123456789"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if "DATABASE_URL" not in os.environ:
    # A file per test process, not ":memory:": the browser tests' live server answers requests in several
    # threads, and each needs its own connection.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(tempfile.gettempdir(), "techlink-dispatch-unused-outside-tests.sqlite3"),
            "TEST": {
                "NAME": os.path.join(tempfile.gettempdir(), f"techlink-dispatch-test-{os.getpid()}.sqlite3")
            },
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"},
        }
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"},
}
# The tests run in one process: its cache is shared by everything they run, so generations are used as in
# production.
CACHE_SHARED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
AXES_ENABLED = True
TECHLINK_MAX_RETRIES = 1
# Views counted in the request: tests read them back at once (the batches have tests of their own).
PORTAL_LINK_VIEW_FLUSH_SECONDS = 0
LOGGING = {"version": 1, "disable_existing_loggers": False}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
