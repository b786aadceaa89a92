"""Work orders: the list, new and edit, refresh, notes and tasks (the page itself: ``pages.py``)."""

from __future__ import annotations

import functools
from datetime import date
from functools import partial
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.core.htmx import partial_or_page, vary_on_htmx
from portal_ui.dispatch import filter_forms, forms, live, selectors
from portal_ui.dispatch.selectors import Reference
from portal_ui.dispatch.states import workorder_writes
from portal_ui.dispatch.views import fragments
from portal_ui.dispatch.views.common import (
    PER_PAGE,
    dismiss_replaced,
    edit_page,
    int_param,
    refresh_view,
    refuse,
    refused_write,
    send_form,
    upstream_page,
)
from portal_ui.dispatch.views.pages import send_into
from portal_ui.dispatch.views.rows import workorder_list_rows_html
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import UpstreamWrite, WriteKind
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.portal_links.sharing import services as sharing_services


def _sort_links(current: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    links = []
    for key, label in filter_forms.SORT_COLUMNS.items():
        active = current.lstrip("-") == key
        descending = current.startswith("-")
        if active:
            next_sort = key if descending else f"-{key}"
        else:
            next_sort = f"-{key}" if key in ("id", "modified") else key
        links.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "descending": active and descending,
                "query": urlencode({**filters, "sort": next_sort}),
            }
        )
    return links


def _head_html(sort_links: list[dict[str, Any]]) -> str:
    cells = []
    for col in sort_links:
        query = escape(col["query"])
        aria = arrow = ""
        if col["active"]:
            aria = f' aria-sort="{"descending" if col["descending"] else "ascending"}"'
            arrow = " ↓" if col["descending"] else " ↑"
        cells.append(
            f'<th{aria}><a href="?{query}" hx-get="?{query}" hx-target="#workorder-rows" hx-push-url="true">'
            f"{escape(col['label'])}{arrow}</a></th>"
        )
    return "".join(cells)


def _list_html(page: Page, sort: str, filters: dict[str, str], project_names: dict[int, str]) -> str:
    """The list's table and pager (what htmx swaps in, below the form's errors)."""
    query = urlencode({**filters, "sort": sort})
    pager = render_to_string("dispatch/_pager.html", {"page": page, "query": query, "hx": "#workorder-rows"})
    return (
        '<div class="table-scroll">\n<table class="wo-table one-line reflow">\n'
        f"<thead><tr>{_head_html(_sort_links(sort, filters))}<th>Project</th><th>PO</th><th>Installer</th></tr>"
        f"</thead>\n<tbody>\n{workorder_list_rows_html(page.object_list, project_names)}\n</tbody>\n"
        f"</table>\n</div>\n{pager}"
    )


def list_reference(freshness: mirror_selectors.Freshness | None) -> Reference:
    """The reference lists from the read model (kept until the sync stores them again); TechLink is asked
    only when the read model never had them (or cannot be read)."""
    stored = fragments.reference_kept(freshness, selectors.reference_lists)
    return stored if stored is not None else live.reference_lists_get()[0]


def _list_parts(
    request: HttpRequest, form: filter_forms.WorkOrderFilterForm, project_names: dict, today: date
) -> dict:
    """The list as the query string asks for it: the filter fields, the errors, the table and pager, the
    page shown and the answer's status."""
    filters = form.filters() if form.is_bound else {}
    sort = _sort(request)
    page = Paginator([], PER_PAGE).get_page(1)  # bad filters find nothing (and say why)
    if not form.is_bound or form.is_valid():
        try:
            page = mirror_selectors.workorder_list(
                filters=form.lookups(),
                sort=sort,
                page=int_param(request, "page"),
                per_page=PER_PAGE,
                today=today,
            )
        except mirror_selectors.InvalidFilter as exc:
            form.add_error(None, str(exc))
    return {
        "fields": render_to_string("dispatch/workorders.html#fields", {"form": form}),
        "errors": render_to_string("dispatch/workorders.html#errors", {"form": form}),
        "rows": _list_html(page, sort, filters, project_names),
        "page": fragments.page_parts(page),
        "status": 400 if form.errors else 200,
    }


def _sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "-id")
    return sort if sort in mirror_selectors.WORKORDER_SORTS else "-id"


@viewer_required
@require_GET
@vary_on_htmx
def workorder_list(request: HttpRequest) -> HttpResponse:
    """Work orders from the read model, filtered and sorted; htmx gets the ``rows`` only.

    What the query string shows (filter fields, errors, rows, pager) is drawn once per version of the read
    model (with its reference lists and status names) and day, and kept: a request that finds it builds no
    form and asks nothing more. The rest of the page (the freshness line, the viewer's actions and saved
    views) is drawn per request."""
    freshness = selectors.freshness()
    # Kept only while the reference lists come from the read model (else TechLink is asked for them).
    synced = getattr(freshness, "reference_sync_at", None) is not None
    version = fragments.version_of(freshness) if synced else ""

    @functools.cache
    def reference() -> Reference:
        return list_reference(freshness)

    @functools.cache
    def form() -> filter_forms.WorkOrderFilterForm:
        return filter_forms.WorkOrderFilterForm(request.GET or None, reference=reference())

    today = fragments.today()
    parts = fragments.kept(
        "workorders",
        version,
        today,
        request.GET.urlencode(),
        build=lambda: _list_parts(request, form(), reference().project_names, today),
    )
    context = {
        "form": SimpleLazyObject(form),  # for whoever asks: the page itself shows what was kept
        # Drawn by the template engine (fields, errors) or escaped in _list_html.
        "filter_fields": mark_safe(parts["fields"]),
        "errors_html": mark_safe(parts["errors"]),
        "rows_html": mark_safe(parts["rows"]),
        "page": fragments.page_of(*parts["page"], PER_PAGE),
        "sort": _sort(request),
        "freshness": freshness,
    }
    return partial_or_page(request, "dispatch/workorders.html", "rows", context, status=parts["status"])


