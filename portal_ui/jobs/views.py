import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal_ui.accounts.permissions import dispatcher_required, viewer_required

from . import selectors, services
from .models import UpstreamWrite, WriteStatus


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
    if request.htmx and not request.htmx.boosted:
        return render(request, "jobs/detail.html#status", {"write": write})
    context = {
        "write": write,
        "payload_json": json.dumps(write.payload, indent=2, ensure_ascii=False),
        "result_json": json.dumps(write.result, indent=2, ensure_ascii=False),
    }
    return render(request, "jobs/detail.html", context)


@dispatcher_required
@require_POST
def job_retry(request, pk: int):
    write = get_object_or_404(UpstreamWrite, pk=pk)
    try:
        write = services.upstream_write_retry(write=write, user=request.user)
    except ValidationError as exc:
        if request.htmx:
            return render(
                request, "jobs/detail.html#status", {"write": write, "retry_error": exc.messages[0]}
            )
        messages.error(request, exc.messages[0])
        return redirect("job_detail", pk=pk)
    if request.htmx:
        return render(request, "jobs/detail.html#status", {"write": write})
    messages.success(request, f"Write #{write.pk} queued again.")
    return redirect("job_detail", pk=pk)
