"""What the staff views share: the decorator of pages that show what TechLink answers, the write skeleton
(a form's input queued as an upstream write), and small request helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import is_partial
from portal_ui.core.upstream import UpstreamError, UpstreamNotFound, upstream_banner
from portal_ui.dispatch import sections, states
from portal_ui.jobs import selectors as jobs_selectors
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import UpstreamWrite
from portal_ui.jobs.responses import announce_done
from portal_ui.mirror import selectors as mirror_selectors

PER_PAGE = 25

View = Callable[..., HttpResponse]


def upstream_page(view: View | None = None, *, status: int = 503) -> Any:
    """For a view that shows what TechLink answers: what TechLink says does not exist is a 404, and TechLink
    failing when the dashboard has nothing to show instead is the "TechLink unavailable" page, with
    ``status`` (503; 502 for a file streamed from TechLink). ``@upstream_page`` or ``@upstream_page(status=)``.
    """
    if view is None:
        return partial(upstream_page, status=status)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except UpstreamNotFound as exc:
            raise Http404(str(exc)) from exc
        except UpstreamError as exc:
            context = {"upstream_banner": upstream_banner(exc)}
            return render(request, "dispatch/unavailable.html", context, status=status)

    return wrapped


def int_param(request: HttpRequest, name: str, default: int = 1) -> int:
    try:
        return max(1, int(request.GET.get(name, default)))
    except (TypeError, ValueError):
        return default


def shown_write(request: HttpRequest) -> UpstreamWrite | None:
    """The write named by ``?write=<id>`` (just queued by this page), to show its live status."""
    return jobs_selectors.upstream_write_get(pk=request.GET.get("write"))


def refresh_view(refresh: Callable[..., None], *, page: str, done: str) -> View:
    """The view fetching one object from TechLink again now into the read model, then going back to its
    page saying how that went; ``refresh`` takes the object's id as the URL names it. Only a read from
    TechLink: every role may ask."""

    @viewer_required
    @require_POST
    def view(request: HttpRequest, **owner: int) -> HttpResponse:
        try:
            refresh(**owner)
        except UpstreamError as exc:
            messages.warning(request, upstream_banner(exc))
        else:
            messages.success(request, done)
        return redirect(sections.PAGES[page].url(**owner))

    return view


# -- writes ---------------------------------------------------------------------------------------


def refused_by_status(workorder_id: int, *kinds: str) -> str:
    """Why the work order takes none of ``kinds`` in its status (``states.py``), as the read model last saw
    it (opening the page refreshes it); "" when it takes them, or when the read model does not have it."""
    record = mirror_selectors.workorder_get(workorder_id=workorder_id)
    if record is None:
        return ""
    writes = states.workorder_writes(record.status_code, record.status)
    return next((reason for reason in map(writes.refusal, kinds) if reason), "")


def refuse(request: HttpRequest, reason: str, *, back: str) -> HttpResponse:
    """A write the object does not take now: nothing is queued, and the page is shown again (with the reason
    at the top) as it is now, without the form; htmx reloads the page."""
    messages.error(request, f"Nothing was sent. {reason}" if request.method == "POST" else reason)
    if is_partial(request):
        return HttpResponseClientRefresh()
    return redirect(back)


def write_status(
    request: HttpRequest, write: UpstreamWrite, *, template: str = "dispatch/_write.html", **context: Any
) -> HttpResponse:
    """A write's live status for htmx; when it is already done, the page is told to refresh its sections."""
    write.refresh_from_db()  # a fast worker may have sent it already
    return announce_done(render(request, template, {"write": write, **context}), write)


def job_url(write: UpstreamWrite, fallback: str) -> str:
    """Where a create goes on: its live status, which moves on to the new object once TechLink has it."""
    try:
        return f"{reverse('job_detail', args=[write.pk])}?then=open"
    except NoReverseMatch:
        return f"{fallback}?{urlencode({'write': write.pk})}"


