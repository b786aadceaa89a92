from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal_ui.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("django-admin/", admin.site.urls),
    path("", include("portal_ui.accounts.urls")),
    path("", include("portal_ui.jobs.urls")),
    path("", include("portal_ui.portal_links.urls")),
    path("", include("portal_ui.dispatch.urls")),
]

# JSON for refused requests under /api/v1/ (e.g. a Host header not allowed), Django's page elsewhere.
handler400 = "portal_ui.portal_links.api.bad_request"
