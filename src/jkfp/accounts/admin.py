"""Django admin: for administrators only (role 管理员 with staff status, or superusers).

Other users, even with `is_staff` set, are refused at the admin's door. Registry records are
shown read-only and scoped to the administrator's region (writes go through the services).
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from jkfp.writes import acting

from .access import scoped
from .models import PersonalDataAccess, Role, User

admin.site.site_header = "健康扶贫动态管理系统 · 系统管理"
admin.site.site_title = "jkfp 系统管理"
admin.site.index_title = "系统管理"
admin.site.site_url = "/"


def is_administrator(user) -> bool:
    return bool(user.is_active and (user.is_superuser
                                    or (user.is_staff and user.role == Role.ADMIN)))


def _admin_has_permission(request) -> bool:
    return is_administrator(request.user)


admin.site.has_permission = _admin_has_permission


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to administrators, changed by no one here (the services write)."""

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedAdmin(ReadOnlyAdmin):
    """Read-only and limited to the administrator's region (`access.scoped`)."""

    region_field = "region_code"

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, self.region_field)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "region", "department", "role", "is_active",
                    "is_staff", "last_login")
    list_filter = ("role", "department", "is_active", "is_staff")
    search_fields = ("username", "full_name", "region__code", "region__name")
    autocomplete_fields = ("region",)
    fieldsets = BaseUserAdmin.fieldsets + (
        ("所属区划、部门与角色", {"fields": ("full_name", "region", "department", "role")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("所属区划、部门与角色", {"fields": ("full_name", "region", "department", "role")}),
    )

    # administrators manage the accounts of their own region
    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request):
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: history keeps their names

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, "region__code")

    def save_model(self, request, obj, form, change):
        # a password set by an administrator is an initial one: the user must replace it
        if not change or "password" in form.changed_data:
            obj.must_change_password = True
        acting(obj, request.user)  # the account's history names the administrator
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # reset by an administrator
            account = User.objects.get(pk=id)
            account.must_change_password = True
            account._change_reason = "重设密码"
            acting(account, request.user).save(update_fields=["must_change_password"])
        return response

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, "is_superuser", "groups", "user_permissions", "last_login",
                "date_joined")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "region":
            field.queryset = scoped(field.queryset, request.user, "code")
        return field


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "person_id", "field", "channel", "path")
    list_filter = ("field", "channel")
    date_hierarchy = "at"
    search_fields = ("user__username",)
    list_select_related = ("user",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return scoped(qs, request.user, "person__region_code")


if apps.is_installed("jkfp.accounts"):
    try:
        ApiToken = apps.get_model("accounts", "ApiToken")
    except LookupError:  # the API's tokens are not there yet
        ApiToken = None
    if ApiToken is not None:
        @admin.register(ApiToken)
        class ApiTokenAdmin(admin.ModelAdmin):
            """Tokens are issued through the API; here an administrator can only revoke them."""

            list_display = ("prefix", "user", "created", "expires", "last_used", "revoked")
            readonly_fields = ("user", "key_hash", "prefix", "created", "expires", "last_used")
            list_select_related = ("user",)

            def has_add_permission(self, request):
                return False
