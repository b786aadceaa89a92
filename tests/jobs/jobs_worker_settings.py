"""Settings of the Celery worker and beat processes started by the outbox's end-to-end tests (harness.py).

They share the test's database (DATABASE_URL), media folder (MEDIA_ROOT) and broker (CELERY_BROKER_URL; a
SQLite file through kombu's SQLAlchemy transport unless Redis is given) and run tasks for real, not eagerly.
Beat runs only the outbox's pump.
"""

from portal_ui.settings.test import *
from portal_ui.settings.test import CELERY_BEAT_SCHEDULE, CELERY_BROKER_URL, env

CELERY_TASK_ALWAYS_EAGER = False
TECHLINK_MAX_RETRIES = env.int("TECHLINK_MAX_RETRIES", default=1)
if CELERY_BROKER_URL.startswith("sqla+"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
CELERY_BEAT_SCHEDULE = {"jobs-pump": CELERY_BEAT_SCHEDULE["jobs-pump"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
