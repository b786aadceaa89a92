"""Role checks for views: every page and action names the least role it needs."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from portal_ui.accounts.generations import reading_for
from portal_ui.accounts.models import Role


def role_required(role: str) -> Callable:
    """Anonymous visitors go to the login page; signed-in staff without the role get 403. The request's
    generations (``accounts.generations``) are read first, in one round trip, for everything the page keeps,
    its user included."""

    Role(role)  # fail at import time on a typo

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            with reading_for(request):
                return checked(request, *args, **kwargs)

        def checked(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if request.htmx:
                    # A part of a page asked for after the session ended: the whole page goes to the log-in,
                    # which then comes back to that page (not to the part).
                    back = request.htmx.current_url_abs_path or request.get_full_path()
                    return HttpResponseClientRedirect(redirect_to_login(back)["Location"])
                return redirect_to_login(request.get_full_path())
            # The user, looked up once, as itself rather than behind the lazy object the authentication
            # middleware set: every template reads it many times.
            request.user = getattr(request.user, "_wrapped", request.user)
            if not request.user.has_role(role):
                # Answered here rather than raised: a refusal is logged once, as a 403, without a traceback.
                context = {"exception": f"This needs the {Role(role).label} role."}
                return render(request, "403.html", context, status=403)
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


viewer_required = role_required(Role.VIEWER)
dispatcher_required = role_required(Role.DISPATCHER)
admin_required = role_required(Role.ADMIN)
