from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portal_ui.core"
    label = "core"
