"""Where the dashboard shows an object: lower layers name an object (``"workorder", 12``), the app whose
pages show it registers how to reach them (in its ``AppConfig.ready``), so no lower layer knows URL names."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["page_url", "register_page"]

_PAGES: dict[str, Callable[..., str]] = {}


def register_page(name: str, url: Callable[..., str]) -> None:
    """``url(**ids)`` gives the path of the page called ``name`` ("workorder", "site", "site_new", ...)."""
    _PAGES[name] = url


def page_url(name: str, **ids: object) -> str:
    """The path of the page ``name`` for these ids, or "" when no installed app shows it."""
    url = _PAGES.get(name)
    return url(**ids) if url is not None else ""
