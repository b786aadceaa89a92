"""The schedule board's cards, built in Python: a week of a busy team is hundreds of cards, and one template
include (or even one ``reverse``) per card would cost more than the rest of the page together. Every value
from the read model is escaped (``html.escape``) before it is put in the markup."""

from __future__ import annotations

import functools
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from portal_ui.dispatch.templatetags.dispatch_tags import status_badge

register = template.Library()


def _prefix(name: str) -> tuple[str, str]:
    """A URL with one id as its two halves around the id (reversed once per page, not once per card)."""
    url = reverse(name, args=[987654321])
    head, _, tail = url.partition("987654321")
    return head, tail


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zone_abbr(row) -> str:
    """The site's zone as a clock shows it ("EST"), else its name."""
    zone = _zone(row.site_timezone)
    if zone is None or row.scheduled_at is None:
        return row.site_timezone
    return row.scheduled_at.astimezone(zone).tzname() or row.site_timezone


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _card(card, urls: dict[str, tuple[str, str]], *, can_ask: bool, waiting: bool, asking: dict) -> str:
    row = card.row
    wo_head, wo_tail = urls["wo"]
    classes = f"wo-card status-{row.status_code or 'none'}" + (" overdue" if card.overdue else "")
    drag = ask = ""
    if waiting and can_ask:
        ask_head, ask_tail = urls["ask"]
        ask_url = f"{ask_head}{row.id}{ask_tail}"
        drag = f' draggable="true" data-ask-card="{row.id}" data-ask-url="{ask_url}"'
        ask = (
            f'<p class="ask"><a href="{ask_url}">Ask for a date…</a></p>'
            f'<div class="ask-status" id="ask-status-{row.id}" aria-live="polite"></div>'
        )
    time = (
        f' <span class="time" title="Site&#x27;s local time ({escape(row.site_timezone)})">{card.local_time}'
        f" {escape(_zone_abbr(row))}</span>"
        if card.local_time
        else ""
    )
    overdue = ' <span class="badge danger">Overdue</span>' if card.overdue else ""
    where = " ".join(x for x in (row.site_city, row.site_state) if x)
    place = ", ".join(p for p in (row.site_name, where) if p)
    requested = f'<p class="requested">Requested: {escape(card.requested)}</p>' if card.requested else ""
    write = asking.get(row.id)
    if write is not None:
        job_head, job_tail = urls["job"]
        wanted = write.payload.get("changes", {}).get("requested_install", "")
        requested += (
            f'<p class="asking"><a href="{job_head}{write.pk}{job_tail}">Asking for {escape(str(wanted))}</a>'
            f' <span class="badge {escape(write.badge)}">{escape(write.get_status_display())}</span></p>'
        )
    return (
        f'<article class="{classes}" id="card-{row.id}"{drag}><header><a href="{wo_head}{row.id}{wo_tail}">{row.id}</a>'
        f'{time} <span class="badge {status_badge(row.status_code)}">{escape(row.status)}</span>{overdue}</header>'
        f'<p class="summary">{escape(_short(row.summary))}</p><p class="muted">{escape(place)}</p>{requested}{ask}'
        "</article>"
    )


@register.simple_tag(takes_context=True)
def board_cards(context, cards, *, can_ask: bool = False, waiting: bool = False) -> SafeString:
    urls = context.render_context.get("board_urls")
    if urls is None:
        urls = context.render_context["board_urls"] = {
            "wo": _prefix("workorder_detail"),
            "ask": _prefix("ask_for_date"),
            "job": _prefix("job_detail"),
        }
    asking = (context.get("asking") or {}) if waiting else {}
    html = "".join(_card(c, urls, can_ask=can_ask, waiting=waiting, asking=asking) for c in cards)
    return mark_safe(html)  # every value is escaped in _card
