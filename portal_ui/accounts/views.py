from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal_ui.accounts import services
from portal_ui.accounts.forms import UserCreateForm, UserUpdateForm
from portal_ui.accounts.models import User
from portal_ui.accounts.permissions import admin_required


@admin_required
def staff_users(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(**form.cleaned_data)
        messages.success(request, f"Staff member {user.username} created as {user.get_role_display()}.")
        return redirect("staff_users")
    users = User.objects.order_by("username")
    return render(
        request, "accounts/users.html", {"users": users, "form": form}, status=400 if form.errors else 200
    )


@admin_required
def staff_user_edit(request, pk: int):
    staff = get_object_or_404(User, pk=pk)
    initial = {f: getattr(staff, f) for f in ("first_name", "last_name", "email", "role", "is_active")}
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if staff == request.user and (
            not form.cleaned_data["is_active"] or form.cleaned_data["role"] != staff.role
        ):
            form.add_error(None, "You cannot deactivate yourself or change your own role.")
        else:
            services.user_update(user=staff, **form.cleaned_data)
            messages.success(request, f"Staff member {staff.username} saved.")
            return redirect("staff_users")
    return render(
        request, "accounts/user_edit.html", {"staff": staff, "form": form}, status=400 if form.errors else 200
    )


@admin_required
@require_POST
def staff_user_unlock(request, pk: int):
    staff = get_object_or_404(User, pk=pk)
    services.user_unlock(username=staff.username)
    messages.success(request, f"Log-in lockout cleared for {staff.username}.")
    return redirect("staff_users")
