"""The schedule board (``/schedule/``): TechLink's schedule from the read model, a lane per installer (or
planned tech), and asking TechLink's project manager for a date through ``requested_install``.

Live refresh: htmx polls the board every ``BOARD_POLL_SECONDS`` with the version it shows; the answer is an
empty 204 (nothing swapped) until the sync has stored changes, then the new board."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.core.htmx import is_partial, vary_on_htmx
from portal_ui.dispatch import filter_forms, forms, selectors
from portal_ui.dispatch.templatetags.dispatch_tags import status_badge
from portal_ui.dispatch.views.common import send_form
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import OPEN_STATUSES, UpstreamWrite, WriteKind
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror.selectors.board import Card


def dashboard_today() -> date:
    return timezone.localdate()


def board_reference() -> selectors.Reference:
    return selectors.reference_lists() or selectors.NO_REFERENCE


def board_state(request: HttpRequest) -> dict[str, Any]:
    """The board's date, view, lanes and filters from the URL; bad values are reported, never fatal."""
    form = filter_forms.BoardForm(
        request.GET or None,
        reference=board_reference(),
        initial={"date": dashboard_today(), "view": "week", "lane": "installer"},
    )
    usable = form.usable() if form.is_bound else {}
    today = dashboard_today()
    day = date.fromisoformat(usable["date"]) if "date" in usable else today
    view = usable.get("view") or "week"
    lane = usable.get("lane") or "installer"
    start = day - timedelta(days=day.weekday()) if view == "week" else day
    filters = {k: v for k, v in usable.items() if k in ("project_id", "status_code", "state", "installer")}
    return {
        "form": form,
        "problems": form.problems(),
        "today": today,
        "day": day,
        "view": view,
        "lane": lane,
        "start": start,
        "days": 7 if view == "week" else 1,
        "filters": filters,
    }


def _halves(name: str) -> tuple[str, str]:
    """A URL with one id, as its two halves around the id (reversed once per page, not once per card)."""
    head, _, tail = reverse(name, args=[987654321]).partition("987654321")
    return head, tail


def card_html(
    card: Card,
    urls: dict[str, tuple[str, str]],
    *,
    can_ask: bool = False,
    asking: UpstreamWrite | None = None,
) -> str:
    """One card's markup. The board draws hundreds of cards, so they are written here rather than with one
    template include per card; every value from the read model is escaped."""
    wo_head, wo_tail = urls["wo"]
    drag = ask = requested = ""
    if can_ask:
        ask_head, ask_tail = urls["ask"]
        ask_url = f"{ask_head}{card.id}{ask_tail}"
        drag = f' draggable="true" data-ask-card="{card.id}" data-ask-url="{ask_url}"'
        ask = (
            f'<p class="ask"><a href="{ask_url}">Ask for a date…</a></p>'
            f'<div class="ask-status" id="ask-status-{card.id}" aria-live="polite"></div>'
        )
    time = (
        f' <span class="time" title="Site&#x27;s local time ({escape(card.site_timezone)})">{card.local_time}'
        f" {escape(card.zone)}</span>"
        if card.local_time
        else ""
    )
    if card.requested:
        requested = f'<p class="requested">Requested: {escape(card.requested)}</p>'
    if asking is not None:
        job_head, job_tail = urls["job"]
        wanted = asking.payload.get("changes", {}).get("requested_install", "")
        requested += (
            f'<p class="asking"><a href="{job_head}{asking.pk}{job_tail}">Asking for {escape(str(wanted))}</a>'
            f' <span class="badge {escape(asking.badge)}">{escape(asking.get_status_display())}</span></p>'
        )
    overdue = ' <span class="badge danger">Overdue</span>' if card.overdue else ""
    return (
        f'<article class="wo-card status-{card.status_code or "none"}{" overdue" if card.overdue else ""}"'
        f' id="card-{card.id}"{drag}><header><a href="{wo_head}{card.id}{wo_tail}">{card.id}</a>{time}'
        f' <span class="badge {status_badge(card.status_code)}">{escape(card.status)}</span>{overdue}</header>'
        f'<p class="summary">{escape(card.summary)}</p><p class="muted">{escape(card.place)}</p>{requested}{ask}'
        "</article>"
    )


