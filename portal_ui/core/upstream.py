"""The one boundary between the dashboard and TechLink.

Selectors and services get the process's TechLink client here (``techlink_client``). Views, forms, the
Portal Link API and the customer page never touch the client or its types: they see TechLink only through
the exceptions below, which selectors and services raise (``translated``), and the banner text.

* ``UpstreamUnavailable``: TechLink could not be reached or failed, and nothing can be shown instead;
* ``UpstreamNotFound``: TechLink says the object does not exist;
* ``UpstreamRefused``: TechLink refused the request as invalid (its own message).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache

from django.conf import settings

from portal_ui.integrations.techlink import TechLinkClient, errors, request_limits

__all__ = [
    "UpstreamError",
    "UpstreamNotFound",
    "UpstreamRefused",
    "UpstreamUnavailable",
    "reset_techlink_client",
    "techlink_client",
    "techlink_probe_client",
    "translate",
    "translated",
    "upstream_banner",
    "web_request_limits",
]

# Names views, forms, the API and the customer page may import from here (an architecture test checks).
BOUNDARY = frozenset(
    {"UpstreamError", "UpstreamNotFound", "UpstreamRefused", "UpstreamUnavailable", "upstream_banner"}
)

UPSTREAM_DOWN_MESSAGE = (
    "TechLink is not answering right now ({detail}). Showing what the dashboard last knew; "
    "changes can still be queued."
)


class UpstreamError(Exception):
    """Something about TechLink that a page has to tell staff; ``message`` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UpstreamUnavailable(UpstreamError):
    """TechLink could not be reached or failed, and the read model has nothing to show instead."""


class UpstreamNotFound(UpstreamError):
    """TechLink says the object does not exist (and the read model does not know it either)."""


class UpstreamRefused(UpstreamError):
    """TechLink refused the request as invalid; the message is TechLink's own."""


def upstream_banner(exc: BaseException) -> str:
    """A short, staff-readable explanation of an upstream failure."""
    if isinstance(exc, UpstreamError):
        return exc.message
    if isinstance(exc, errors.TechLinkBusy):
        detail = "too many pages are waiting for it"
    elif isinstance(exc, errors.TechLinkTimeout):
        detail = "timed out"
    elif isinstance(exc, errors.TechLinkConnectionError):
        detail = "no connection"
    elif isinstance(exc, errors.TechLinkAuthError):
        detail = "the dashboard's TechLink login was refused"
    elif isinstance(exc, errors.TechLinkServerError):
        detail = "TechLink reported a server error"
    else:
        detail = str(getattr(exc, "message", "") or type(exc).__name__)
    return UPSTREAM_DOWN_MESSAGE.format(detail=detail)


def translate(exc: BaseException) -> BaseException:
    """The boundary's exception for a client error (anything else is returned as it is)."""
    if isinstance(exc, UpstreamError) or not isinstance(exc, errors.TechLinkError):
        return exc
    if isinstance(exc, errors.TechLinkNotFound):
        return UpstreamNotFound(str(exc))
    if isinstance(exc, errors.TechLinkValidationError) and not exc.transient:
        return UpstreamRefused(str(exc))
    return UpstreamUnavailable(upstream_banner(exc))


@contextmanager
def translated() -> Iterator[None]:
    """Raise client errors met inside the block as the boundary's exceptions."""
    try:
        yield
    except errors.TechLinkError as exc:
        raise translate(exc) from exc


@cache
def techlink_client() -> TechLinkClient:
    """The process's TechLink client, for selectors and services only."""
    return TechLinkClient(
        base_url=settings.TECHLINK_BASE_URL,
        username=settings.TECHLINK_USERNAME,
        password=settings.TECHLINK_PASSWORD,
        connect_timeout=settings.TECHLINK_CONNECT_TIMEOUT,
        read_timeout=settings.TECHLINK_READ_TIMEOUT,
        max_retries=settings.TECHLINK_MAX_RETRIES,
        max_workers=settings.TECHLINK_MAX_WORKERS,
    )


@cache
def techlink_probe_client() -> TechLinkClient:
    """The client /healthz uses: one try and a short timeout, so a hung upstream is reported, not waited on."""
    timeout = settings.HEALTHZ_UPSTREAM_TIMEOUT
    return TechLinkClient(
        base_url=settings.TECHLINK_BASE_URL,
        username=settings.TECHLINK_USERNAME,
        password=settings.TECHLINK_PASSWORD,
        connect_timeout=min(settings.TECHLINK_CONNECT_TIMEOUT, timeout),
        read_timeout=timeout,
        max_retries=0,
        max_workers=1,
    )


def reset_techlink_client() -> None:
    """Forget the cached clients (tests point settings at another upstream)."""
    for factory in (techlink_client, techlink_probe_client):
        if factory.cache_info().currsize:
            factory().close()
        factory.cache_clear()
    _web_bulkhead.cache_clear()


@cache
def _web_bulkhead() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(settings.TECHLINK_WEB_CONCURRENCY)


def web_request_limits() -> AbstractContextManager:
    """The limits of one web request's TechLink calls: ``TECHLINK_WEB_DEADLINE`` seconds in all (retries
    included), and at most ``TECHLINK_WEB_CONCURRENCY`` requests of this process waiting on TechLink at
    once; the others are answered at once from what the dashboard knows, with the banner."""
    return request_limits(seconds=settings.TECHLINK_WEB_DEADLINE, bulkhead=_web_bulkhead())
