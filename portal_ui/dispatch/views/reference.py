"""TechLink's reference lists: projects, task items and client users."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import partial_or_page, vary_on_htmx
from portal_ui.dispatch import live, selectors


@viewer_required
@require_GET
@vary_on_htmx
def reference(request: HttpRequest) -> HttpResponse:
    """Projects, task items and client users as last synced; ``q`` narrows all three (htmx: the lists only)."""
    lists, problem = live.reference_lists_get()
    query = request.GET.get("q", "").strip()
    context = {
        "lists": selectors.reference_lists_filter(lists, query),
        "q": query,
        "upstream_banner": problem,
        "freshness": selectors.freshness(),
    }
    return partial_or_page(request, "dispatch/reference.html", "lists", context)
