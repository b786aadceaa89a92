"""Checks behind /healthz: database, broker and the TechLink upstream."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from portal_ui.celery_app import app as celery_app
from portal_ui.core.upstream import techlink_probe_client


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    millis: int


def _timed(name: str, check: Callable[[], str]) -> CheckResult:
    started = time.monotonic()
    try:
        detail, ok = check(), True
    except Exception as exc:  # noqa: BLE001 -- every failure is a finding, not a crash of the health page
        detail, ok = f"{type(exc).__name__}: {exc}"[:300], False
    return CheckResult(name=name, ok=ok, detail=detail, millis=int((time.monotonic() - started) * 1000))


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.as_uri()


def _upstream() -> str:
    return f"{techlink_probe_client().health_check()} projects"


def health_report() -> list[CheckResult]:
    return [_timed("database", _database), _timed("broker", _broker), _timed("upstream", _upstream)]
