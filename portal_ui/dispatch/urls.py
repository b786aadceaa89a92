from django.urls import include, path

from portal_ui.dispatch.views import closeout, documents, home, pages, reference, sites, workorders

# fmt: off
site_urls = [
    path("", pages.site_detail, name="site_detail"),
    path("edit/", sites.site_edit, name="site_edit"),
    path("refresh/", sites.site_refresh, name="site_refresh"),
    path("attributes/", sites.site_attribute_set, name="site_attribute_set"),
    path("attributes/remove/", sites.site_attribute_remove, name="site_attribute_remove"),
    path("documents/", documents.site_document_upload, name="site_document_upload"),
    path("documents/<id:document_id>/download/", documents.site_document_download, name="site_document_download"),
    path("documents/<id:document_id>/delete/", documents.site_document_delete, name="site_document_delete"),
]

workorder_urls = [
    path("", pages.workorder_detail, name="workorder_detail"),
    path("edit/", workorders.workorder_edit, name="workorder_edit"),
    path("refresh/", workorders.workorder_refresh, name="workorder_refresh"),
    path("notes/", workorders.workorder_note_add, name="workorder_note_add"),
    path("tasks/", workorders.workorder_task_add, name="workorder_task_add"),
    path("documents/", documents.workorder_document_upload, name="workorder_document_upload"),
    path("documents/<id:document_id>/download/", documents.workorder_document_download, name="workorder_document_download"),
    path("documents/<id:document_id>/delete/", documents.workorder_document_delete, name="workorder_document_delete"),
    path("required/", documents.workorder_required_upload, name="workorder_required_upload"),
    path("required/<id:document_id>/download/", documents.workorder_required_download, name="workorder_required_download"),
    path("closeout-documents/<id:document_id>/download/", documents.workorder_closeout_download, name="workorder_closeout_download"),
    path("photos/<id:photo_id>/raw/", documents.workorder_photo_raw, name="workorder_photo_raw"),
    path("photos/<id:photo_id>/", documents.workorder_photo, name="workorder_photo"),
    path("closeout/", closeout.workorder_closeout, name="workorder_closeout"),
    path("closeout/remind/", closeout.workorder_closeout_remind, name="workorder_closeout_remind"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("sync/", home.sync_request, name="sync_request"),
    path("reference/", reference.reference, name="reference"),
    path("sites/", sites.site_list, name="sites"),
    path("sites/lookup/", sites.site_lookup, name="site_lookup"),
    path("sites/new/", sites.site_new, name="site_new"),
    path("sites/<id:site_id>/", include(site_urls)),
    path("workorders/", workorders.workorder_list, name="workorders"),
    path("workorders/new/", workorders.workorder_new, name="workorder_new"),
    path("workorders/<id:workorder_id>/", include(workorder_urls)),
]
# fmt: on
