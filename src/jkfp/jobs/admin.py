"""Jobs in the Django admin: read-only, for administrators who look into a failure (the
`error` column holds the exception's type and text)."""

from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "user", "state", "done", "total", "attempts", "created_at")
    list_filter = ("state", "task")
    search_fields = ("task", "user__username")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
