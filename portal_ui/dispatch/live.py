"""Live reads from TechLink for the staff pages: the detail pages (their parts fetched in parallel), the
reference lists when the read model never had them, the site check of a new work order, and files.

What a live read brings back is written back to the read model (``portal_ui.mirror.services``) so lists
stay fresh; every such call goes through ``_write_back``, which never breaks a page. Failures reach callers
as the boundary's exceptions (``portal_ui.core.upstream``): ``UpstreamNotFound`` when TechLink says the
object does not exist, ``UpstreamUnavailable`` when it cannot answer and the read model has nothing to show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any
from zoneinfo import ZoneInfo

from portal_ui.core.upstream import (
    UpstreamNotFound,
    UpstreamUnavailable,
    techlink_client,
    translate,
    translated,
    upstream_banner,
)
from portal_ui.dispatch import selectors
from portal_ui.dispatch.closeout import CloseoutReview, closeout_review_build
from portal_ui.integrations.techlink import errors, types
from portal_ui.mirror import services as mirror_services
from portal_ui.mirror.selectors import Reference

logger = logging.getLogger(__name__)


def _parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls concurrently (bounded by the client's pool): each one's result, or the client error it
    raised (any other exception is raised here)."""
    results = techlink_client().fetch_many(lambda call: call(), calls)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, errors.TechLinkError):
            raise result
    return results


def _write_back(what: str, store: Callable[[], Any]) -> None:
    """Hand what a live read found to the read model; the page is drawn from the live answer already, so a
    failure here only leaves a list row stale."""
    try:
        store()
    except Exception:
        logger.warning("Could not write %s back to the read model", what, exc_info=True)


@dataclass(frozen=True)
class _Kept:
    """How the read model keeps one kind of object a detail page is about: ``stored(id)`` reads it back (or
    None), ``store(obj)`` writes back what TechLink answered, ``forget(id)`` writes back that it is gone."""

    name: str
    stored: Callable[[int], Any]
    store: Callable[[Any], Any]
    forget: Callable[[int], Any]


_WORKORDERS = _Kept(
    "work order",
    stored=lambda pk: selectors.workorder_stored(workorder_id=pk),
    store=lambda workorder: mirror_services.mirror_workorder_store(workorder=workorder),
    forget=lambda pk: mirror_services.mirror_workorder_refresh(workorder_id=pk),
)
_SITES = _Kept(
    "site",
    stored=lambda pk: selectors.site_stored(site_id=pk),
    store=lambda site: mirror_services.mirror_site_store(site=site),
    forget=lambda pk: mirror_services.mirror_site_refresh(site_id=pk),
)


def _detail(kept: _Kept, pk: int, found: Any, part: Any, *, write_back: bool) -> tuple[Any, Any, bool, str]:
    """The object of a detail page and one more part of it, from two answers of TechLink: ``(object, part,
    from_upstream, banner)``.

    The object as TechLink answered is written back (unless ``write_back`` is False); when TechLink failed,
    it comes as the read model stored it, without the part, with the banner saying why. When TechLink says
    the object does not exist, that is written back and raised as ``UpstreamNotFound``; a failure with
    nothing stored is raised as ``UpstreamUnavailable``. A part TechLink failed to give is None, with the
    banner.
    """
    what = f"{kept.name} #{pk}"
    if isinstance(found, errors.TechLinkNotFound):
        _write_back(f"the removal of {what}", partial(kept.forget, pk))
        raise UpstreamNotFound(str(found))
    if isinstance(found, BaseException):
        stored = kept.stored(pk)
        if stored is None:
            raise UpstreamUnavailable(upstream_banner(found)) from found
        return stored, None, False, upstream_banner(found)
    if write_back:
        _write_back(what, partial(kept.store, found))
    if isinstance(part, BaseException):
        return found, None, True, upstream_banner(part)
    return found, part, True, ""


# -- reference lists ------------------------------------------------------------------------------


def _reference_calls() -> list[Callable[[], Any]]:
    client = techlink_client()
    return [client.projects, client.task_items, client.users]


def _by_name(fetched: list | None, stored: list, name: Callable[[Any], str]) -> list:
    """The fetched list sorted by name, or the stored one when the fetch failed."""
    return stored if fetched is None else sorted(fetched, key=lambda item: name(item).casefold())


