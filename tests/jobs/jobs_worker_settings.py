"""Settings of the Celery worker process started by test_jobs_exactly_once.py.

It shares the test's database (DATABASE_URL), media folder (MEDIA_ROOT) and broker (CELERY_BROKER_URL; a
filesystem broker in JOBS_TEST_BROKER_DIR unless Redis is given) and runs tasks for real, not eagerly.
"""

import os

from portal_ui.settings.test import *
from portal_ui.settings.test import CELERY_BROKER_URL, env

CELERY_TASK_ALWAYS_EAGER = False
TECHLINK_MAX_RETRIES = env.int("TECHLINK_MAX_RETRIES", default=1)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _folder = os.environ["JOBS_TEST_BROKER_DIR"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _folder,
        "data_folder_out": _folder,
        "control_folder": _folder + "_control",
        "store_processed": False,
        "polling_interval": 0.1,
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
