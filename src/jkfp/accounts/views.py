"""The user pages of a region's administrator (decision 40): list, create, edit, deactivate
and reactivate, reset the password — in the app, not in Django admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.errors import DomainError
from jkfp.regions import selectors as region_selectors
from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import access, selectors, users
from .forms import UserFilterForm, UserForm


def _manager(request):
    if not access.can_manage_users(request.user):
        raise PermissionDenied(_("只有管理员可以管理本辖区的用户"))
    return request.user


@login_required
def user_list(request):
    admin = _manager(request)
    form = UserFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.user_list(user=admin, q=data.get("q", ""), active=data.get("active", ""))
    page = paginate(qs, number=data.get("page"), params=request.GET.dict())
    return render(request, "accounts/user_list.html", {"form": form, "page": page})


def _regions(admin, include: str = ""):
    return region_selectors.region_options(user=admin, depth=2, include=include)


@login_required
def user_new(request):
    admin = _manager(request)
    form = UserForm(request.POST or None, regions=_regions(admin))
    status = 200
    if request.method == "POST":
        out = call_service(
            form,
            lambda d: users.user_create(
                user=admin,
                username=d["username"],
                full_name=d["full_name"],
                region_code=d["region"],
                department=d["department"],
                role=d["role"],
            ),
            field_map={"user": "__all__"},
        )
        if out.ok:
            account, password = out.result
            return render(
                request,
                "accounts/user_password.html",
                {"account": account, "password": password, "created": True},
            )
        form, status = out.form, out.status
    return render(request, "accounts/user_form.html", {"form": form}, status=status)


def _detail(request, pk: int, *, form=None, status: int = 200):
    admin = request.user
    account = selectors.user_get(user=admin, pk=pk)
    form = form or UserForm(
        editing=True,
        regions=_regions(admin, account.region_code),
        initial={
            "full_name": account.full_name,
            "region": account.region_code,
            "department": account.department,
            "role": account.role,
        },
    )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "form": form,
            "is_self": account.pk == admin.pk,
            "history": selectors.user_history(user=admin, target=account),
        },
        status=status,
    )


@login_required
def user_detail(request, pk: int):
    admin = _manager(request)
    if request.method != "POST":
        return _detail(request, pk)
    account = selectors.user_get(user=admin, pk=pk)
    form = UserForm(request.POST, editing=True, regions=_regions(admin, account.region_code))
    out = call_service(
        form,
        lambda d: users.user_update(
            user=admin,
            target=account,
            full_name=d["full_name"],
            region_code=d["region"],
            department=d["department"],
            role=d["role"],
        ),
        field_map={"user": "__all__"},
    )
    if out.ok:
        messages.success(request, _("已保存"))
        return redirect("accounts:user", pk=pk)
    return _detail(request, pk, form=out.form, status=out.status)


@login_required
@require_POST
def user_active(request, pk: int):
    admin = _manager(request)
    account = selectors.user_get(user=admin, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        users.user_set_active(user=admin, target=account, active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("账号已启用") if active else _("账号已停用"))
    return redirect("accounts:user", pk=pk)


@login_required
@require_POST
def user_password_reset(request, pk: int):
    admin = _manager(request)
    account = selectors.user_get(user=admin, pk=pk)
    try:
        account, password = users.user_password_reset(user=admin, target=account)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user", pk=pk)
    return render(
        request,
        "accounts/user_password.html",
        {"account": account, "password": password, "created": False},
    )