def queued(
    request: HttpRequest, write: UpstreamWrite, *, back: str, message: str, to_job: bool = False
) -> HttpResponse:
    """After queueing a write: htmx gets its live status partial; a plain post goes back to ``back`` with
    the message, where the page shows the write (``?write=``). A create (``to_job``) goes on to the
    write's own page instead (``job_url``)."""
    if to_job:
        messages.success(request, message)
        return redirect(job_url(write, back))
    if is_partial(request):
        return write_status(request, write)
    messages.success(request, message)
    return redirect(f"{back}?{urlencode({'write': write.pk})}")


def queued_removal(
    request: HttpRequest, write: UpstreamWrite, *, back: str, label: str, message: str
) -> HttpResponse:
    """After queueing a removal: htmx gets the row, marked as being removed, with the write's live status."""
    if is_partial(request):
        return write_status(request, write, template="dispatch/_removing_row.html", label=label)
    return queued(request, write, back=back, message=message)


def confirm(
    request: HttpRequest, *, question: str, detail: str, action: str, back: str, fields: dict[str, str]
) -> HttpResponse:
    """Ask once more before removing something (htmx asks in the browser and sends ``confirm=1``)."""
    context = {"question": question, "detail": detail, "action": action, "back": back, "fields": fields}
    return render(request, "dispatch/confirm.html", context)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a write service's validation errors on the form (on the named field when there is one)."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def send_form(
    request: HttpRequest,
    form: forms.Form,
    send: Callable[[dict[str, Any]], UpstreamWrite | None],
    *,
    message: str,
    back: str,
    invalid: Callable[[forms.Form], HttpResponse],
    to_job: bool = False,
) -> HttpResponse:
    """The write skeleton, for a posted form.

    Valid input goes to ``send`` (the cleaned data), which queues the write through a jobs service and
    returns it, or returns None when there is nothing to send ("Nothing was changed."); a ValidationError
    it raises lands on the form. A queued write answers as ``queued`` does, with ``message`` formatted with
    the cleaned data and ``changed`` (the number of changed fields). Bad input answers ``invalid(form)``.
    """
    if form.is_valid():
        try:
            write = send(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if write is None:
                messages.info(request, "Nothing was changed.")
                return redirect(back)
            text = message.format(**form.cleaned_data, changed=len(form.changed_data))
            return queued(request, write, back=back, message=text, to_job=to_job)
    return invalid(form)


def form_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    form: forms.Form,
    send: Callable[[dict[str, Any]], UpstreamWrite | None],
    **sending: Any,
) -> HttpResponse:
    """A page of its own for one form that queues a write (the new and edit pages): a GET shows the form, a
    post goes through ``send_form`` (``sending``: its message, back and to_job), and bad input comes back
    on the page with 400."""

    def page(form: forms.Form, status: int = 400) -> HttpResponse:
        return render(request, template, {**context, "form": form}, status=status)

    if request.method != "POST":
        return page(form, status=200)
    return send_form(request, form, send, invalid=page, **sending)


def edit_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    form: forms.Form,
    update: Callable[..., UpstreamWrite],
    *,
    back: str,
) -> HttpResponse:
    """An edit page (``form_page``): only the fields staff changed are sent, as ``update(changes=...)`` (a
    jobs service given the object already); when nothing changed, nothing is sent."""

    def send(data: dict[str, Any]) -> UpstreamWrite | None:
        changes = form.upstream_changes()
        return update(changes=changes) if changes else None

    message = "Saving {changed} changed field(s) to TechLink."
    return form_page(request, template, context, form, send, message=message, back=back)


def refused_write(request: HttpRequest, kind: str) -> UpstreamWrite | None:
    """The refused create this form sends again, changed (``?from_write=`` on the way in, then ``replaces``)."""
    return jobs_selectors.upstream_write_refused(
        pk=request.POST.get("replaces") or request.GET.get("from_write"), kind=kind
    )


def dismiss_replaced(request: HttpRequest, refused: UpstreamWrite | None) -> None:
    """The changed copy is on its way: the refused original is dismissed, so it is not sent twice."""
    if refused is not None:
        try:
            jobs_services.upstream_write_dismiss(write=refused, user=request.user)
        except ValidationError:
            pass  # retried meanwhile by someone else; it shows on its page
