"""Staff screens: portal links (list, create with the share checklist, edit, lifecycle, what the customer
sees, access log, preview), notes' visibility to customers, and API keys."""

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal_ui.accounts.permissions import admin_required, dispatcher_required, viewer_required
from portal_ui.core.downloads import stream_download
from portal_ui.core.htmx import partial_or_page, safe_next, vary_on_htmx
from portal_ui.core.upstream import UpstreamError, UpstreamNotFound
from portal_ui.portal_links import selectors, services
from portal_ui.portal_links.customer import views as customer_views
from portal_ui.portal_links.forms import PERMISSION_LABELS, ApiKeyForm, LinkFilterForm, PortalLinkForm
from portal_ui.portal_links.models import ApiKey, LinkType, PortalLink
from portal_ui.portal_links.sharing import selectors as sharing_selectors
from portal_ui.portal_links.sharing import services as sharing_services

REVEAL_KEY = "portal_links.reveal"
# A link made in one step from a work order page: the link alone opens it, it shows status and
# schedule only, and it ends after this many days.
ONE_STEP_DAYS = 30


def _link_or_404(pk: str) -> PortalLink:
    """The link, or 404 for anything that is not a link id (a NUL byte would break PostgreSQL's query)."""
    if "\x00" in pk:
        raise Http404
    return get_object_or_404(PortalLink, pk=pk)


def _reveal(request, kind: str, pk, secret: str) -> None:
    """Keep a URL or key for the very next page only (shown once)."""
    request.session[REVEAL_KEY] = {"kind": kind, "pk": str(pk), "secret": secret}


def _take_reveal(request, kind: str, pk) -> str | None:
    reveal = request.session.get(REVEAL_KEY)
    if reveal and reveal.get("kind") == kind and reveal.get("pk") == str(pk):
        del request.session[REVEAL_KEY]
        return reveal["secret"]
    return None


def _no_store(response: HttpResponse) -> HttpResponse:
    """A page showing a one-time URL or key: never kept by a browser or proxy cache."""
    response["Cache-Control"] = "no-store"
    return response


def _share_choices(workorder: str, *, live: bool) -> sharing_selectors.ShareChoices:
    """The work order's notes, documents and photos for the share checklist: fresh from TechLink when
    `live` (the copy when TechLink cannot answer), else the copy as it is."""
    if not services.WORKORDER_ID.fullmatch(workorder or ""):
        return sharing_selectors.ShareChoices()
    workorder_id = int(workorder)
    snapshot = None
    if live:
        try:
            snapshot = sharing_services.workorder_snapshot_refresh(workorder_id=workorder_id)
        except UpstreamError:
            snapshot = None
    snapshot = snapshot or sharing_selectors.snapshot_get(workorder_id=workorder_id)
    return sharing_selectors.share_choices(snapshot=snapshot)


def _form_page(
    request, form: PortalLinkForm, link: PortalLink | None, workorder: str, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "link": link,
        "workorder_id": workorder,
        "choices": form.choices,
        "ticked": form.ticked(),
    }
    return render(request, "portal_links/form.html", context, status=status)


@viewer_required
@require_GET
@vary_on_htmx
def portal_links(request):
    form = LinkFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    active = {"yes": True, "no": False}.get(filters.get("is_active") or "")
    links = selectors.portal_link_list(
        workorder=(filters.get("workorder") or "").strip() or None,
        link_type=filters.get("link_type") or None,
        is_active=active,
        company_namespace=[filters["namespace"].strip()] if filters.get("namespace", "").strip() else None,
    )
    page = Paginator(links, 25).get_page(request.GET.get("page"))
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in request.GET.items() if k != "page"})
    context = {
        "form": form,
        "page": page,
        "rows": selectors.portal_link_rows(page.object_list),
        "query": query.urlencode(),
    }
    return partial_or_page(request, "portal_links/list.html", "results", context)


