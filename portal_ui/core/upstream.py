"""The one TechLink client of this process, built from settings."""

from functools import cache

from django.conf import settings

from portal_ui.integrations.techlink import TechLinkClient


@cache
def techlink_client() -> TechLinkClient:
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
