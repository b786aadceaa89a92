"""HTTP client for the TechLink "API light".

One ``TechLinkClient`` owns one ``requests.Session`` (thread-safe for our use: the connection pool
is sized for ``max_workers`` concurrent calls). Every call has a (connect, read) timeout. Only GETs
are retried automatically (urllib3 ``Retry`` on the adapter: connection errors, read errors and
5xx answers, with exponential backoff); a POST or DELETE is never repeated once it may have
reached TechLink. A connection that could not even be opened may be retried for any method,
since nothing was sent.

Every answer is a JSON envelope ``{code, message, data, time}`` whose ``code`` is authoritative
whatever the HTTP status; failures are raised as ``errors.TechLinkError`` subclasses. A GET whose
envelope carries a 5xx code on HTTP 200 is retried under the same ``Retry`` rules and budget.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO, Self, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from . import errors, types
from .fields import INCLUDE_FLAGS, SITE_FIELDS, WORKORDER_UPDATE_FIELDS
from .limits import current_limits
from .multipart import MultipartBody

__all__ = ["INCLUDE_FLAGS", "SITE_FIELDS", "WORKORDER_UPDATE_FIELDS", "TechLinkClient"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "TechLinkDispatch/1.0"
MAX_RETRY_AFTER = 30.0  # seconds; a longer Retry-After must not pin a worker thread


class _Retry(Retry):
    """urllib3 ``Retry`` that honours ``Retry-After`` only up to ``MAX_RETRY_AFTER`` seconds."""

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, MAX_RETRY_AFTER)


def password_hash(password: str) -> str:
    """The MD5 hex digest TechLink expects in ``X-Authorization`` instead of the password."""
    return hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest()


class TechLinkClient:
    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        connect_timeout: float = 3.05,
        read_timeout: float = 20.0,
        max_retries: int = 3,
        backoff_factor: float = 0.3,
        max_workers: int = 8,
        user_agent: str = USER_AGENT,
    ) -> None:
        if not base_url or not base_url.lower().startswith(("http://", "https://")):
            raise ValueError(f"TechLink base_url must be an http:// or https:// address, got {base_url!r}")
        if not username:
            raise ValueError("TechLink username is required")
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.username = username
        self.timeout = (connect_timeout, read_timeout)
        self.max_workers = max_workers
        self.max_retries = max_retries
        # At most ``max_workers`` requests of this client are in flight at once, whichever threads send them
        # (batch fetches, web server threads, a worker's pool): the bound TechLink sees is per process.
        self._in_flight = threading.BoundedSemaphore(max_workers)
        self._pool_size = max(max_workers, 10)

        self.retry = _Retry(
            total=max_retries,
            connect=max_retries,
            read=max_retries,
            status=max_retries,
            other=0,
            redirect=0,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_factor,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        adapter = HTTPAdapter(
            pool_connections=self._pool_size, pool_maxsize=self._pool_size, max_retries=self.retry
        )
        headers = {
            "X-Authorization": f"{username}:{password_hash(password)}",
            "Accept": "application/json",
            "User-Agent": user_agent,
        }
        self._session = _session(adapter, headers)
        # Calls under a deadline (``limits.request_limits``) get one try each: the deadline is the budget.
        once = HTTPAdapter(pool_connections=self._pool_size, pool_maxsize=self._pool_size, max_retries=0)
        self._session_once = _session(once, headers)

    def __repr__(self) -> str:
        return f"TechLinkClient(base_url={self.base_url!r}, username={self.username!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()
        self._session_once.close()

    # -- sites ---------------------------------------------------------------------------------

    def site_ids(
        self,
        *,
        site_id: str | None = None,
        name: str | None = None,
        address: str | None = None,
        city: str | None = None,
        state: str | None = None,
        zip: str | None = None,
    ) -> list[int]:
        data = self._get(
            "site",
            params={
                "site_id": site_id,
                "name": name,
                "address": address,
                "city": city,
                "state": state,
                "zip": zip,
            },
        )
        return _ids(data, "GET", "site")

    def site_get(self, site_id: int) -> types.Site:
        path = f"site/{_id(site_id, 'site_id')}"
        data = self._get(path)
        return _parse(types.Site, _unwrap(data, "site"), "GET", path)

    def sites_get(self, ids: Iterable[int]) -> list[types.Site]:
        """Fetch many sites concurrently; keeps the order of ``ids``; raises the first failure."""
        return _all_or_raise(self.fetch_many(self.site_get, ids))

    def site_create(self, **fields: Any) -> types.Site:
        _check_fields(fields, SITE_FIELDS, "site")
        data = self._post("site", data=_form({k: v for k, v in fields.items() if v is not None}))
        return _parse(types.Site, _unwrap(data, "site"), "POST", "site")

    def site_update(self, site_id: int, **changed_fields: Any) -> types.Site:
        """Update only the given fields; ``None`` or ``""`` clears a field."""
        _check_fields(changed_fields, SITE_FIELDS, "site")
        if not changed_fields:
            raise ValueError("site_update needs at least one field to change")
        path = f"site/{_id(site_id, 'site_id')}"
        data = self._post(path, data=_form(changed_fields))
        return _parse(types.Site, _unwrap(data, "site"), "POST", path)

    def site_attributes(self, site_id: int) -> list[types.SiteAttribute]:
        site_id = _id(site_id, "site_id")
        data = self._get(f"site/{site_id}/attribute")
        return [types.SiteAttribute.from_api(item, site_id=site_id) for item in _items(data)]

    def site_attribute_set(self, site_id: int, *, name: str, value: str) -> types.SiteAttribute:
        site_id = _id(site_id, "site_id")
        path = f"site/{site_id}/attribute"
        data = self._post(path, data=_form({"name": name, "value": value}))
        attribute = _unwrap(data, "attribute")
        if not isinstance(attribute, dict):
            raise _malformed("POST", path)
        return types.SiteAttribute.from_api(attribute, site_id=site_id)

    def site_attribute_remove(self, site_id: int, *, name: str) -> None:
        self._delete(f"site/{_id(site_id, 'site_id')}/attribute", params={"name": name})

    def site_documents(
        self, site_id: int, *, description: str | None = None, filename: str | None = None
    ) -> list[types.Document]:
        site_id = _id(site_id, "site_id")
        return self._documents(f"site/{site_id}/document", description, filename, site_id=site_id)

    def site_document_upload(
        self,
        site_id: int,
        *,
        file: BinaryIO,
        filename: str,
        description: str = "",
        content_type: str | None = None,
    ) -> types.Document:
        site_id = _id(site_id, "site_id")
        return self._upload(
            f"site/{site_id}/document", file, filename, description, content_type, site_id=site_id
        )

    def site_document_remove(self, site_id: int, document_id: int) -> None:
        self._delete(f"site/{_id(site_id, 'site_id')}/document/{_id(document_id, 'document_id')}")

    def site_document_raw(self, site_id: int, document_id: int) -> types.RawFile:
        return self._raw(f"site/{_id(site_id, 'site_id')}/document/{_id(document_id, 'document_id')}/raw")

    # -- reference lists -------------------------------------------------------------------------

    def projects(self, *, name: str | None = None) -> list[types.Project]:
        return [types.Project.from_api(item) for item in _items(self._get("project", params={"name": name}))]

    def health_check(self) -> int:
        """Ask for the projects and check the answer has TechLink's shape (a list of projects with ids);
        returns how many there are. Raises ``TechLinkServerError`` for an answer of another shape."""
        data = self._get("project")
        items = list(data.values()) if isinstance(data, dict) else data
        if data is None:
            return 0
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and types._int(item.get("project_id")) for item in items
        ):
            raise _malformed("GET", "project", "expected a list of projects")
        return len(items)

    def task_items(self, *, name: str | None = None) -> list[types.TaskItem]:
        data = self._get("taskitem", params={"name": name})
        return [types.TaskItem.from_api(item) for item in _items(_unwrap(data, "tasks"))]

    def users(self, *, name: str | None = None, username: str | None = None) -> list[types.User]:
        data = self._get("user", params={"name": name, "username": username})
        return [types.User.from_api(item) for item in _items(data)]

    # -- work orders -----------------------------------------------------------------------------

    def workorder_ids(
        self,
        *,
        site_id: int | str | None = None,
        project_id: int | str | None = None,
        status_code: int | str | None = None,
        summary: str | None = None,
        description: str | None = None,
        po: str | None = None,
        install_date: date | str | None = None,
    ) -> list[int]:
        params = {
            "site_id": site_id,
            "project_id": project_id,
            "status_code": status_code,
            "summary": summary,
            "description": description,
            "po": po,
            "install_date": install_date.strftime("%Y-%m-%d")
            if isinstance(install_date, date)
            else install_date,
        }
        return _ids(self._get("workorder", params=params), "GET", "workorder")

    def workorder_get(
        self,
        workorder_id: int,
        *,
        include_site: bool = False,
        include_questions: bool = False,
        include_tasks: bool = False,
        include_quotes: bool = False,
        include_notes: bool = False,
        include_photos: bool = False,
        include_client_documents: bool = False,
        include_closeout_documents: bool = False,
        include_all: bool = False,
    ) -> types.WorkOrder:
        requested = locals()
        params = {
            f"include_{flag}": "1" for flag in INCLUDE_FLAGS if include_all or requested[f"include_{flag}"]
        }
        path = f"workorder/{_id(workorder_id, 'workorder_id')}"
        data = self._get(path, params=params)
        return _parse(types.WorkOrder, _unwrap(data, "workorder"), "GET", path)

    def workorders_get(self, ids: Iterable[int], **include_flags: bool) -> list[types.WorkOrder]:
        """Fetch many work orders concurrently; keeps the order of ``ids``; raises the first failure."""
        unknown = set(include_flags) - {f"include_{flag}" for flag in INCLUDE_FLAGS} - {"include_all"}
        if unknown:
            raise TypeError(f"workorders_get() got unexpected flags: {', '.join(sorted(unknown))}")
        return _all_or_raise(self.fetch_many(lambda wo_id: self.workorder_get(wo_id, **include_flags), ids))

    def workorder_create(
        self,
        *,
        site_id: int,
        summary: str,
        type: str | None = None,
        description: str | None = None,
        po: str | None = None,
        client_reference: str | None = None,
        project_id: int | None = None,
        requested_install: str | datetime | date | None = None,
        submitter_id: int | None = None,
    ) -> types.WorkOrder:
        fields = {
            "site_id": _id(site_id, "site_id"),
            "summary": summary,
            "type": type.strip().lower() if isinstance(type, str) else type,
            "description": description,
            "po": po,
            "client_reference": client_reference,
            "project_id": project_id,
            "requested_install": requested_install,
            "submitter_id": submitter_id,
        }
        data = self._post("workorder", data=_form({k: v for k, v in fields.items() if v is not None}))
        return _parse(types.WorkOrder, _unwrap(data, "workorder"), "POST", "workorder")

    def workorder_update(self, workorder_id: int, **changed_fields: Any) -> types.WorkOrder:
        """Update only the given fields; ``None`` or ``""`` clears a field."""
        _check_fields(changed_fields, WORKORDER_UPDATE_FIELDS, "work order")
        if not changed_fields:
            raise ValueError("workorder_update needs at least one field to change")
        path = f"workorder/{_id(workorder_id, 'workorder_id')}"
        data = self._post(path, data=_form(changed_fields))
        return _parse(types.WorkOrder, _unwrap(data, "workorder"), "POST", path)

    # client documents
    def workorder_documents(
        self, workorder_id: int, *, description: str | None = None, filename: str | None = None
    ) -> list[types.Document]:
        wo_id = _id(workorder_id, "workorder_id")
        return self._documents(f"workorder/{wo_id}/document", description, filename, workorder_id=wo_id)

    def workorder_document_upload(
        self,
        workorder_id: int,
        *,
        file: BinaryIO,
        filename: str,
        description: str = "",
        content_type: str | None = None,
    ) -> types.Document:
        wo_id = _id(workorder_id, "workorder_id")
        return self._upload(
            f"workorder/{wo_id}/document", file, filename, description, content_type, workorder_id=wo_id
        )

    def workorder_document_remove(self, workorder_id: int, document_id: int) -> None:
        self._delete(
            f"workorder/{_id(workorder_id, 'workorder_id')}/document/{_id(document_id, 'document_id')}"
        )

    def workorder_document_raw(self, workorder_id: int, document_id: int) -> types.RawFile:
        return self._raw(
            f"workorder/{_id(workorder_id, 'workorder_id')}/document/{_id(document_id, 'document_id')}/raw"
        )

    # required close-out documents (templates the technician must complete)
    def workorder_required_documents(
        self, workorder_id: int, *, description: str | None = None, filename: str | None = None
    ) -> list[types.Document]:
        wo_id = _id(workorder_id, "workorder_id")
        return self._documents(f"workorder/{wo_id}/required", description, filename, workorder_id=wo_id)

    def workorder_required_document_upload(
        self,
        workorder_id: int,
        *,
        file: BinaryIO,
        filename: str,
        description: str = "",
        content_type: str | None = None,
    ) -> types.Document:
        wo_id = _id(workorder_id, "workorder_id")
        return self._upload(
            f"workorder/{wo_id}/required", file, filename, description, content_type, workorder_id=wo_id
        )

    def workorder_required_document_raw(self, workorder_id: int, document_id: int) -> types.RawFile:
        return self._raw(
            f"workorder/{_id(workorder_id, 'workorder_id')}/required/{_id(document_id, 'document_id')}/raw"
        )

    # completed close-out documents (uploaded by the technician)
    def workorder_closeout_documents(
        self, workorder_id: int, *, description: str | None = None, filename: str | None = None
    ) -> list[types.Document]:
        wo_id = _id(workorder_id, "workorder_id")
        return self._documents(f"workorder/{wo_id}/closeout", description, filename, workorder_id=wo_id)

    def workorder_closeout_document_raw(self, workorder_id: int, document_id: int) -> types.RawFile:
        return self._raw(
            f"workorder/{_id(workorder_id, 'workorder_id')}/closeout/{_id(document_id, 'document_id')}/raw"
        )

    def workorder_notes(
        self, workorder_id: int, *, search: str | None = None, author: str | None = None
    ) -> list[types.Note]:
        wo_id = _id(workorder_id, "workorder_id")
        data = self._get(f"workorder/{wo_id}/note", params={"search": search, "author": author})
        return [types.Note.from_api(item, workorder_id=wo_id) for item in _items(data)]

    def workorder_note_add(self, workorder_id: int, *, note: str) -> types.Note:
        wo_id = _id(workorder_id, "workorder_id")
        path = f"workorder/{wo_id}/note"
        data = self._post(path, data=_form({"note": note}))
        return _parse(types.Note, _unwrap(data, "note"), "POST", path, workorder_id=wo_id)

    def workorder_tasks(
        self, workorder_id: int, *, item: str | None = None, description: str | None = None
    ) -> list[types.Task]:
        wo_id = _id(workorder_id, "workorder_id")
        data = self._get(f"workorder/{wo_id}/task", params={"item": item, "description": description})
        return [types.Task.from_api(item, workorder_id=wo_id) for item in _items(data)]

    def workorder_task_add(
        self,
        workorder_id: int,
        *,
        taskitem_id: int,
        description: str,
        rate: Decimal | int | str,
        quantity: Decimal | int | str = 1,
    ) -> types.Task:
        wo_id = _id(workorder_id, "workorder_id")
        path = f"workorder/{wo_id}/task"
        # TechLink documents the quantity under the field name "note" (and only there).
        fields = {
            "taskitem_id": _id(taskitem_id, "taskitem_id"),
            "description": description,
            "rate": rate,
            "note": quantity,
        }
        data = self._post(path, data=_form(fields))
        return _parse(types.Task, _unwrap(data, "task"), "POST", path, workorder_id=wo_id)

    def workorder_quotes(
        self, workorder_id: int, *, item: str | None = None, description: str | None = None
    ) -> list[types.Quote]:
        wo_id = _id(workorder_id, "workorder_id")
        data = self._get(f"workorder/{wo_id}/quote", params={"item": item, "description": description})
        return [types.Quote.from_api(item, workorder_id=wo_id) for item in _items(data)]

    def workorder_photos(self, workorder_id: int, *, search: str | None = None) -> list[types.Photo]:
        wo_id = _id(workorder_id, "workorder_id")
        data = self._get(f"workorder/{wo_id}/photo", params={"search": search})
        return [types.Photo.from_api(item, workorder_id=wo_id) for item in _items(data)]

    def workorder_photo_raw(self, workorder_id: int, photo_id: int) -> types.RawFile:
        return self._raw(
            f"workorder/{_id(workorder_id, 'workorder_id')}/photo/{_id(photo_id, 'photo_id')}/raw"
        )

    def workorder_questions(
        self, workorder_id: int, *, question: str | None = None, answer: str | None = None
    ) -> list[types.Question]:
        wo_id = _id(workorder_id, "workorder_id")
        data = self._get(f"workorder/{wo_id}/question", params={"question": question, "answer": answer})
        return [types.Question.from_api(item, workorder_id=wo_id) for item in _items(data)]

    # -- concurrency -----------------------------------------------------------------------------

    def fetch_many(
        self, fn: Callable[[T], R], items: Iterable[T], *, max_workers: int | None = None
    ) -> list[R | Exception]:
        """Call ``fn(item)`` for every item on a bounded thread pool.

        Returns one entry per item, in the order of ``items``: the result, or the exception the
        call raised. At most ``max_workers`` (default: the client's) calls run at once, and never
        more than the connection pool holds.
        """
        items = list(items)
        if not items:
            return []
        workers = min(max_workers or self.max_workers, self._pool_size, len(items))
        if workers < 1:
            raise ValueError("max_workers must be at least 1")

        def call(item: T) -> R | Exception:
            try:
                return fn(item)
            except Exception as exc:  # noqa: BLE001 - handed back to the caller per item
                return exc

        # Each call runs in a copy of the caller's context, so the caller's limits (deadline, bulkhead) hold.
        contexts = [contextvars.copy_context() for _ in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="techlink") as pool:
            return list(pool.map(lambda ctx, item: ctx.run(call, item), contexts, items))

    # -- plumbing ----------------------------------------------------------------------------------

    def _documents(
        self, path: str, description: str | None, filename: str | None, **parent: int
    ) -> list[types.Document]:
        data = self._get(path, params={"description": description, "filename": filename})
        return [types.Document.from_api(item, **parent) for item in _items(data)]

    def _upload(
        self,
        path: str,
        file: BinaryIO,
        filename: str,
        description: str,
        content_type: str | None,
        **parent: int,
    ) -> types.Document:
        if not filename or not filename.strip():
            raise ValueError("An uploaded document needs a filename")
        body = MultipartBody(
            fields={"description": description or ""},
            file_field="file",
            file=file,
            filename=filename.strip(),
            content_type=content_type,
        )
        data = self._post(path, body=body)
        return _parse(types.Document, _unwrap(data, "document"), "POST", path, **parent)

    def _get(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def _post(
        self, path: str, *, data: dict[str, str] | None = None, body: MultipartBody | None = None
    ) -> Any:
        return self._call("POST", path, data=data, body=body)

    def _delete(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return self._call("DELETE", path, params=params)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        body: MultipartBody | None = None,
    ) -> Any:
        retry = self.retry
        while True:
            response = self._send(method, path, params=params, data=data, body=body)
            try:
                response.content  # noqa: B018 - read the whole (small) JSON answer now
            except requests.RequestException as exc:
                raise _transport_error(exc, method, path, answer_started=True) from exc
            finally:
                response.close()
            try:
                return _envelope_data(response, method, path)
            except errors.TechLinkServerError as exc:
                retry = self._envelope_retry(retry, exc, response)
                if retry is None:
                    raise

    def _envelope_retry(
        self, retry: Retry, exc: errors.TechLinkError, response: requests.Response
    ) -> Retry | None:
        """Retry an envelope-level 5xx sent with HTTP 200, by the same rules urllib3 applies to
        HTTP 5xx (same ``Retry`` object: allowed methods, status list, budget and backoff).
        HTTP 5xx answers were already retried by urllib3 and are not retried again here."""
        code = exc.code
        if current_limits() is not None:
            return None  # under a deadline every call gets one try
        if response.status_code != 200 or code is None or not retry.is_retry(exc.method or "", code):
            return None
        try:
            retry = retry.increment(exc.method, response.url, response=_EnvelopeStatus(code))
        except MaxRetryError:
            return None
        logger.info("TechLink %s %s answered code %s; retrying", exc.method, exc.path, code)
        retry.sleep()
        return retry

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        body: MultipartBody | None = None,
        stream: bool = False,
    ) -> requests.Response:
        headers = {"Content-Type": body.content_type} if body is not None else None
        started = time.monotonic()
        session, timeout, wait = self._session, self.timeout, None
        limits = current_limits()
        if limits is not None:
            remaining = limits.admit(method, path)
            if remaining is not None:
                session, wait = self._session_once, remaining
                timeout = (min(self.timeout[0], remaining), min(self.timeout[1], remaining))
        if not self._in_flight.acquire(timeout=wait):
            raise errors.TechLinkBusy(
                "Too many calls to TechLink are in flight right now", method=method, path=path
            )
        try:
            response = session.request(
                method,
                self.base_url + path,
                params=_form(params or {}, drop_none=True),
                data=body if body is not None else data,
                headers=headers,
                timeout=timeout,
                stream=stream,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            logger.warning("TechLink %s %s failed: %r", method, path, exc)
            raise _transport_error(exc, method, path, answer_started=False) from exc
        finally:
            self._in_flight.release()
        logger.debug(
            "TechLink %s %s -> HTTP %s in %.3fs",
            method,
            path,
            response.status_code,
            time.monotonic() - started,
        )
        return response

    def _raw(self, path: str) -> types.RawFile:
        """A file download. What TechLink sends is checked: a web page, an unreadable or wrong-shaped JSON
        answer, or a TechLink message where the file was expected is an error, never a "file"."""
        retry = self.retry
        while True:
            response = self._send("GET", path, stream=True)
            content_type = (response.headers.get("Content-Type") or "").lower()
            attachment = "attachment" in (response.headers.get("Content-Disposition") or "").lower()
            is_json = content_type.startswith("application/json") or content_type.split(";")[0].endswith(
                "+json"
            )
            is_html = content_type.startswith(("text/html", "application/xhtml"))
            if response.status_code < 300 and (attachment or not (is_json or is_html)):
                return types.RawFile(response, on_error=functools.partial(_download_error, path=path))
            # Not a file: read the answer to say what it is.
            try:
                response.content  # noqa: B018
            except requests.RequestException as exc:
                raise _transport_error(exc, "GET", path, answer_started=True) from exc
            finally:
                response.close()
            if response.status_code < 300:
                if is_html:
                    raise _malformed("GET", path, "a web page came instead of the file")
                kind = _json_kind(response)
                if kind == "file":
                    # An uploaded JSON document served without an attachment header: the file itself.
                    return types.RawFile(response)
                if kind != "envelope":
                    raise _malformed("GET", path, "an unreadable answer came instead of the file")
            try:
                _envelope_data(response, "GET", path)
            except errors.TechLinkServerError as exc:
                retry = self._envelope_retry(retry, exc, response)
                if retry is None:
                    raise
            else:
                raise _malformed("GET", path, "a TechLink message came instead of the file")


# -- helpers ---------------------------------------------------------------------------------------


def _session(adapter: HTTPAdapter, headers: dict[str, str]) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update(headers)
    return session


class _EnvelopeStatus:
    """The part of a urllib3 response that ``Retry.increment`` reads, for an envelope code."""

    def __init__(self, status: int) -> None:
        self.status = status

    def get_redirect_location(self) -> bool:
        return False


def _id(value: Any, name: str) -> int:
    """Validate an object id before it goes into a URL path."""
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif text and text.isascii() and text.isdigit():
        number = int(text)
    else:
        number = 0
    if number <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return number


def _check_fields(fields: dict[str, Any], allowed: frozenset[str], kind: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown {kind} field(s): {', '.join(sorted(unknown))}")


def _form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_form_value(v) for v in value)
    return str(value)


def _form(fields: dict[str, Any], *, drop_none: bool = False) -> dict[str, str]:
    return {k: _form_value(v) for k, v in fields.items() if not (drop_none and v is None)}


def _malformed(method: str, path: str, detail: str = "") -> errors.TechLinkServerError:
    return errors.TechLinkServerError(
        f"Malformed answer from TechLink{': ' + detail if detail else ''}",
        method=method,
        path=path,
        maybe_applied=method != "GET",
    )


def _unwrap(data: Any, key: str) -> Any:
    """``data[key]`` when TechLink wrapped the object (``{"site": {...}}``), else ``data`` itself."""
    if isinstance(data, dict) and isinstance(data.get(key), (dict, list)):
        return data[key]
    return data


def _items(data: Any) -> list[dict[str, Any]]:
    if data is None:
        return []
    if isinstance(data, dict):
        data = list(data.values())
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _ids(data: Any, method: str, path: str) -> list[int]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise _malformed(method, path, "expected a list of ids")
    try:
        return [int(item) for item in data]
    except (TypeError, ValueError):
        raise _malformed(method, path, "expected a list of ids") from None


def _parse[T](cls: type[T], data: Any, method: str, path: str, **defaults: Any) -> T:
    if not isinstance(data, dict):
        raise _malformed(method, path, f"expected a {cls.__name__} object")
    try:
        return cls.from_api(data, **defaults)  # type: ignore[attr-defined]
    except (TypeError, ValueError) as exc:
        raise _malformed(method, path, str(exc)) from exc


def _all_or_raise(results: list[Any]) -> list[Any]:
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


def _root_cause(exc: BaseException) -> BaseException:
    """The urllib3 error behind a requests exception (unwrapping MaxRetryError)."""
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MaxRetryError) and current.reason is not None:
            current = current.reason
        elif (
            isinstance(current, requests.RequestException)
            and current.args
            and isinstance(current.args[0], BaseException)
        ):
            current = current.args[0]
        else:
            break
    return current


def _download_error(exc: BaseException, *, path: str) -> errors.TechLinkConnectionError | None:
    """Map a network failure while streaming a download; anything else is let through."""
    if isinstance(exc, (requests.RequestException, HTTPError, OSError)):
        return _transport_error(exc, "GET", path, answer_started=True)
    return None


_REQUEST_NOT_BUILT = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


def _transport_error(
    exc: BaseException, method: str, path: str, *, answer_started: bool
) -> errors.TechLinkConnectionError:
    if isinstance(exc, _REQUEST_NOT_BUILT):
        # The request could not even be built (bad URL or header): a configuration problem.
        return errors.TechLinkConnectionError(
            f"Invalid request to TechLink: {exc}", method=method, path=path, transient=False
        )
    cause = _root_cause(exc)
    # ConnectTimeoutError covers NewConnectionError (refused, DNS): nothing was sent yet.
    never_sent = not answer_started and isinstance(cause, ConnectTimeoutError)
    maybe_applied = method != "GET" and not never_sent
    if never_sent and not isinstance(cause, NewConnectionError):
        message = "Timed out connecting to TechLink"
        return errors.TechLinkTimeout(message, method=method, path=path, maybe_applied=maybe_applied)
    if isinstance(exc, requests.ReadTimeout) or isinstance(cause, ReadTimeoutError):
        message = "TechLink did not answer in time"
        return errors.TechLinkTimeout(message, method=method, path=path, maybe_applied=maybe_applied)
    if never_sent:
        message = "Could not connect to TechLink"
    elif answer_started:
        message = "Connection to TechLink broke while reading its answer"
    else:
        message = "Connection to TechLink failed"
    return errors.TechLinkConnectionError(
        f"{message}: {type(cause).__name__}", method=method, path=path, maybe_applied=maybe_applied
    )


ENVELOPE_KEYS = frozenset({"code", "message", "data", "time"})


def _json_kind(response: requests.Response) -> str:
    """What a JSON answer to a download is: "envelope" (TechLink's answer shape), "broken" (unreadable JSON,
    or an envelope missing its parts) or "file" (any other JSON: an uploaded document)."""
    try:
        payload = response.json()
    except ValueError:
        return "broken"
    if isinstance(payload, dict) and set(payload) & ENVELOPE_KEYS:
        return "envelope" if _is_envelope(response) else "broken"
    return "file"


def _is_envelope(response: requests.Response) -> bool:
    try:
        payload = response.json()
    except ValueError:
        return False
    return isinstance(payload, dict) and "code" in payload and "message" in payload


def _envelope_data(response: requests.Response, method: str, path: str) -> Any:
    """Return the envelope's ``data`` or raise the error the envelope (or HTTP status) describes."""
    status = response.status_code
    try:
        payload = response.json()
    except ValueError:
        payload = None
    code = None
    if isinstance(payload, dict) and "code" in payload:
        code = types._int(payload.get("code"))
    if code is None:
        raise _http_error(response, method, path)
    message = str(payload.get("message") or response.reason or f"TechLink error {code}")
    if 200 <= code < 300:
        data = payload.get("data")
        if isinstance(data, dict) and data.get("success") is False:
            raise errors.TechLinkServerError(
                message, code=code, http_status=status, method=method, path=path, transient=False
            )
        return data
    raise _error_for_code(code, message, http_status=status, method=method, path=path, maybe_applied=False)


def _http_error(response: requests.Response, method: str, path: str) -> errors.TechLinkError:
    """An answer that is not a TechLink envelope: judge by the HTTP status alone."""
    status = response.status_code
    if 200 <= status < 300:
        return _malformed(method, path, f"HTTP {status} without a JSON envelope")
    message = f"TechLink answered HTTP {status} {response.reason or ''}".strip()
    # A 5xx without an envelope comes from something in front of TechLink (proxy, gateway) or
    # from a crash mid-request: the write may have gone through before the answer was lost.
    # Redirects are not followed (a POST must not silently turn into a GET): they mean a wrong
    # base URL, and nothing was applied.
    maybe_applied = method != "GET" and status >= 500
    return _error_for_code(
        status, message, http_status=status, method=method, path=path, maybe_applied=maybe_applied
    )


def _error_for_code(
    code: int, message: str, *, http_status: int, method: str, path: str, maybe_applied: bool
) -> errors.TechLinkError:
    kwargs = {
        "code": code,
        "http_status": http_status,
        "method": method,
        "path": path,
        "maybe_applied": maybe_applied,
    }
    if code in (401, 403):
        return errors.TechLinkAuthError(message, **kwargs)
    if code == 404:
        return errors.TechLinkNotFound(message, **kwargs)
    if 400 <= code < 500:
        return errors.TechLinkValidationError(message, transient=code in (408, 429), **kwargs)
    return errors.TechLinkServerError(message, **kwargs)
