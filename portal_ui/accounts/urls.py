from django.urls import path

from portal_ui.accounts import views

urlpatterns = [
    path("staff/", views.staff_users, name="staff_users"),
    path("staff/<int:pk>/", views.staff_user_edit, name="staff_user_edit"),
    path("staff/<int:pk>/unlock/", views.staff_user_unlock, name="staff_user_unlock"),
]
