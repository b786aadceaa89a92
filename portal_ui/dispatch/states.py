"""Which writes a work order takes in which status: the one place that says so.

A closed (90; TechLink may name it "Completed") or cancelled (95) work order takes none of the dashboard's
writes to it: its fields, notes, tasks and documents stay as they were when it ended. Its page says so and
shows no form for them (``templates/dispatch/workorder_detail.html`` asks ``WorkOrderWrites``), and the
views refuse such a write with the same reason (``views/common.py``, ``refused_by_status``). Every other
status takes every write. Reading the work order (refresh, downloads, the close-out review) and sharing it
with a customer stay possible in every status.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_ui.jobs.models import WriteKind

__all__ = ["CANCELLED", "CLOSED", "ENDED", "WORKORDER_KINDS", "WorkOrderWrites", "workorder_writes"]

CLOSED = 90
CANCELLED = 95

# Every write the dashboard makes to an existing work order.
WORKORDER_KINDS: frozenset[str] = frozenset(
    {
        WriteKind.WORKORDER_UPDATE,
        WriteKind.WORKORDER_NOTE_ADD,
        WriteKind.WORKORDER_TASK_ADD,
        WriteKind.WORKORDER_DOCUMENT_UPLOAD,
        WriteKind.WORKORDER_DOCUMENT_DELETE,
        WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD,
    }
)

# Status code -> (the writes it takes, why it takes no others). Statuses not listed take every write.
ENDED: dict[int, tuple[frozenset[str], str]] = {
    CLOSED: (
        frozenset(),
        "This work order is {status}: it takes no more changes, notes, tasks or documents. "
        "If work is still needed, reopen it in TechLink first.",
    ),
    CANCELLED: (
        frozenset(),
        "This work order is {status}: it takes no more changes, notes, tasks or documents. "
        "If the work is still wanted, reopen it in TechLink or create a new work order.",
    ),
}


@dataclass(frozen=True)
class WorkOrderWrites:
    """What a work order in one status takes. In templates: ``writes.allowed.workorder_note_add``,
    ``writes.ended`` and ``writes.reason``."""

    status_code: int | None
    taken: frozenset[str]
    reason: str = ""
    state: str = (
        ""  # the status's name in lower case ("closed"), for "No new notes: the work order is closed."
    )

    @property
    def ended(self) -> bool:
        """Closed or cancelled: some writes are not taken (and ``reason`` says why)."""
        return self.taken != WORKORDER_KINDS

    @property
    def allowed(self) -> dict[str, bool]:
        return {kind: kind in self.taken for kind in WORKORDER_KINDS}

    def takes(self, kind: str) -> bool:
        return kind in self.taken or kind not in WORKORDER_KINDS

    def refusal(self, kind: str) -> str:
        """Why ``kind`` is not taken, or "" when it is."""
        return "" if self.takes(kind) else self.reason


def workorder_writes(status_code: int | None, status_name: str = "") -> WorkOrderWrites:
    """The writes a work order with ``status_code`` takes; ``status_name`` (as TechLink names the status,
    e.g. "Completed" for 90) words the reason."""
    if status_code not in ENDED:
        return WorkOrderWrites(status_code, WORKORDER_KINDS)
    taken, reason = ENDED[status_code]
    name = (status_name or ("closed" if status_code == CLOSED else "cancelled")).strip().lower()
    return WorkOrderWrites(status_code, taken, reason.format(status=name), name)
