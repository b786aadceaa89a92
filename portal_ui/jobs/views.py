import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal_ui.accounts.permissions import dispatcher_required, viewer_required

from . import selectors, services
from .models import UpstreamWrite, WriteStatus
from .responses import announce_done


@viewer_required
def jobs(request):
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
    template = "jobs/list.html#rows" if request.htmx and not request.htmx.boosted else "jobs/list.html"
    return render(request, template, context)


@viewer_required
def job_detail(request, pk: int):
    write = get_object_or_404(UpstreamWrite.objects.select_related("created_by"), pk=pk)
    # Staff who just asked for a new site or work order are taken to it as soon as TechLink has it.
    open_when_done = request.GET.get("then") == "open"
    poll_url = request.get_full_path() if open_when_done else ""
    if request.htmx and not request.htmx.boosted:
        response = render(request, "jobs/detail.html#status", {"write": write, "poll_url": poll_url})
        if open_when_done and write.status == WriteStatus.DONE and write.result_url:
            response["HX-Redirect"] = write.result_url
        return announce_done(response, write)
    if open_when_done and write.status == WriteStatus.DONE and write.result_url:
        return redirect(write.result_url)
    context = {
        "poll_url": poll_url,
        "write": write,
        "payload_json": json.dumps(write.payload, indent=2, ensure_ascii=False),
        "result_json": json.dumps(write.result, indent=2, ensure_ascii=False),
    }
    return render(request, "jobs/detail.html", context)


def _act(request, pk: int, action, done_message: str):
    """Retry or dismiss a failed write: htmx gets its new status in place, a plain post goes back."""
    write = get_object_or_404(UpstreamWrite, pk=pk)
    try:
        write = action(write=write, user=request.user)
    except ValidationError as exc:
        if request.htmx:
            return render(
                request, "jobs/detail.html#status", {"write": write, "retry_error": exc.messages[0]}
            )
        messages.error(request, exc.messages[0])
        return redirect(_back(request, pk))
    if request.htmx:
        return render(request, "jobs/detail.html#status", {"write": write})
    messages.success(request, done_message.format(pk=write.pk, summary=write.summary))
    return redirect(_back(request, pk))


def _back(request, pk: int) -> str:
    """Where a plain form post returns: the page it came from when that is one of ours, else the write."""
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return back
    return reverse("job_detail", args=[pk])


@dispatcher_required
@require_POST
def job_retry(request, pk: int):
    return _act(request, pk, services.upstream_write_retry, "Write #{pk} queued again.")


@dispatcher_required
@require_POST
def job_dismiss(request, pk: int):
    return _act(
        request, pk, services.upstream_write_dismiss, "Dismissed: {summary}. Nothing was changed in TechLink."
    )
