"""The schedule board (``/schedule/``): TechLink's schedule from the read model, a lane per installer (or
planned tech), and asking TechLink's project manager for a date through ``requested_install``.

Live refresh: htmx polls the board every ``BOARD_POLL_SECONDS`` with the version it shows; the answer is an
empty 204 (nothing swapped) until the sync has stored changes, then the new board."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.core.htmx import is_partial, vary_on_htmx
from portal_ui.dispatch import filter_forms, forms, selectors
from portal_ui.dispatch.views.common import send_form
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import OPEN_STATUSES, UpstreamWrite, WriteKind
from portal_ui.mirror import selectors as mirror_selectors


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


def cached_board(state: dict[str, Any]) -> mirror_selectors.Board:
    """The board, kept in the cache until the sync stores a change, and for a minute at most (what is overdue
    moves with the clock): the dispatchers looking at the same week share one reading of the read model."""
    now = timezone.now()
    params = (state["start"], state["days"], state["lane"], sorted(state["filters"].items()))
    stamp = f"{mirror_selectors.board_version()}|{now:%Y%m%d%H%M}|{params}"
    key = "board:" + hashlib.sha256(stamp.encode()).hexdigest()
    board = cache.get(key)
    if board is None:
        board = mirror_selectors.schedule_board(
            start=state["start"], days=state["days"], filters=state["filters"], lane_by=state["lane"], now=now
        )
        cache.set(key, board, timeout=60)
    return board


def pending_requests(workorder_ids: list[int]) -> dict[int, UpstreamWrite]:
    """The requests for a date not yet in TechLink (or refused), by work order: a card shows them until the
    sync brings TechLink's answer (one query)."""
    if not workorder_ids:
        return {}
    writes = UpstreamWrite.objects.filter(
        kind=WriteKind.WORKORDER_UPDATE,
        status__in=OPEN_STATUSES,
        payload__workorder_id__in=workorder_ids,
        payload__changes__has_key="requested_install",
    ).order_by("pk")
    return {w.payload["workorder_id"]: w for w in writes}


def _url(**params: Any) -> str:
    return f"{reverse('schedule')}?{urlencode({k: v for k, v in params.items() if v})}"


@viewer_required
@require_GET
@vary_on_htmx
def schedule(request: HttpRequest) -> HttpResponse:
    state = board_state(request)
    since = request.GET.get("since")
    if since is not None and is_partial(request) and since == mirror_selectors.board_version():
        return HttpResponse(status=204)  # nothing new: htmx swaps nothing
    problems = list(state["problems"])
    try:
        board = cached_board(state)
    except mirror_selectors.InvalidFilter as exc:
        problems.append(str(exc))
        board = mirror_selectors.schedule_board(start=state["start"], days=state["days"], filters={})
    asking = pending_requests([c.id for c in (*board.unscheduled.cards, *board.requested.cards)])
    step = timedelta(days=state["days"])
    keep = {"view": state["view"], "lane": state["lane"], **state["filters"]}
    here = {"date": state["day"].isoformat(), **keep}
    write_id = request.GET.get("write", "")
    context = {
        **state,
        "problems": problems,
        "board": board,
        "asking": asking,
        "prev_url": _url(date=(state["day"] - step).isoformat(), **keep),
        "next_url": _url(date=(state["day"] + step).isoformat(), **keep),
        "today_url": _url(**keep),
        "view_urls": {v: _url(**{**here, "view": v}) for v in filter_forms.BOARD_VIEWS},
        "lane_urls": {v: _url(**{**here, "lane": v}) for v in filter_forms.BOARD_LANES},
        "here_url": _url(**here),
        "poll_url": _url(**here, since=board.version),
        "poll_seconds": settings.BOARD_POLL_SECONDS,
        "can_ask": request.user.can_write,
        "write": UpstreamWrite.objects.filter(pk=write_id).first() if write_id.isdigit() else None,
        "freshness": selectors.freshness(),
    }
    template = "dispatch/schedule.html#board" if is_partial(request) else "dispatch/schedule.html"
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
