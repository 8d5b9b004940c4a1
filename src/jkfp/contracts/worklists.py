"""Pages of the worklists per role and of the management rates (签约服务): a village doctor's
patients due this week and overdue, the overdue patients of a scope, who should sign and has
not (应签尽签), the patients not managed to the standard, the rates by region — each with its
Excel export (health lists logged person by person). Health lists answer 403 to users who may
not see health details."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.accounts import access
from jkfp.registry import selectors as registry_selectors
from jkfp.registry.idnumber import birth_year, mask
from jkfp.web.http import paginate

from . import export, selectors
from .forms import WorklistForm
from .views import DISEASE_NAMES, _disease, _health_reader, _names, _rate, _xlsx, _year


# ================================================================ worklists
@login_required
def home(request):
    """The worklists of the user's role: a village doctor's patients due this week and overdue;
    a township's persons who should sign and have not, and patients not managed to the
    standard; the management rates for the county and above."""
    user = request.user
    today = timezone.localdate()
    health = access.can_see_health(user)
    ctx = {"today": today, "health": health, "year": today.year,
           "memberships": list(selectors.memberships_of(user=user, on=today))}
    if health:
        mine = list(selectors.village_doctor_worklist(user=user, today=today)[:200])
        ctx["mine"] = mine
        ctx["overdue_n"] = selectors.overdue_registrations(user=user, today=today)[:10001].count()
    signed, should = selectors.sign_rate(user=user, year=today.year)
    ctx["signed"], ctx["should"] = signed, should
    return render(request, "contracts/home.html", ctx)


def _doctor_rows(user, today):
    rows = selectors.village_doctor_worklist(user=user, today=today)
    for r in rows[:export.LIMIT]:
        yield r.person_id, [r.person.name, mask(r.person.id_number), r.region_code,
                            _disease(r.disease_code), r.last_visit_on, r.due_on,
                            _("已逾期") if r.due_on < today else _("本周到期")]


@login_required
def worklist_doctor(request):
    _health_reader(request)
    today = timezone.localdate()
    rows = list(selectors.village_doctor_worklist(user=request.user, today=today)[:500])
    memberships = list(selectors.memberships_of(user=request.user, on=today))
    return render(request, "contracts/worklist_doctor.html", {
        "rows": rows, "today": today, "memberships": memberships,
        "diseases": DISEASE_NAMES})


@login_required
def worklist_doctor_export(request):
    _health_reader(request)
    today = timezone.localdate()
    tmp = export.write(user=request.user, title=_("我的随访患者（本周到期和逾期）"), header=[
        ("姓名", 10), ("身份证号", 20), ("区划代码", 14), ("病种", 12), ("最近随访", 11),
        ("应随访日期", 11), ("状态", 8)], rows=_doctor_rows(request.user, today),
        conditions=f"截至{today}", health=True, path=request.path)
    return _xlsx(tmp, "my-patients", request)


@login_required
def worklist_overdue(request):
    _health_reader(request)
    today = timezone.localdate()
    qs = selectors.overdue_registrations(user=request.user, today=today)
    form = WorklistForm(request.GET)
    number = form.cleaned_data.get("page") if form.is_valid() else None
    page = paginate(qs, number=number, params=request.GET.dict())
    return render(request, "contracts/worklist_overdue.html", {
        "page": page, "today": today, "diseases": DISEASE_NAMES,
        "names": _names(r.region_code for r in page.items)})


@login_required
def worklist_overdue_export(request):
    _health_reader(request)
    today = timezone.localdate()

    def rows():
        for r in selectors.overdue_registrations(user=request.user, today=today)[:export.LIMIT]:
            yield r.person_id, [r.person.name, mask(r.person.id_number), r.region_code,
                                _disease(r.disease_code), r.last_visit_on, r.due_on,
                                (today - r.due_on).days]
    tmp = export.write(user=request.user, title=_("逾期未随访的慢病患者"), header=[
        ("姓名", 10), ("身份证号", 20), ("区划代码", 14), ("病种", 12), ("最近随访", 11),
        ("应随访日期", 11), ("逾期天数", 8)], rows=rows(), conditions=f"截至{today}",
        health=True, path=request.path)
    return _xlsx(tmp, "overdue", request)


@login_required
def worklist_unsigned(request):
    """应签尽签: persons who should sign this year and have not (no health detail: the
    categories are the registry's)."""
    today = timezone.localdate()
    year = _year(request)
    qs = selectors.should_sign_unsigned(user=request.user, year=year, on=today)
    form = WorklistForm(request.GET)
    number = form.cleaned_data.get("page") if form.is_valid() else None
    page = paginate(qs, number=number, params=request.GET.dict())
    signed, should = selectors.sign_rate(user=request.user, year=year, on=today)
    return render(request, "contracts/worklist_unsigned.html", {
        "page": page, "year": year, "signed": signed, "should": should,
        "names": _names(p.region_code for p in page.items),
        "can_sign": access.can_write_health(request.user)})


@login_required
def worklist_unsigned_export(request):
    today = timezone.localdate()
    year = _year(request)

    def rows():
        for p in selectors.should_sign_unsigned(user=request.user, year=year,
                                                on=today)[:export.LIMIT]:
            yield None, [p.household.household_number, p.name, mask(p.id_number),
                         p.get_sex_display(), birth_year(p.birth_date), p.region_code]
    tmp = export.write(user=request.user, title=_("应签未签人员"), header=[
        ("户编号", 18), ("姓名", 10), ("身份证号", 20), ("性别", 6), ("出生年份", 10),
        ("区划代码", 14)], rows=rows(), conditions=f"{year}年度", health=False,
        path=request.path)
    return _xlsx(tmp, "unsigned", request)


@login_required
def worklist_not_standard(request):
    _health_reader(request)
    year = _year(request)
    rows = selectors.not_standard(user=request.user, year=year)
    persons = {p.pk: p for p in registry_selectors.person_scope(user=request.user)
               .filter(pk__in=[s.person_id for s in rows[:500]])}
    return render(request, "contracts/worklist_not_standard.html", {
        "rows": [(s, persons.get(s.person_id)) for s in rows[:500]], "total": len(rows),
        "year": year, "diseases": DISEASE_NAMES,
        "names": _names(s.region_code for s in rows[:500])})


@login_required
def worklist_not_standard_export(request):
    _health_reader(request)
    year = _year(request)
    rows = selectors.not_standard(user=request.user, year=year)
    persons = {p.pk: p for p in registry_selectors.person_scope(user=request.user)
               .filter(pk__in=[s.person_id for s in rows])}

    def cells():
        for s in rows:
            p = persons.get(s.person_id)
            yield s.person_id, [p.name if p else "", mask(p.id_number) if p else "",
                                s.region_code, _disease(s.disease_code), s.visits,
                                s.face_to_face, s.required, s.latest_visit_on,
                                _("是") if s.managed else _("否"),
                                _("是") if s.controlled else _("否")]
    tmp = export.write(user=request.user, title=_("未规范管理的慢病患者"), header=[
        ("姓名", 10), ("身份证号", 20), ("区划代码", 14), ("病种", 12), ("随访次数", 8),
        ("面对面随访", 8), ("应随访次数", 8), ("最近随访", 11), ("已管理", 6),
        ("最近一次控制", 8)], rows=cells(), conditions=f"{year}年度", health=True,
        path=request.path)
    return _xlsx(tmp, "not-standard", request)


@login_required
def management(request):
    """Management, standard-management and control rates by region and disease."""
    _health_reader(request)
    year = _year(request)
    region = request.GET.get("region", "")
    if region and not access.code_in_scope(request.user, region):
        region = ""
    rates = selectors.management_rates(user=request.user, year=year, region_code=region)
    names = _names(r.region_code for r in rates)
    return render(request, "contracts/management.html", {
        "rates": rates, "year": year, "names": names, "diseases": DISEASE_NAMES,
        "region": region, "rate": _rate})


@login_required
def management_export(request):
    _health_reader(request)
    year = _year(request)
    rates = selectors.management_rates(user=request.user, year=year)
    names = _names(r.region_code for r in rates)
    rows = ((None, [r.region_code, names.get(r.region_code, ""), _disease(r.disease_code),
                    str(r.registered), str(r.deceased), str(r.population), str(r.managed),
                    str(r.standard), str(r.controlled), _rate(r.management_rate),
                    _rate(r.standard_rate), _rate(r.control_rate)]) for r in rates)
    tmp = export.write(user=request.user, title=_("慢病管理率、规范管理率和控制率"), header=[
        ("区划代码", 14), ("区划", 14), ("病种", 12), ("登记", 8), ("死亡", 6), ("分母", 8),
        ("已管理", 8), ("规范管理", 8), ("控制", 8), ("管理率", 8), ("规范管理率", 10),
        ("控制率", 8)], rows=rows, conditions=f"{year}年度", health=False, path=request.path)
    return _xlsx(tmp, "management", request)
