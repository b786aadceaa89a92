from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal_ui.accounts.models import User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Dispatch", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Dispatch", {"fields": ("role",)}))
