"""Pages of the family-doctor contracts (the teams' pages are in `teams.py`, the worklists in
`worklists.py`): a person's contracts, a contract with its fulfilment, the follow-up form (made for a phone), the management rates,
and an Excel export of every list. Health details (patients, visits, status) are shown only to
users who may see them (403 for the others); a record outside the user's region is 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.errors import DomainError
from jkfp.regions.models import Region
from jkfp.registry import selectors as registry_selectors
from jkfp.registry.idnumber import mask
from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import export, selectors, services, standards
from .forms import (
    ContractFilterForm,
    DeliveryForm,
    EndForm,
    FollowUpForm,
    RenewForm,
    SignForm,
    WorklistForm,
)

DISEASE_NAMES = {"hypertension": "高血压", "diabetes_type2": "2型糖尿病", "tuberculosis": "肺结核",
                 "severe_mental_disorder": "严重精神障碍"}


def _health_reader(request) -> None:
    try:
        access.require_health_reader(request.user)
    except DomainError as e:
        raise PermissionDenied(e.message) from None


def _disease(code: str) -> str:
    std = standards.current().diseases.get(code)
    return std[-1].name if std else DISEASE_NAMES.get(code, code)


def _names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _year(request) -> int:
    form = WorklistForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    return data.get("year") or timezone.localdate().year


def _xlsx(tmp, name: str, request) -> FileResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(tmp, as_attachment=True, filename=f"jkfp-{name}-{stamp}.xlsx",
                            content_type=export.XLSX)
    token = request.GET.get("dl", "")
    if token.isalnum() and len(token) <= 40:
        response.set_cookie("jkfp_export", token, max_age=120, samesite="Lax")
    return response


def _rate(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


# ================================================================ teams
def _fulfilment_rows(user, contracts):
    return [(c, selectors.fulfilment_of(c)) for c in contracts]


@login_required
def contract_list(request):
    user = request.user
    form = ContractFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    health = access.can_see_health(user)
    qs = (selectors.contract_fulfilment(user=user, year=year) if health
          else selectors.contract_list(user=user, year=year))
    page = paginate(qs, number=data.get("page"), params=request.GET.dict())
    rows = (_fulfilment_rows(user, page.items) if health
            else [(c, None) for c in page.items])
    return render(request, "contracts/contract_list.html", {
        "page": page, "rows": rows, "year": year, "health": health, "form": form,
        "names": _names(c.region_code for c in page.items)})


@login_required
def contract_export(request):
    user = request.user
    form = ContractFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    health = access.can_see_health(user)
    qs = (selectors.contract_fulfilment(user=user, year=year) if health
          else selectors.contract_list(user=user, year=year))
    header = [("姓名", 10), ("身份证号", 20), ("区划代码", 14), ("年度", 6), ("团队", 20),
              ("签约日期", 11), ("服务包", 10), ("服务费（元）", 10), ("承担", 14),
              ("解约日期", 11)]
    if health:
        header.append(("履约率", 8))

    def rows():
        for c in qs[:export.LIMIT].iterator(chunk_size=2000):
            cells = [c.person.name, mask(c.person.id_number), c.region_code, str(c.year),
                     c.team.name, c.signed_on, c.get_package_display(),
                     f"{c.fee_fen // 100}.{c.fee_fen % 100:02d}", c.get_fee_payer_display(),
                     c.ended_on]
            if health:
                cells.append(_rate(selectors.fulfilment_of(c).share))
            yield (c.person_id if health else None), cells
    tmp = export.write(user=user, title=_("家庭医生签约"), header=header, rows=rows(),
                       conditions=f"{year}年度", health=health, path=request.path)
    return _xlsx(tmp, "contracts", request)


def _person_page(request, pk: int, *, bound: dict | None = None, status: int = 200):
    user = request.user
    person = registry_selectors.person_get(user=user, pk=pk)
    bound = bound or {}
    today = timezone.localdate()
    contracts = selectors.contracts_of_person(user=user, person=person)
    teams = list(selectors.teams_serving(user=user, village_code=person.region_code))
    open_this_year = any(c.year == today.year and c.ended_on is None for c in contracts)
    sign = bound.get("sign") or SignForm(teams=teams, initial={
        "year": today.year if not open_this_year else today.year + 1,
        "team": str(teams[0].pk) if teams else ""})
    health = access.can_see_health(user)
    registrations = (list(selectors.registration_scope(user=user).filter(person=person)
                          .order_by("-registered_on")) if health else [])
    return render(request, "contracts/person.html", {
        "person": person, "contracts": contracts, "sign": sign, "teams": teams,
        "renew": bound.get("renew") or RenewForm(prefix="renew"),
        "end": bound.get("end") or EndForm(prefix="end"),
        "bound_contract": bound.get("contract"), "today": today, "health": health,
        "registrations": registrations, "diseases": DISEASE_NAMES,
        "can_write": access.can_write_health(user) and person.alive}, status=status)


@login_required
def person_contracts(request, pk: int):
    return _person_page(request, pk)


@login_required
@require_POST
def contract_sign(request, pk: int):
    user = request.user
    person = registry_selectors.person_get(user=user, pk=pk)
    teams = list(selectors.teams_serving(user=user, village_code=person.region_code))

    def sign(d):
        team = selectors.team_get(user=user, pk=int(d["team"]))
        return services.contract_sign(user=user, person=person, team=team,
                                      signed_on=d["signed_on"], year=d["year"],
                                      package=d["package"], fee_yuan=d["fee_yuan"],
                                      fee_payer=d["fee_payer"])
    out = call_service(SignForm(request.POST, teams=teams), sign,
                       field_map={"person": "__all__"})
    if out.ok:
        messages.success(request, _("已签约"))
        return redirect("contracts:person", pk)
    return _person_page(request, pk, bound={"sign": out.form}, status=out.status)


@login_required
@require_POST
def contract_renew(request, pk: int):
    contract = selectors.contract_get(user=request.user, pk=pk)
    out = call_service(RenewForm(request.POST, prefix="renew"), lambda d: services.contract_renew(
        user=request.user, contract=contract, signed_on=d["signed_on"]),
        field_map={"year": "__all__", "team": "__all__", "contract": "__all__",
                   "person": "__all__"})
    if out.ok:
        messages.success(request, _("已续签"))
        return redirect("contracts:person", contract.person_id)
    return _person_page(request, contract.person_id,
                        bound={"renew": out.form, "contract": contract.pk}, status=out.status)


@login_required
@require_POST
def contract_end(request, pk: int):
    contract = selectors.contract_get(user=request.user, pk=pk)
    out = call_service(EndForm(request.POST, prefix="end"), lambda d: services.contract_end(
        user=request.user, contract=contract, expected_version=d["version"],
        ended_on=d["ended_on"], reason=d["end_reason"]),
        current_version=lambda: selectors.contract_get(user=request.user, pk=pk).version)
    if out.ok:
        messages.success(request, _("已解约"))
        return redirect("contracts:person", contract.person_id)
    return _person_page(request, contract.person_id,
                        bound={"end": out.form, "contract": contract.pk}, status=out.status)


def _contract_page(request, pk: int, *, bound=None, status: int = 200):
    _health_reader(request)
    user = request.user
    contract = selectors.contract_get(user=user, pk=pk)
    annotated = selectors.fulfilment_annotate(
        selectors.contract_scope(user=user).filter(pk=pk)).get()
    members = selectors.team_members(user=user, team=contract.team, current_only=True)
    mine = selectors.memberships_of(user=user).filter(team=contract.team).first()
    form = bound or DeliveryForm(members=members, initial={
        "member": str(mine.pk) if mine else ""})
    return render(request, "contracts/contract_detail.html", {
        "contract": contract, "fulfilment": selectors.fulfilment_of(annotated),
        "deliveries": selectors.deliveries_of(user=user, contract=contract), "form": form,
        "items": dict(standards.ITEM_LABELS),
        "can_write": access.can_write_health(user) and contract.ended_on is None,
        "rate": _rate}, status=status)


@login_required
def contract_detail(request, pk: int):
    return _contract_page(request, pk)


@login_required
@require_POST
def delivery_new(request, pk: int):
    _health_reader(request)
    user = request.user
    contract = selectors.contract_get(user=user, pk=pk)
    members = selectors.team_members(user=user, team=contract.team)

    def record(d):
        member = next((m for m in members if str(m.pk) == d["member"]), None)
        return services.delivery_record(user=user, contract=contract, kind=d["kind"],
                                        delivered_on=d["delivered_on"], member=member,
                                        note=d["note"])
    out = call_service(DeliveryForm(request.POST, members=members), record,
                       field_map={"contract": "__all__"})
    if out.ok:
        messages.success(request, _("已登记履约服务"))
        return redirect("contracts:contract", pk)
    return _contract_page(request, pk, bound=out.form, status=out.status)


# ================================================================ follow-ups
def _followup_page(request, pk: int, *, bound: FollowUpForm | None = None, status: int = 200):
    _health_reader(request)
    user = request.user
    registration = selectors.registration_get(user=user, pk=pk)
    today = timezone.localdate()
    members = selectors.members_for_followup(user=user, registration=registration, on=today)
    mine = next((m for m in members if m.user_id == user.pk), None)
    risk = registration.risk_level if registration.disease_code == "severe_mental_disorder" \
        else None
    form = bound or FollowUpForm(disease=registration.disease_code, members=members, initial={
        "visited_on": today, "way": "home", "member": str(mine.pk) if mine else "",
        "risk_level": risk,
        "next_visit_on": standards.next_visit_default(registration.disease_code,
                                                      visited_on=today, risk_level=risk)})
    visits = list(selectors.followup_list(user=user, registration_id=registration.pk)[:10])
    return render(request, "contracts/followup_form.html", {
        "registration": registration, "person": registration.person, "form": form,
        "visits": visits, "disease": _disease(registration.disease_code),
        "no_contract": not members, "today": today,
        "std": standards.disease_standard(registration.disease_code, on=today),
        "can_write": access.can_write_health(user)}, status=status)


@login_required
def followup_new(request, pk: int):
    if request.method != "POST":
        return _followup_page(request, pk)
    _health_reader(request)
    user = request.user
    registration = selectors.registration_get(user=user, pk=pk)
    today = timezone.localdate()
    # the choices: every member of the team of the patient's contract on the visit's date
    try:
        day = dt.date.fromisoformat(request.POST.get("visited_on", ""))
    except ValueError:
        day = today
    contract = (selectors.contract_covering(person_id=registration.person_id, on=day)
                or selectors.contract_covering(person_id=registration.person_id, on=today))
    members = selectors.team_members(user=user, team=contract.team) if contract else []
    form = FollowUpForm(request.POST, disease=registration.disease_code, members=members)

    def record(d):
        member = next((m for m in members if str(m.pk) == d["member"]), None)
        return services.followup_record(
            user=user, registration=registration, visited_on=d["visited_on"], way=d["way"],
            member=member, classification=d["classification"],
            next_visit_on=d["next_visit_on"], systolic=d.get("systolic"),
            diastolic=d.get("diastolic"), fasting_glucose=d.get("fasting_glucose"),
            weight_kg=d.get("weight_kg"), adherence=d.get("adherence", ""),
            risk_level=d.get("risk_level"), doses_due=d.get("doses_due"),
            doses_taken=d.get("doses_taken"), note=d.get("note", ""))
    out = call_service(form, record, field_map={"registration": "__all__"})
    if out.ok:
        messages.success(request, _("已记录随访，下次随访：%(d)s") % {
            "d": out.result.next_visit_on.isoformat()})
        back = request.POST.get("next", "")
        if back == "worklist":
            return redirect("contracts:worklist_doctor")
        return redirect(reverse("contracts:followup_new", args=[pk]))
    return _followup_page(request, pk, bound=out.form, status=out.status)
