"""Find anything (``/search/?q=``): a work order number jumps to it; anything else lists the matching work orders
and sites from the read model, read with the staff search rule."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import vary_on_htmx
from portal_ui.dispatch import selectors
from portal_ui.dispatch.filter_forms import SEARCH_HINT
from portal_ui.mirror import selectors as mirror_selectors

QUERY_MAX = 200


def query_problem(query: str) -> str:
    """Why a search cannot be run, or ""."""
    if "\x00" in query:
        return "A search cannot contain NUL characters."
    if len(query) > QUERY_MAX:
        return f"A search can be at most {QUERY_MAX} characters long (this one has {len(query):,})."
    return ""


@viewer_required
@require_GET
@vary_on_htmx
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    problem = query_problem(query)
    query = query.strip()
    context = {"q": "" if problem else query, "problem": problem, "hint": SEARCH_HINT, "result": None}
    if problem:
        return render(request, "dispatch/search.html", context, status=400)
    if query:
        number = mirror_selectors.workorder_number(query)
        if number is not None and mirror_selectors.workorder_exists(number):
            return redirect("workorder_detail", number)
        context["result"] = mirror_selectors.find_anything(query)
        context["freshness"] = selectors.freshness()
    return render(request, "dispatch/search.html", context)