@dispatcher_required
@require_http_methods(["GET", "POST"])
def portal_link_new(request):
    workorder = (request.GET.get("workorder") or "").strip()
    if request.method == "POST" and "link_type" not in request.POST:
        # One step from a work order page: sensible defaults, no form.
        workorder = (request.POST.get("workorder") or workorder).strip()
        try:
            issued = services.portal_link_create(
                workorder=workorder,
                link_type=LinkType.PUBLIC,
                expiry_date=timezone.now() + timedelta(days=ONE_STEP_DAYS),
                created_by=request.user,
            )
        except (services.PortalLinkInvalid, services.WorkOrderUncheckable) as exc:
            messages.error(request, f"No link was created: {exc.message}")
            return redirect("portal_links")
        return _created(request, issued)
    if request.method == "POST":
        workorder = (request.POST.get("workorder") or "").strip()
    elif not workorder:
        return render(request, "portal_links/choose_workorder.html", {})
    choices = _share_choices(workorder, live=request.method == "GET")
    form = PortalLinkForm(
        request.POST or None, initial={"workorder": workorder, "link_type": LinkType.PUBLIC}, choices=choices
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        payload = form.cleaned_data["payload"]
        try:
            issued = services.portal_link_create(**payload, created_by=request.user)
        except services.PortalLinkInvalid as exc:
            form.add_service_errors(exc.fields)
        except services.WorkOrderUncheckable as exc:
            form.add_error("workorder", exc.message)
            status = 503
        else:
            return _created(request, issued)
    if form.errors and status == 200:
        status = 400
    return _form_page(request, form, None, workorder, status)


def _created(request, issued: services.IssuedLink):
    _reveal(request, "link", issued.link.pk, issued.url)
    messages.success(request, "Portal link created. Copy the URL now: it is shown only once.")
    return redirect("portal_link_detail", pk=issued.link.pk)


@viewer_required
@require_GET
def portal_link_detail(request, pk: str):
    """The link, exactly what its customer sees (from the same copy and rules as the customer page, without
    asking TechLink), and its access log, a page at a time."""
    link = _link_or_404(pk)
    permissions = selectors.link_permissions(link)
    snapshot = sharing_selectors.snapshot_get(workorder_id=int(link.workorder))
    new_url = _take_reveal(request, "link", link.pk)
    context = {
        "link": link,
        "new_url": new_url,
        "log": selectors.access_log_page(link_id=link.pk, page=request.GET.get("log_page")),
        "refusals": selectors.access_refusals_for(link_id=link.pk),
        "shown": [label for name, label in PERMISSION_LABELS.items() if permissions[name]],
        "permissions": permissions,
        "sees": sharing_selectors.customer_workorder(link=link, snapshot=snapshot),
        "preview_files": reverse("portal_link_preview", kwargs={"pk": link.pk}) + "files/",
    }
    response = render(request, "portal_links/detail.html", context)
    return _no_store(response) if new_url else response


@dispatcher_required
@require_http_methods(["GET", "POST"])
def portal_link_edit(request, pk: str):
    link = _link_or_404(pk)
    choices = _share_choices(link.workorder, live=request.method == "GET")
    form = PortalLinkForm(request.POST or None, link=link, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_link_update(link=link, changes=form.cleaned_data["payload"])
        except services.PortalLinkInvalid as exc:
            form.add_service_errors(exc.fields)
        except services.WorkOrderUncheckable as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Portal link saved.")
            return redirect("portal_link_detail", pk=link.pk)
    return _form_page(request, form, link, link.workorder, 400 if form.errors else 200)


def _lifecycle(request, pk: str, service: Callable[..., PortalLink], message: str) -> HttpResponse:
    service(link=_link_or_404(pk))
    messages.success(request, message)
    return redirect("portal_link_detail", pk=pk)


@dispatcher_required
@require_POST
def portal_link_activate(request, pk: str):
    return _lifecycle(request, pk, services.portal_link_activate, "Portal link activated.")


@dispatcher_required
@require_POST
def portal_link_deactivate(request, pk: str):
    message = "Portal link deactivated: its URL no longer opens."
    return _lifecycle(request, pk, services.portal_link_deactivate, message)


@dispatcher_required
@require_POST
def portal_link_regenerate(request, pk: str):
    issued = services.portal_link_regenerate(link=_link_or_404(pk))
    _reveal(request, "link", issued.link.pk, issued.url)
    messages.success(request, "New URL made; the old one and every session opened with it stopped working.")
    return redirect("portal_link_detail", pk=pk)


@dispatcher_required
@require_http_methods(["GET", "POST"])
def portal_link_delete(request, pk: str):
    """GET asks to confirm (a page of its own, no script needed); POST deletes."""
    link = _link_or_404(pk)
    if request.method == "GET":
        return render(request, "portal_links/confirm_delete.html", {"link": link})
    workorder = link.workorder
    services.portal_link_delete(link=link)
    messages.success(request, f"Portal link for work order {workorder} deleted.")
    return redirect("portal_links")


# --- preview as the customer --------------------------------------------------------------------------


def _preview_headers(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@viewer_required
@require_GET
def portal_link_preview(request, pk: str):
    """The customer page of the link as it is now, without the gate and without counting a view."""
    link = _link_or_404(pk)
    context = customer_views.page_context(request, link, "", preview=True)
    return _preview_headers(customer_views.render_page(request, link, context))


@viewer_required
@require_GET
def portal_link_preview_file(request, pk: str, kind: str, file_id: int):
    link = _link_or_404(pk)
    return _preview_headers(customer_views.file_response(request, link, kind, file_id, log=False))


@viewer_required
@require_GET
def portal_link_preview_brand(request, pk: str):
    return customer_views.brand_stylesheet(_link_or_404(pk))


# --- the work order's photos and notes, for the share checklist and the dashboard ----------------------------


@viewer_required
@require_GET
def workorder_photo_thumbnail(request, workorder_id: int, photo_id: int):
    """A work order photo for the share checklist's previews (images inline, kept five minutes)."""
    try:
        raw = selectors.workorder_file(workorder=str(workorder_id), kind="photo", file_id=photo_id)
    except UpstreamNotFound:
        raise Http404 from None
    except UpstreamError:
        return HttpResponse("This photo cannot be fetched from TechLink right now.", status=503)
    content_type = (raw.content_type or "").split(";")[0].strip().lower()
    inline = content_type.startswith("image/") and "svg" not in content_type
    return stream_download(
        raw,
        filename=raw.filename or f"photo-{photo_id}",
        inline=inline,
        content_type=content_type if inline else "application/octet-stream",
        cache_control="private, max-age=300" if inline else "private, no-store",
    )


@dispatcher_required
@require_POST
def note_visibility(request, workorder_id: int, note_id: int):
    """Mark a note visible to the customer (`visible` = "1") or internal, then go back to `next`."""
    visible = request.POST.get("visible") == "1"
    sharing_services.portal_link_note_visibility_set(
        workorder_id=workorder_id, note_id=note_id, visible=visible, user=request.user
    )
    shown = "visible to the customer" if visible else "internal"
    messages.success(request, f"Note {note_id} is {shown}.")
    return redirect(safe_next(request, reverse("portal_links")))


# --- API keys -------------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_key_create(
                name=form.cleaned_data["name"],
                namespaces=form.cleaned_data["namespaces"],
                created_by=request.user,
            )
        except services.PortalLinkInvalid as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            _reveal(request, "api_key", issued.api_key.pk, issued.key)
            messages.success(request, "API key created. Copy it now: it is shown only once.")
            return redirect("api_keys")
    reveal = request.session.get(REVEAL_KEY) or {}
    new_key = None
    if reveal.get("kind") == "api_key":
        new_key = _take_reveal(request, "api_key", reveal.get("pk"))
    context = {"form": form, "keys": ApiKey.objects.select_related("created_by"), "new_key": new_key}
    response = render(request, "portal_links/api_keys.html", context, status=400 if form.errors else 200)
    return _no_store(response) if new_key else response


@admin_required
@require_POST
def api_key_revoke(request, pk: int):
    api_key = get_object_or_404(ApiKey, pk=pk)
    services.api_key_revoke(api_key=api_key, revoked_by=request.user)
    messages.success(request, f"API key “{api_key.name}” revoked.")
    return redirect("api_keys")
