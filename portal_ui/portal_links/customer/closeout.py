"""What a portal link offers of its work order's close-out: the close-out report (PDF) and the bundle of its
files (ZIP), holding only the items the link shares, in the link's branding.

A link offers them when it grants a close-out section (answers or documents) and there is something of the
close-out it shares: the report holds the shared photos, close-out documents (their names) and the answers;
the bundle the shared photos, and the shared close-out documents when the link also lets them be downloaded.
Decided from the link alone, without asking TechLink.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_ui.dispatch.closeouts.items import Branding, CloseoutItems
from portal_ui.portal_links.models import PortalLink
from portal_ui.portal_links.schemas import shared_items_of
from portal_ui.portal_links.selectors import link_permissions

# The permissions that open a close-out section of the customer page.
CLOSEOUT_SECTIONS = ("view_closeout_answers", "view_closeout_documents")
NOTHING: frozenset[int] = frozenset()


@dataclass(frozen=True)
class CloseoutOffer:
    """The items of the report and of the bundle (None: not offered) and the branding of the report."""

    report: CloseoutItems | None
    bundle: CloseoutItems | None
    branding: Branding

    @property
    def anything(self) -> bool:
        return self.report is not None or self.bundle is not None


def _has_files(items: CloseoutItems) -> bool:
    return items.photos != NOTHING or items.documents != NOTHING


def closeout_offer(link: PortalLink) -> CloseoutOffer:
    """What `link` offers of the close-out (nothing unless it grants a close-out section)."""
    permissions = link_permissions(link)
    branding = Branding.from_link(link.custom_branding)
    if not any(permissions.get(name) for name in CLOSEOUT_SECTIONS):
        return CloseoutOffer(report=None, bundle=None, branding=branding)
    shared = shared_items_of(link.shared_items)
    report = CloseoutItems.for_link(permissions=permissions, shared_items=shared)
    bundle = CloseoutItems.for_link(permissions=permissions, shared_items=shared, purpose="bundle")
    return CloseoutOffer(
        report=report if report.shares_anything else None,
        bundle=bundle if _has_files(bundle) else None,
        branding=branding,
    )
