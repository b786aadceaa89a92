"""Template tags of the close-out review's partials that pages include without their view knowing: the
decision history on the work order page."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django import template

from portal_ui.dispatch.closeouts import selectors
from portal_ui.dispatch.closeouts.selectors import CloseoutHistory

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def closeout_history_of(workorder_id: int) -> CloseoutHistory | None:
    """``{% closeout_history_of wo.id as history %}``; None when it cannot be read (the page still shows)."""
    try:
        return selectors.closeout_history(workorder_id=int(workorder_id))
    except Exception:
        logger.warning("Could not read the close-out history of work order #%s", workorder_id, exc_info=True)
        return None


@dataclass(frozen=True)
class _Item:
    kind: str  # "decision" or "reminder"
    entry: Any
    at: Any


@register.filter
def closeout_timeline(history: CloseoutHistory | None) -> list[_Item]:
    """Decisions and reminders in one list, newest first."""
    if history is None:
        return []
    items = [_Item("decision", d, d.decided_at) for d in history.decisions]
    items += [_Item("reminder", r, r.sent_at) for r in history.reminders]
    return sorted(items, key=lambda item: item.at, reverse=True)
