"""Staff pages: home, sites, work orders, close-out review and reference lists.

Reads come from the read model (lists) or from TechLink in parallel (detail pages); every write
goes through the durable write services in ``portal_ui.jobs.services`` and the page then shows
the write's live status. htmx requests get the page's partial; every page works without it.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.dispatch import forms, selectors
from portal_ui.dispatch.selectors import UpstreamNotFound, UpstreamUnavailable, upstream_banner
from portal_ui.integrations.techlink import errors, types
from portal_ui.jobs import selectors as jobs_selectors
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import UpstreamWrite, WriteKind
from portal_ui.jobs.responses import announce_done
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror import services as mirror_services
from portal_ui.mirror.search import picker_pattern

logger = logging.getLogger(__name__)

PER_PAGE = 25
# Parts of the detail pages an htmx request can ask for with ``?section=`` (each lists what a write changes;
# the page refreshes one when a write to it is done, see static/dispatch/dispatch.js).
SITE_SECTIONS = ("attributes", "documents")
WORKORDER_SECTIONS = ("notes", "tasks", "client_documents", "required_documents")
# Sent with a write's status once TechLink has it; dispatch.js refreshes the sections listing that kind.


def _partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page (a history restore needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _int_param(request: HttpRequest, name: str, default: int = 1) -> int:
    try:
        return max(1, int(request.GET.get(name, default)))
    except (TypeError, ValueError):
        return default


def _write_from_query(request: HttpRequest):
    """The write named by ``?write=<id>`` (just queued by this page), to show its live status."""
    write_id = request.GET.get("write", "")
    if not write_id.isdigit():
        return None
    return UpstreamWrite.objects.filter(pk=int(write_id)).first()


def _freshness():
    try:
        return mirror_selectors.freshness()
    except Exception:  # freshness is a hint; never let it break a page
        logger.warning("Could not read the read model's freshness", exc_info=True)
        return None


def _unavailable(request: HttpRequest, banner: str) -> HttpResponse:
    return render(request, "dispatch/unavailable.html", {"upstream_banner": banner}, status=503)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a write service's validation errors on the form (on the named field when there is one)."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _section(request: HttpRequest, sections: tuple[str, ...]) -> str:
    """The section an htmx request asks for (``?section=``), or "" for the whole page."""
    section = request.GET.get("section", "")
    return section if _partial(request) and section in sections else ""


def _write_status(request: HttpRequest, write, *, template: str = "dispatch/_write.html", **context: Any):
    """A write's live status for htmx; when it is already done, the page is told to refresh its lists."""
    write.refresh_from_db()  # a fast worker may have sent it already
    return announce_done(render(request, template, {"write": write, **context}), write)


def _queued(request: HttpRequest, write, *, back: str, message: str) -> HttpResponse:
    """After queueing a write: htmx gets the live status partial, a plain post goes back with a message."""
    if _partial(request):
        return _write_status(request, write)
    messages.success(request, message)
    return redirect(f"{back}?{urlencode({'write': write.pk})}")


def _queued_removal(request: HttpRequest, write, *, back: str, label: str, message: str) -> HttpResponse:
    """After queueing a removal: htmx gets the row, marked as being removed, with the write's live status."""
    if _partial(request):
        return _write_status(request, write, template="dispatch/_removing_row.html", label=label)
    return _queued(request, write, back=back, message=message)


def _confirm(request: HttpRequest, *, question: str, detail: str, action: str, back: str, fields: dict):
    """Ask once more before removing something (htmx asks in the browser and sends ``confirm=1``)."""
    context = {"question": question, "detail": detail, "action": action, "back": back, "fields": fields}
    return render(request, "dispatch/confirm.html", context)


def _job_url(write, fallback: str) -> str:
    """Where a create goes on: its live status, which moves on to the new object once TechLink has it."""
    try:
        return f"{reverse('job_detail', args=[write.pk])}?then=open"
    except NoReverseMatch:
        return f"{fallback}?{urlencode({'write': write.pk})}"


