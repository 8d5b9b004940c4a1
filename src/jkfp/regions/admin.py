"""Regions in the admin: read-only (load a division table with `jkfp load_regions`)."""

from django.contrib import admin

from jkfp.accounts.admin import ReadOnlyAdmin

from .models import Region, RegionCodeAlias


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent", "is_generated")
    list_filter = ("level", "is_generated")
    search_fields = ("code", "name")
    ordering = ("code",)


@admin.register(RegionCodeAlias)
class RegionCodeAliasAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "current", "valid_until")
    search_fields = ("code", "name")
