"""htmx plumbing shared by every app, on django-htmx's helpers.

One URL per page: an htmx request for part of a page gets the page's partial (``"page.html#rows"``), a
plain request (or an htmx history restore) the whole page, and every such page varies on ``HX-Request``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

__all__ = [
    "HttpResponseClientRedirect",
    "form_errors_in_place",
    "is_partial",
    "partial_or_page",
    "safe_next",
    "trigger_client_event",
    "trigger_json",
    "vary_on_htmx",
]

vary_on_htmx: Callable = vary_on_headers("HX-Request")


def is_partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page (a history restore or a boosted link needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def partial_or_page(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The page's ``partial`` for an htmx request for part of it, else the whole page."""
    name = f"{template}#{partial}" if is_partial(request) else template
    return render(request, name, context, status=status)


def form_errors_in_place(
    request: HttpRequest, template: str, context: dict[str, Any], *, target: str
) -> HttpResponse:
    """An htmx form post with bad input: the form comes back (400) with its errors in place of the old one."""
    response = render(request, template, context, status=400)
    retarget(response, f"#{target}")
    reswap(response, "outerHTML")
    return response


def trigger_json(response: HttpResponse, name: str, detail: dict[str, Any]) -> HttpResponse:
    """``HX-Trigger`` with one event and its detail (django-htmx's ``trigger_client_event``)."""
    return trigger_client_event(response, name, json.loads(json.dumps(detail)))


def safe_next(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """Where a plain form post goes back to: the posted ``next`` when it is a page of this site, else
    ``default`` (``//evil.com`` and ``/\\evil.com`` are not pages of this site)."""
    target = request.POST.get(field, "") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
