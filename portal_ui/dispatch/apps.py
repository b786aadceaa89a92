from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "portal_ui.dispatch"
    label = "dispatch"

    def ready(self) -> None:
        from django.urls import reverse

        from portal_ui.core.generations import generation_moved_by
        from portal_ui.core.pages import register_page
        from portal_ui.dispatch.models import CloseoutState, SavedView

        # The pages that show what a write changed, and the forms that send a refused create again.
        register_page("workorder", lambda *, workorder_id: reverse("workorder_detail", args=[workorder_id]))
        register_page("site", lambda *, site_id: reverse("site_detail", args=[site_id]))
        register_page("workorder_new", lambda: reverse("workorder_new"))
        register_page("site_new", lambda: reverse("site_new"))
        # What staff pages keep of the close-out review queue and of the saved views menus: every write of
        # these goes through ``save``/``delete`` (get_or_create, update_or_create), which move them.
        generation_moved_by("closeouts", [CloseoutState])
        generation_moved_by("saved_views", [SavedView])
