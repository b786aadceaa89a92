"""Reads behind the staff detail pages.

Detail pages fetch their upstream sub-resources concurrently (one round trip of wall time instead
of one per section). When TechLink is slow or down the pages fall back to what the read model
knows and say so with a banner; a record missing upstream (404) is a 404 here too.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import errors, types
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror import services as mirror_services

logger = logging.getLogger(__name__)

UPSTREAM_DOWN_MESSAGE = "TechLink is not answering right now ({detail}). Showing what the dashboard last knew; changes can still be queued."


class UpstreamNotFound(Exception):
    """TechLink says the object does not exist (and the read model does not know it either)."""


def upstream_banner(exc: BaseException) -> str:
    """A short, staff-readable explanation of an upstream failure."""
    if isinstance(exc, errors.TechLinkTimeout):
        detail = "timed out"
    elif isinstance(exc, errors.TechLinkConnectionError):
        detail = "no connection"
    elif isinstance(exc, errors.TechLinkAuthError):
        detail = "the dashboard's TechLink login was refused"
    elif isinstance(exc, errors.TechLinkServerError):
        detail = "TechLink reported a server error"
    else:
        detail = str(getattr(exc, "message", "") or type(exc).__name__)
    return UPSTREAM_DOWN_MESSAGE.format(detail=detail)


def site_zone(name: str | None) -> ZoneInfo | None:
    """The site's IANA time zone, or None when it is empty or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run upstream calls concurrently (bounded by the client's pool); each result or its exception."""
    return techlink_client().fetch_many(lambda call: call(), calls)


def _raise_unexpected(result: Any) -> Any:
    if isinstance(result, BaseException) and not isinstance(result, errors.TechLinkError):
        raise result
    return result


# -- read model fallbacks -----------------------------------------------------------------------


def _workorder_record(workorder_id: int):
    return mirror_selectors.workorder_get(workorder_id=workorder_id)


def _site_record(site_id: int):
    return mirror_selectors.site_get(site_id=site_id)


def _from_raw(cls: type, raw: Any, fallback_id: int):
    data = dict(raw) if isinstance(raw, dict) else {}
    data.setdefault("id", fallback_id)
    return cls.from_api(data)


def _forget(refresh: Callable[[], Any]) -> None:
    """TechLink says the record is gone: let the read model drop it too (it checks once more)."""
    try:
        refresh()
    except Exception:
        logger.warning("Could not drop a deleted record from the read model", exc_info=True)


def _store_workorder(workorder: types.WorkOrder) -> None:
    """Hand the freshly fetched work order to the read model so lists stay fresh; never breaks the page."""
    try:
        mirror_services.mirror_workorder_store(workorder=workorder)
    except Exception:  # the page is rendered from upstream already; a stale list row is not an error
        logger.warning("Could not store work order #%s in the read model", workorder.id, exc_info=True)


def _store_site(site: types.Site) -> None:
    """Hand the freshly fetched site to the read model so lists stay fresh; never breaks the page."""
    try:
        mirror_services.mirror_site_store(site=site)
    except Exception:
        logger.warning("Could not refresh site #%s in the read model", site.id, exc_info=True)


# -- reference lists ----------------------------------------------------------------------------


@dataclass
class ReferenceLists:
    """Projects, task items and client users for pickers and names.

    The lists hold what TechLink lists now; ``known_project_names`` and ``known_user_names`` also name
    entries it no longer lists, so an old work order still shows its project's name.
    """

    projects: list[types.Project] = field(default_factory=list)
    task_items: list[types.TaskItem] = field(default_factory=list)
    users: list[types.User] = field(default_factory=list)
    upstream_error: str = ""
    known_project_names: dict[int, str] = field(default_factory=dict)
    known_user_names: dict[int, str] = field(default_factory=dict)
    synced_at: datetime | None = None

    @property
    def project_names(self) -> dict[int, str]:
        return {**self.known_project_names, **{p.project_id: p.name for p in self.projects}}

    @property
    def user_names(self) -> dict[int, str]:
        return {**self.known_user_names, **{u.user_id: (u.name or u.username) for u in self.users}}


def _local_reference() -> ReferenceLists | None:
    """The reference lists as the read model last synced them, or None when they never were."""
    try:
        stored = mirror_selectors.reference_get()
    except Exception:  # the read model is a copy; a page can still ask TechLink
        logger.warning("Could not read the reference lists from the read model", exc_info=True)
        return None
    if stored is None:
        return None
    return ReferenceLists(
        projects=stored.projects,
        task_items=stored.task_items,
        users=stored.users,
        known_project_names=stored.project_names,
        known_user_names=stored.user_names,
        synced_at=stored.synced_at,
    )


def _reference_from_results(projects: Any, task_items: Any, users: Any) -> ReferenceLists:
    """Lists fetched from TechLink; complete ones are stored in the read model, failed ones come from it."""
    results = [None if isinstance(r, BaseException) else r for r in (projects, task_items, users)]
    failures = [r for r in (projects, task_items, users) if isinstance(r, BaseException)]
    try:
        mirror_services.mirror_reference_store(projects=results[0], task_items=results[1], users=results[2])
    except Exception:  # the page has the lists already; storing them is for the next page
        logger.warning("Could not store the reference lists in the read model", exc_info=True)
    stored = _local_reference() if failures else None
    fetched_projects, fetched_items, fetched_users = results
    lists = ReferenceLists(
        projects=sorted(fetched_projects, key=lambda p: p.name.casefold())
        if fetched_projects is not None
        else (stored.projects if stored else []),
        task_items=sorted(fetched_items, key=lambda t: t.name.casefold())
        if fetched_items is not None
        else (stored.task_items if stored else []),
        users=sorted(fetched_users, key=lambda u: (u.name or u.username).casefold())
        if fetched_users is not None
        else (stored.users if stored else []),
        upstream_error=upstream_banner(failures[0]) if failures else "",
        known_project_names=stored.known_project_names if stored else {},
        known_user_names=stored.known_user_names if stored else {},
        synced_at=stored.synced_at if stored else None,
    )
    return lists


def _reference_calls() -> list[Callable[[], Any]]:
    client = techlink_client()
    return [client.projects, client.task_items, client.users]


def reference_lists_get(*, live: bool = False) -> ReferenceLists:
    """Projects, task items and client users from the read model (synced every few minutes).

    TechLink is asked (three calls, concurrently; complete answers are stored) only when the read model
    never had the lists, or when ``live``. When TechLink fails, what the read model knows is used.
    """
    if not live:
        local = _local_reference()
        if local is not None:
            return local
    results = [_raise_unexpected(r) for r in _parallel(_reference_calls())]
    return _reference_from_results(*results)


def reference_lists_filter(lists: ReferenceLists, query: str) -> ReferenceLists:
    """The entries whose name (and for users, username or e-mail) contains ``query``, ignoring case."""
    needle = query.strip().casefold()
    if not needle:
        return lists

    def found(*values: str) -> bool:
        return any(needle in (v or "").casefold() for v in values)

    return dataclasses.replace(
        lists,
        projects=[p for p in lists.projects if found(p.name, str(p.project_id))],
        task_items=[t for t in lists.task_items if found(t.name, str(t.taskitem_id))],
        users=[u for u in lists.users if found(u.name, u.username, u.email)],
    )


# -- work order detail --------------------------------------------------------------------------


@dataclass
class WorkOrderDetail:
    workorder: types.WorkOrder
    required_documents: list[types.Document] | None
    reference: ReferenceLists
    from_upstream: bool
    upstream_error: str = ""

    @property
    def site(self) -> types.Site | None:
        return self.workorder.site

    @property
    def zone(self) -> ZoneInfo | None:
        return site_zone(self.site.timezone if self.site else None)

    @property
    def project_name(self) -> str:
        return self.reference.project_names.get(self.workorder.project_id or 0, "")

    @property
    def submitter_name(self) -> str:
        return self.reference.user_names.get(self.workorder.submitter_id or 0, "")


def _workorder_from_record(record) -> types.WorkOrder:
    workorder = _from_raw(types.WorkOrder, getattr(record, "raw", None), record.pk)
    if workorder.site is None:
        site_record = _site_record(workorder.site_id) if workorder.site_id else None
        if site_record is not None:
            site = _from_raw(types.Site, getattr(site_record, "raw", None), site_record.pk)
            workorder = _replace(workorder, site=site)
    return workorder


def _replace(obj: Any, **changes: Any) -> Any:
    return dataclasses.replace(obj, **changes)


def workorder_detail_get(*, workorder_id: int, refresh_record: bool = True) -> WorkOrderDetail:
    """Everything the work order pages show, fetched concurrently from TechLink.

    Raises ``UpstreamNotFound`` when neither TechLink nor the read model knows the work order.
    """
    client = techlink_client()
    calls = [
        partial(client.workorder_get, workorder_id, include_all=True),
        partial(client.workorder_required_documents, workorder_id),
    ]
    reference = _local_reference()
    if reference is None:  # never synced: ask TechLink along with the work order
        calls += _reference_calls()
    results = [_raise_unexpected(r) for r in _parallel(calls)]
    workorder, required = results[:2]
    if reference is None:
        reference = _reference_from_results(*results[2:])
    if isinstance(workorder, errors.TechLinkNotFound):
        _forget(lambda: mirror_services.mirror_workorder_refresh(workorder_id=workorder_id))
        raise UpstreamNotFound(str(workorder))
    if isinstance(workorder, BaseException):
        record = _workorder_record(workorder_id)
        if record is None:
            raise UpstreamUnavailable(upstream_banner(workorder)) from workorder
        return WorkOrderDetail(
            workorder=_workorder_from_record(record),
            required_documents=None,
            reference=reference,
            from_upstream=False,
            upstream_error=upstream_banner(workorder),
        )
    if refresh_record:
        _store_workorder(workorder)
    error = ""
    if isinstance(required, BaseException):
        error, required = upstream_banner(required), None
    return WorkOrderDetail(
        workorder=workorder,
        required_documents=required,
        reference=reference,
        from_upstream=True,
        upstream_error=error or reference.upstream_error,
    )


class UpstreamUnavailable(Exception):
    """TechLink could not be reached and the read model has nothing to show instead."""


# -- close-out review ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentMatch:
    required: types.Document
    completed: types.Document | None

    @property
    def is_matched(self) -> bool:
        return self.completed is not None


@dataclass(frozen=True)
class CloseoutReview:
    matches: list[DocumentMatch]
    questions: list[types.Question]
    photos: list[types.Photo]
    unmatched_completed: list[types.Document]

    @property
    def missing_documents(self) -> list[types.Document]:
        return [m.required for m in self.matches if not m.is_matched]

    @property
    def unanswered_questions(self) -> list[types.Question]:
        return [q for q in self.questions if not q.is_answered]

    @property
    def matched_count(self) -> int:
        return sum(1 for m in self.matches if m.is_matched)

    @property
    def answered_count(self) -> int:
        return len(self.questions) - len(self.unanswered_questions)

    @property
    def has_photo(self) -> bool:
        return bool(self.photos)

    @property
    def points(self) -> int:
        return self.matched_count + self.answered_count + (1 if self.has_photo else 0)

    @property
    def possible(self) -> int:
        return len(self.matches) + len(self.questions) + 1

    @property
    def score(self) -> int:
        """Percent complete: each required document, each question and "at least one photo" count one point."""
        return (self.points * 100) // self.possible

    @property
    def is_complete(self) -> bool:
        return self.points == self.possible

    def missing_summary(self) -> list[str]:
        lines = [f"Missing close-out document: {_document_label(d)}" for d in self.missing_documents]
        lines += [f"Unanswered question: {q.question}" for q in self.unanswered_questions]
        if not self.has_photo:
            lines.append("No close-out photos uploaded yet.")
        return lines


def _document_label(document: types.Document) -> str:
    if document.description and document.filename:
        return f"{document.description} ({document.filename})"
    return document.description or document.filename or f"document #{document.document_id}"


def _stem(filename: str) -> str:
    return PurePosixPath(filename.strip()).stem.casefold() if filename.strip() else ""


def _is_filled_in_copy(candidate: str, form: str) -> bool:
    return candidate.startswith(form) and candidate[len(form) : len(form) + 1] in {"_", "-", " ", "."}


def closeout_review_build(
    *,
    required: list[types.Document],
    completed: list[types.Document],
    questions: list[types.Question],
    photos: list[types.Photo],
) -> CloseoutReview:
    """Match each required close-out document with a completed one.

    A completed document matches when its description equals the required one's (case-insensitive),
    otherwise when the file names without extension are equal (case-insensitive), otherwise when the
    completed file is the required form's name with a suffix, as technicians name a filled-in copy
    ("wo_12_signoff.pdf" -> "wo_12_signoff_signed.pdf"). Each completed document satisfies at most one
    requirement; stronger matches are taken first.
    """
    available = list(completed)
    found: dict[int, types.Document] = {}

    def take(index: int, predicate: Callable[[types.Document], bool]) -> None:
        for candidate in available:
            if predicate(candidate):
                found[index] = candidate
                available.remove(candidate)
                return

    for index, doc in enumerate(required):
        wanted = doc.description.strip().casefold()
        if wanted:
            take(index, lambda c, wanted=wanted: c.description.strip().casefold() == wanted)
    for index, doc in enumerate(required):
        stem = _stem(doc.filename)
        if index not in found and stem:
            take(index, lambda c, stem=stem: _stem(c.filename) == stem)
    for index, doc in enumerate(required):
        stem = _stem(doc.filename)
        if index not in found and stem:
            take(index, lambda c, stem=stem: _is_filled_in_copy(_stem(c.filename), stem))
    return CloseoutReview(
        matches=[DocumentMatch(required=doc, completed=found.get(i)) for i, doc in enumerate(required)],
        questions=sorted(questions, key=lambda q: (q.sort_order, q.question_id)),
        photos=list(photos),
        unmatched_completed=available,
    )


# -- site detail --------------------------------------------------------------------------------


@dataclass
class SiteDetail:
    site: types.Site
    documents: list[types.Document] | None
    from_upstream: bool
    upstream_error: str = ""

    @property
    def zone(self) -> ZoneInfo | None:
        return site_zone(self.site.timezone)

    @property
    def map_url(self) -> str:
        lat, lon = self.site.address.latitude, self.site.address.longitude
        if lat is None or lon is None:
            return ""
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def site_detail_get(*, site_id: int, refresh_record: bool = True) -> SiteDetail:
    """The site with its attributes and documents, fetched concurrently from TechLink."""
    client = techlink_client()
    site, documents = (
        _raise_unexpected(r)
        for r in _parallel([partial(client.site_get, site_id), partial(client.site_documents, site_id)])
    )
    if isinstance(site, errors.TechLinkNotFound):
        _forget(lambda: mirror_services.mirror_site_refresh(site_id=site_id))
        raise UpstreamNotFound(str(site))
    if isinstance(site, BaseException):
        record = _site_record(site_id)
        if record is None:
            raise UpstreamUnavailable(upstream_banner(site)) from site
        return SiteDetail(
            site=_from_raw(types.Site, getattr(record, "raw", None), record.pk),
            documents=None,
            from_upstream=False,
            upstream_error=upstream_banner(site),
        )
    if refresh_record:
        _store_site(site)
    error = ""
    if isinstance(documents, BaseException):
        error, documents = upstream_banner(documents), None
    return SiteDetail(site=site, documents=documents, from_upstream=True, upstream_error=error)


@dataclass
class PhotoView:
    workorder: types.WorkOrder
    photo: types.Photo
    previous: types.Photo | None
    next: types.Photo | None
    position: int
    count: int

    @property
    def zone(self) -> ZoneInfo | None:
        return site_zone(self.workorder.site.timezone if self.workorder.site else None)


def workorder_photo_get(*, workorder_id: int, photo_id: int) -> PhotoView:
    """One close-out photo with its neighbours, for the full-size view (two calls, concurrently)."""
    client = techlink_client()
    workorder, photos = (
        _raise_unexpected(r)
        for r in _parallel(
            [
                partial(client.workorder_get, workorder_id, include_site=True),
                partial(client.workorder_photos, workorder_id),
            ]
        )
    )
    for result in (workorder, photos):
        if isinstance(result, errors.TechLinkNotFound):
            raise UpstreamNotFound(str(result))
        if isinstance(result, BaseException):
            raise UpstreamUnavailable(upstream_banner(result)) from result
    for index, photo in enumerate(photos):
        if photo.photo_id == photo_id:
            return PhotoView(
                workorder=workorder,
                photo=photo,
                previous=photos[index - 1] if index > 0 else None,
                next=photos[index + 1] if index + 1 < len(photos) else None,
                position=index + 1,
                count=len(photos),
            )
    raise UpstreamNotFound(f"Photo #{photo_id} not found")


def open_writes(
    *, workorder_id: int | None = None, site_id: int | None = None, exclude_id: int | None = None
):
    """Changes to one work order or site that TechLink has not confirmed yet (queued, running or failed)."""
    from portal_ui.jobs.models import OPEN_STATUSES, UpstreamWrite

    writes = UpstreamWrite.objects.filter(status__in=OPEN_STATUSES).select_related("created_by")
    if workorder_id is not None:
        writes = writes.filter(payload__workorder_id=workorder_id)
    if site_id is not None:
        writes = writes.filter(payload__site_id=site_id)
    if exclude_id is not None:
        writes = writes.exclude(pk=exclude_id)
    return list(writes.order_by("-id")[:10])


def site_workorders(*, site_id: int, page: int = 1, per_page: int = 50):
    """The site's work orders from the read model (newest first)."""
    return mirror_selectors.workorder_list(
        filters={"site_id": str(site_id)}, sort="-id", page=page, per_page=per_page
    )


