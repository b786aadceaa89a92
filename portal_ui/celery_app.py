"""Celery application, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_ui.settings.local")

app = Celery("portal_ui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _tune_embedded_broker(sender: Celery, **kwargs: object) -> None:
    if str(sender.conf.broker_url or "").startswith("sqla+"):
        from portal_ui.core.embedded_broker import poll_often

        poll_often()