def card_urls() -> dict[str, tuple[str, str]]:
    return {"wo": _halves("workorder_detail"), "ask": _halves("ask_for_date"), "job": _halves("job_detail")}


def lanes_html(board: mirror_selectors.Board, today: date) -> SafeString:
    """The board's rows (a lane per person, a cell per day), written once per board and kept with it."""
    urls = card_urls()
    days = [(d.isoformat(), "is-today" if d == today else "is-past" if d < today else "") for d in board.days]
    rows = []
    for lane in board.lanes:
        cells = "".join(
            f'<td data-day="{day}" class="{css}">{"".join(card_html(c, urls) for c in cards)}</td>'
            for (day, css), (_, cards) in zip(days, lane.days, strict=True)
        )
        rows.append(
            f'<tr><th scope="row">{escape(lane.name)} <span class="muted">({lane.count})</span></th>{cells}</tr>'
        )
    return mark_safe("\n".join(rows))  # every value is escaped above


def waiting_html(cards: list[Card], *, can_ask: bool, asking: dict[int, UpstreamWrite]) -> SafeString:
    """A waiting lane's cards (drawn per request: they carry the viewer's "ask" links and pending writes)."""
    urls = card_urls()
    html = "".join(card_html(c, urls, can_ask=can_ask, asking=asking.get(c.id)) for c in cards)
    return mark_safe(html)  # every value is escaped in card_html


def cached_board(state: dict[str, Any], version: str) -> tuple[mirror_selectors.Board, SafeString]:
    """The board and its drawn rows, kept in the cache until the sync stores a change (``version``), and for
    a minute at most (what is overdue moves with the clock): the dispatchers looking at the same week share
    one reading of the read model and one drawing of its cards."""
    now = timezone.now()
    params = (state["start"], state["days"], state["lane"], state["today"], sorted(state["filters"].items()))
    stamp = f"{version}|{now:%Y%m%d%H%M}|{params}"
    key = "board:" + hashlib.sha256(stamp.encode()).hexdigest()
    cached = caches["fragments"].get(key)
    if cached is None:
        board = mirror_selectors.schedule_board(
            start=state["start"],
            days=state["days"],
            filters=state["filters"],
            lane_by=state["lane"],
            now=now,
            version=version,
        )
        cached = (board, lanes_html(board, state["today"]))
        caches["fragments"].set(key, cached, timeout=60)
    return cached


_FILTER_FIELDS = engines["django"].from_string(
    '{% for field in form %}{% include "dispatch/_field.html" with field=field %}{% endfor %}'
)


def filter_fields_html(request: HttpRequest, form: filter_forms.BoardForm) -> SafeString:
    """The filter form's fields, drawn once per query string, day and list of projects and statuses (each
    field's widget is a few templates, and the status picker reads its names twice while drawn)."""
    projects = getattr(form.fields["project_id"], "choices", ())
    statuses = mirror_selectors.workorder_status_names()
    stamp = f"{dashboard_today()}|{list(projects)}|{statuses}|{request.GET.urlencode()}"
    key = "board-filters:" + hashlib.sha256(stamp.encode()).hexdigest()
    html = caches["fragments"].get(key)
    if html is None:
        html = _FILTER_FIELDS.render({"form": form})
        caches["fragments"].set(key, html, timeout=3600)
    return mark_safe(html)  # drawn by the template engine, escaped there


def pending_requests(workorder_ids: list[int]) -> dict[int, UpstreamWrite]:
    """The requests for a date not yet in TechLink (or refused), by work order: a card shows them until the
    sync brings TechLink's answer (one query)."""
    if not workorder_ids:
        return {}
    wanted = set(workorder_ids)
    writes = UpstreamWrite.objects.filter(
        kind=WriteKind.WORKORDER_UPDATE,
        status__in=OPEN_STATUSES,
        payload__changes__has_key="requested_install",
    ).order_by("pk")  # the open requests for a date are few: matched to the cards here, not in SQL
    return {w.payload["workorder_id"]: w for w in writes if w.payload.get("workorder_id") in wanted}


