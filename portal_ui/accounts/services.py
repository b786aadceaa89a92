from axes.utils import reset as axes_reset
from django.db import transaction

from portal_ui.accounts.models import Role, User


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str = Role.VIEWER,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, role=Role(role))
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(
    *, user: User, role: str, is_active: bool, email: str, first_name: str, last_name: str
) -> User:
    user.role = Role(role)
    user.is_active = is_active
    user.email = email
    user.first_name = first_name
    user.last_name = last_name
    user.full_clean()
    user.save()
    return user


def user_unlock(*, username: str) -> int:
    """Clear login lockouts for a username; returns how many lockout records were removed."""
    return axes_reset(username=username)
