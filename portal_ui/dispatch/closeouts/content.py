"""What a close-out holds right now, read live from TechLink, for the review's decisions, the report and the
bundle: the work order with its site, questions, photos and completed documents, the required documents, the
review (completeness over the whole close-out) and the fingerprint of it all. ``items`` narrows what is
shown to what one audience sees; the completeness stays that of the whole close-out."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from portal_ui.core.upstream import UpstreamUnavailable
from portal_ui.dispatch import live
from portal_ui.dispatch.closeout import CloseoutReview, closeout_fingerprint
from portal_ui.integrations.techlink import types

from .items import CloseoutItems

__all__ = ["CloseoutContent", "closeout_content_get", "closeout_content_of"]


@dataclass(frozen=True)
class CloseoutContent:
    workorder: types.WorkOrder  # questions, photos and close-out documents narrowed to ``items``
    required: list[types.Document]
    review: CloseoutReview
    fingerprint: str
    items: CloseoutItems
    project_name: str = ""

    @property
    def workorder_id(self) -> int:
        return self.workorder.id

    @property
    def site(self) -> types.Site | None:
        return self.workorder.site

    @property
    def zone(self) -> ZoneInfo | None:
        return types.site_zone(self.site.timezone if self.site else None)

    @property
    def photos(self) -> list[types.Photo]:
        return self.workorder.photos or []

    @property
    def documents(self) -> list[types.Document]:
        return self.workorder.closeout_documents or []

    @property
    def questions(self) -> list[types.Question]:
        return self.review.questions if self.items.questions else []


def closeout_content_of(detail: live.WorkOrderDetail, items: CloseoutItems | None = None) -> CloseoutContent:
    """The close-out from a live read of the work order page (``live.workorder_detail_get``)."""
    if not detail.answered_in_full:
        raise UpstreamUnavailable(
            detail.upstream_error or "TechLink did not answer in full, so the close-out cannot be read now."
        )
    items = items or CloseoutItems()
    wo = detail.workorder
    shown = dataclasses.replace(
        wo,
        photos=[p for p in wo.photos or [] if items.photo_shared(p.photo_id)],
        closeout_documents=[d for d in wo.closeout_documents or [] if items.document_shared(d.document_id)],
        questions=list(wo.questions or []) if items.questions else [],
    )
    return CloseoutContent(
        workorder=shown,
        required=list(detail.required_documents or []),
        review=detail.review,
        fingerprint=closeout_fingerprint(required=detail.required_documents, workorder=wo),
        items=items,
        project_name=detail.project_name,
    )


def closeout_content_get(
    *, workorder_id: int, items: CloseoutItems | None = None, write_back: bool = False
) -> CloseoutContent:
    """The close-out of the work order, read from TechLink now (``UpstreamNotFound`` when it has no such
    work order, ``UpstreamUnavailable`` when it cannot answer in full)."""
    detail = live.workorder_detail_get(workorder_id=workorder_id, write_back=write_back)
    return closeout_content_of(detail, items)
