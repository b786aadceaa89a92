"""The outbox's pages (/jobs/): every write with its state, one write live, retry and dismiss."""

import json
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.core.htmx import (
    HttpResponseClientRedirect,
    is_partial,
    partial_or_page,
    safe_next,
    vary_on_htmx,
)

from . import selectors, services
from .models import UpstreamWrite, WriteStatus
from .responses import announce_done


@viewer_required
@vary_on_htmx
def jobs(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") in {"1", "on", "true"}
    page = selectors.upstream_write_list(
        status=status, mine=mine, user=request.user, page=request.GET.get("page") or 1
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "status": status if status in WriteStatus.values else "",
        "mine": mine,
        "statuses": WriteStatus.choices,
        "query": query.urlencode(),
        "pending": any(not write.is_final for write in page.object_list),
    }
    return partial_or_page(request, "jobs/list.html", "rows", context)


@viewer_required
@vary_on_htmx
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    write = get_object_or_404(UpstreamWrite.objects.select_related("created_by"), pk=pk)
    # Staff who just asked for a new site or work order are taken to it as soon as TechLink has it.
    open_when_done = request.GET.get("then") == "open"
    if open_when_done and write.status == WriteStatus.DONE and write.result_url:
        if is_partial(request):
            return HttpResponseClientRedirect(write.result_url)
        return redirect(write.result_url)
    poll_url = request.get_full_path() if open_when_done else ""
    if is_partial(request):
        response = render(request, "jobs/detail.html#status", {"write": write, "poll_url": poll_url})
        return announce_done(response, write)
    context = {
        "poll_url": poll_url,
        "write": write,
        "payload_json": json.dumps(write.payload, indent=2, ensure_ascii=False),
        "result_json": json.dumps(write.result, indent=2, ensure_ascii=False),
    }
    return render(request, "jobs/detail.html", context)


def _act(
    request: HttpRequest, pk: int, action: Callable[..., UpstreamWrite], done_message: str
) -> HttpResponse:
    """Retry or dismiss a failed write: htmx gets its new status in place, a plain post goes back."""
    write = get_object_or_404(UpstreamWrite, pk=pk)
    back = safe_next(request, reverse("job_detail", args=[pk]))
    try:
        write = action(write=write, user=request.user)
    except ValidationError as exc:
        if is_partial(request):
            return render(
                request, "jobs/detail.html#status", {"write": write, "retry_error": exc.messages[0]}
            )
        messages.error(request, exc.messages[0])
        return redirect(back)
    if is_partial(request):
        return render(request, "jobs/detail.html#status", {"write": write})
    messages.success(request, done_message.format(pk=write.pk, summary=write.summary))
    return redirect(back)


@dispatcher_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.upstream_write_retry, "Write #{pk} queued again.")


@dispatcher_required
@require_POST
def job_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, services.upstream_write_dismiss, "Dismissed: {summary}. Nothing was changed in TechLink."
    )
