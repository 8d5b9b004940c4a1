"""Pages of the family-doctor teams (1+1+X): the list and its export, a new team, a team with
its villages and members, adding and ending a member."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode
from jkfp.regions.models import Region
from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import export, selectors, services
from .forms import (
    MemberEndForm,
    MemberForm,
    NewTeamMembersForm,
    TeamEditForm,
    TeamForm,
    WorklistForm,
)
from .views import _names, _xlsx


@login_required
def team_list(request):
    teams = selectors.team_list(user=request.user, q=request.GET.get("q", "")[:50])
    form = WorklistForm(request.GET)
    number = form.cleaned_data.get("page") if form.is_valid() else None
    page = paginate(teams, number=number, params=request.GET.dict())
    return render(request, "contracts/team_list.html", {
        "page": page, "q": request.GET.get("q", ""),
        "names": _names(t.region_code for t in page.items),
        "can_write": access.can_write_health(request.user)})


@login_required
def team_export(request):
    teams = selectors.team_list(user=request.user, q=request.GET.get("q", "")[:50])
    rows = ((None, [t.name, t.region_code, t.institution, str(t.n_members),
                    str(t.n_villages), _("在用") if t.active else _("停用")])
            for t in teams[:export.LIMIT])
    tmp = export.write(user=request.user, title=_("家庭医生团队"), header=[
        ("团队名称", 24), ("所属区划", 14), ("牵头机构", 20), ("成员数", 8), ("服务村数", 8),
        ("状态", 6)], rows=rows, health=False, path=request.path)
    return _xlsx(tmp, "teams", request)


def _region_choices(user: User):
    prefix = access.scope_prefix(user) or ""
    qs = Region.objects.filter(access.in_region(prefix, "code")) if prefix else Region.objects
    regions = [(r.code, r.name) for r in qs.filter(level__in=("township", "village"))
               .order_by("code")[:2000]]
    villages = [(c, f"{n}（{c}）") for c, n in regions if len(c) == 12]
    towns = [(c, f"{n}（{c}）") for c, n in regions if len(c) == 9] or villages
    return towns, villages


@login_required
def team_new(request):
    user = request.user
    towns, villages = _region_choices(user)
    form = TeamForm(request.POST or None, regions=towns, villages=villages,
                    initial={"region_code": user.region_code[:9]})
    members = NewTeamMembersForm(request.POST or None, prefix="m")
    status = 200
    if request.method == "POST":
        if not access.can_write_health(user):
            raise PermissionDenied(_("只有卫生健康部门和医疗机构的经办人员可以登记健康服务信息"))
        members_ok = members.is_valid()

        def create(d):
            m = members.cleaned_data if members_ok else {}
            account = _account(m.get("doctor_account", ""))
            return services.team_create(
                user=user, name=d["name"], region_code=d["region_code"],
                institution=d["institution"], villages=d["villages"], members=[
                    services.MemberInput(m.get("doctor_name", ""), m.get("doctor_role", ""),
                                         d["institution"], account=account),
                    services.MemberInput(m.get("carer_name", ""), m.get("carer_role", ""),
                                         d["institution"])])
        out = call_service(form, create, field_map={"members": "__all__"})
        if out.ok and members_ok:
            messages.success(request, _("已建立团队"))
            return redirect("contracts:team", out.result.pk)
        form, status = out.form, out.status
    return render(request, "contracts/team_form.html", {"form": form, "members": members},
                  status=status)


def _account(username: str) -> User | None:
    if not username:
        return None
    found = User.objects.filter(username=username.strip(), is_active=True).first()
    if found is None:
        raise DomainError(ErrorCode.INVALID, _("无此系统账号“%(u)s”") % {"u": username},
                          field="account")
    return found


def _team_page(request, pk: int, *, bound: dict | None = None, status: int = 200):
    user = request.user
    team = selectors.team_get(user=user, pk=pk)
    bound = bound or {}
    _towns, villages = _region_choices(user)
    served = selectors.team_villages(user=user, team=team)
    village_names = _names(served)
    choices = villages + [(c, c) for c in served if c not in dict(villages)]
    forms = {
        "edit": bound.get("edit") or TeamEditForm(villages=choices, initial={
            "name": team.name, "institution": team.institution, "villages": served,
            "active": team.active, "version": team.version}),
        "member": bound.get("member") or MemberForm(prefix="nm"),
        "end": bound.get("end") or MemberEndForm(prefix="end"),
    }
    today = timezone.localdate()
    return render(request, "contracts/team_detail.html", {
        "team": team, "members": selectors.team_members(user=user, team=team),
        "served": [(c, village_names.get(c, c)) for c in served], "forms": forms,
        "can_write": access.can_write_health(user) and access.code_in_scope(user,
                                                                             team.region_code),
        "today": today,
        "composition_gaps": services.composition_gaps(team, today) if team.active else [],
        "contracts_n": selectors.contract_list(user=user, year=today.year, team_id=team.pk,
                                               open_only=True).count(),
    }, status=status)


@login_required
def team_detail(request, pk: int):
    return _team_page(request, pk)


@login_required
@require_POST
def team_edit(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk)
    _towns, villages = _region_choices(request.user)
    served = selectors.team_villages(user=request.user, team=team)
    choices = villages + [(c, c) for c in served if c not in dict(villages)]
    out = call_service(TeamEditForm(request.POST, villages=choices), lambda d: (
        services.team_update(user=request.user, team=team, expected_version=d["version"],
                             name=d["name"], institution=d["institution"],
                             villages=d["villages"], active=d["active"])),
        current_version=lambda: selectors.team_get(user=request.user, pk=pk).version)
    if out.ok:
        messages.success(request, _("已保存团队"))
        return redirect("contracts:team", pk)
    return _team_page(request, pk, bound={"edit": out.form}, status=out.status)


@login_required
@require_POST
def member_add(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk)
    out = call_service(MemberForm(request.POST, prefix="nm"), lambda d: services.member_add(
        user=request.user, team=team, member=services.MemberInput(
            d["name"], d["role"], d["institution"], account=_account(d["account"]),
            start_date=d["start_date"])), field_map={"member.name": "name",
                                                     "member.role": "role",
                                                     "member.account": "account",
                                                     "member.start_date": "start_date"})
    if out.ok:
        messages.success(request, _("已添加成员"))
        return redirect("contracts:team", pk)
    return _team_page(request, pk, bound={"member": out.form}, status=out.status)


@login_required
@require_POST
def member_end(request, pk: int):
    member = selectors.member_get(user=request.user, pk=pk)
    out = call_service(MemberEndForm(request.POST, prefix="end"), lambda d: services.member_end(
        user=request.user, member=member, end_date=d["end_date"]))
    if out.ok:
        messages.success(request, _("已登记成员离开团队"))
        return redirect("contracts:team", member.team_id)
    return _team_page(request, member.team_id, bound={"end": out.form}, status=out.status)


# ================================================================ contracts
