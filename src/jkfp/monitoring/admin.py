"""Warnings in the Django admin: read-only (every change goes through the services' steps)."""

from django.contrib import admin

from .models import Push, RiskWarning, ScanRun, WarningStep


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = WarningStep
    extra = 0
    can_delete = False
    readonly_fields = ("step", "from_status", "to_status", "on_date", "user", "comment", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RiskWarning)
class RiskWarningAdmin(ReadOnly):
    list_display = ("id", "rule_id", "period", "region_code", "status", "found_on", "due_on")
    list_filter = ("status", "rule_id")
    search_fields = ("region_code",)
    raw_id_fields = ("person", "household", "change_request", "scan")
    inlines = [StepInline]


@admin.register(Push)
class PushAdmin(ReadOnly):
    list_display = ("pushed_on", "department", "region_code")
    list_filter = ("department",)


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnly):
    list_display = ("on_date", "mode", "region_code", "started_at", "finished_at")