def _invalid_partial(request: HttpRequest, template: str, context: dict, *, target: str) -> HttpResponse:
    """An htmx form post with bad input: the form comes back with its errors in place of the old one."""
    response = render(request, template, context, status=400)
    response["HX-Retarget"] = f"#{target}"
    response["HX-Reswap"] = "outerHTML"
    return response


# -- downloads ------------------------------------------------------------------------------------


class _UpstreamBody:
    """Streams an upstream file and always releases the connection, even if never read."""

    def __init__(self, raw: types.RawFile) -> None:
        self.raw = raw
        self._chunks = raw.iter_bytes()

    def __iter__(self):
        return self._chunks

    def close(self) -> None:
        self.raw.close()


def _stream(
    request: HttpRequest, *, kind: str, owner_id: int, file_id: int, inline_images: bool = False
) -> HttpResponse:
    try:
        raw = selectors.upstream_file_open(kind=kind, owner_id=owner_id, file_id=file_id)
    except errors.TechLinkNotFound as exc:
        raise Http404(str(exc)) from exc
    except errors.TechLinkError as exc:
        return render(
            request, "dispatch/unavailable.html", {"upstream_banner": upstream_banner(exc)}, status=502
        )
    content_type = raw.content_type or "application/octet-stream"
    filename = raw.filename
    if not filename:
        try:
            filename = selectors.upstream_file_name(kind=kind, owner_id=owner_id, file_id=file_id)
        except errors.TechLinkError:
            filename = ""
    inline = inline_images and content_type.lower().startswith("image/")
    response = StreamingHttpResponse(_UpstreamBody(raw), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename or "download")
    response["Cache-Control"] = "private, max-age=300" if inline else "private, no-store"
    return response


# -- home -----------------------------------------------------------------------------------------


@viewer_required
@require_GET
@vary_on_headers("HX-Request")
def home(request: HttpRequest) -> HttpResponse:
    """The dispatch dashboard; htmx gets its ``dashboard`` partial (the page refreshes it every minute)."""
    summary = mirror_selectors.home_summary()
    template = "dispatch/home.html#dashboard" if _partial(request) else "dispatch/home.html"
    return render(request, template, {"summary": summary, "freshness": _freshness()})


@viewer_required
@require_POST
def sync_request(request: HttpRequest) -> HttpResponse:
    """Queue a sync now. Bringing the copy up to date only reads from TechLink, so viewers may ask too."""
    mirror_services.mirror_sync_request()
    messages.success(request, "A sync with TechLink has been queued; lists update as it runs.")
    return redirect(_safe_next(request, reverse("home")))


