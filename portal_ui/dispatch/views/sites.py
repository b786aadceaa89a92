"""Sites: search, the site picker of a new work order, new and edit, refresh, attributes (the page itself:
``pages.py``)."""

from __future__ import annotations

import functools
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.core.htmx import partial_or_page, vary_on_htmx
from portal_ui.dispatch import filter_forms, forms, live, selectors
from portal_ui.dispatch.views import fragments
from portal_ui.dispatch.views.common import (
    PER_PAGE,
    confirm,
    dismiss_replaced,
    edit_page,
    form_page,
    int_param,
    queued_removal,
    refresh_view,
    refused_write,
    upstream_page,
)
from portal_ui.dispatch.views.pages import send_into
from portal_ui.dispatch.views.rows import site_rows_html
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import UpstreamWrite, WriteKind
from portal_ui.mirror import selectors as mirror_selectors


def _results_html(page: Page, query: str, *, searched: bool) -> str:
    """The search's table and pager (what htmx swaps in, below the form's errors)."""
    pager = render_to_string("dispatch/_pager.html", {"page": page, "query": query, "hx": "#site-results"})
    return (
        '<div class="table-scroll">\n<table class="one-line reflow">\n<thead><tr><th>Name</th>'
        "<th>Site number</th><th>Site code</th><th>City / state</th><th>ZIP</th><th>Contact</th><th>Phone</th>"
        f"</tr></thead>\n<tbody>\n{site_rows_html(page.object_list, searched=searched)}\n</tbody>\n</table>\n"
        f"</div>\n{pager}"
    )


def _search_parts(request: HttpRequest, form: filter_forms.SiteSearchForm) -> dict:
    """The search as the query string asks for it: the search fields, the errors, the table and pager, and
    the page shown."""
    filters = form.filters() if form.is_bound else {}
    lookups = form.lookups() if form.is_bound else {}
    page = mirror_selectors.site_search(**lookups, page=int_param(request, "page"), per_page=PER_PAGE)
    return {
        "fields": render_to_string("dispatch/sites.html#fields", {"form": form}),
        "errors": render_to_string("dispatch/sites.html#errors", {"form": form}),
        "rows": _results_html(page, urlencode(filters), searched=bool(filters)),
        "page": fragments.page_parts(page),
    }


@viewer_required
@require_GET
@vary_on_htmx
def site_list(request: HttpRequest) -> HttpResponse:
    """Sites from the read model, searched with the staff search rule; htmx gets the ``results`` only.

    What the query string shows (search fields, errors, results, pager) is drawn once per version of the read
    model and kept: a request that finds it builds no form and asks nothing more. The rest of the page (the
    freshness line, the viewer's actions and saved views) is drawn per request."""
    freshness = selectors.freshness()
    form = functools.cache(lambda: filter_forms.SiteSearchForm(request.GET or None))
    parts = fragments.kept(
        "sites",
        fragments.version_of(freshness),
        request.GET.urlencode(),
        build=lambda: _search_parts(request, form()),
    )
    context = {
        "form": SimpleLazyObject(form),  # for whoever asks: the page itself shows what was kept
        # Drawn by the template engine (fields, errors) or escaped in _results_html.
        "search_fields": mark_safe(parts["fields"]),
        "errors_html": mark_safe(parts["errors"]),
        "results_html": mark_safe(parts["rows"]),
        "page": fragments.page_of(*parts["page"], PER_PAGE),
        "freshness": freshness,
    }
    return partial_or_page(request, "dispatch/sites.html", "results", context)


@viewer_required
@require_GET
@vary_on_htmx
def site_lookup(request: HttpRequest) -> HttpResponse:
    """Site picker suggestions for the new work order form (htmx), searching names and site codes."""
    query = request.GET.get("site_q", "").strip()
    choices = selectors.site_choices(query)
    initial = {"site_id": choices[0][0] if len(choices) == 1 else None}
    form = forms.WorkOrderCreateForm(initial=initial, reference=selectors.NO_REFERENCE, site_choices=choices)
    context = {"form": form, "site_q": query, "site_choices": choices}
    return render(request, "dispatch/workorder_form.html#site_picker", context)


@dispatcher_required
def site_new(request: HttpRequest) -> HttpResponse:
    refused = refused_write(request, WriteKind.SITE_CREATE)
    initial = {"country": "US"} | forms.SiteForm.initial_from_upstream(
        refused.payload.get("fields", {}) if refused else {}
    )
    form = forms.SiteForm(request.POST or None, initial=initial)

    def send(data: dict[str, Any]) -> UpstreamWrite:
        write = jobs_services.site_create(user=request.user, fields=form.upstream_fields())
        dismiss_replaced(request, refused)
        return write

    context = {"site": None, "refused": refused}
    return form_page(
        request,
        "dispatch/site_form.html",
        context,
        form,
        send,
        message="Site “{name}” is on its way to TechLink.",
        back=reverse("sites"),
        to_job=True,
    )


@dispatcher_required
@upstream_page
def site_edit(request: HttpRequest, site_id: int) -> HttpResponse:
    detail = live.site_detail_get(site_id=site_id, write_back=False)
    form = forms.SiteForm.editing_site(detail.site, request.POST or None)
    update = partial(jobs_services.site_update, user=request.user, site_id=site_id)
    context = {"site": detail.site, "upstream_banner": detail.upstream_error}
    back = reverse("site_detail", args=[site_id])
    return edit_page(request, "dispatch/site_form.html", context, form, update, back=back)


site_refresh = refresh_view(live.site_refresh, page="site", done="Site refreshed from TechLink.")


@dispatcher_required
@require_POST
@upstream_page
def site_attribute_set(request: HttpRequest, site_id: int) -> HttpResponse:
    def send(data: dict[str, Any]) -> UpstreamWrite:
        return jobs_services.site_attribute_set(user=request.user, site_id=site_id, **data)

    form = forms.SiteAttributeForm(request.POST)
    owner = {"site_id": site_id}
    return send_into(request, "site", "attributes", owner, form, send, message="Setting attribute “{name}”.")


@dispatcher_required
@require_POST
def site_attribute_remove(request: HttpRequest, site_id: int) -> HttpResponse:
    form = forms.SiteAttributeRemoveForm(request.POST)
    back = reverse("site_detail", args=[site_id])
    if not form.is_valid():
        messages.error(request, "Say which attribute to remove.")
        return redirect(back)
    name = form.cleaned_data["name"]
    if not form.cleaned_data["confirm"]:
        return confirm(
            request,
            question=f"Remove the attribute “{name}” from this site?",
            detail=form.cleaned_data["value"],
            action=reverse("site_attribute_remove", args=[site_id]),
            back=back,
            fields={"name": name},
        )
    write = jobs_services.site_attribute_remove(user=request.user, site_id=site_id, name=name)
    return queued_removal(request, write, back=back, label=name, message=f"Removing attribute “{name}”.")
