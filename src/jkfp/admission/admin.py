"""Change requests in the admin: read-only and scoped like the registry."""

from django.contrib import admin

from jkfp.accounts.admin import ScopedAdmin

from .models import ChangeRequest, ChangeRequestStep


class StepInline(admin.TabularInline):
    model = ChangeRequestStep
    extra = 0
    can_delete = False
    readonly_fields = ("step", "decision", "actor", "actor_region_code", "at", "comment")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ScopedAdmin):
    list_display = ("id", "action", "category", "household", "person", "status", "created_at")
    list_filter = ("status", "action", "category")
    list_select_related = ("household", "person")
    inlines = (StepInline,)
