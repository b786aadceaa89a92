from django.apps import AppConfig


class MirrorConfig(AppConfig):
    name = "portal_ui.mirror"
    label = "mirror"
