"""The dispatch dashboard, and the request to sync the read model now."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import partial_or_page, safe_next, vary_on_htmx
from portal_ui.dispatch import selectors
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror import services as mirror_services


@viewer_required
@require_GET
@vary_on_htmx
def home(request: HttpRequest) -> HttpResponse:
    """The dispatch dashboard; htmx gets its ``dashboard`` partial (the page refreshes it every minute)."""
    context = {"summary": mirror_selectors.home_summary(), "freshness": selectors.freshness()}
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
