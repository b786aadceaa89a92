from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal_ui.core.health import health_report


@never_cache
@require_GET
def healthz(request):
    checks = health_report()
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail, "ms": c.millis} for c in checks},
    }
    return JsonResponse(body, status=200 if healthy else 503)
