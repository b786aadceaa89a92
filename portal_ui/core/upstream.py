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


def reset_techlink_client() -> None:
    """Forget the cached client (tests point settings at another upstream)."""
    if techlink_client.cache_info().currsize:
        techlink_client().close()
    techlink_client.cache_clear()
