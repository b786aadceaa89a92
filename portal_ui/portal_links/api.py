"""The Workorder Portal Link API (`/api/v1/`), authenticated by `X-API-Key` and scoped to the key's namespaces.

Every answer is JSON: `{success: true, data}` (lists add `paging`) or
`{success: false, error: {code, message, fields}}`.
"""

import logging
import math
import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults
from ninja import NinjaAPI, Query, Status
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader

from portal_ui.portal_links import schemas, selectors, services
from portal_ui.portal_links.api_answers import answer_body
from portal_ui.portal_links.api_errors import error_response, field_messages, refusal_message
from portal_ui.portal_links.api_query import (
    EMPTY_MEANS_NONE,
    LIST_MULTI,
    LIST_SINGLE,
    Empty,
    FilterText,
    IdValues,
    NamespaceValues,
    PageNumber,
    PerPage,
    QueryBool,
    SortName,
    strict_query,
)
from portal_ui.portal_links.models import ApiKey, PortalLink

API_PREFIX = "/api/v1/"
logger = logging.getLogger(__name__)
ERRORS = {code: schemas.ErrorEnvelope for code in (400, 401, 403, 404)}
# Operations with a JSON body can also answer 413 (too large) and 415 (not JSON).
BODY_ERRORS = {**ERRORS, 413: schemas.ErrorEnvelope, 415: schemas.ErrorEnvelope}
# Link ids as made by new_object_id (and at most as long as the column): anything else is no link.
LINK_ID = re.compile(r"[0-9A-Za-z]{1,32}")


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        if not key:
            return None
        return services.api_key_authenticate(key=key)


class UnsupportedMediaType(Exception):
    """The request body is not declared as JSON."""


class JsonBodyParser(Parser):
    """Request bodies are JSON and say so (`application/json`, or a `+json` type)."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType(content_type)
        return super().parse_body(request)


api = NinjaAPI(
    parser=JsonBodyParser(),
    title="Workorder Portal Link API",
    version="1.0.0",
    description=(
        "API for managing workorder portal links: customer URLs for one TechLink work order. "
        "Authenticate with the `X-API-Key` header (keys are created by admins in the dashboard); "
        "a key sees and changes only links within its company namespaces."
    ),
    urls_namespace="portal_link_api",
    auth=ApiKeyAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _authenticated(request: HttpRequest) -> bool:
    key = request.headers.get(ApiKeyAuth.param_name) or ""
    return bool(key) and services.api_key_authenticate(key=key) is not None


def _strict(*, single: tuple[str, ...] = (), multi: tuple[str, ...] = ()):
    """The operation's query string read strictly (``api_query.strict_query``)."""
    decorator = strict_query(
        single=single, multi=multi, authenticated=_authenticated, error_response=error_response
    )
    return decorate_view(decorator)


