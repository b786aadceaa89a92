"""The site and work order pages, drawn from a live read of TechLink: whole, or the one section an htmx
request asks for (``sections.py``); and the forms that write into their sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import form_errors_in_place, is_partial, vary_on_htmx
from portal_ui.dispatch import forms, live, sections, selectors, states
from portal_ui.dispatch.views.common import (
    View,
    int_param,
    refuse,
    refused_by_status,
    send_form,
    shown_write,
    upstream_page,
)
from portal_ui.jobs import selectors as jobs_selectors
from portal_ui.jobs.models import UpstreamWrite


def _writes(write: UpstreamWrite | None, **owner: int) -> dict[str, Any]:
    """The write just queued here (``?write=``) and the other changes TechLink has not confirmed yet."""
    exclude_id = write.pk if write else None
    return {
        "write": write,
        "open_writes": jobs_selectors.upstream_writes_open(**owner, exclude_id=exclude_id),
    }


def site_page(request: HttpRequest, site_id: int, *, status: int = 200, **shown: Any) -> HttpResponse:
    """The site page (``shown``: forms shown with what was typed into them), or the section asked for."""
    detail = live.site_detail_get(site_id=site_id)
    context = {"detail": detail, "site": detail.site, "site_id": site_id, "zone": detail.zone}
    template = sections.PAGES["site"].template
    section = sections.asked(request, "site")
    if section:  # one list, fetched afresh (a write to it is done)
        return render(request, f"{template}#{section.name}", context)
    context |= {
        "workorders": selectors.site_workorders(site_id=site_id, page=int_param(request, "page")),
        "upstream_banner": detail.upstream_error,
        "attribute_form": forms.SiteAttributeForm(),
        "document_form": forms.DocumentUploadForm(prefix="doc"),
        "freshness": selectors.freshness(),
        **_writes(shown_write(request), site_id=site_id),
        **shown,
    }
    return render(request, template, context, status=status)


def workorder_page(
    request: HttpRequest, workorder_id: int, *, page: str = "workorder", status: int = 200, **shown: Any
) -> HttpResponse:
    """The work order page, or its close-out review (``page="closeout"``), or the section asked for."""
    detail = live.workorder_detail_get(workorder_id=workorder_id)
    context = {
        "detail": detail,
        "wo": detail.workorder,
        "workorder_id": workorder_id,
        "site": detail.site,
        "zone": detail.zone,
        "review": detail.review,
        "notes": detail.notes,
        # The writes it takes in its status, as TechLink answers now (the forms shown, the reason when not).
        "writes": states.workorder_writes(detail.workorder.status_code, detail.workorder.status),
    }
    template = sections.PAGES[page].template
    section = sections.asked(request, page)
    if section:  # one part, fetched afresh (a write to it is done, or staff asked to check again)
        return render(request, f"{template}#{section.name}", context)
    context |= {
        "upstream_banner": detail.upstream_error,
        "note_form": forms.NoteForm(),
        "task_form": forms.TaskForm(reference=detail.reference),
        "document_form": forms.DocumentUploadForm(prefix="doc"),
        "required_form": forms.DocumentUploadForm(prefix="req"),
        **_writes(shown_write(request), workorder_id=workorder_id),
        **shown,
    }
    return render(request, template, context, status=status)


_PAGES: dict[str, Callable[..., HttpResponse]] = {"site": site_page, "workorder": workorder_page}


def detail_view(render_page: Callable[..., HttpResponse], **options: Any) -> View:
    """The view of a page drawn by ``render_page`` (given the id as the URL names it, and ``options``):
    the whole page, or for htmx the section it asks for."""

    @viewer_required
    @require_GET
    @vary_on_htmx
    @upstream_page
    def view(request: HttpRequest, **owner: int) -> HttpResponse:
        return render_page(request, **owner, **options)

    return view


site_detail = detail_view(site_page)
workorder_detail = detail_view(workorder_page)


def send_into(
    request: HttpRequest,
    page: str,
    name: str,
    owner: dict[str, int],
    form: django_forms.Form,
    send: Callable[[dict[str, Any]], UpstreamWrite],
    *,
    message: str,
) -> HttpResponse:
    """A form that writes into the section ``name`` of the detail page of ``owner`` (its id as the page's
    URL names it), through ``send_form``: back to the page when queued; bad input comes back in place of
    the form for htmx, else on the whole page (400)."""
    where = sections.PAGES[page]
    section = where.sections[name]

    def invalid(form: django_forms.Form) -> HttpResponse:
        if is_partial(request):
            partial = f"{where.template}#{section.form}"
            return form_errors_in_place(
                request, partial, {section.form: form, **owner}, target=section.form_id
            )
        return _PAGES[page](request, **owner, status=400, **{section.form: form})

    if page == "workorder":
        reason = refused_by_status(owner["workorder_id"], *section.kinds)
        if reason:
            return refuse(request, reason, back=where.url(**owner))
    if form.is_valid() and not _owner_known(page, owner):
        what = "work order" if page == "workorder" else page
        form.add_error(None, f"TechLink has no {what} #{next(iter(owner.values()))}; nothing was sent.")
    return send_form(request, form, send, message=message, back=where.url(**owner), invalid=invalid)


def _owner_known(page: str, owner: dict[str, int]) -> bool:
    """Whether the site or work order a write goes to exists (see ``live.site_known``)."""
    if page == "workorder":
        return live.workorder_known(**owner)
    if page == "site":
        return live.site_known(**owner)
    return True
