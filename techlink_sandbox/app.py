"""The ASGI application: the upstream "API light" under ``/api/light/``, sandbox controls under ``/_sandbox/``.

Every API answer is the upstream JSON envelope ``{"code", "message", "data", "time"}``; the HTTP status is
the envelope's ``code`` (unless the ``always_http_200`` knob is on).  Raw-file endpoints answer the bytes.
Control endpoints need the same ``X-Authorization`` header as the API and are never slowed or faulted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from .knobs import KnobError, Knobs
from .store import (
    MAX_UPLOAD_BYTES,
    STATUSES,
    ApiError,
    Document,
    Photo,
    Store,
    Upload,
    User,
)

log = logging.getLogger("techlink_sandbox")

API_PREFIX = "/api/light"
CONTROL_PREFIX = "/_sandbox"
WRITE_METHODS = frozenset({"POST", "DELETE"})


# ------------------------------------------------------------------------------------------ responses


class EnvelopeResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def envelope(code: int, message: str, data: Any, started: float) -> EnvelopeResponse:
    body = {"code": code, "message": message, "data": data, "time": time.perf_counter() - started}
    return EnvelopeResponse(body, status_code=code)


def content_disposition(filename: str) -> str:
    """``attachment; filename="name"``, plus an RFC 5987 ``filename*`` when the name is not plain ASCII."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace('"', "'").replace("\\", "_")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=utf-8''{quote(filename)}"
    return value


async def file_response(path: Path, content_type: str, filename: str) -> Response:
    try:
        content = await anyio.to_thread.run_sync(path.read_bytes)
    except FileNotFoundError:
        raise ApiError(404, f"File {filename} is missing from the sandbox's storage") from None
    return Response(
        content, media_type=content_type, headers={"Content-Disposition": content_disposition(filename)}
    )


# ------------------------------------------------------------------------------------------- state


@dataclass
class SandboxState:
    store: Store
    knobs: Knobs = field(default_factory=Knobs)
    portal_url: str | None = None  # address used in links; None: taken from each request
    rng: random.Random = field(default_factory=random.Random)
    counts: Counter = field(default_factory=Counter)
    in_flight: int = 0  # API requests being answered right now (changed on the event loop only)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.counts[key] += 1

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def stats(self) -> dict:
        with self.lock:
            counts = dict(self.counts)
        requests: dict[str, Any] = {"total": counts.pop("total", 0), "in_flight": self.in_flight}
        for key, value in sorted(counts.items()):
            group, _, name = key.partition(":")
            requests.setdefault(group, {})[name] = value
        return {"objects": self.store.stats(), "requests": requests, "knobs": self.knobs.to_json()}


# ------------------------------------------------------------------------------------------- routing

Handler = Callable[["Call"], Awaitable[Response]]


@dataclass
class Call:
    """One request, as handlers see it."""

    request: Request
    state: SandboxState
    params: dict[str, int]
    args: dict[str, str]
    upload: Upload | None
    user: User
    started: float

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def portal_url(self) -> str:
        if self.state.portal_url:
            return self.state.portal_url.rstrip("/")
        return str(self.request.base_url).rstrip("/")

    def ok(self, result: tuple[str, Any]) -> EnvelopeResponse:
        message, data = result
        return envelope(200, message, data, self.started)


class Router:
    def __init__(self) -> None:
        self.routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = []

    def add(self, pattern: str, method: str, handler: Handler) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[0-9]{1,18})", pattern) + "/?$")
        for existing, methods in self.routes:
            if existing.pattern == regex.pattern:
                methods[method] = handler
                return
        self.routes.append((regex, {method: handler}))

    def route(self, pattern: str, *methods: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for method in methods:
                self.add(pattern, method, handler)
            return handler

        return register

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, int]]:
        for regex, methods in self.routes:
            match = regex.match(path)
            if match:
                handler = methods.get(method) or (methods.get("GET") if method == "HEAD" else None)
                if handler is None:
                    allowed = ", ".join(sorted(methods))
                    raise ApiError(405, f"Method {method} not allowed here; allowed: {allowed}")
                return handler, {k: int(v) for k, v in match.groupdict().items()}
        raise ApiError(404, f"Unknown endpoint: {method} {path}")


api = Router()
control = Router()


# --------------------------------------------------------------------------------------- API: sites


@api.route("/site", "GET")
async def site_list(c: Call) -> Response:
    return c.ok(c.store.list_sites(c.args))