NO_QUERY = _strict()


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return error_response(400, "The request is not valid; see fields.", field_messages(exc.errors))


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return error_response(401, "A valid X-API-Key header is required.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # A body ninja could not parse: say why (the parser's exception is the cause).
    if isinstance(exc.__cause__, UnsupportedMediaType):
        shown = exc.__cause__.args[0] or "none"
        return error_response(
            415, f"Send the body as JSON with Content-Type: application/json (not {shown}).", {}
        )
    if isinstance(exc.__cause__, ValueError):
        message = f"The body is not valid JSON: {exc.__cause__}."
        return error_response(400, message, {"body": [message]})
    return error_response(exc.status_code, str(exc) or "Request failed.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(404, "Not found.")


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return error_response(413, "The request body is too large.")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc: SuspiciousOperation):
    """Django refuses the request itself, e.g. more than DATA_UPLOAD_MAX_NUMBER_FIELDS query parameters."""
    logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
    return error_response(400, refusal_message(exc))


@api.exception_handler(services.WorkOrderUncheckable)
def _uncheckable(request, exc: services.WorkOrderUncheckable):
    response = error_response(503, exc.message, {"workorder": [exc.message]})
    response["Retry-After"] = "30"
    return response


@api.exception_handler(Exception)
def _server_error(request, exc):
    logger.exception("Portal Link API failed on %s %s", request.method, request.path)
    return error_response(500, "Something went wrong on our side; nothing may have been saved.")


@api.exception_handler(services.PortalLinkInvalid)
def _invalid(request, exc: services.PortalLinkInvalid):
    return error_response(400, exc.message, exc.fields)


@api.exception_handler(services.NamespaceForbidden)
def _forbidden(request, exc: services.NamespaceForbidden):
    return error_response(403, str(exc), {"company_namespace": [str(exc)]})


def _key(request) -> ApiKey:
    return request.auth


def _get_link(request, link_id: str) -> PortalLink:
    if not LINK_ID.fullmatch(link_id):
        raise Http404
    link = selectors.portal_link_visible(api_key=_key(request), link_id=link_id)
    if link is None:
        raise Http404
    return link


def _one(link: PortalLink, *, url: str | None = None) -> dict[str, Any]:
    return {"success": True, "data": schemas.link_out(link, url=url)}


def _answer(request: HttpRequest, payload: dict[str, Any]) -> HttpResponse:
    """A 200 answer of links rendered as is: ``schemas.link_out`` already gives each link exactly as its schema
    serialises it, so it is not validated a second time on every read."""
    return api.create_response(request, payload, status=200)


def _answer_kept(request: HttpRequest, stamp: Any, build: Callable[[], dict[str, Any]]) -> HttpResponse:
    """``_answer(build())``, its body kept under `stamp` (``api_answers``)."""
    body = answer_body(stamp, lambda: _answer(request, build()).content)
    return HttpResponse(body, content_type=api.get_content_type(), status=200)


def _issued(response: HttpResponse, issued: services.IssuedLink) -> dict[str, Any]:
    """An answer carrying a new token: never stored by a cache."""
    response["Cache-Control"] = "no-store"
    return _one(issued.link, url=issued.url)


TAG = ["Workorder portal links"]
OPERATION = {"by_alias": True, "tags": TAG}
# An operation on one link that answers with the link.
ONE_LINK = {"response": {200: schemas.LinkEnvelope, **ERRORS}, **OPERATION}
UPDATE_DESCRIPTION = (
    "Partial update: only the fields sent change (null leaves a field as it is, except "
    "`expiry_date`, where null removes the expiry). An `access_restrictions` object without `passcode` keeps "
    "the stored passcode. Only secure links have a passcode: changing `link_type` away from `secure` "
    "removes it, so making the link secure again needs a new one. Changing the type, the passcode or the "
    "allowed e-mail addresses or domains ends every customer session opened before."
)


@_strict(single=LIST_SINGLE, multi=LIST_MULTI)
@api.get(
    "/workorder-portal-links",
    response={200: schemas.LinkListEnvelope, **ERRORS},
    summary="Get all workorder portal links",
    description="Retrieve a list of all workorder portal links with optional filtering and pagination. "
    "`sort` takes a field name, with `-` for descending. Array filters are given by repeating the parameter, "
    "as `_id[]=a&_id[]=b` or `_id=a&_id=b` (likewise `company_namespace`). An empty value means no filter; "
    "an unknown parameter, or a single-valued one given more than once, answers 400 naming it.",
    **OPERATION,
)
def list_links(
    request,
    page: Annotated[
        PageNumber | Empty, Query(description="Page number for pagination." + EMPTY_MEANS_NONE)
    ] = 1,
    per_page: Annotated[
        PerPage | Empty, Query(description="Number of items per page." + EMPTY_MEANS_NONE)
    ] = 25,
    sort: Annotated[
        SortName | Empty,
        Query(description="Sort field; prefix with - for descending." + EMPTY_MEANS_NONE),
    ] = "",
    company_namespace: Annotated[
        NamespaceValues,
        Query(description="Company namespace for filtering." + EMPTY_MEANS_NONE),
    ] = None,
    company_namespace_brackets: Annotated[
        NamespaceValues,
        Query(
            alias="company_namespace[]", description="Company namespace for filtering (the seed's spelling)."
        ),
    ] = None,
    workorder: Annotated[
        FilterText | None, Query(description="Filter by workorder ID." + EMPTY_MEANS_NONE)
    ] = None,
    is_active: Annotated[
        QueryBool | Empty, Query(description="Filter by active status." + EMPTY_MEANS_NONE)
    ] = "",
    link_type: Annotated[
        schemas.LinkTypeName | Empty, Query(description="Filter by link type." + EMPTY_MEANS_NONE)
    ] = "",
    ids: Annotated[IdValues, Query(alias="_id", description="Filter by ID." + EMPTY_MEANS_NONE)] = None,
    ids_brackets: Annotated[
        IdValues, Query(alias="_id[]", description="Filter by ID (the seed's spelling).")
    ] = None,
):
    # Empty values never get here (``api_query`` leaves them out); the types say they are allowed.
    page, per_page = page or 1, per_page or 25
    is_active = None if is_active == "" else is_active
    namespaces = [*(company_namespace or []), *(company_namespace_brackets or [])]
    wanted_ids = [*(ids or []), *(ids_brackets or [])]

    def page_of_links() -> dict[str, Any]:
        links = selectors.portal_link_list(
            api_key=_key(request),
            company_namespace=namespaces or None,
            workorder=workorder,
            is_active=is_active,
            link_type=link_type or None,
            ids=wanted_ids or None,
            sort=sort or None,
        )
        total = links.count()
        start = (page - 1) * per_page
        return {
            "success": True,
            "data": [schemas.link_out(link) for link in links[start : start + per_page]],
            "paging": {
                "page": page,
                "per_page": per_page,
                "total": total,
                "pages": math.ceil(total / per_page),
            },
        }

    fingerprint = selectors.portal_links_fingerprint(api_key=_key(request))
    stamp = (sorted(_key(request).namespaces), sorted(request.GET.lists()), fingerprint)
    return _answer_kept(request, stamp, page_of_links)


@NO_QUERY
@api.post(
    "/workorder-portal-links",
    response={201: schemas.LinkEnvelope, **BODY_ERRORS, 503: schemas.ErrorEnvelope},
    **OPERATION,
    summary="Create a new workorder portal link",
    description="The answer's `url` is the customer URL; it is shown only here and by regenerate, and the "
    "answer says `Cache-Control: no-store`. The work order must exist in TechLink (400 with "
    '`fields.workorder` when it does not). `{"workorder": "<id>"}` alone makes a private link gated by '
    "the e-mail addresses TechLink has for the work order's site contacts (400 with "
    "`fields.access_restrictions.allowed_emails` when the site has none). When TechLink cannot be asked, "
    "nothing is created and the answer is 503: try again later.",
)
def create_link(request, payload: schemas.LinkCreateIn, response: HttpResponse):
    data = payload.model_dump()
    issued = services.portal_link_create(
        workorder=data["workorder"],
        link_type=data["link_type"],
        label=data["label"],
        permissions=data["permissions"],
        shared_items=data["shared_items"],
        access_restrictions=data["access_restrictions"],
        expiry_date=data["expiry_date"],
        notification_settings=data["notification_settings"],
        custom_branding=_compact(data["custom_branding"]),
        metadata=data["metadata"],
        is_active=data["is_active"],
        company_namespace=data["company_namespace"],
        api_key=_key(request),
    )
    return Status(201, _issued(response, issued))


def _compact(branding: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (branding or {}).items() if v not in (None, "")}


@NO_QUERY
@api.get("/workorder-portal-links/{id}", summary="Get workorder portal link by ID", **ONE_LINK)
def get_link(request, id: str):
    if not LINK_ID.fullmatch(id):
        raise Http404
    fingerprint = selectors.portal_link_fingerprint(api_key=_key(request), link_id=id)
    if fingerprint is None:
        raise Http404
    return _answer_kept(request, ("link", id, fingerprint), lambda: _one(_get_link(request, id)))


@NO_QUERY
@api.put(
    "/workorder-portal-links/{id}",
    response={200: schemas.LinkEnvelope, **BODY_ERRORS},
    summary="Update workorder portal link",
    description=UPDATE_DESCRIPTION,
    **OPERATION,
)
def update_link(request, id: str, payload: schemas.LinkUpdateIn):
    link = _get_link(request, id)
    data = payload.model_dump()
    changes = {}
    for name in payload.model_fields_set:
        value = data[name]
        if value is None and name != "expiry_date":
            continue
        changes[name] = _compact(value) if name == "custom_branding" else value
    link = services.portal_link_update(link=link, changes=changes, api_key=_key(request))
    return _one(link)


@NO_QUERY
@api.delete(
    "/workorder-portal-links/{id}",
    response={200: schemas.DeletedEnvelope, **ERRORS},
    tags=TAG,
    summary="Delete workorder portal link",
)
def delete_link(request, id: str):
    services.portal_link_delete(link=_get_link(request, id))
    return {"success": True}


@NO_QUERY
@api.post(
    "/workorder-portal-links/{id}/regenerate",
    summary="Regenerate portal link",
    description="New URL and access token; the old URL and every session opened with it stop working. "
    "The answer carries the new `url` once and says `Cache-Control: no-store`.",
    **ONE_LINK,
)
def regenerate_link(request, id: str, response: HttpResponse):
    return _issued(response, services.portal_link_regenerate(link=_get_link(request, id)))


@NO_QUERY
@api.post("/workorder-portal-links/{id}/activate", summary="Activate portal link", **ONE_LINK)
def activate_link(request, id: str):
    return _one(services.portal_link_activate(link=_get_link(request, id)))


@NO_QUERY
@api.post("/workorder-portal-links/{id}/deactivate", summary="Deactivate portal link", **ONE_LINK)
def deactivate_link(request, id: str):
    return _one(services.portal_link_deactivate(link=_get_link(request, id)))


# --- URL patterns: ninja's, with JSON for wrong methods, plus a JSON 404 for unknown /api/v1/ paths -------


def _json_errors(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allow = response.get("Allow", "")
            response = error_response(405, f"Method {request.method} is not allowed here.")
            if allow:
                response["Allow"] = allow
        return response

    wrapped.csrf_exempt = True
    return wrapped


def api_not_found(request, rest: str = ""):
    return error_response(404, "There is no API endpoint at this address.")


api_not_found.csrf_exempt = True


def bad_request(request, exception=None, template_name="400.html"):
    """The site's 400 handler (`handler400`): JSON under /api/v1/, Django's page elsewhere. It answers what
    Django refuses before any view runs, such as a Host header not in ALLOWED_HOSTS."""
    if request.path_info.startswith(API_PREFIX):
        return error_response(400, refusal_message(exception))
    return defaults.bad_request(request, exception, template_name=template_name)


def api_urls():
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _json_errors(pattern.callback)
    return patterns, app_name, namespace
