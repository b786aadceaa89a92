"""The log-in backend: Django's ``ModelBackend`` with the session's user kept per process.

Every staff request looks its user up by the id its session holds. The user's columns are kept (plain values,
``core.generations``) until the generation "users" moves, which every save or deletion of a user does
(``AccountsConfig.ready``): a deactivation, a role change or a new password counts from the next request.
Django still compares the session's hash with the (kept) user's password hash, so a password change still
ends the other sessions.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS

from portal_ui.accounts.generations import kept_now
from portal_ui.accounts.models import User


def _columns() -> list[str]:
    return [f.attname for f in User._meta.concrete_fields]


def _user_values(user_id: Any) -> tuple | None:
    """The user's columns, in ``_columns()`` order (None when there is no such user)."""
    return User._default_manager.filter(pk=user_id).values_list(*_columns()).first()


class KeptUserBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` answers from the kept columns of the user."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except (ValidationError, TypeError, ValueError):  # not an id: no user
            return None
        values = kept_now("users", f"user:{pk}", lambda: _user_values(pk))
        if values is None:
            return None
        # A new instance each request: what a request sets on its user stays with that request.
        user = User.from_db(DEFAULT_DB_ALIAS, _columns(), values)
        return user if self.user_can_authenticate(user) else None
