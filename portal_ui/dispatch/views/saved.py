"""Saved views: a staff member keeps a filtered list, board or map under a name, for themself or shared with
the team. Every role may save its own; sharing with the team takes the dispatcher role."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django import forms as django_forms
from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.models import Role
from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import safe_next
from portal_ui.dispatch.models import CalendarFeed, SavedView, ViewPage
from portal_ui.dispatch.views.export import export_url

# Parameters a saved view never keeps (a page number, a write's status, the live refresh's version).
TRANSIENT = {"page", "write", "since", "csrfmiddlewaretoken"}


class SaveViewForm(django_forms.Form):
    name = django_forms.CharField(max_length=80, label="Name this view")
    page = django_forms.ChoiceField(choices=ViewPage.choices, widget=django_forms.HiddenInput)
    query = django_forms.CharField(required=False, max_length=2000, widget=django_forms.HiddenInput)
    shared = django_forms.BooleanField(required=False, label="Share with the team")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if "\x00" in name or not name:
            raise django_forms.ValidationError("Give the view a name.")
        return name

    def clean_query(self) -> str:
        pairs = [
            (k, v) for k, v in parse_qsl(self.cleaned_data.get("query", "").lstrip("?")) if k not in TRANSIENT
        ]
        return urlencode(pairs)


def visible_views(user) -> list[SavedView]:
    """The user's own views and those shared with the team, for navigation."""
    return list(SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner"))


def _view_for(user, view_id: int) -> SavedView:
    view = SavedView.objects.filter(Q(owner=user) | Q(shared=True), pk=view_id).first()
    if view is None:
        raise Http404("No such saved view.")
    return view


def view_url(view: SavedView) -> str:
    base = reverse(view.page)
    return f"{base}?{view.query}" if view.query else base


@viewer_required
@require_GET
def saved_views(request: HttpRequest) -> HttpResponse:
    views = visible_views(request.user)
    rows = [
        {
            "view": v,
            "url": view_url(v),
            "csv": export_url(v.page, v.query),
            "mine": v.owner_id == request.user.pk,
        }
        for v in views
    ]
    feeds = CalendarFeed.objects.filter(owner=request.user, revoked_at=None).select_related("saved_view")
    context = {
        "rows": rows,
        "feeds": feeds,
        "new_feed_url": request.session.pop("calendar_feed_url", None),
        "schedule_views": [
            v for v in views if v.page in (ViewPage.SCHEDULE, ViewPage.WORKORDERS, ViewPage.MAP)
        ],
    }
    return render(request, "dispatch/saved_views.html", context)


@viewer_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(safe_next(request, reverse("saved_views")))
    data = form.cleaned_data
    shared = bool(data["shared"])
    if shared and not request.user.has_role(Role.DISPATCHER):
        messages.error(
            request, "Sharing a view with the team takes the dispatcher role; it was saved for you only."
        )
        shared = False
    try:
        view, created = SavedView.objects.update_or_create(
            owner=request.user,
            page=data["page"],
            name=data["name"],
            defaults={"query": data["query"], "shared": shared},
        )
    except IntegrityError:  # saved twice at the same moment
        view, created = SavedView.objects.get(owner=request.user, page=data["page"], name=data["name"]), False
    messages.success(request, f"View “{view.name}” {'saved' if created else 'updated'}.")
    return redirect(view_url(view))


@viewer_required
@require_GET
def saved_view_open(request: HttpRequest, view_id: int) -> HttpResponse:
    return redirect(view_url(_view_for(request.user, view_id)))


@viewer_required
@require_GET
def saved_view_csv(request: HttpRequest, view_id: int) -> HttpResponse:
    view = _view_for(request.user, view_id)
    return redirect(export_url(view.page, view.query))


@viewer_required
@require_POST
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    view = SavedView.objects.filter(pk=view_id).first()
    if view is None:
        raise Http404("No such saved view.")
    if view.owner_id != request.user.pk and not request.user.has_role(Role.ADMIN):
        return render(
            request, "403.html", {"exception": "Only its owner (or an admin) can remove a view."}, status=403
        )
    view.delete()
    messages.success(request, f"View “{view.name}” removed.")
    return redirect("saved_views")
