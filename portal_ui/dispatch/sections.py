"""The parts of the staff pages that htmx fetches on their own (``?section=<name>``).

Each section is declared once: the page it belongs to, the id of its root element, the write kinds whose
completion makes the page fetch it again (``static/dispatch/dispatch.js``), and the form that writes into it.
Views accept ``?section=`` only for a section listed here; the ``section_attrs`` template tag writes the
section's element attributes from here.

A page shows what a finished write changed, not only its lists: a change of a work order's or a site's own
fields (``workorder_update``, ``site_update``) fetches the page's head (title, number, status, key facts)
and its details again, so "Saved in TechLink" never sits next to the values it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from portal_ui.core.htmx import is_partial
from portal_ui.jobs.models import WriteKind

__all__ = ["PAGES", "Page", "Section", "asked", "get"]


@dataclass(frozen=True)
class Section:
    """One part of a page, fetched on its own as the page template's partial of the same ``name``."""

    name: str
    element_id: str
    kinds: tuple[str, ...] = ()
    form: str = ""
    form_id: str = ""


@dataclass(frozen=True)
class Page:
    """A page with sections: where it is (``url_name``, taking the object's id) and its template."""

    url_name: str
    template: str
    sections: dict[str, Section]

    def url(self, *args: int, **kwargs: int) -> str:
        return reverse(self.url_name, args=args, kwargs=kwargs)

    def section_url(self, object_id: int, name: str) -> str:
        return f"{self.url(object_id)}?section={self.sections[name].name}"


def _sections(*sections: Section) -> dict[str, Section]:
    return {section.name: section for section in sections}


PAGES: dict[str, Page] = {
    "workorder": Page(
        url_name="workorder_detail",
        template="dispatch/workorder_detail.html",
        sections=_sections(
            Section("head", "workorder-head", (WriteKind.WORKORDER_UPDATE,)),
            Section("details", "workorder-details", (WriteKind.WORKORDER_UPDATE,)),
            Section("notes", "note-list", (WriteKind.WORKORDER_NOTE_ADD,), "note_form", "note-form"),
            Section("tasks", "task-list", (WriteKind.WORKORDER_TASK_ADD,), "task_form", "task-form"),
            Section(
                "client_documents",
                "document-list",
                (WriteKind.WORKORDER_DOCUMENT_UPLOAD, WriteKind.WORKORDER_DOCUMENT_DELETE),
                "document_form",
                "document-form",
            ),
            Section(
                "required_documents",
                "required-list",
                (WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD,),
                "required_form",
                "required-form",
            ),
        ),
    ),
    "site": Page(
        url_name="site_detail",
        template="dispatch/site_detail.html",
        sections=_sections(
            Section("head", "site-head", (WriteKind.SITE_UPDATE,)),
            Section("details", "site-details", (WriteKind.SITE_UPDATE,)),
            Section(
                "attributes",
                "attribute-list",
                (WriteKind.SITE_ATTRIBUTE_SET, WriteKind.SITE_ATTRIBUTE_REMOVE),
                "attribute_form",
                "attribute-form",
            ),
            Section(
                "documents",
                "site-document-list",
                (WriteKind.SITE_DOCUMENT_UPLOAD, WriteKind.SITE_DOCUMENT_DELETE),
                "document_form",
                "site-document-form",
            ),
        ),
    ),
    # The review is fetched again when staff ask ("Check again"); no write of the dashboard changes it.
    "closeout": Page(
        url_name="workorder_closeout",
        template="dispatch/workorder_closeout.html",
        sections=_sections(Section("review", "review")),
    ),
}


def get(page: str, name: str) -> Section:
    """The section ``name`` of ``page`` (a KeyError names a section nobody declared)."""
    return PAGES[page].sections[name]


def asked(request: HttpRequest, page: str) -> Section | None:
    """The section of ``page`` an htmx request asks for with ``?section=``, or None for the whole page."""
    if not is_partial(request):
        return None
    return PAGES[page].sections.get(request.GET.get("section", ""))
