"""Saved views in the navigation: ``{% load saved_tags %}{% saved_views_menu %}``."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("dispatch/_saved_views_menu.html", takes_context=True)
def saved_views_menu(context) -> dict:
    from portal_ui.dispatch.views.saved import view_url, visible_views

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"items": []}
    return {
        "items": [
            {"name": v.name, "url": view_url(v), "shared": v.shared, "page": v.get_page_display()}
            for v in visible_views(user)
        ]
    }
