from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portal_ui.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from portal_ui.core.converters import PositiveIdConverter

        register_converter(PositiveIdConverter, "id")
