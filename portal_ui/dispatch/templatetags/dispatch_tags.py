"""Small display helpers for the staff pages, and the attributes of page sections (``sections.py``).

Dates and times have one format everywhere: ``2026-11-23 15:00`` followed by the time zone's abbreviation
(``sitetime``, ``stamp``), or without it on a page about one site that names the zone once (``sitelocal``
and ``zone_label``).
"""

import functools
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from portal_ui.dispatch import sections
from portal_ui.dispatch.selectors import site_zone

register = template.Library()

_BADGES = {90: "ok", 80: "ok", 70: "warn", 60: "warn", 95: "bad", 99: "bad"}


@register.filter
def sitetime(value: datetime | None, zone: ZoneInfo | str | None = None) -> str:
    """A date/time as the site sees it, e.g. "2026-11-23 15:00 CST".

    Aware values (created dates carrying a zone) are converted into the site's zone; naive values
    (scheduled dates) are already site-local and only get the zone's abbreviation.
    """
    if not isinstance(value, datetime):
        return ""
    tz = zone if isinstance(zone, ZoneInfo) else site_zone(zone)
    if tz is None:
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    local = value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    return local.strftime("%Y-%m-%d %H:%M %Z").strip()


@register.filter
def sitelocal(value: datetime | None, zone: ZoneInfo | str | None = None) -> str:
    """``sitetime`` without the zone, for a page that names the site's zone once (``zone_label``)."""
    text = sitetime(value, zone)
    return " ".join(text.split(" ")[:2])


@register.filter
def zone_label(zone: ZoneInfo | str | None) -> str:
    """The site's zone as a page names it once, e.g. "America/Chicago (CST)"; "" when it is unknown."""
    tz = zone if isinstance(zone, ZoneInfo) else site_zone(zone)
    if tz is None:
        return ""
    return f"{tz.key} ({datetime.now(tz).strftime('%Z')})"


@register.filter
def stamp(value: datetime | None) -> str:
    """A moment of the dashboard's own (a write, a sync, a log-in) in the dashboard's time zone, in the one
    format: "2026-11-23 15:00 EST"."""
    if not isinstance(value, datetime):
        return ""
    return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i T")


@register.filter
def sitetime_clock(value: datetime | None, zone: ZoneInfo | str | None = None) -> str:
    """Only the time of day of ``sitetime``, e.g. "15:00 CST" (for lists of one day)."""
    text = sitetime(value, zone)
    return text.split(" ", 1)[1] if " " in text else text


@register.filter
def status_badge(code: int | None) -> str:
    """CSS badge class for a work order status code."""
    return _BADGES.get(code or 0, "")


@register.filter
def get_item(mapping: dict, key):
    """``{{ names|get_item:wo.project_id }}``"""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def http_url(value: str) -> str:
    """The address if it is a plain http(s) link, else empty (upstream text never becomes a script link)."""
    text = (value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


@register.simple_tag
def phone_link(number: str) -> SafeString:
    """A phone number as a link that dials it (``tel:``), or as text when it cannot be dialled."""
    text = (number or "").strip()
    match = re.match(r"^(?P<main>.*?)(?:\s*(?:ext\.?|x|#)\s*(?P<ext>\d+))?\s*$", text, re.IGNORECASE)
    main, extension = (match.group("main"), match.group("ext")) if match else (text, None)
    digits = re.sub(r"[^\d+]", "", main)
    digits = digits[:1] + digits[1:].replace("+", "")
    if len(digits.lstrip("+")) < 3:
        return format_html("{}", text)
    href = f"tel:{digits}" + (f";ext={extension}" if extension else "")
    return format_html('<a href="{}" class="tel">{}</a>', href, text)


_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


@register.simple_tag
def email_link(address: str) -> SafeString:
    """An e-mail address as a ``mailto:`` link, or as text when it is not one."""
    text = (address or "").strip()
    if not _EMAIL.match(text):
        return format_html("{}", text)
    return format_html('<a href="mailto:{}" class="email">{}</a>', text, text)


_PLACEHOLDER = 918273645


@functools.cache
def _path_pattern(name: str) -> tuple[str, str]:
    """The path of view ``name`` around its one number, resolved once: long lists link every row cheaply."""
    head, _, tail = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    return head, tail


@register.filter
def path_to(object_id: int | str | None, name: str) -> str:
    """``{{ wo.id|path_to:"workorder_detail" }}``: what ``{% url name wo.id %}`` gives, for a row of a list."""
    if object_id in (None, ""):
        return ""
    head, tail = _path_pattern(name)
    return f"{head}{int(object_id)}{tail}"


@register.simple_tag
def section_attrs(page: str, name: str, object_id: int) -> SafeString:
    """The attributes of a section's root element: its ``id`` and, for a section that writes refresh, what
    dispatch.js and htmx need to fetch it again once such a write is done.

    ``<div {% section_attrs "workorder" "notes" wo.id %}>``
    """
    section = sections.get(page, name)
    if not section.kinds:
        return format_html('id="{}"', section.element_id)
    return format_html(
        'id="{}" data-refresh-on="{}" hx-get="{}" hx-trigger="techlink:refresh" hx-swap="outerHTML"',
        section.element_id,
        " ".join(section.kinds),
        sections.PAGES[page].section_url(object_id, name),
    )


@register.simple_tag
def section_url(page: str, name: str, object_id: int) -> str:
    """Where htmx fetches the section on its own: ``{% section_url "closeout" "review" wo.id %}``."""
    return sections.PAGES[page].section_url(object_id, name)
