from django.urls import path

from portal_ui.dispatch import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sync/", views.sync_request, name="sync_request"),
    path("reference/", views.reference, name="reference"),
    # sites
    path("sites/", views.sites, name="sites"),
    path("sites/lookup/", views.site_lookup, name="site_lookup"),
    path("sites/new/", views.site_new, name="site_new"),
    path("sites/<int:site_id>/", views.site_detail, name="site_detail"),
    path("sites/<int:site_id>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:site_id>/refresh/", views.site_refresh, name="site_refresh"),
    path("sites/<int:site_id>/attributes/", views.site_attribute_set, name="site_attribute_set"),
    path("sites/<int:site_id>/attributes/remove/", views.site_attribute_remove, name="site_attribute_remove"),
    path("sites/<int:site_id>/documents/", views.site_document_upload, name="site_document_upload"),
    path(
        "sites/<int:site_id>/documents/<int:document_id>/download/",
        views.site_document_download,
        name="site_document_download",
    ),
    path(
        "sites/<int:site_id>/documents/<int:document_id>/delete/",
        views.site_document_delete,
        name="site_document_delete",
    ),
    # work orders
    path("workorders/", views.workorders, name="workorders"),
    path("workorders/new/", views.workorder_new, name="workorder_new"),
    path("workorders/<int:workorder_id>/", views.workorder_detail, name="workorder_detail"),
    path("workorders/<int:workorder_id>/edit/", views.workorder_edit, name="workorder_edit"),
    path("workorders/<int:workorder_id>/refresh/", views.workorder_refresh, name="workorder_refresh"),
    path("workorders/<int:workorder_id>/notes/", views.workorder_note_add, name="workorder_note_add"),
    path("workorders/<int:workorder_id>/tasks/", views.workorder_task_add, name="workorder_task_add"),
    path(
        "workorders/<int:workorder_id>/documents/",
        views.workorder_document_upload,
        name="workorder_document_upload",
    ),
    path(
        "workorders/<int:workorder_id>/documents/<int:document_id>/download/",
        views.workorder_document_download,
        name="workorder_document_download",
    ),
    path(
        "workorders/<int:workorder_id>/documents/<int:document_id>/delete/",
        views.workorder_document_delete,
        name="workorder_document_delete",
    ),
    path(
        "workorders/<int:workorder_id>/required/",
        views.workorder_required_upload,
        name="workorder_required_upload",
    ),
    path(
        "workorders/<int:workorder_id>/required/<int:document_id>/download/",
        views.workorder_required_download,
        name="workorder_required_download",
    ),
    path(
        "workorders/<int:workorder_id>/closeout-documents/<int:document_id>/download/",
        views.workorder_closeout_download,
        name="workorder_closeout_download",
    ),
    path(
        "workorders/<int:workorder_id>/photos/<int:photo_id>/raw/",
        views.workorder_photo_raw,
        name="workorder_photo_raw",
    ),
    path(
        "workorders/<int:workorder_id>/photos/<int:photo_id>/", views.workorder_photo, name="workorder_photo"
    ),
    path("workorders/<int:workorder_id>/closeout/", views.workorder_closeout, name="workorder_closeout"),
    path(
        "workorders/<int:workorder_id>/closeout/remind/",
        views.workorder_closeout_remind,
        name="workorder_closeout_remind",
    ),
]
