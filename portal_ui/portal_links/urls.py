from django.urls import path, re_path

from portal_ui.portal_links import api, views
from portal_ui.portal_links.customer import closeout_views as customer_closeout
from portal_ui.portal_links.customer import views as customer

urlpatterns = [
    # Portal Link REST API (JSON only, including unknown paths under /api/v1/).
    path("api/v1/", api.api_urls()),
    re_path(r"^api/v1/(?P<rest>.*)$", api.api_not_found),
    # The customer page.
    path("p/<str:token>/", customer.page, name="portal_customer"),
    path("p/<str:token>/brand.css", customer.brand_css, name="portal_customer_brand"),
    path(
        "p/<str:token>/files/<str:kind>/<int:file_id>/", customer.customer_file, name="portal_customer_file"
    ),
    path("p/<str:token>/comment/", customer.comment, name="portal_customer_comment"),
    path("p/<str:token>/upload/", customer.upload, name="portal_customer_upload"),
    path(
        "p/<str:token>/closeout/report/",
        customer_closeout.closeout_report,
        name="portal_customer_closeout_report",
    ),
    path(
        "p/<str:token>/closeout/report/<int:report_id>/",
        customer_closeout.closeout_report_status,
        name="portal_customer_closeout_report_status",
    ),
    path(
        "p/<str:token>/closeout/report/<int:report_id>/pdf/",
        customer_closeout.closeout_report_pdf,
        name="portal_customer_closeout_report_pdf",
    ),
    path(
        "p/<str:token>/closeout/bundle/",
        customer_closeout.closeout_bundle,
        name="portal_customer_closeout_bundle",
    ),
    # Staff screens.
    path("portal-links/", views.portal_links, name="portal_links"),
    path("portal-links/new/", views.portal_link_new, name="portal_link_new"),
    path("portal-links/<str:pk>/", views.portal_link_detail, name="portal_link_detail"),
    path("portal-links/<str:pk>/edit/", views.portal_link_edit, name="portal_link_edit"),
    path("portal-links/<str:pk>/activate/", views.portal_link_activate, name="portal_link_activate"),
    path("portal-links/<str:pk>/deactivate/", views.portal_link_deactivate, name="portal_link_deactivate"),
    path("portal-links/<str:pk>/regenerate/", views.portal_link_regenerate, name="portal_link_regenerate"),
    path("portal-links/<str:pk>/delete/", views.portal_link_delete, name="portal_link_delete"),
    path("portal-links/<str:pk>/preview/", views.portal_link_preview, name="portal_link_preview"),
    path(
        "portal-links/<str:pk>/preview/brand.css",
        views.portal_link_preview_brand,
        name="portal_link_preview_brand",
    ),
    path(
        "portal-links/<str:pk>/preview/files/<str:kind>/<int:file_id>/",
        views.portal_link_preview_file,
        name="portal_link_preview_file",
    ),
    path(
        "portal-links/<str:pk>/preview/closeout/report/",
        customer_closeout.preview_closeout_report,
        name="portal_link_preview_closeout_report",
    ),
    path(
        "portal-links/<str:pk>/preview/closeout/report/<int:report_id>/",
        customer_closeout.preview_closeout_report_status,
        name="portal_link_preview_closeout_report_status",
    ),
    path(
        "portal-links/<str:pk>/preview/closeout/report/<int:report_id>/pdf/",
        customer_closeout.preview_closeout_report_pdf,
        name="portal_link_preview_closeout_report_pdf",
    ),
    path(
        "portal-links/<str:pk>/preview/closeout/bundle/",
        customer_closeout.preview_closeout_bundle,
        name="portal_link_preview_closeout_bundle",
    ),
    path(
        "portal-links/workorders/<id:workorder_id>/photos/<id:photo_id>/",
        views.workorder_photo_thumbnail,
        name="portal_link_workorder_photo",
    ),
    path(
        "portal-links/workorders/<id:workorder_id>/notes/<id:note_id>/visibility/",
        views.note_visibility,
        name="portal_link_note_visibility",
    ),
    path("staff/api-keys/", views.api_keys, name="api_keys"),
    path("staff/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