@api.route("/site", "POST")
async def site_create(c: Call) -> Response:
    return c.ok(c.store.create_site(c.args))


@api.route("/site/{site_id}", "GET")
async def site_get(c: Call) -> Response:
    return c.ok(c.store.get_site(c.params["site_id"]))


@api.route("/site/{site_id}", "POST")
async def site_update(c: Call) -> Response:
    return c.ok(c.store.update_site(c.params["site_id"], c.args))


@api.route("/site/{site_id}/attribute", "GET")
async def site_attributes(c: Call) -> Response:
    return c.ok(c.store.list_site_attributes(c.params["site_id"]))


@api.route("/site/{site_id}/attribute", "POST")
async def site_attribute_set(c: Call) -> Response:
    return c.ok(c.store.set_site_attribute(c.params["site_id"], c.args))


@api.route("/site/{site_id}/attribute", "DELETE")
async def site_attribute_delete(c: Call) -> Response:
    return c.ok(c.store.delete_site_attribute(c.params["site_id"], c.args))


@api.route("/site/{site_id}/document", "GET")
async def site_documents(c: Call) -> Response:
    return c.ok(c.store.list_site_documents(c.params["site_id"], c.args))


@api.route("/site/{site_id}/document", "POST")
async def site_document_add(c: Call) -> Response:
    return c.ok(c.store.add_site_document(c.params["site_id"], c.upload, c.args))


@api.route("/site/{site_id}/document/{document_id}/raw", "GET")
async def site_document_raw(c: Call) -> Response:
    return await document_response(c, c.store.get_site_document(c.params["site_id"], c.params["document_id"]))


@api.route("/site/{site_id}/document/{document_id}", "DELETE")
async def site_document_delete(c: Call) -> Response:
    return c.ok(c.store.delete_site_document(c.params["site_id"], c.params["document_id"]))


async def document_response(c: Call, doc: Document | Photo) -> Response:
    return await file_response(c.store.file_path(doc.path), doc.content_type, doc.filename)


# ------------------------------------------------------------------------- API: projects, items, users


@api.route("/project", "GET")
async def project_list(c: Call) -> Response:
    return c.ok(c.store.list_projects(c.args))


@api.route("/taskitem", "GET")
async def taskitem_list(c: Call) -> Response:
    return c.ok(c.store.list_task_items(c.args))


@api.route("/user", "GET")
async def user_list(c: Call) -> Response:
    return c.ok(c.store.list_users(c.args))


# --------------------------------------------------------------------------------- API: work orders


@api.route("/workorder", "GET")
async def workorder_list(c: Call) -> Response:
    return c.ok(c.store.list_workorders(c.args))


@api.route("/workorder", "POST")
async def workorder_create(c: Call) -> Response:
    return c.ok(c.store.create_workorder(c.args, c.user, c.portal_url))


@api.route("/workorder/{workorder_id}", "GET")
async def workorder_get(c: Call) -> Response:
    return c.ok(c.store.get_workorder(c.params["workorder_id"], c.args, c.portal_url))


@api.route("/workorder/{workorder_id}", "POST")
async def workorder_update(c: Call) -> Response:
    return c.ok(c.store.update_workorder(c.params["workorder_id"], c.args, c.portal_url))


def _workorder_documents(router: Router, segment: str, kind: str, *, add: bool, delete: bool) -> None:
    base = f"/workorder/{{workorder_id}}/{segment}"

    async def listing(c: Call) -> Response:
        return c.ok(c.store.list_workorder_documents(c.params["workorder_id"], kind, c.args))

    async def raw(c: Call) -> Response:
        doc = c.store.get_workorder_document(c.params["workorder_id"], kind, c.params["document_id"])
        return await document_response(c, doc)

    async def create(c: Call) -> Response:
        return c.ok(c.store.add_workorder_document(c.params["workorder_id"], kind, c.upload, c.args))

    async def remove(c: Call) -> Response:
        return c.ok(
            c.store.delete_workorder_document(c.params["workorder_id"], kind, c.params["document_id"])
        )

    router.add(base, "GET", listing)
    router.add(base + "/{document_id}/raw", "GET", raw)
    if add:
        router.add(base, "POST", create)
    if delete:
        router.add(base + "/{document_id}", "DELETE", remove)


_workorder_documents(api, "document", "client", add=True, delete=True)
_workorder_documents(api, "required", "required", add=True, delete=False)
_workorder_documents(api, "closeout", "closeout", add=False, delete=False)


