"""The Portal Link API's error answers: `{success: false, error: {code, message, fields}}`, with the message
for each invalid field under its dotted path (`access_restrictions.allowed_emails.0`)."""

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, TooManyFieldsSent
from django.http import JsonResponse

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def error_response(status: int, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    body = {
        "success": False,
        "error": {"code": ERROR_CODES.get(status, "error"), "message": message, "fields": fields or {}},
    }
    return JsonResponse(body, status=status)


# The names pydantic gives the members of a union in an error's location ("constrained-int", "literal['']",
# "function-after[…]", "int", …): not fields, left out of the field path.
UNION_MEMBER = re.compile(
    r"^([a-z-]+\[.*\]|(constrained-)?(int|str|float|bool|bytes|decimal|date|datetime)|none)$"
)
# What the allowed empty value of a query parameter says when another value is wrong: nothing useful.
EMPTY_MEMBER_MESSAGE = "Input should be ''"


def _field_path(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        where = parts.pop(0)
        if where == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    parts = parts[:1] + [part for part in parts[1:] if not UNION_MEMBER.fullmatch(part)]
    return ".".join(parts) or "body"


def field_messages(errors: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Pydantic's errors as messages per field path (each message once)."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        message = error.get("msg", "Invalid value.").removeprefix("Value error, ")
        if message == EMPTY_MEMBER_MESSAGE:
            continue
        messages = fields.setdefault(_field_path(error.get("loc", ())), [])
        if message not in messages:
            messages.append(message)
    return fields


def refusal_message(exc: BaseException | None) -> str:
    """Why Django refused a request before any view ran."""
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return f"Too many query parameters or fields: at most {limit} are accepted."
    if isinstance(exc, DisallowedHost):
        return "This server does not answer for that Host header."
    return "The request was refused as malformed."
