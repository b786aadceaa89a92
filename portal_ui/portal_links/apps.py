from django.apps import AppConfig


class PortalLinksConfig(AppConfig):
    name = "portal_ui.portal_links"
    label = "portal_links"

    def ready(self) -> None:
        from portal_ui.core.generations import generation_moved_by
        from portal_ui.portal_links.models import PAGE_STATE, NoteShare, PortalLink, WorkOrderSnapshot

        generation_moved_by(PAGE_STATE, [PortalLink, WorkOrderSnapshot, NoteShare])
