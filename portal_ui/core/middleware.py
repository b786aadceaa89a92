"""Middleware of every request: the visitor's own address behind reverse proxies, and the limits of the
request's calls to TechLink."""

import re
from ipaddress import ip_address
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse, JsonResponse

from portal_ui.core.upstream import web_request_limits


class ForwardedForMiddleware:
    """With ``TRUSTED_PROXY_COUNT`` proxies in front (e.g. the TLS proxy of docker/compose.yml), set
    ``REMOTE_ADDR`` to the address the outermost trusted proxy saw, so that log-in lockout, rate limits,
    portal link IP ranges and access logs see the visitor rather than the proxy.

    Each proxy appends the address it was connected from to ``X-Forwarded-For``, so the visitor is the
    N-th entry from the right; entries further left were written by the visitor and are not trusted.
    A request with fewer entries than that did not come through the proxies and keeps its own address.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxy_count = settings.TRUSTED_PROXY_COUNT
        if self.proxy_count <= 0:
            raise MiddlewareNotUsed

    def __call__(self, request):
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= self.proxy_count:
            candidate = hops[-self.proxy_count]
            try:
                request.META["REMOTE_ADDR"] = str(ip_address(candidate))
            except ValueError:
                pass
        return self.get_response(request)


class UpstreamLimitsMiddleware:
    """Every web request's TechLink calls share one deadline and one place in a per-process bulkhead (see
    ``core.upstream.web_request_limits``), so a hung TechLink never holds the web server's threads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with web_request_limits():
            return self.get_response(request)


# Anonymous visitors may send files only here: a customer's upload through a portal link.
ANONYMOUS_UPLOADS = re.compile(r"^/p/[^/]+/upload/$")
API_PREFIX = "/api/"


def _refusal(request, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        codes = {400: "bad_request", 403: "forbidden", 413: "too_large"}
        body = {"success": False, "error": {"code": codes[status], "message": message, "fields": {}}}
        return JsonResponse(body, status=status)
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Connection"] = "close"  # the body that was not read is not waited for
    return response


class RequestGuardMiddleware:
    """Refuse what no view should see, before anything reads the body:

    * a body larger than ``REQUEST_MAX_BYTES`` (from ``Content-Length``): 413;
    * a file upload (multipart) large enough to be written to a temporary file, from a visitor without a
      session or without a CSRF cookie, except a customer's upload through a portal link: 403, so nothing
      of it reaches the disk (smaller bodies are read in memory and meet the CSRF check as usual);
    * a NUL character in the query string: 400 (no field of this site takes one; the API answers such
      filters itself, field by field).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > settings.REQUEST_MAX_BYTES:
            limit = settings.REQUEST_MAX_BYTES // (1024 * 1024)
            return _refusal(request, 413, f"The request is too large: at most {limit} MB can be sent.")
        if self._would_spool(request, length) and not self._may_upload(request):
            return _refusal(request, 403, "Log in to send files.")
        query = request.META.get("QUERY_STRING", "")
        if not request.path_info.startswith(API_PREFIX) and b"\x00" in unquote_to_bytes(query):
            return _refusal(request, 400, "The address contains a NUL character; remove it and try again.")
        return self.get_response(request)

    @staticmethod
    def _would_spool(request, length: str) -> bool:
        """A multipart body large enough that reading it would write it to a temporary file."""
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return False
        return not length.isdigit() or int(length) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    @staticmethod
    def _may_upload(request) -> bool:
        # (Django's test client marks its requests as exempt from CSRF checks; so does this check.)
        csrf_exempt = getattr(request, "_dont_enforce_csrf_checks", False)
        if settings.CSRF_COOKIE_NAME not in request.COOKIES and not csrf_exempt:
            return False
        if ANONYMOUS_UPLOADS.match(request.path_info):
            return True
        session = getattr(request, "session", None)
        return session is not None and session.get("_auth_user_id") is not None