def _reference_from(results: list[Any]) -> tuple[Reference, str]:
    """Lists just fetched from TechLink (written back); a list that failed comes from the read model, and
    the banner says so."""
    projects, task_items, users = (None if isinstance(r, BaseException) else r for r in results)
    store = partial(
        mirror_services.mirror_reference_store, projects=projects, task_items=task_items, users=users
    )
    _write_back("the reference lists", store)
    failures = [r for r in results if isinstance(r, BaseException)]
    stored = (selectors.reference_lists() if failures else None) or selectors.NO_REFERENCE
    lists = Reference(
        projects=_by_name(projects, stored.projects, lambda p: p.name),
        task_items=_by_name(task_items, stored.task_items, lambda t: t.name),
        users=_by_name(users, stored.users, lambda u: u.name or u.username),
        project_names=stored.project_names | {p.project_id: p.name for p in projects or []},
        user_names=stored.user_names | {u.user_id: u.name or u.username for u in users or []},
        synced_at=stored.synced_at,
    )
    return lists, upstream_banner(failures[0]) if failures else ""


def reference_lists_get() -> tuple[Reference, str]:
    """Projects, task items and client users, with the banner when some could not be fetched.

    The read model's copy is used; TechLink is asked (three calls, concurrently) only when the read model
    never had the lists.
    """
    stored = selectors.reference_lists()
    if stored is not None:
        return stored, ""
    return _reference_from(_parallel(_reference_calls()))


# -- work order -----------------------------------------------------------------------------------


@dataclass
class WorkOrderDetail:
    workorder: types.WorkOrder
    required_documents: list[types.Document] | None
    reference: Reference
    from_upstream: bool
    upstream_error: str = ""

    @property
    def site(self) -> types.Site | None:
        return self.workorder.site

    @property
    def zone(self) -> ZoneInfo | None:
        return types.site_zone(self.site.timezone if self.site else None)

    @property
    def project_name(self) -> str:
        return self.reference.project_names.get(self.workorder.project_id or 0, "")

    @property
    def submitter_name(self) -> str:
        return self.reference.user_names.get(self.workorder.submitter_id or 0, "")

    @property
    def notes(self) -> list[types.Note]:
        """Newest first; notes without a date last."""
        return sorted(
            self.workorder.notes or [],
            key=lambda n: n.created_date.timestamp() if n.created_date else float("-inf"),
            reverse=True,
        )

    @property
    def answered_in_full(self) -> bool:
        """TechLink answered for the work order and its required documents (the review can be scored)."""
        return self.from_upstream and self.required_documents is not None

    @cached_property
    def review(self) -> CloseoutReview:
        wo = self.workorder
        return closeout_review_build(
            required=self.required_documents or [],
            completed=wo.closeout_documents or [],
            questions=wo.questions or [],
            photos=wo.photos or [],
        )


def workorder_detail_get(*, workorder_id: int, write_back: bool = True) -> WorkOrderDetail:
    """Everything the work order pages show, fetched concurrently from TechLink (with the reference lists
    when the read model never had them); the work order is written back unless ``write_back`` is False."""
    client = techlink_client()
    calls = [
        partial(client.workorder_get, workorder_id, include_all=True),
        partial(client.workorder_required_documents, workorder_id),
    ]
    reference, reference_error = selectors.reference_lists(), ""
    if reference is None:
        calls += _reference_calls()
    workorder, required, *lists = _parallel(calls)
    if reference is None:
        reference, reference_error = _reference_from(lists)
    workorder, required, from_upstream, error = _detail(
        _WORKORDERS, workorder_id, workorder, required, write_back=write_back
    )
    return WorkOrderDetail(workorder, required, reference, from_upstream, error or reference_error)


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
        return types.site_zone(self.workorder.site.timezone if self.workorder.site else None)


def workorder_photo_get(*, workorder_id: int, photo_id: int) -> PhotoView:
    """One close-out photo with its neighbours, for the full-size view (two calls, concurrently)."""
    client = techlink_client()
    results = _parallel(
        [
            partial(client.workorder_get, workorder_id, include_site=True),
            partial(client.workorder_photos, workorder_id),
        ]
    )
    for result in results:
        if isinstance(result, BaseException):
            raise translate(result) from result
    workorder, photos = results
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


def workorder_refresh(*, workorder_id: int) -> None:
    """Fetch the work order now and write it back to the read model (which drops it when TechLink no longer
    has it)."""
    with translated():
        mirror_services.mirror_workorder_refresh(workorder_id=workorder_id)


# -- site -----------------------------------------------------------------------------------------