def _safe_next(request: HttpRequest, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# -- sites ----------------------------------------------------------------------------------------


@viewer_required
@require_GET
@vary_on_headers("HX-Request")
def sites(request: HttpRequest) -> HttpResponse:
    form = forms.SiteSearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    page = mirror_selectors.site_search(**filters, page=_int_param(request, "page"), per_page=PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "query": urlencode(filters),
        "freshness": _freshness(),
        "searched": bool(filters),
    }
    template = "dispatch/sites.html#results" if _partial(request) else "dispatch/sites.html"
    return render(request, template, context)


@viewer_required
@require_GET
def site_lookup(request: HttpRequest) -> HttpResponse:
    """Site picker suggestions for the new work order form (htmx), searching names and site IDs."""
    query = request.GET.get("site_q", "").strip()
    choices = _site_choices(query)
    form = forms.WorkOrderCreateForm(
        initial={"site_id": choices[0][0] if len(choices) == 1 else None},
        reference=selectors.ReferenceLists(),
        site_choices=choices,
    )
    return render(
        request,
        "dispatch/workorder_form.html#site_picker",
        {"form": form, "site_q": query, "site_choices": choices},
    )


def site_picker_pattern(query: str) -> str:
    """The wildcard pattern the site picker searches with.

    With a ``*`` the query is a pattern as on the Sites page (the whole name or site ID must match, ``*``
    any characters, ``\\*`` a literal star). Without one, it finds names and site IDs containing the text.
    """
    return picker_pattern(query)


def _site_choices(query: str) -> list[tuple[int, str]]:
    if not query:
        return []
    pattern = site_picker_pattern(query)
    rows = list(mirror_selectors.site_search(name=pattern, per_page=20).object_list)
    if len(rows) < 20:
        seen = {r.id for r in rows}
        rows += [
            r
            for r in mirror_selectors.site_search(site_code=pattern, per_page=20).object_list
            if r.id not in seen
        ]
    if query.isdigit() and not any(r.id == int(query) for r in rows):
        record = mirror_selectors.site_get(site_id=int(query))
        if record is not None:
            rows.insert(0, record)
    return [(r.id, _site_label(r)) for r in rows[:20]]


def _site_label(row: Any) -> str:
    place = ", ".join(p for p in (row.city, getattr(row, "stateabbr", "") or row.state) if p)
    code = f" [{row.siteid}]" if row.siteid else ""
    return f"{row.name}{code} — {place} (#{row.id})" if place else f"{row.name}{code} (#{row.id})"


def _site_page(
    request: HttpRequest, site_id: int, *, status: int = 200, **form_overrides: Any
) -> HttpResponse:
    section = _section(request, SITE_SECTIONS)
    try:
        detail = selectors.site_detail_get(site_id=site_id)
    except UpstreamNotFound as exc:
        raise Http404(str(exc)) from exc
    except UpstreamUnavailable as exc:
        return _unavailable(request, str(exc))
    if section:  # one list, fetched afresh (a write to it is done)
        context = {"detail": detail, "site": detail.site, "site_id": site_id, "zone": detail.zone}
        return render(request, f"dispatch/site_detail.html#{section}", context)
    try:
        workorders = selectors.site_workorders(site_id=site_id, page=_int_param(request, "page"))
    except Exception:
        logger.warning("Could not list work orders of site #%s", site_id, exc_info=True)
        workorders = None
    write = _write_from_query(request)
    context = {
        "detail": detail,
        "site": detail.site,
        "site_id": site_id,
        "zone": detail.zone,
        "workorders": workorders,
        "upstream_banner": detail.upstream_error,
        "attribute_form": forms.SiteAttributeForm(),
        "document_form": forms.DocumentUploadForm(prefix="doc"),
        "write": write,
        "open_writes": selectors.open_writes(site_id=site_id, exclude_id=write.pk if write else None),
        "freshness": _freshness(),
    }
    context.update(form_overrides)
    return render(request, "dispatch/site_detail.html", context, status=status)


@viewer_required
@require_GET
@vary_on_headers("HX-Request")
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    return _site_page(request, site_id)


@dispatcher_required
def site_new(request: HttpRequest) -> HttpResponse:
    refused = _refused(request, WriteKind.SITE_CREATE)
    initial = {"country": "US"} | (refused.payload.get("fields", {}) if refused else {})
    form = forms.SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            write = jobs_services.site_create(user=request.user, fields=form.upstream_fields())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            _replaced(refused, request)
            messages.success(request, f"Site “{form.cleaned_data['name']}” is on its way to TechLink.")
            return redirect(_job_url(write, reverse("sites")))
    context = {"form": form, "site": None, "refused": refused}
    return render(request, "dispatch/site_form.html", context, status=400 if form.errors else 200)


def _refused(request: HttpRequest, kind: str):
    """The refused create this form sends again, changed (``?from_write=`` on the way in, then ``replaces``)."""
    return jobs_selectors.upstream_write_refused(
        pk=request.POST.get("replaces") or request.GET.get("from_write"), kind=kind
    )


def _replaced(refused, request: HttpRequest) -> None:
    """The changed copy is on its way: the refused original is dismissed, so it is not sent twice."""
    if refused is not None:
        try:
            jobs_services.upstream_write_dismiss(write=refused, user=request.user)
        except ValidationError:
            pass  # retried meanwhile by someone else; it shows on its page


@dispatcher_required
def site_edit(request: HttpRequest, site_id: int) -> HttpResponse:
    try:
        detail = selectors.site_detail_get(site_id=site_id, refresh_record=False)
    except UpstreamNotFound as exc:
        raise Http404(str(exc)) from exc
    except UpstreamUnavailable as exc:
        return _unavailable(request, str(exc))
    form = forms.SiteForm(
        request.POST or None, initial=forms.SiteForm.initial_from_site(detail.site), editing=True
    )
    if request.method == "POST" and form.is_valid():
        changes = form.upstream_changes()
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect("site_detail", site_id=site_id)
        try:
            write = jobs_services.site_update(user=request.user, site_id=site_id, changes=changes)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _queued(
                request,
                write,
                back=reverse("site_detail", args=[site_id]),
                message=f"Saving {len(changes)} changed field(s) to TechLink.",
            )
    context = {"form": form, "site": detail.site, "upstream_banner": detail.upstream_error}
    return render(request, "dispatch/site_form.html", context, status=400 if form.errors else 200)


@viewer_required
@require_POST
def site_refresh(request: HttpRequest, site_id: int) -> HttpResponse:
    """Fetch the site again now (a read from TechLink: viewers may ask too)."""
    try:
        mirror_services.mirror_site_refresh(site_id=site_id)
    except errors.TechLinkError as exc:
        messages.warning(request, upstream_banner(exc))
    else:
        messages.success(request, "Site refreshed from TechLink.")
    return redirect("site_detail", site_id=site_id)


@dispatcher_required
@require_POST
def site_attribute_set(request: HttpRequest, site_id: int) -> HttpResponse:
    form = forms.SiteAttributeForm(request.POST)
    if form.is_valid():
        try:
            write = jobs_services.site_attribute_set(user=request.user, site_id=site_id, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _queued(
                request,
                write,
                back=reverse("site_detail", args=[site_id]),
                message=f"Setting attribute “{form.cleaned_data['name']}”.",
            )
    if _partial(request):
        return _invalid_partial(
            request,
            "dispatch/site_detail.html#attribute_form",
            {"attribute_form": form, "site_id": site_id},
            target="attribute-form",
        )
    return _site_page(request, site_id, status=400, attribute_form=form)


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
        return _confirm(
            request,
            question=f"Remove the attribute “{name}” from this site?",
            detail=form.cleaned_data["value"],
            action=reverse("site_attribute_remove", args=[site_id]),
            back=back,
            fields={"name": name},
        )
    write = jobs_services.site_attribute_remove(user=request.user, site_id=site_id, name=name)
    return _queued_removal(request, write, back=back, label=name, message=f"Removing attribute “{name}”.")


@dispatcher_required
@require_POST
def site_document_upload(request: HttpRequest, site_id: int) -> HttpResponse:
    form = forms.DocumentUploadForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        try:
            write = jobs_services.site_document_upload(
                user=request.user,
                site_id=site_id,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _queued(
                request,
                write,
                back=reverse("site_detail", args=[site_id]),
                message=f"Uploading {form.cleaned_data['file'].name} to TechLink.",
            )
    if _partial(request):
        return _invalid_partial(
            request,
            "dispatch/site_detail.html#document_form",
            {"document_form": form, "site_id": site_id},
            target="site-document-form",
        )
    return _site_page(request, site_id, status=400, document_form=form)


@viewer_required
@require_GET
def site_document_download(request: HttpRequest, site_id: int, document_id: int) -> HttpResponse:
    return _stream(request, kind="site_document", owner_id=site_id, file_id=document_id)


@dispatcher_required
@require_POST
def site_document_delete(request: HttpRequest, site_id: int, document_id: int) -> HttpResponse:
    write = jobs_services.site_document_delete(user=request.user, site_id=site_id, document_id=document_id)
    label = _document_label(request, document_id)
    return _queued_removal(
        request,
        write,
        back=reverse("site_detail", args=[site_id]),
        label=label,
        message=f"Deleting {label}.",
    )


def _document_label(request: HttpRequest, document_id: int) -> str:
    """How staff know the document being deleted: its file name as the page listed it, else its number."""
    filename = forms.DocumentDeleteForm(request.POST).shown_name()
    return f"“{filename}”" if filename else f"document #{document_id}"


# -- work orders ----------------------------------------------------------------------------------


def _sort_links(current: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    links = []
    for key, label in forms.SORT_COLUMNS.items():
        active = current.lstrip("-") == key
        descending = current.startswith("-")
        next_sort = (
            (key if descending else f"-{key}")
            if active
            else (f"-{key}" if key in ("id", "modified") else key)
        )
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


@viewer_required
@require_GET
@vary_on_headers("HX-Request")
def workorders(request: HttpRequest) -> HttpResponse:
    reference = selectors.reference_lists_get()
    form = forms.WorkOrderFilterForm(request.GET or None, reference=reference)
    filters = form.filters() if form.is_bound else {}
    sort = request.GET.get("sort", "-id")
    if sort not in mirror_selectors.WORKORDER_SORTS:
        sort = "-id"
    page = Paginator([], PER_PAGE).get_page(1)  # bad filters find nothing (and say why)
    if not form.is_bound or form.is_valid():
        try:
            page = mirror_selectors.workorder_list(
                filters=filters, sort=sort, page=_int_param(request, "page"), per_page=PER_PAGE
            )
        except mirror_selectors.InvalidFilter as exc:
            form.add_error(None, str(exc))
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "sort_links": _sort_links(sort, filters),
        "query": urlencode({**filters, "sort": sort}),
        "project_names": reference.project_names,
        "freshness": _freshness(),
    }
    template = "dispatch/workorders.html#rows" if _partial(request) else "dispatch/workorders.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _workorder_create_context(request: HttpRequest, form, site_q: str, choices, reference) -> dict[str, Any]:
    return {
        "form": form,
        "site_q": site_q,
        "site_choices": choices,
        "upstream_banner": reference.upstream_error,
    }


@dispatcher_required
def workorder_new(request: HttpRequest) -> HttpResponse:
    reference = selectors.reference_lists_get()
    data = request.POST if request.method == "POST" else request.GET
    site_q = data.get("site_q", "").strip()
    choices = _site_choices(site_q)
    refused = _refused(request, WriteKind.WORKORDER_CREATE)
    if request.method == "POST" and "search_sites" not in request.POST:
        form = forms.WorkOrderCreateForm(request.POST, reference=reference, site_choices=choices)
        if form.is_valid() and _site_exists(form):
            try:
                write = jobs_services.workorder_create(user=request.user, fields=form.upstream_fields())
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                _replaced(refused, request)
                messages.success(
                    request, f"Work order “{form.cleaned_data['summary']}” is on its way to TechLink."
                )
                return redirect(_job_url(write, reverse("workorders")))
        status = 400
    else:
        # A site search without JavaScript posts the form: everything typed so far comes back.
        field_names = forms.WorkOrderCreateForm(reference=reference).fields
        initial = {k: v for k, v in data.items() if k in field_names and v != ""}
        if refused is not None and request.method == "GET":
            initial |= {k: v for k, v in refused.payload.get("fields", {}).items() if k in field_names and v}
            choices = choices or _site_choices(str(initial.get("site_id", "")))
        if data.get("site", "").isdigit():
            initial["site_id"] = int(data["site"])
            choices = choices or _site_choices(data["site"])
        if len(choices) == 1:
            initial.setdefault("site_id", choices[0][0])
        form = forms.WorkOrderCreateForm(initial=initial, reference=reference, site_choices=choices)
        status = 200
    return render(
        request,
        "dispatch/workorder_form.html",
        _workorder_create_context(request, form, site_q, choices, reference) | {"refused": refused},
        status=status,
    )


def _site_exists(form) -> bool:
    site_id = form.cleaned_data["site_id"]
    if selectors.site_known(site_id=site_id):
        return True
    form.add_error("site_id", f"TechLink has no site #{site_id}.")
    return False


def _note_order(note: types.Note) -> float:
    """Newest first; notes without a date last."""
    return note.created_date.timestamp() if note.created_date else float("-inf")


def _workorder_page(
    request: HttpRequest,
    workorder_id: int,
    *,
    template: str = "dispatch/workorder_detail.html",
    status: int = 200,
    sections: tuple[str, ...] = WORKORDER_SECTIONS,
    **form_overrides: Any,
) -> HttpResponse:
    section = _section(request, sections)
    try:
        detail = selectors.workorder_detail_get(workorder_id=workorder_id)
    except UpstreamNotFound as exc:
        raise Http404(str(exc)) from exc
    except UpstreamUnavailable as exc:
        return _unavailable(request, str(exc))
    wo = detail.workorder
    review = selectors.closeout_review_build(
        required=detail.required_documents or [],
        completed=wo.closeout_documents or [],
        questions=wo.questions or [],
        photos=wo.photos or [],
    )
    context = {
        "detail": detail,
        "wo": wo,
        "workorder_id": workorder_id,
        "site": detail.site,
        "zone": detail.zone,
        "review": review,
        "notes": sorted(wo.notes or [], key=_note_order, reverse=True),
    }
    if section:  # one part, fetched afresh (a write to it is done, or staff asked to check again)
        return render(request, f"{template}#{section}", context)
    write = _write_from_query(request)
    context |= {
        "upstream_banner": detail.upstream_error,
        "note_form": forms.NoteForm(),
        "task_form": forms.TaskForm(reference=detail.reference),
        "document_form": forms.DocumentUploadForm(prefix="doc"),
        "required_form": forms.DocumentUploadForm(prefix="req"),
        "write": write,
        "open_writes": selectors.open_writes(
            workorder_id=workorder_id, exclude_id=write.pk if write else None
        ),
    }
    context.update(form_overrides)
    return render(request, template, context, status=status)


@viewer_required
@require_GET
@vary_on_headers("HX-Request")
def workorder_detail(request: HttpRequest, workorder_id: int) -> HttpResponse:
    return _workorder_page(request, workorder_id)


@viewer_required
@require_GET
@vary_on_headers("HX-Request")
def workorder_closeout(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """The close-out review; htmx gets its ``review`` partial ("Check again" fetches it afresh)."""
    return _workorder_page(
        request, workorder_id, template="dispatch/workorder_closeout.html", sections=("review",)
    )


@dispatcher_required
@require_POST
def workorder_closeout_remind(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """Post one note to the technician listing everything the close-out still lacks."""
    back = reverse("workorder_closeout", args=[workorder_id])
    try:
        detail = selectors.workorder_detail_get(workorder_id=workorder_id, refresh_record=False)
    except UpstreamNotFound as exc:
        raise Http404(str(exc)) from exc
    except UpstreamUnavailable as exc:
        messages.error(request, f"{exc} The reminder was not sent because the close-out cannot be checked.")
        return redirect(back)
    if not detail.from_upstream or detail.required_documents is None:
        messages.error(
            request, "TechLink did not answer in full, so the close-out cannot be checked; nothing was sent."
        )
        return redirect(back)
    wo = detail.workorder
    review = selectors.closeout_review_build(
        required=detail.required_documents,
        completed=wo.closeout_documents or [],
        questions=wo.questions or [],
        photos=wo.photos or [],
    )
    missing = review.missing_summary()
    if not missing:
        messages.info(request, "The close-out is complete; no reminder was needed.")
        return redirect(back)
    note = "Close-out is incomplete. Still needed:\n" + "\n".join(f"- {line}" for line in missing)
    write = jobs_services.workorder_note_add(user=request.user, workorder_id=workorder_id, note=note)
    return _queued(
        request,
        write,
        back=back,
        message=f"Reminder with {len(missing)} missing item(s) sent to the technician.",
    )


@dispatcher_required
def workorder_edit(request: HttpRequest, workorder_id: int) -> HttpResponse:
    try:
        detail = selectors.workorder_detail_get(workorder_id=workorder_id, refresh_record=False)
    except UpstreamNotFound as exc:
        raise Http404(str(exc)) from exc
    except UpstreamUnavailable as exc:
        return _unavailable(request, str(exc))
    form = forms.WorkOrderEditForm(
        request.POST or None,
        initial=forms.WorkOrderEditForm.initial_from_workorder(detail.workorder),
        reference=detail.reference,
    )
    if request.method == "POST" and form.is_valid():
        changes = form.upstream_changes()
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect("workorder_detail", workorder_id=workorder_id)
        try:
            write = jobs_services.workorder_update(
                user=request.user, workorder_id=workorder_id, changes=changes
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _queued(
                request,
                write,
                back=reverse("workorder_detail", args=[workorder_id]),
                message=f"Saving {len(changes)} changed field(s) to TechLink.",
            )
    context = {"form": form, "wo": detail.workorder, "upstream_banner": detail.upstream_error}
    return render(request, "dispatch/workorder_edit.html", context, status=400 if form.errors else 200)


@viewer_required
@require_POST
def workorder_refresh(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """Fetch the work order again now (a read from TechLink: viewers may ask too)."""
    try:
        mirror_services.mirror_workorder_refresh(workorder_id=workorder_id)
    except errors.TechLinkError as exc:
        messages.warning(request, upstream_banner(exc))
    else:
        messages.success(request, "Work order refreshed from TechLink.")
    return redirect("workorder_detail", workorder_id=workorder_id)


@dispatcher_required
@require_POST
def workorder_note_add(request: HttpRequest, workorder_id: int) -> HttpResponse:
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        try:
            write = jobs_services.workorder_note_add(
                user=request.user, workorder_id=workorder_id, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _queued(
                request,
                write,
                back=reverse("workorder_detail", args=[workorder_id]),
                message="Adding the note in TechLink.",
            )
    if _partial(request):
        return _invalid_partial(
            request,
            "dispatch/workorder_detail.html#note_form",
            {"note_form": form, "workorder_id": workorder_id},
            target="note-form",
        )
    return _workorder_page(request, workorder_id, status=400, note_form=form)


@dispatcher_required
@require_POST
def workorder_task_add(request: HttpRequest, workorder_id: int) -> HttpResponse:
    reference = selectors.reference_lists_get()
    form = forms.TaskForm(request.POST, reference=reference)
    if form.is_valid():
        data = form.cleaned_data
        try:
            write = jobs_services.workorder_task_add(
                user=request.user,
                workorder_id=workorder_id,
                taskitem_id=data["taskitem_id"],
                description=data["description"],
                rate=str(data["rate"]),
                quantity=str(data["quantity"].normalize()) if data["quantity"] is not None else 1,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _queued(
                request,
                write,
                back=reverse("workorder_detail", args=[workorder_id]),
                message=f"Adding task “{data['description']}”.",
            )
    if _partial(request):
        return _invalid_partial(
            request,
            "dispatch/workorder_detail.html#task_form",
            {"task_form": form, "workorder_id": workorder_id},
            target="task-form",
        )
    return _workorder_page(request, workorder_id, status=400, task_form=form)


def _workorder_upload(request: HttpRequest, workorder_id: int, *, required: bool) -> HttpResponse:
    prefix = "req" if required else "doc"
    form = forms.DocumentUploadForm(request.POST, request.FILES, prefix=prefix)
    if form.is_valid():
        upload, description = form.cleaned_data["file"], form.cleaned_data["description"]
        service = (
            jobs_services.workorder_required_document_upload
            if required
            else jobs_services.workorder_document_upload
        )
        try:
            write = service(
                user=request.user, workorder_id=workorder_id, upload=upload, description=description
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _queued(
                request,
                write,
                back=reverse("workorder_detail", args=[workorder_id]),
                message=f"Uploading {upload.name} to TechLink.",
            )
    name = "required_form" if required else "document_form"
    if _partial(request):
        return _invalid_partial(
            request,
            f"dispatch/workorder_detail.html#{name}",
            {name: form, "workorder_id": workorder_id},
            target="required-form" if required else "document-form",
        )
    return _workorder_page(request, workorder_id, status=400, **{name: form})


@dispatcher_required
@require_POST
def workorder_document_upload(request: HttpRequest, workorder_id: int) -> HttpResponse:
    return _workorder_upload(request, workorder_id, required=False)


@dispatcher_required
@require_POST
def workorder_required_upload(request: HttpRequest, workorder_id: int) -> HttpResponse:
    return _workorder_upload(request, workorder_id, required=True)


@dispatcher_required
@require_POST
def workorder_document_delete(request: HttpRequest, workorder_id: int, document_id: int) -> HttpResponse:
    write = jobs_services.workorder_document_delete(
        user=request.user, workorder_id=workorder_id, document_id=document_id
    )
    label = _document_label(request, document_id)
    return _queued_removal(
        request,
        write,
        back=reverse("workorder_detail", args=[workorder_id]),
        label=label,
        message=f"Deleting {label}.",
    )


@viewer_required
@require_GET
def workorder_document_download(request: HttpRequest, workorder_id: int, document_id: int) -> HttpResponse:
    return _stream(request, kind="workorder_document", owner_id=workorder_id, file_id=document_id)


@viewer_required
@require_GET
def workorder_required_download(request: HttpRequest, workorder_id: int, document_id: int) -> HttpResponse:
    return _stream(request, kind="workorder_required", owner_id=workorder_id, file_id=document_id)


@viewer_required
@require_GET
def workorder_closeout_download(request: HttpRequest, workorder_id: int, document_id: int) -> HttpResponse:
    return _stream(request, kind="workorder_closeout", owner_id=workorder_id, file_id=document_id)


@viewer_required
@require_GET
def workorder_photo_raw(request: HttpRequest, workorder_id: int, photo_id: int) -> HttpResponse:
    """Photos through the dashboard (same origin, staff only): thumbnails and the full-size view."""
    return _stream(
        request, kind="workorder_photo", owner_id=workorder_id, file_id=photo_id, inline_images=True
    )


@viewer_required
@require_GET
def workorder_photo(request: HttpRequest, workorder_id: int, photo_id: int) -> HttpResponse:
    """One photo at full size, with the previous and next ones a click away."""
    try:
        view = selectors.workorder_photo_get(workorder_id=workorder_id, photo_id=photo_id)
    except UpstreamNotFound as exc:
        raise Http404(str(exc)) from exc
    except UpstreamUnavailable as exc:
        return _unavailable(request, str(exc))
    return render(
        request, "dispatch/workorder_photo.html", {"view": view, "wo": view.workorder, "zone": view.zone}
    )


# -- reference ------------------------------------------------------------------------------------


@viewer_required
@require_GET
@vary_on_headers("HX-Request")
def reference(request: HttpRequest) -> HttpResponse:
    """Projects, task items and client users as last synced; ``q`` narrows all three (htmx: the lists only)."""
    lists = selectors.reference_lists_get()
    query = request.GET.get("q", "").strip()
    context = {
        "lists": selectors.reference_lists_filter(lists, query),
        "q": query,
        "upstream_banner": lists.upstream_error,
        "freshness": _freshness(),
    }
    template = "dispatch/reference.html#lists" if _partial(request) else "dispatch/reference.html"
    return render(request, template, context)
