from django.apps import AppConfig


class PortalLinksConfig(AppConfig):
    name = "portal_ui.portal_links"
    label = "portal_links"