def _url(**params: Any) -> str:
    return f"{reverse('schedule')}?{urlencode({k: v for k, v in params.items() if v})}"


@viewer_required
@require_GET
@vary_on_htmx
def schedule(request: HttpRequest) -> HttpResponse:
    state = board_state(request)
    version = mirror_selectors.board_version()
    since = request.GET.get("since")
    if since is not None and is_partial(request) and since == version:
        return HttpResponse(status=204)  # nothing new: htmx swaps nothing
    problems = list(state["problems"])
    try:
        board, lanes = cached_board(state, version)
    except mirror_selectors.InvalidFilter as exc:
        problems.append(str(exc))
        board, lanes = cached_board({**state, "filters": {}}, version)
    asking = pending_requests([c.id for c in (*board.unscheduled.cards, *board.requested.cards)])
    can_ask = request.user.can_write
    step = timedelta(days=state["days"])
    keep = {"view": state["view"], "lane": state["lane"], **state["filters"]}
    here = {"date": state["day"].isoformat(), **keep}
    write_id = request.GET.get("write", "")
    context = {
        **state,
        "problems": problems,
        "board": board,
        "lanes_html": lanes,
        "requested_html": waiting_html(board.requested.cards, can_ask=can_ask, asking=asking),
        "unscheduled_html": waiting_html(board.unscheduled.cards, can_ask=can_ask, asking=asking),
        "prev_url": _url(date=(state["day"] - step).isoformat(), **keep),
        "next_url": _url(date=(state["day"] + step).isoformat(), **keep),
        "today_url": _url(**keep),
        "view_urls": {v: _url(**{**here, "view": v}) for v in filter_forms.BOARD_VIEWS},
        "lane_urls": {v: _url(**{**here, "lane": v}) for v in filter_forms.BOARD_LANES},
        "here_url": _url(**here),
        "poll_url": _url(**here, since=board.version),
        "poll_seconds": settings.BOARD_POLL_SECONDS,
        "can_ask": can_ask,
        "write": UpstreamWrite.objects.filter(pk=write_id).first() if write_id.isdigit() else None,
        "freshness": selectors.freshness(),
    }
    if is_partial(request):
        template = "dispatch/schedule.html#board"
    else:
        template = "dispatch/schedule.html"
        context["filter_fields"] = filter_fields_html(request, state["form"])
    return render(request, template, context, status=400 if problems else 200)


@dispatcher_required
@require_http_methods(["GET", "POST"])
def ask_for_date(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """Set ``requested_install`` through the outbox, and post the note to the project manager if one was
    written. A card dropped on a day posts here (htmx gets the write's live status); without JavaScript a
    card's link opens this form, and the board then shows the write (``?write=``)."""
    if request.method == "GET":
        context = {"form": forms.AskForDateForm(), "workorder_id": workorder_id, "back": reverse("schedule")}
        return render(request, "dispatch/ask_for_date.html", context)
    form = forms.AskForDateForm(request.POST, today=dashboard_today())

    def send(data: dict[str, Any]) -> UpstreamWrite:
        write = jobs_services.workorder_update(
            user=request.user,
            workorder_id=workorder_id,
            changes={"requested_install": form.requested_install()},
        )
        note = (data.get("note") or "").strip()
        if note:
            jobs_services.workorder_note_add(
                user=request.user, workorder_id=workorder_id, note=forms.line_breaks(note)
            )
        return write

    def invalid(form: forms.AskForDateForm) -> HttpResponse:
        context = {"form": form, "workorder_id": workorder_id, "back": reverse("schedule")}
        template = "dispatch/_ask_form.html" if is_partial(request) else "dispatch/ask_for_date.html"
        return render(request, template, context, status=400)

    return send_form(
        request,
        form,
        send,
        message=f"Asked TechLink for a date for work order {workorder_id}.",
        back=reverse("schedule"),
        invalid=invalid,
    )
