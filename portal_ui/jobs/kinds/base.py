"""What a kind of write is, declared once: what it accepts, what it changes in TechLink, how it is sent and
recognised there, how staff read it, and where its result is shown.

How a create is recognised when the outcome of an attempt is unknown (``find``): none of the matches is unique
by nature, so before the first send the matching objects already present are recorded (``baseline``); only a
match that is not in the baseline, and that no other write took as its own, counts as ours. Writes to one
target run one at a time (see ``portal_ui.jobs.outbox``), so no later write can create a look-alike while a
write is in doubt. Nothing is written into TechLink that staff did not type. Kinds without ``find`` are
idempotent and simply sent again; with ``missing_is_done``, TechLink's "not found" counts as done (what staff
wanted gone is not there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from portal_ui.core.pages import page_url
from portal_ui.core.uploads import upload_problem
from portal_ui.integrations.techlink import TechLinkClient, types

if TYPE_CHECKING:
    from portal_ui.jobs.models import UpstreamWrite

__all__ = ["SITE", "WORKORDER", "Accepted", "Kind", "Owner"]


@dataclass(frozen=True)
class Owner:
    """What a write belongs to in TechLink, a site or a work order: ``noun`` in targets, ``<noun>_id`` in
    payloads and results, ``label`` for staff, shown on the dashboard page ``page`` (``portal_ui.core.pages``)."""

    noun: str
    label: str
    page: str

    @property
    def key(self) -> str:
        return f"{self.noun}_id"

    def target(self, part: str = "") -> Callable[[dict], str]:
        """Targets "<noun>:<id>" (the owner's own fields) or "<noun>:<id>:<part>" (one list of it)."""
        suffix = f":{part}" if part else ""
        return lambda payload: f"{self.noun}:{payload.get(self.key)}{suffix}"

    def named(self, write: UpstreamWrite) -> str:
        """The owner as staff read it: "work order #12"."""
        return f"{self.label} #{write.payload.get(self.key)}"

    def checked_id(self, value: Any) -> int:
        return positive_id(value, self.label.capitalize())

    def url(self, result: dict) -> str:
        """Its page, for the id in a write's result ("" when there is none, or no app shows it)."""
        object_id = result.get(self.key)
        return page_url(self.page, **{self.key: int(object_id)}) if object_id else ""


SITE = Owner("site", "site", page="site")
WORKORDER = Owner("workorder", "work order", page="workorder")


class Accepted(NamedTuple):
    """A write as it is recorded: the payload sent, the value that marks its object upstream, its file."""

    payload: dict[str, Any]
    marker: str = ""
    upload: UploadedFile | None = None


Sender = Callable[[TechLinkClient, "UpstreamWrite", BinaryIO | None], dict]
Finder = Callable[[TechLinkClient, "UpstreamWrite"], list[int]]


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of write.

    * ``name``, ``label``: the stored value and what staff read;
    * ``accept(**values)``: staff's input checked (``ValidationError``) and shaped into what is recorded;
    * ``target(payload)``: what the write changes in TechLink, as far as other writes can get in its way.
      Writes with one target are sent one at a time, oldest first; writes with different targets side by side;
    * ``summary(write)``: one line saying what the write does;
    * ``send(client, write, file)``: sends it once and returns the result kept with the write;
    * ``find(client, write)``: the upstream objects that look like the one this write creates, so an
      in-doubt attempt is recognised (``found_key`` names the found object in the result);
    * ``missing_is_done``: TechLink's "not found" means done;
    * ``owner``: the site or work order the write belongs to, whose page shows the result;
    * ``change_page``: for a create, the form that sends a refused one again, filled in.
    """

    name: str
    label: str
    accept: Callable[..., Accepted]
    target: Callable[[dict], str]
    summary: Callable[[UpstreamWrite], str]
    send: Sender
    owner: Owner
    find: Finder | None = None
    found_key: str = ""
    missing_is_done: bool = False
    change_page: str = ""

    def existing(
        self, client: TechLinkClient, write: UpstreamWrite, taken: Iterable[int] = frozenset()
    ) -> int | None:
        """The upstream object an earlier attempt of this write created, if any (``taken``: objects other
        writes already recognised as theirs)."""
        assert self.find is not None
        before = set(write.baseline or []) | set(taken)
        ours = [object_id for object_id in self.find(client, write) if object_id not in before]
        return max(ours) if ours else None

    def found_result(self, write: UpstreamWrite, object_id: int) -> dict:
        return {**self._owner(write), self.found_key: object_id, "recovered": True}

    def gone_result(self, write: UpstreamWrite) -> dict:
        return {**self._owner(write), "already_removed": True}

    def result_url(self, result: dict) -> str:
        """The dashboard page of what the write created or changed."""
        return self.owner.url(result)

    def change_url(self, write: UpstreamWrite) -> str:
        """The form that sends this write again after staff changed it ("" for kinds without one)."""
        url = page_url(self.change_page) if self.change_page else ""
        return f"{url}?from_write={write.pk}" if url else ""

    def _owner(self, write: UpstreamWrite) -> dict:
        key = self.owner.key
        return {key: write.payload[key]} if key in write.payload else {}


def field_updates(
    *, name: str, label: str, owner: Owner, fields: frozenset[str], not_empty: frozenset[str],
    update: Callable[[TechLinkClient, int, dict[str, str]], types.Site | types.WorkOrder],
) -> Kind:  # fmt: skip
    """The kind of write changing some fields of a site or work order: ``fields`` may change, ``not_empty``
    may not be emptied, ``update`` is the client call. Sent again as it is (an update is idempotent)."""

    def accept(*, changes: dict, **ids: int) -> Accepted:
        owner_id = owner.checked_id(ids[owner.key])
        return Accepted(
            {owner.key: owner_id, "changes": changed_fields(changes, fields, not_empty, owner.label)}
        )

    def send(client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
        changed = update(client, write.payload[owner.key], write.payload["changes"])
        return {owner.key: changed.id}

    def summary(write: UpstreamWrite) -> str:
        return f"Update {owner.named(write)} ({', '.join(sorted(write.payload.get('changes', {})))})"

    return Kind(
        name=name, label=label, accept=accept, target=owner.target(), summary=summary, send=send, owner=owner
    )


# -- checks of staff's input ------------------------------------------------------------------------


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def positive_id(value: Any, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} must be a number.") from None
    if number <= 0:
        raise ValidationError(f"{label} must be a positive number.")
    return number


def clean_fields(fields: dict, allowed: frozenset[str], what: str) -> dict[str, str]:
    if not isinstance(fields, dict):
        raise ValidationError(f"The {what} must be given as named fields.")
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError(f"Unknown {what} field(s): {', '.join(unknown)}.")
    return {key: text(value) for key, value in fields.items()}


def changed_fields(
    values: dict, allowed: frozenset[str], not_empty: frozenset[str], what: str
) -> dict[str, str]:
    """The fields an update changes: known ones, at least one, none emptied that must stay filled."""
    values = clean_fields(values, allowed, what)
    if not values:
        raise ValidationError("Nothing to change.")
    emptied = [name for name in not_empty if name in values and not values[name]]
    if emptied:
        raise ValidationError(f"The {what} needs: {', '.join(name.replace('_', ' ') for name in emptied)}.")
    return values


def checked_upload(upload: UploadedFile | None) -> UploadedFile:
    """The uploaded file, when the upload policy (``portal_ui.core.uploads``) lets it through."""
    problem = upload_problem(name=getattr(upload, "name", None), size=getattr(upload, "size", None))
    if problem or upload is None:
        raise ValidationError(problem or "Choose a file to upload.")
    return upload


def non_empty(values: dict) -> dict:
    """Only the fields staff filled in: TechLink gets no empty values it would store."""
    return {key: value for key, value in values.items() if value not in ("", None)}
