"""Saved views in the navigation: ``{% load saved_tags %}{% saved_views_menu %}``."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from portal_ui.accounts.generations import kept_now

register = template.Library()


def _menu_html(user) -> str:
    from portal_ui.dispatch.views.saved import view_url, visible_views

    items = [
        {"name": v.name, "url": view_url(v), "shared": v.shared, "page": v.get_page_display()}
        for v in visible_views(user)
    ]
    return render_to_string("dispatch/_saved_views_menu.html", {"items": items})


@register.simple_tag(takes_context=True)
def saved_views_menu(context) -> SafeString:
    """The viewer's own saved views and the shared ones, drawn once per viewer and kept until a saved view
    is added, changed or removed (the generation "saved_views"); nothing in it is drawn per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return mark_safe("")
    html = kept_now("saved_views", f"menu:{user.pk}", lambda: _menu_html(user), request=request)
    return mark_safe(html)  # drawn by the template engine, which escaped every value
