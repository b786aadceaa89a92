"""The customer page's sections (everything it draws from the work order's copy: status, schedule, notes,
photos, documents, close-out) are drawn once and kept in the web process's "fragments" cache for every view of
the link.

A drawing is found again only under the same key, and the key changes with everything the sections show: the
link's token and settings (``updated_at`` moves with every change of a link), the copy (``fetched_at``), the
work order's note choices when the link shows notes, and the page template itself. The link is read with those
values in one query (``selectors.portal_link_for_page``); a view served from the cache reads nothing else of
the copy. What belongs to one visitor (the forms, the comments sent, the notice after sending) is drawn around
the sections on each request; a page without any of it is kept whole, with its "Updated … ago" line in the
key.
"""

from __future__ import annotations

import hashlib
from functools import cache as once
from typing import Any

from django.core.cache import caches
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString

from portal_ui.portal_links.models import PortalLink

PAGE_TEMPLATE = "portal_links/customer/page.html"
SECTIONS_TEMPLATE = f"{PAGE_TEMPLATE}#sections"
# The key changes whenever what is drawn changes; the timeout only bounds what an idle link keeps.
CACHE_SECONDS = 600


@once
def _template_stamp() -> str:
    """Changes with the page template, so a new release never serves sections drawn by the one before."""
    return hashlib.sha256(get_template(PAGE_TEMPLATE).template.source.encode()).hexdigest()[:16]


def sections_key(*, link: PortalLink, token: str, notes_shown: bool) -> str | None:
    """The cache key of the link's sections, or None when the link was not read with its copy's state or
    has no copy yet (nothing to share then)."""
    fetched_at = getattr(link, "copy_fetched_at", None)
    if fetched_at is None:
        return None
    parts = [_template_stamp(), token, link.pk, link.updated_at.isoformat(), fetched_at.isoformat()]
    parts.append(link.copy_found)
    if notes_shown:
        changed = link.notes_changed_at.isoformat() if link.notes_changed_at else ""
        parts += [changed, link.notes_count, link.notes_matched]
    stamp = "|".join(str(part) for part in parts)
    return "customer-sections:" + hashlib.sha256(stamp.encode()).hexdigest()


def page_key(context: dict[str, Any]) -> str | None:
    """The key of the whole page drawn from `context` (``views.page_context``), or None when something on it
    belongs to one visitor: a form (comments, uploads), a notice after sending, a form's errors, the preview."""
    permissions = context["permissions"]
    personal = permissions["add_comment"] or permissions["upload_document"]
    if not context.get("sections_key") or context["preview"] or context["flash"] or personal:
        return None
    if context.get("form_errors"):
        return None
    stamp = f"{context['sections_key']}|{context['workorder'].updated}"
    return "customer-page:" + hashlib.sha256(stamp.encode()).hexdigest()


def page_get(key: str | None) -> bytes | None:
    return caches["fragments"].get(key) if key else None


def page_keep(key: str | None, html: bytes) -> None:
    if key:
        caches["fragments"].set(key, html, timeout=CACHE_SECONDS)


def sections_get(key: str | None) -> SafeString | None:
    return caches["fragments"].get(key) if key else None


def sections_render(context: dict, *, key: str | None) -> SafeString:
    """The sections drawn from `context` (``views.page_context``), kept under `key` when there is one."""
    html = render_to_string(SECTIONS_TEMPLATE, context)
    if key:
        caches["fragments"].set(key, html, timeout=CACHE_SECONDS)
    return html
