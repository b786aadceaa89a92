from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "portal_ui.dispatch"
    label = "dispatch"
