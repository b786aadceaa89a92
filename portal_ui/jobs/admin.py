from django.contrib import admin

from .models import OutboxState, UpstreamWrite


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


@admin.register(OutboxState)
class OutboxStateAdmin(admin.ModelAdmin):
    list_display = ("paused_until", "since", "probe_failures", "failures_in_row", "last_error", "updated_at")
    readonly_fields = tuple(f.name for f in OutboxState._meta.fields)
