from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Gap, Institution, Post, Staff


@admin.register(Institution)
class InstitutionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "region_code", "opened_on", "closed_on")
    list_filter = ("kind",)
    search_fields = ("name", "region_code")


@admin.register(Staff)
class StaffAdmin(SimpleHistoryAdmin):
    list_display = ("name", "qualification", "region_code")
    search_fields = ("name",)


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ("staff", "institution", "start_date", "end_date", "full_time")


@admin.register(Gap)
class GapAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "region_code", "institution", "opened_on", "closed_on")
    list_filter = ("kind",)
