"""The registry in the admin: read-only and scoped to the administrator's region.

Writes go through the services (DESIGN.md rule 2); ID and phone numbers are masked in lists.
"""

from django.contrib import admin

from jkfp.accounts.admin import ScopedAdmin

from . import idnumber
from .models import (
    CategoryPeriod,
    Household,
    HouseholdIncome,
    Person,
    SupportMeasure,
)


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ("household_number", "village", "head", "ended_on", "version")
    search_fields = ("household_number",)
    list_select_related = ("village", "head")


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ("name", "masked_id", "sex", "birth_date", "household", "relation", "alive")
    list_filter = ("alive", "sex", "relation")
    search_fields = ("name", "household__household_number")
    list_select_related = ("household",)
    exclude = ("id_number", "id_rev", "phone")
    readonly_fields = ("masked_id", "masked_phone")

    @admin.display(description="身份证号")
    def masked_id(self, obj):
        return idnumber.mask(obj.id_number)

    @admin.display(description="联系电话")
    def masked_phone(self, obj):
        return idnumber.mask_phone(obj.phone)


@admin.register(CategoryPeriod)
class CategoryPeriodAdmin(ScopedAdmin):
    list_display = ("category", "person", "household", "start_date", "end_date", "source")
    list_filter = ("category",)
    list_select_related = ("person", "household")


@admin.register(HouseholdIncome)
class HouseholdIncomeAdmin(ScopedAdmin):
    region_field = "household__region_code"
    list_display = ("household", "year", "total_fen", "members", "per_capita_fen")
    list_select_related = ("household",)


@admin.register(SupportMeasure)
class SupportMeasureAdmin(ScopedAdmin):
    list_display = ("household", "kind", "description", "start_date")
    list_filter = ("kind",)
    list_select_related = ("household",)
