"""Screening in the admin: read-only; results scoped like the registry."""

from django.contrib import admin

from jkfp.accounts.admin import ReadOnlyAdmin, ScopedAdmin

from .models import Campaign, ResultStep, ScreeningResult


class StepInline(admin.TabularInline):
    model = ResultStep
    extra = 0
    can_delete = False
    readonly_fields = ("step", "from_stage", "to_stage", "on_date", "user", "at", "comment")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "kind", "region_code", "start_on", "end_on")
    list_filter = ("kind",)


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ScopedAdmin):
    list_display = ("id", "campaign", "person", "screened_on", "result", "stage")
    list_filter = ("result", "stage")
    list_select_related = ("campaign", "person")
    inlines = (StepInline,)
