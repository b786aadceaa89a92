from django.db import DatabaseError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal_ui.core.health import health_report


@never_cache
@require_GET
def healthz(request):
    checks = health_report()
    healthy = all(check.ok for check in checks)
    # Anyone (a load balancer) learns what is up; only staff see the details, which name hosts and errors.
    show_detail = _is_staff(request)
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": {
            c.name: {"ok": c.ok, "ms": c.millis} | ({"detail": c.detail} if show_detail else {})
            for c in checks
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _is_staff(request) -> bool:
    """Whether the caller is logged in; with the database down nobody is (the check needs it)."""
    try:
        return bool(request.user.is_authenticated)
    except DatabaseError:
        return False


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the static file."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))
