"""Settings of the Celery worker process started by test_jobs_exactly_once.py.

It shares the test's database (DATABASE_URL), media folder (MEDIA_ROOT) and broker (CELERY_BROKER_URL; a
SQLite file through kombu's SQLAlchemy transport unless Redis is given) and runs tasks for real, not eagerly.
"""

from portal_ui.settings.test import *
from portal_ui.settings.test import CELERY_BROKER_URL, env

CELERY_TASK_ALWAYS_EAGER = False
TECHLINK_MAX_RETRIES = env.int("TECHLINK_MAX_RETRIES", default=1)
if CELERY_BROKER_URL.startswith("sqla+"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
