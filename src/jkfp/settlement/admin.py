"""Stays and statements in the admin: read-only, scoped like the registry."""

from django.contrib import admin

from jkfp.accounts.admin import ScopedAdmin

from .models import HospitalStay, Statement


@admin.register(HospitalStay)
class HospitalStayAdmin(ScopedAdmin):
    list_display = ("person", "hospital_name", "hospital_grade", "location", "admission_date",
                    "discharge_date", "total_fen", "category")
    list_filter = ("hospital_grade", "location", "category")
    list_select_related = ("person",)


@admin.register(Statement)
class StatementAdmin(ScopedAdmin):
    list_display = ("id", "person", "year", "status", "policy", "reimbursed_fen", "self_pay_fen",
                    "deposit_waived", "uses_examples")
    list_filter = ("year", "status", "policy", "deposit_waived", "uses_examples")
    list_select_related = ("person",)
