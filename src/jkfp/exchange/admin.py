"""Read-only admin of the import batches (writes go through the services)."""

from django.contrib import admin

from .models import Batch, Change


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "file_name", "state", "region_code", "created_by", "created_at")
    list_filter = ("kind", "state")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "line", "model", "object_id", "action", "undone")
    list_filter = ("model", "action")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
