from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal_ui.accounts"
    label = "accounts"

    def ready(self) -> None:
        from portal_ui.accounts.models import User
        from portal_ui.core.generations import generation_moved_by

        # The kept users of the log-in backend (backends.py): every save or deletion of a user moves them.
        generation_moved_by("users", [User])
