from django.contrib import admin

from .models import UpstreamWrite


@admin.register(UpstreamWrite)
class UpstreamWriteAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "attempts",
        "created_by",
        "actor_label",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "kind")
    readonly_fields = tuple(f.name for f in UpstreamWrite._meta.fields)