@api.route("/workorder/{workorder_id}/note", "GET")
async def note_list(c: Call) -> Response:
    return c.ok(c.store.list_notes(c.params["workorder_id"], c.args))


@api.route("/workorder/{workorder_id}/note", "POST")
async def note_add(c: Call) -> Response:
    return c.ok(c.store.add_note(c.params["workorder_id"], c.args, c.user.name))


@api.route("/workorder/{workorder_id}/task", "GET")
async def task_list(c: Call) -> Response:
    return c.ok(c.store.list_tasks(c.params["workorder_id"], c.args))


@api.route("/workorder/{workorder_id}/task", "POST")
async def task_add(c: Call) -> Response:
    return c.ok(c.store.add_task(c.params["workorder_id"], c.args))


@api.route("/workorder/{workorder_id}/quote", "GET")
async def quote_list(c: Call) -> Response:
    return c.ok(c.store.list_quotes(c.params["workorder_id"], c.args))


@api.route("/workorder/{workorder_id}/photo", "GET")
async def photo_list(c: Call) -> Response:
    return c.ok(c.store.list_photos(c.params["workorder_id"], c.args, c.portal_url))


@api.route("/workorder/{workorder_id}/photo/{photo_id}/raw", "GET")
async def photo_raw(c: Call) -> Response:
    return await document_response(c, c.store.get_photo(c.params["workorder_id"], c.params["photo_id"]))


@api.route("/workorder/{workorder_id}/question", "GET")
async def question_list(c: Call) -> Response:
    return c.ok(c.store.list_questions(c.params["workorder_id"], c.args))


# --------------------------------------------------------------------------------- sandbox controls


@control.route("/config", "GET")
async def control_config(c: Call) -> Response:
    return envelope(200, "Sandbox configuration", c.state.knobs.to_json(), c.started)


@control.route("/config", "POST")
async def control_config_set(c: Call) -> Response:
    values: dict[str, Any] = dict(c.args)
    if c.request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await c.request.json()
        except ValueError:
            raise ApiError(400, "Invalid JSON body") from None
        if not isinstance(body, dict):
            raise ApiError(400, "The JSON body must be an object of knobs")
        values.update(body)
    try:
        c.state.knobs = c.state.knobs.updated(values)
    except KnobError as exc:
        raise ApiError(400, str(exc)) from None
    return envelope(200, "Sandbox configuration updated", c.state.knobs.to_json(), c.started)


@control.route("/stats", "GET")
async def control_stats(c: Call) -> Response:
    return envelope(200, "Sandbox statistics", c.state.stats(), c.started)


@control.route("/statuses", "GET")
async def control_statuses(c: Call) -> Response:
    return envelope(
        200,
        f"{len(STATUSES)} statuses",
        [{"status_code": k, "status": v} for k, v in STATUSES.items()],
        c.started,
    )


@control.route("/workorder/{workorder_id}/status", "POST")
async def control_status(c: Call) -> Response:
    """What TechLink's people do: set status, schedule, installer (installer_*) and tech (tech_*)."""
    wo = c.store.set_status(c.params["workorder_id"], c.args)
    with c.store.lock:
        data = c.store.workorder_json(wo, c.portal_url)
    return envelope(200, f"Work order #{wo.id} set to {wo.status}", {"workorder": data}, c.started)


@control.route("/workorder/{workorder_id}/closeout", "POST")
async def control_closeout(c: Call) -> Response:
    """What an installer's technician does: upload a completed close-out document."""
    return c.ok(c.store.add_workorder_document(c.params["workorder_id"], "closeout", c.upload, c.args))


# ------------------------------------------------------------------------------------------ the app


