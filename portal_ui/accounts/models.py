from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer (read only)"
    DISPATCHER = "dispatcher", "Dispatcher (read and write)"
    ADMIN = "admin", "Admin (also users and API keys)"


# Each role includes everything the roles before it may do.
ROLE_RANK = {Role.VIEWER: 1, Role.DISPATCHER: 2, Role.ADMIN: 3}


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    def has_role(self, role: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[Role(role)]

    @property
    def can_write(self) -> bool:
        return self.has_role(Role.DISPATCHER)

    @property
    def is_admin_role(self) -> bool:
        return self.has_role(Role.ADMIN)
