"""The dispatch dashboard, and the request to sync the read model now."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.generations import kept_now, request_generations
from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import partial_or_page, safe_next, vary_on_htmx
from portal_ui.dispatch import selectors
from portal_ui.dispatch.closeouts import selectors as closeout_selectors
from portal_ui.dispatch.templatetags.dispatch_tags import status_badge
from portal_ui.dispatch.views import fragments
from portal_ui.dispatch.views.rows import recent_rows_html, wo_table_html
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror import services as mirror_services

logger = logging.getLogger(__name__)
# Close-outs to review shown on the home page (the queue page has them all).
REVIEW_QUEUE_SHOWN = 10


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


@dataclass(frozen=True)
class HomeQueue:
    """One queue card of the dashboard: its anchor, its rows in ``HomeSummary`` (their number under
    ``<rows>_count``), its title, the badge's class when it holds something, the list's query and the words of
    the link to all of it ({n}: the count), the text when it is empty, and which of the table's columns it
    leaves out or shortens."""

    name: str
    rows: str
    title: str
    busy_badge: str
    query: str
    link_words: str
    empty: str
    table: dict[str, bool] = field(default_factory=dict)


HOME_QUEUES = (
    HomeQueue(
        name="today", rows="scheduled_today", title="Installs today", busy_badge="",
        query="queue=today&amp;sort=scheduled", link_words="All {n} installs today",
        empty="Nothing scheduled today.", table={"time_only": True},
    ),
    HomeQueue(
        name="overdue", rows="overdue", title="Overdue installs", busy_badge="bad",
        query="queue=overdue&amp;sort=scheduled", link_words="All {n} overdue installs",
        empty="No overdue installs.",
    ),
    HomeQueue(
        name="unscheduled", rows="unscheduled", title="Unscheduled", busy_badge="warn",
        query="queue=unscheduled", link_words="All {n} unscheduled work orders",
        empty="Every open work order is scheduled.", table={"hide_scheduled": True},
    ),
    HomeQueue(
        name="unassigned", rows="unassigned", title="Unassigned", busy_badge="warn",
        query="queue=unassigned", link_words="All {n} unassigned work orders",
        empty="Every open work order has an installer.", table={"hide_installer": True},
    ),
)  # fmt: skip


def _queue_html(queue: HomeQueue, summary: mirror_selectors.HomeSummary, wo: str) -> str:
    """A queue's card: its title and count, the link to all of it, its rows."""
    rows, count = getattr(summary, queue.rows), getattr(summary, f"{queue.rows}_count")
    badge_class = f"badge {queue.busy_badge if count else ''}" if queue.busy_badge else "badge"
    badge = f'<span class="{badge_class}">{count}</span>'
    link = f'<a href="{wo}?{queue.query}">{queue.link_words.format(n=count)}</a>'
    aside = f'<span class="aside">{link}</span>' if count else ""
    table = wo_table_html(rows, empty=queue.empty, **queue.table)
    return (
        f'<section class="card" id="{queue.name}">\n<div class="card-head">\n<h2>{queue.title} {badge}</h2>\n'
        f"{aside}\n</div>\n{table}\n</section>"
    )


def dashboard_html(summary: mirror_selectors.HomeSummary) -> tuple[str, str]:
    """The dashboard's parts drawn from the read model: the status counts and the four queues (before the
    close-out review queue), and the recently modified work orders (after it)."""
    wo = reverse("workorders")
    counts = "\n".join(
        f'<li><a href="{wo}?status_code={s.status_code}">{escape(str(s.status or s.status_code))}'
        f' <span class="badge {status_badge(s.status_code)}">{s.count}</span></a></li>'
        for s in summary.status_counts
    )
    total = summary.total
    queues = "\n".join(_queue_html(queue, summary, wo) for queue in HOME_QUEUES)
    head = (
        '<section class="card" id="status-counts" aria-labelledby="status-counts-title">\n'
        '<div class="card-head">\n<h2 id="status-counts-title">Work orders by status</h2>\n'
        f'<span class="aside muted">{total} work order{_plural(total)} in total</span>\n</div>\n'
        f'<ul class="status-counts">\n{counts}\n</ul>\n</section>\n\n<div class="queues">\n{queues}\n</div>'
    )
    recent = (
        '<section class="card" id="recent">\n<h2>Recently modified</h2>\n<div class="table-scroll">\n'
        '<table class="wo-table one-line reflow">\n<thead><tr><th>#</th><th>Status</th><th>Summary</th>'
        "<th>Site</th><th>Modified</th></tr></thead>\n"
        f"<tbody>\n{recent_rows_html(summary.recently_modified)}\n</tbody>\n</table>\n</div>\n</section>"
    )
    return head, recent


def _queue_head() -> tuple[list[closeout_selectors.QueueEntry], int]:
    page = closeout_selectors.closeout_queue(per_page=REVIEW_QUEUE_SHOWN)
    return list(page.object_list), page.paginator.count


def review_queue(request: HttpRequest) -> dict[str, Any]:
    """The close-out review queue's head, counted first so that an empty queue takes one query;
    ``unavailable`` when it cannot be read (the page still shows). Kept until a close-out's state changes
    (the generation "closeouts": a scan, a decision) or the read model its rows come from does."""
    try:
        found = request_generations(request)
        read_model = found.get("read_model") if isinstance(found, dict) else None
        if read_model is None:
            entries, count = _queue_head()
        else:
            key = f"home-queue:{REVIEW_QUEUE_SHOWN}:{read_model}"
            entries, count = kept_now("closeouts", key, _queue_head, request=request)
    except Exception:
        logger.warning("Could not read the close-out review queue", exc_info=True)
        return {"entries": [], "count": 0, "unavailable": True}
    return {"entries": entries, "count": count, "unavailable": False}


@viewer_required
@require_GET
@vary_on_htmx
def home(request: HttpRequest) -> HttpResponse:
    """The dispatch dashboard; htmx gets its ``dashboard`` partial (the page refreshes it every minute).

    What it shows from the read model is drawn once per version of the read model and day; the freshness
    line and the close-out review queue (staff decisions) are drawn for every request."""
    freshness = selectors.freshness()
    today = fragments.today()
    head, recent = fragments.kept(
        "home",
        fragments.version_of(freshness),
        today,
        build=lambda: dashboard_html(mirror_selectors.home_summary(today=today)),
    )
    context = {
        "freshness": freshness,
        "queue": review_queue(request),
        "queues_html": mark_safe(head),  # every value is escaped in dashboard_html
        "recent_html": mark_safe(recent),
    }
    return partial_or_page(request, "dispatch/home.html", "dashboard", context)


@viewer_required
@require_POST
def sync_request(request: HttpRequest) -> HttpResponse:
    """Queue a sync now. Bringing the copy up to date only reads from TechLink, so viewers may ask too."""
    if mirror_services.mirror_sync_request():
        messages.success(request, "A sync with TechLink has been queued; lists update as it runs.")
    else:
        messages.warning(
            request,
            "The sync could not be queued right now (the task queue is not answering). "
            "The scheduled syncs run as soon as it is back.",
        )
    return redirect(safe_next(request, reverse("home")))
