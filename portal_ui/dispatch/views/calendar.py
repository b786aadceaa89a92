"""Calendar feeds: create and revoke one's private iCalendar URLs, and serve them (the token is the only key:
a calendar app cannot log in; a revoked or unknown token answers 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.permissions import viewer_required
from portal_ui.dispatch.calendar import feed_calendar
from portal_ui.dispatch.models import CalendarFeed
from portal_ui.dispatch.views.saved import _view_for


@viewer_required
@require_POST
def calendar_feed_new(request: HttpRequest) -> HttpResponse:
    view_id = request.POST.get("saved_view", "")
    view = _view_for(request.user, int(view_id)) if view_id.isdigit() else None
    _, token = CalendarFeed.create(owner=request.user, saved_view=view)
    url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    request.session["calendar_feed_url"] = url  # shown once on the next page
    messages.success(request, "Calendar feed created: copy its address now, it is shown only once.")
    return redirect("saved_views")


@viewer_required
@require_POST
def calendar_feed_revoke(request: HttpRequest, feed_id: int) -> HttpResponse:
    updated = CalendarFeed.objects.filter(pk=feed_id, owner=request.user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise Http404("No such calendar feed.")
    messages.success(request, "Calendar feed revoked: its address no longer answers.")
    return redirect("saved_views")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarFeed.active(token)
    if feed is None:
        raise Http404("No such calendar feed.")
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    response = HttpResponse(feed_calendar(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="techlink-installs.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