class SandboxApp:
    """ASGI callable.  ``app.state`` holds the store, the knobs and the request counts."""

    def __init__(self, state: SandboxState):
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        path = request.url.path
        try:
            if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                return await self._api(request, path[len(API_PREFIX) :], started)
            if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                user = self.state.store.authenticate(request.headers.get("x-authorization"))
                return await self._call(control, request, path[len(CONTROL_PREFIX) :], user, started)
            if request.method in ("GET", "HEAD") and path.startswith("/portal/file/img/"):
                return await self._portal_image(path.rsplit("/", 1)[-1])
            raise ApiError(404, f"Not found: {path} (the API is under {API_PREFIX}/)")
        except ApiError as err:
            return envelope(err.code, err.message, None, started)
        except Exception:
            log.exception("unhandled error for %s %s", request.method, path)
            return envelope(500, "Internal server error", None, started)

    async def _api(self, request: Request, sub: str, started: float) -> Response:
        state = self.state
        knobs = state.knobs
        method = request.method
        state.count("total", f"by_method:{method}")
        state.in_flight += 1
        try:
            return await self._api_answer(request, sub, started, knobs)
        finally:
            state.in_flight -= 1

    async def _api_answer(self, request: Request, sub: str, started: float, knobs: Knobs) -> Response:
        state = self.state
        method = request.method
        delay = knobs.latency_for(method, state.rng)
        if delay > 0:
            await asyncio.sleep(delay)
        reached_handler = False  # only then can a write have been applied, and its answer be lost
        try:
            user = state.store.authenticate(request.headers.get("x-authorization"))
            if state.roll(knobs.error_rate):
                state.count("faults:error")
                raise ApiError(500, "Internal server error")
            if state.roll(knobs.timeout_rate):
                state.count("faults:timeout")
                await asyncio.sleep(knobs.hang_seconds)
                raise ApiError(504, "Gateway timeout")
            reached_handler = True
            response = await self._call(api, request, sub, user, started)
        except ApiError as err:
            response = envelope(err.code, err.message, None, started)
        except Exception:
            log.exception("unhandled error for %s %s", method, request.url.path)
            response = envelope(500, "Internal server error", None, started)
        if reached_handler and method in WRITE_METHODS and state.roll(knobs.lost_answer_rate):
            state.count("faults:lost_answer")
            mode = knobs.lost_answer_mode
            if mode == "random":
                mode = state.rng.choice(("hang", "502"))
            if mode == "hang":
                await asyncio.sleep(knobs.hang_seconds)
            response = Response(
                "<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502, media_type="text/html"
            )
        elif knobs.always_http_200 and isinstance(response, EnvelopeResponse):
            response.status_code = 200
        state.count(f"by_code:{response.status_code}")
        return response

    async def _call(self, router: Router, request: Request, sub: str, user: User, started: float) -> Response:
        handler, params = router.resolve(request.method, sub or "/")
        args, upload = await read_arguments(request)
        return await handler(Call(request, self.state, params, args, upload, user, started))

    async def _portal_image(self, filename: str) -> Response:
        match = re.fullmatch(r"wo_(\d+)_(\d+)\.\w+", filename)
        if match:
            try:
                photo = self.state.store.get_photo(int(match[1]), int(match[2]))
            except ApiError:
                photo = None
            if photo is not None and photo.filename == filename:
                content = await anyio.to_thread.run_sync(self.state.store.file_path(photo.path).read_bytes)
                return Response(content, media_type=photo.content_type)
        raise ApiError(404, f"Image {filename} not found")


async def read_arguments(request: Request) -> tuple[dict[str, str], Upload | None]:
    """Query parameters, then POST fields over them (as PHP's $_REQUEST merges them).

    Only form bodies (urlencoded or multipart) are read: like the upstream, a JSON body is not parsed, so a
    client that sends JSON finds its fields missing.  The one file read is the field named 'file'.
    """
    args: dict[str, str] = dict(request.query_params)
    upload: Upload | None = None
    if request.method not in WRITE_METHODS:
        return args, upload
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return args, upload
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 1024 * 1024:
        raise ApiError(413, f"Request too large: the limit is {MAX_UPLOAD_BYTES} bytes")
    try:
        form = await request.form(max_files=10, max_fields=1000)
    except MultiPartException as exc:  # malformed body, too many fields or files, oversized field
        raise ApiError(400, f"Malformed request body: {exc.message}") from None
    except ClientDisconnect:
        raise ApiError(400, "Client disconnected while sending the body") from None
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "file" and upload is None:
                    content_type = value.content_type or ""
                    upload = Upload(
                        value.filename or "",
                        await value.read(),
                        "" if content_type == "application/octet-stream" else content_type,
                    )
            else:
                args[key] = value
    finally:
        await form.close()
    return args, upload


def create_app(
    data_dir: Path | str,
    *,
    knobs: Knobs | None = None,
    portal_url: str | None = None,
    random_seed: int | None = None,
    store: Store | None = None,
) -> SandboxApp:
    """The sandbox over the data in ``data_dir`` (created empty when missing; seed it with ``seed``)."""
    state = SandboxState(
        store=store or Store(data_dir),
        knobs=knobs or Knobs(),
        portal_url=portal_url or None,
        rng=random.Random(random_seed),
    )
    return SandboxApp(state)
