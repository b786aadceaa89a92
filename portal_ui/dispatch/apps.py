from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "portal_ui.dispatch"
    label = "dispatch"

    def ready(self) -> None:
        from django.urls import reverse

        from portal_ui.core.pages import register_page

        # The pages that show what a write changed, and the forms that send a refused create again.
        register_page("workorder", lambda *, workorder_id: reverse("workorder_detail", args=[workorder_id]))
        register_page("site", lambda *, site_id: reverse("site_detail", args=[site_id]))
        register_page("workorder_new", lambda: reverse("workorder_new"))
        register_page("site_new", lambda: reverse("site_new"))