@dataclass
class SiteDetail:
    site: types.Site
    documents: list[types.Document] | None
    from_upstream: bool
    upstream_error: str = ""

    @property
    def zone(self) -> ZoneInfo | None:
        return types.site_zone(self.site.timezone)

    @property
    def map_url(self) -> str:
        lat, lon = self.site.address.latitude, self.site.address.longitude
        if lat is None or lon is None:
            return ""
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def site_detail_get(*, site_id: int, write_back: bool = True) -> SiteDetail:
    """The site with its attributes and documents, fetched concurrently from TechLink; the site is written
    back unless ``write_back`` is False."""
    client = techlink_client()
    site, documents = _parallel([partial(client.site_get, site_id), partial(client.site_documents, site_id)])
    site, documents, from_upstream, error = _detail(_SITES, site_id, site, documents, write_back=write_back)
    return SiteDetail(site, documents, from_upstream, error)


def site_refresh(*, site_id: int) -> None:
    """Fetch the site now and write it back to the read model (which drops it when TechLink no longer has
    it)."""
    with translated():
        mirror_services.mirror_site_refresh(site_id=site_id)


def _known(stored: object, fetch: Callable[[], object]) -> bool:
    """False only when TechLink says the object does not exist (the read model is asked first); when
    TechLink cannot be asked now, a write is queued and TechLink checks when it is sent."""
    if stored is not None:
        return True
    try:
        fetch()
    except errors.TechLinkNotFound:
        return False
    except errors.TechLinkError:
        return True
    return True


def site_known(*, site_id: int) -> bool:
    return _known(selectors.site_stored(site_id=site_id), partial(techlink_client().site_get, site_id))


def workorder_known(*, workorder_id: int) -> bool:
    return _known(
        selectors.workorder_stored(workorder_id=workorder_id),
        partial(techlink_client().workorder_get, workorder_id),
    )


# -- files ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A file streaming from TechLink, and the name to save it under ("" when none is known)."""

    raw: types.RawFile
    filename: str


def _download(
    open_raw: Callable[[int, int], types.RawFile],
    listing: Callable[[int], list[types.Document] | list[types.Photo]],
    owner_id: int,
    file_id: int,
    *,
    stem: str = "document",
) -> Download:
    """Open the file; an answer without a file name gets the name TechLink lists it under."""
    with translated():
        raw = open_raw(owner_id, file_id)
    if raw.filename:
        return Download(raw, raw.filename)
    try:
        listed = {_file_id(item): item.filename for item in listing(owner_id)}
    except errors.TechLinkError:
        return Download(raw, "")
    return Download(raw, listed.get(file_id, f"{stem}-{file_id}"))


def _file_id(item: types.Document | types.Photo) -> int:
    return item.photo_id if isinstance(item, types.Photo) else item.document_id


def site_document(*, site_id: int, document_id: int) -> Download:
    """One of the site's documents."""
    tl = techlink_client()
    return _download(tl.site_document_raw, tl.site_documents, site_id, document_id)


def workorder_document(*, workorder_id: int, document_id: int) -> Download:
    """One of the work order's client documents."""
    tl = techlink_client()
    return _download(tl.workorder_document_raw, tl.workorder_documents, workorder_id, document_id)


def workorder_required_document(*, workorder_id: int, document_id: int) -> Download:
    """One of the close-out documents the work order requires (the blank forms)."""
    tl = techlink_client()
    return _download(
        tl.workorder_required_document_raw, tl.workorder_required_documents, workorder_id, document_id
    )


def workorder_closeout_document(*, workorder_id: int, document_id: int) -> Download:
    """One of the close-out documents the technician completed."""
    tl = techlink_client()
    return _download(
        tl.workorder_closeout_document_raw, tl.workorder_closeout_documents, workorder_id, document_id
    )


def workorder_photo(*, workorder_id: int, photo_id: int) -> Download:
    """One of the work order's close-out photos."""
    tl = techlink_client()
    return _download(tl.workorder_photo_raw, tl.workorder_photos, workorder_id, photo_id, stem="photo")


# -- close-out ------------------------------------------------------------------------------------


def workorders_closeout_get(*, workorder_ids: list[int]) -> list[types.WorkOrder | None]:
    """Each work order with its close-out (questions, photos, completed documents), concurrently; None for
    one TechLink did not give (not found, or failing). Nothing is written back: a close-out is not part of
    the read model."""
    client = techlink_client()
    calls = [
        partial(
            client.workorder_get,
            workorder_id,
            include_questions=True,
            include_photos=True,
            include_closeout_documents=True,
        )
        for workorder_id in workorder_ids
    ]
    return [None if isinstance(r, BaseException) else r for r in _parallel(calls)]


def workorder_photo_list(*, workorder_id: int) -> list[types.Photo]:
    """The work order's close-out photos."""
    with translated():
        return techlink_client().workorder_photos(workorder_id)
