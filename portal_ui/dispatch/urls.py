from django.urls import include, path

from portal_ui.dispatch.views import board as board_views
from portal_ui.dispatch.views import calendar as calendar_views
from portal_ui.dispatch.views import (
    closeout,
    closeout_files,
    documents,
    home,
    pages,
    reference,
    sites,
    workorders,
)
from portal_ui.dispatch.views import export as export_views
from portal_ui.dispatch.views import map as map_views
from portal_ui.dispatch.views import saved as saved_views
from portal_ui.dispatch.views import search as search_views

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
    path("closeout/approve/", closeout.workorder_closeout_decide, {"outcome": "approved"}, name="workorder_closeout_approve"),
    path("closeout/return/", closeout.workorder_closeout_decide, {"outcome": "returned"}, name="workorder_closeout_return"),
    path("closeout/report/", closeout_files.workorder_closeout_report, name="workorder_closeout_report"),
    path("closeout/report/<id:report_id>/", closeout_files.workorder_closeout_report_status, name="workorder_closeout_report_status"),
    path("closeout/report/<id:report_id>/download/", closeout_files.workorder_closeout_report_download, name="workorder_closeout_report_download"),
    path("closeout/bundle/", closeout_files.workorder_closeout_bundle, name="workorder_closeout_bundle"),
    path("photos/<id:photo_id>/download/", closeout_files.workorder_photo_download, name="workorder_photo_download"),
    path("photos/<id:photo_id>/<slug:size>.jpg", closeout_files.workorder_photo_scaled, name="workorder_photo_scaled"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("sync/", home.sync_request, name="sync_request"),
    path("reference/", reference.reference, name="reference"),
    path("search/", search_views.search, name="search"),
    path("schedule/", board_views.schedule, name="schedule"),
    path("map/", map_views.map_page, name="map"),
    path("map/data.json", map_views.map_data, name="map_data"),
    path("map/sites/<id:site_id>/", map_views.map_site, name="map_site"),
    path("map/export.csv", export_views.map_csv, name="map_csv"),
    path("schedule/export.csv", export_views.schedule_csv, name="schedule_csv"),
    path("workorders/export.csv", export_views.workorders_csv, name="workorders_csv"),
    path("sites/export.csv", export_views.sites_csv, name="sites_csv"),
    path("views/", saved_views.saved_views, name="saved_views"),
    path("views/save/", saved_views.saved_view_save, name="saved_view_save"),
    path("views/<id:view_id>/", saved_views.saved_view_open, name="saved_view_open"),
    path("views/<id:view_id>/export.csv", saved_views.saved_view_csv, name="saved_view_csv"),
    path("views/<id:view_id>/delete/", saved_views.saved_view_delete, name="saved_view_delete"),
    path("calendar/new/", calendar_views.calendar_feed_new, name="calendar_feed_new"),
    path("calendar/<id:feed_id>/revoke/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("schedule/ask/<id:workorder_id>/", board_views.ask_for_date, name="ask_for_date"),
    path("sites/", sites.site_list, name="sites"),
    path("sites/lookup/", sites.site_lookup, name="site_lookup"),
    path("sites/new/", sites.site_new, name="site_new"),
    path("sites/<id:site_id>/", include(site_urls)),
    path("closeouts/", closeout.closeout_queue, name="closeout_queue"),
    path("workorders/", workorders.workorder_list, name="workorders"),
    path("workorders/new/", workorders.workorder_new, name="workorder_new"),
    path("workorders/<id:workorder_id>/", include(workorder_urls)),
]
# fmt: on
