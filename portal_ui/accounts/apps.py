from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal_ui.accounts"
    label = "accounts"
