from django.apps import AppConfig


class MirrorConfig(AppConfig):
    name = "portal_ui.mirror"
    label = "mirror"

    def ready(self) -> None:
        from .generation import connect

        connect()  # writes to the read model move its generation (generation.py)
