"""Middleware of every request: the visitor's own address behind reverse proxies, and the limits of the
request's calls to TechLink."""

from ipaddress import ip_address

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

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