def _unsent_form(
    request: HttpRequest, data: QueryDict, reference: Reference, refused: UpstreamWrite | None, choices: list
) -> tuple[forms.WorkOrderCreateForm, list]:
    """The new work order form before it is sent, and the site picker's options: what was typed so far (a
    site search without JavaScript posts the form), a refused create's fields, or the site it was opened
    for (``?site=``)."""
    field_names = forms.WorkOrderCreateForm(reference=reference).fields
    initial = {k: v for k, v in data.items() if k in field_names and v != ""}
    if refused is not None and request.method == "GET":
        fields = forms.WorkOrderCreateForm.initial_from_upstream(refused.payload.get("fields", {}))
        initial |= {k: v for k, v in fields.items() if k in field_names and v}
        choices = choices or selectors.site_choices(str(initial.get("site_id", "")))
    if data.get("site", "").isdigit():
        initial["site_id"] = int(data["site"])
        choices = choices or selectors.site_choices(data["site"])
    if len(choices) == 1:
        initial.setdefault("site_id", choices[0][0])
    return forms.WorkOrderCreateForm(initial=initial, reference=reference, site_choices=choices), choices


@dispatcher_required
def workorder_new(request: HttpRequest) -> HttpResponse:
    reference, problem = live.reference_lists_get()
    params = request.POST if request.method == "POST" else request.GET
    site_q = params.get("site_q", "").strip()
    choices = selectors.site_choices(site_q)
    refused = refused_write(request, WriteKind.WORKORDER_CREATE)

    def page(form: forms.WorkOrderCreateForm, status: int = 400) -> HttpResponse:
        context = {
            "form": form,
            "site_q": site_q,
            "site_choices": choices,
            "upstream_banner": problem,
            "refused": refused,
        }
        return render(request, "dispatch/workorder_form.html", context, status=status)

    if request.method != "POST" or "search_sites" in request.POST:
        form, choices = _unsent_form(request, params, reference, refused, choices)
        return page(form, status=200)
    form = forms.WorkOrderCreateForm(request.POST, reference=reference, site_choices=choices)

    def send(data: dict[str, Any]) -> UpstreamWrite:
        if not live.site_known(site_id=data["site_id"]):
            raise ValidationError({"site_id": f"TechLink has no site #{data['site_id']}."})
        write = jobs_services.workorder_create(user=request.user, fields=form.upstream_fields())
        dismiss_replaced(request, refused)
        return write

    return send_form(
        request,
        form,
        send,
        message="Work order “{summary}” is on its way to TechLink.",
        back=reverse("workorders"),
        invalid=page,
        to_job=True,
    )


@dispatcher_required
@upstream_page
def workorder_edit(request: HttpRequest, workorder_id: int) -> HttpResponse:
    detail = live.workorder_detail_get(workorder_id=workorder_id, write_back=False)
    back = reverse("workorder_detail", args=[workorder_id])
    wo = detail.workorder
    reason = workorder_writes(wo.status_code, wo.status).refusal(WriteKind.WORKORDER_UPDATE)
    if reason:  # as TechLink answers now, or as the read model last saw it when TechLink did not answer
        return refuse(request, reason, back=back)
    form = forms.WorkOrderEditForm.editing_workorder(
        detail.workorder, request.POST or None, reference=detail.reference
    )
    update = partial(jobs_services.workorder_update, user=request.user, workorder_id=workorder_id)
    context = {"wo": detail.workorder, "upstream_banner": detail.upstream_error}
    return edit_page(request, "dispatch/workorder_edit.html", context, form, update, back=back)


workorder_refresh = refresh_view(
    live.workorder_refresh, page="workorder", done="Work order refreshed from TechLink."
)


@dispatcher_required
@require_POST
@upstream_page
def workorder_note_add(request: HttpRequest, workorder_id: int) -> HttpResponse:
    def send(data: dict[str, Any]) -> UpstreamWrite:
        note = jobs_services.staff_signed(note=data["note"], user=request.user)
        write = jobs_services.workorder_note_add(user=request.user, workorder_id=workorder_id, note=note)
        if data["visible_to_customer"]:
            sharing_services.portal_link_note_visibility_set(
                workorder_id=workorder_id, write=write, visible=True, user=request.user
            )
        return write

    form = forms.NoteForm(request.POST)
    owner = {"workorder_id": workorder_id}
    return send_into(request, "workorder", "notes", owner, form, send, message="Adding the note in TechLink.")


@dispatcher_required
@require_POST
@upstream_page
def workorder_task_add(request: HttpRequest, workorder_id: int) -> HttpResponse:
    reference, _ = live.reference_lists_get()

    def send(data: dict[str, Any]) -> UpstreamWrite:
        quantity = data["quantity"]
        return jobs_services.workorder_task_add(
            user=request.user,
            workorder_id=workorder_id,
            taskitem_id=data["taskitem_id"],
            description=data["description"],
            rate=str(data["rate"]),
            quantity=str(quantity.normalize()) if quantity is not None else 1,
        )

    form = forms.TaskForm(request.POST, reference=reference)
    owner = {"workorder_id": workorder_id}
    return send_into(request, "workorder", "tasks", owner, form, send, message="Adding task “{description}”.")
