"""Parts of the page frame drawn once per process and kept: ``{% load kept_tags %}``.

``{% kept "name" [kind="..."] value ... %}…{% endkept %}`` draws its body once for each combination of the
values that follow the name (everything the body shows must be among them, or never change while the
process runs) and keeps the drawn HTML in the process's "fragments" cache; with ``kind`` it is kept under the
request's generation of that kind (``accounts.generations``), so a change of that state draws it anew. The
request's own CSRF token and CSP nonce are never kept: the body is drawn with placeholders for them, and each
request puts its own in.
"""

from __future__ import annotations

import secrets
from functools import partial

from django import template
from django.template.base import FilterExpression, Node, NodeList
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal_ui.accounts.generations import kept_now
from portal_ui.core.generations import kept_by_process

register = template.Library()

# Per process: no value a page shows can contain them (NUL characters are refused in every form input).
_TOKEN = secrets.token_hex(8)
CSRF_PLACEHOLDER = f"\x00csrf-{_TOKEN}\x00"
NONCE_PLACEHOLDER = f"\x00nonce-{_TOKEN}\x00"


class KeptNode(Node):
    def __init__(
        self, nodelist: NodeList, name: FilterExpression, kind: str, vary: list[FilterExpression]
    ) -> None:
        self.nodelist, self.name, self.kind, self.vary = nodelist, name, kind, vary

    def _draw(self, context) -> str:
        with context.push(csrf_token=CSRF_PLACEHOLDER, csp_nonce=NONCE_PLACEHOLDER):
            return self.nodelist.render(context)

    def render(self, context) -> SafeString:
        # What every drawn part may depend on besides its values: where the site is served, its URLs, the
        # time zone and language dates and words are shown in.
        parts = (
            self.name.resolve(context), get_script_prefix(), get_urlconf(),
            timezone.get_current_timezone_name(), translation.get_language(),
            *(v.resolve(context) for v in self.vary),
        )  # fmt: skip
        draw = partial(self._draw, context)
        if self.kind:
            stamp = "|".join(map(str, parts))
            html = kept_now(self.kind, f"html:{stamp}", draw, request=context.get("request"))
        else:
            html = kept_by_process("html", parts, draw)
        if CSRF_PLACEHOLDER in html:
            html = html.replace(CSRF_PLACEHOLDER, escape(str(context.get("csrf_token") or "")))
        if NONCE_PLACEHOLDER in html:
            html = html.replace(NONCE_PLACEHOLDER, escape(str(context.get("csp_nonce") or "")))
        return mark_safe(html)  # drawn by the template engine; the token and the nonce escaped


@register.tag("kept")
def do_kept(parser, token) -> KeptNode:
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("{% kept %} needs a name")
    kind = ""
    if len(bits) > 1 and bits[1].startswith("kind="):
        kind = bits.pop(1).removeprefix("kind=").strip("\"'")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(
        nodelist, parser.compile_filter(bits[0]), kind, [parser.compile_filter(b) for b in bits[1:]]
    )