def localize(value: datetime | None, zone: ZoneInfo | None) -> datetime | None:
    """Aware datetimes converted into the site's zone; naive ones are already site-local."""
    if value is None or zone is None or value.tzinfo is None:
        return value
    return value.astimezone(zone)


# -- files downloaded through the dashboard ----------------------------------------------------------------

# kind -> (client method streaming the file, client method listing its siblings, id attribute, fallback stem)
_FILE_SOURCES: dict[str, tuple[str, str, str, str]] = {
    "site_document": ("site_document_raw", "site_documents", "document_id", "document"),
    "workorder_document": ("workorder_document_raw", "workorder_documents", "document_id", "document"),
    "workorder_required": (
        "workorder_required_document_raw", "workorder_required_documents", "document_id", "document",
    ),
    "workorder_closeout": (
        "workorder_closeout_document_raw", "workorder_closeout_documents", "document_id", "document",
    ),
    "workorder_photo": ("workorder_photo_raw", "workorder_photos", "photo_id", "photo"),
}  # fmt: skip


def upstream_file_open(*, kind: str, owner_id: int, file_id: int) -> types.RawFile:
    """Open a stream of one file from TechLink (a site's or work order's document, or a photo)."""
    raw_method = _FILE_SOURCES[kind][0]
    return getattr(techlink_client(), raw_method)(owner_id, file_id)


def upstream_file_name(*, kind: str, owner_id: int, file_id: int) -> str:
    """The file's name as TechLink lists it, for answers that carry no name of their own."""
    _, list_method, id_attribute, stem = _FILE_SOURCES[kind]
    for item in getattr(techlink_client(), list_method)(owner_id):
        if getattr(item, id_attribute) == file_id:
            return item.filename
    return f"{stem}-{file_id}"


def site_known(*, site_id: int) -> bool:
    """False only when TechLink says the site does not exist; when it cannot be asked now, TechLink checks
    again when the work order is sent."""
    if mirror_selectors.site_get(site_id=site_id) is not None:
        return True
    try:
        techlink_client().site_get(site_id)
    except errors.TechLinkNotFound:
        return False
    except errors.TechLinkError:
        return True
    return True
