from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal_ui.core.health import health_report


@never_cache
@require_GET
def healthz(request):
    checks = health_report()
    healthy = all(check.ok for check in checks)
    # Anyone (a load balancer) learns what is up; only staff see the details, which name hosts and errors.
    show_detail = request.user.is_authenticated
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": {
            c.name: {"ok": c.ok, "ms": c.millis} | ({"detail": c.detail} if show_detail else {})
            for c in checks
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
