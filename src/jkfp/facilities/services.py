"""Writes of facilities and staff: one state change per function, in one transaction, each
ending with the county's gaps recomputed (`gaps.refresh_gaps`) so that the gap list is never
behind the records it is derived from, and `Event.FACILITY_CHANGED` published after commit
(indicators refresh from it).

Validation collects every problem it can before writing anything; each is a `DomainError`
with a code, a Chinese message and its field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Q

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.regions.models import Region
from jkfp.writes import acting, locked, model_create, model_update

from .gaps import refresh_gaps
from .models import (
    KIND_LEVEL,
    CentreStandard,
    Coverage,
    HospitalDepartment,
    Institution,
    InstitutionKind,
    Post,
    Qualification,
    Staff,
    VillageService,
)

LEVEL_NAMES = {6: "县级", 9: "乡镇级", 12: "村级"}


def _err(code: ErrorCode, message: str, field: str) -> DomainError:
    return DomainError(code, message, field=field)


def _raise(errors: list[DomainError]) -> None:
    if errors:
        raise ValidationErrors(errors)


#: the counties written inside `gaps_deferred()`, whose gaps are computed once at its end
_deferred: ContextVar[set[str] | None] = ContextVar("facility_gaps_deferred", default=None)


@contextmanager
def gaps_deferred() -> Iterator[None]:
    """Many writes in a row (the demo's facilities): each county's gaps are computed once, when
    the block ends, instead of after every write. The gaps are a function of the records, so
    they come out the same; only the intermediate gaps of the block (opened by one write,
    closed by the next) leave no history row. Must run inside the block's transaction."""
    token = _deferred.set(set())
    try:
        yield
        counties = _deferred.get() or set()
    finally:
        _deferred.reset(token)
    for county in sorted(counties):
        _changed(county)


def _changed(county_code: str) -> None:
    pending = _deferred.get()
    if pending is not None:
        pending.add(county_code)
        return
    refresh_gaps(county_code)
    publish(Event.FACILITY_CHANGED, county_code=county_code)


def _writer(user: User, region_code: str, field: str = "region_code") -> None:
    access.require_health_writer(user)
    access.require_in_scope(user, region_code, field=field)


def _in_force(start: dt.date, end: dt.date | None, inst: Institution) -> bool:
    """Whether [start, end) lies within the institution's open dates."""
    return start >= inst.opened_on and (inst.closed_on is None or
                                        (end is not None and end <= inst.closed_on))


def _dates(start: dt.date, end: dt.date | None, errors: list, field: str = "end_date") -> None:
    if end is not None and end <= start:
        errors.append(_err(ErrorCode.DATE_ORDER, "结束日期应晚于开始日期", field))


# ================================================================ institutions
INSTITUTION_FIELDS = ("name", "grade", "is_tcm", "second_grade_capacity", "centre_standard",
                      "tcm_corner", "fever_clinic", "standardised", "closed_on")


def _check_institution(kind: str, region_code: str, data: dict, opened_on: dt.date) -> list:
    errors: list[DomainError] = []
    if not (data.get("name") or "").strip():
        errors.append(_err(ErrorCode.REQUIRED, "请填写机构名称", "name"))
    if kind not in InstitutionKind.values:
        errors.append(_err(ErrorCode.INVALID, f"未知的机构类型“{kind}”", "kind"))
    elif not Region.objects.filter(code=region_code).exists():
        errors.append(_err(ErrorCode.FACILITY_REGION,
                           f"区划“{region_code}”不存在：机构须登记在某个行政区划内", "region_code"))
    elif len(region_code) != KIND_LEVEL[kind]:
        errors.append(_err(ErrorCode.FACILITY_REGION,
                           f"{InstitutionKind(kind).label}应登记在{LEVEL_NAMES[KIND_LEVEL[kind]]}区划，"
                           f"“{region_code}”不是", "region_code"))
    if data.get("grade") not in (None, 1, 2, 3):
        errors.append(_err(ErrorCode.INVALID, "医院等级应为一级、二级或三级", "grade"))
    if data.get("centre_standard", "") not in CentreStandard.values:
        errors.append(_err(ErrorCode.INVALID, "服务能力标准应为基本标准或推荐标准", "centre_standard"))
    closed = data.get("closed_on")
    if closed is not None and closed <= opened_on:
        errors.append(_err(ErrorCode.DATE_ORDER, "撤销日期应晚于开业日期", "closed_on"))
    return errors


@transaction.atomic
def institution_create(*, user: User, kind: str, region_code: str, opened_on: dt.date,
                       **data) -> Institution:
    _writer(user, region_code)
    _raise(_check_institution(kind, region_code, data, opened_on))
    values = {k: v for k, v in data.items() if k in INSTITUTION_FIELDS and v is not None}
    values["name"] = data["name"].strip()
    inst = model_create(Institution, user=user, kind=kind, region_code=region_code,
                        opened_on=opened_on, created_by=user, **values)
    _changed(region_code[:6])
    return inst


@transaction.atomic
def institution_update(*, user: User, institution: Institution, expected_version: int,
                       opened_on: dt.date | None = None, **data) -> Institution:
    """Change an institution's attributes or close it (`closed_on`); its posts must have ended
    by the closing day."""
    inst = locked(Institution, institution.pk, expected_version=expected_version)
    _writer(user, inst.region_code)
    opened_on = opened_on or inst.opened_on
    merged = {k: getattr(inst, k) for k in INSTITUTION_FIELDS} | data
    errors = _check_institution(inst.kind, inst.region_code, merged, opened_on)
    closed = merged.get("closed_on")
    if closed is not None and Post.objects.filter(institution=inst).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=closed)).exists():
        errors.append(_err(ErrorCode.FACILITY_CLOSED,
                           "该机构仍有在岗人员：请先登记他们离岗或调往其他机构，再撤销机构", "closed_on"))
    if Post.objects.filter(institution=inst, start_date__lt=opened_on).exists():
        errors.append(_err(ErrorCode.FACILITY_CLOSED, "开业日期晚于已有人员的到岗日期", "opened_on"))
    _raise(errors)
    changes = {k: merged[k] for k in INSTITUTION_FIELDS} | {"opened_on": opened_on}
    changes["name"] = (changes["name"] or "").strip()
    inst, _changed_fields = model_update(instance=inst, data=changes, user=user, lock=False,
                                         expected_version=expected_version)
    _changed(inst.region_code[:6])
    return inst


@transaction.atomic
def department_add(*, user: User, institution: Institution, name: str,
                   opened_on: dt.date) -> HospitalDepartment:
    inst = locked(Institution, institution.pk)
    _writer(user, inst.region_code)
    errors = []
    if inst.kind != InstitutionKind.COUNTY_HOSPITAL:
        errors.append(_err(ErrorCode.INVALID, "只有县级医院登记临床科室", "name"))
    if not name.strip():
        errors.append(_err(ErrorCode.REQUIRED, "请填写科室名称", "name"))
    elif HospitalDepartment.objects.filter(institution=inst, name=name.strip()).exists():
        errors.append(_err(ErrorCode.INVALID, f"科室“{name.strip()}”已登记", "name"))
    if opened_on < inst.opened_on:
        errors.append(_err(ErrorCode.FACILITY_CLOSED, "科室设立日期早于医院开业日期", "opened_on"))
    _raise(errors)
    dept = model_create(HospitalDepartment, user=user, institution=inst, name=name.strip(),
                        opened_on=opened_on)
    _changed(inst.region_code[:6])
    return dept


@transaction.atomic
def department_close(*, user: User, department: HospitalDepartment,
                     closed_on: dt.date) -> HospitalDepartment:
    dept = locked(HospitalDepartment, department.pk)
    _writer(user, dept.institution.region_code)
    if closed_on <= dept.opened_on:
        raise _err(ErrorCode.DATE_ORDER, "撤销日期应晚于设立日期", "closed_on")
    dept.closed_on = closed_on
    acting(dept, user).save(update_fields=["closed_on"])
    _changed(dept.institution.region_code[:6])
    return dept


# ================================================================ coverage of villages
def _village_of_county(code: str, county: str, field: str) -> list[DomainError]:
    if len(code) != 12 or not Region.objects.filter(code=code).exists():
        return [_err(ErrorCode.REGION_NOT_VILLAGE, f"“{code}”不是已登记的行政村", field)]
    if code[:6] != county:
        return [_err(ErrorCode.FACILITY_REGION, "服务村应与机构在同一县（区）内", field)]
    return []


@transaction.atomic
def coverage_add(*, user: User, institution: Institution, village_code: str,
                 start_date: dt.date, end_date: dt.date | None = None) -> Coverage:
    """A village clinic that also serves a neighbouring village (共享村卫生室)."""
    inst = locked(Institution, institution.pk)
    _writer(user, inst.region_code)
    errors = _village_of_county(village_code, inst.region_code[:6], "village_code")
    if inst.kind != InstitutionKind.VILLAGE_CLINIC:
        errors.append(_err(ErrorCode.INVALID, "只有村卫生室可登记为邻村服务", "village_code"))
    elif village_code == inst.region_code:
        errors.append(_err(ErrorCode.INVALID, "本村卫生室不必登记为服务本村", "village_code"))
    _dates(start_date, end_date, errors)
    if not _in_force(start_date, end_date, inst):
        errors.append(_err(ErrorCode.FACILITY_CLOSED, "服务期间应在卫生室开业期间内", "start_date"))
    _raise(errors)
    cov = model_create(Coverage, user=user, institution=inst, village_code=village_code,
                       start_date=start_date, end_date=end_date)
    _changed(inst.region_code[:6])
    return cov


@transaction.atomic
def coverage_end(*, user: User, coverage: Coverage, end_date: dt.date) -> Coverage:
    cov = locked(Coverage, coverage.pk)
    _writer(user, cov.institution.region_code)
    if end_date <= cov.start_date:
        raise _err(ErrorCode.DATE_ORDER, "结束日期应晚于开始日期", "end_date")
    cov.end_date = end_date
    acting(cov, user).save(update_fields=["end_date"])
    _changed(cov.institution.region_code[:6])
    return cov


# ================================================================ staff and posts
def _check_staff(name: str, qualification: str) -> list[DomainError]:
    errors = []
    if not name.strip():
        errors.append(_err(ErrorCode.REQUIRED, "请填写姓名", "name"))
    if qualification not in Qualification.values:
        errors.append(_err(ErrorCode.INVALID, f"未知的执业资格“{qualification}”", "qualification"))
    return errors


@transaction.atomic
def staff_create(*, user: User, name: str, qualification: str, region_code: str,
                 certificate_number: str = "") -> Staff:
    _writer(user, region_code)
    errors = _check_staff(name, qualification)
    if len(region_code) != 6 or not Region.objects.filter(code=region_code).exists():
        errors.append(_err(ErrorCode.FACILITY_REGION, "人员应登记在某个县（区）", "region_code"))
    _raise(errors)
    return model_create(Staff, user=user, name=name.strip(), qualification=qualification,
                        region_code=region_code, certificate_number=certificate_number.strip(),
                        created_by=user)


@transaction.atomic
def staff_update(*, user: User, staff: Staff, expected_version: int, name: str,
                 qualification: str, certificate_number: str = "") -> Staff:
    """A qualification obtained (or corrected) changes the gaps of every county they serve."""
    st = locked(Staff, staff.pk, expected_version=expected_version)
    _writer(user, st.region_code)
    _raise(_check_staff(name, qualification))
    st, _fields = model_update(instance=st, user=user, lock=False,
                               expected_version=expected_version,
                               data={"name": name.strip(), "qualification": qualification,
                                     "certificate_number": certificate_number.strip()})
    for county in sorted({c[:6] for c in st.posts.values_list("region_code", flat=True)}):
        _changed(county)
    return st


def _overlaps(staff: Staff, start: dt.date, end: dt.date | None, exclude: int | None = None):
    qs = Post.objects.filter(staff=staff, full_time=True, void=False).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=start))
    if end is not None:
        qs = qs.filter(start_date__lt=end)
    return qs.exclude(pk=exclude) if exclude else qs


@transaction.atomic
def post_add(*, user: User, staff: Staff, institution: Institution, start_date: dt.date,
             end_date: dt.date | None = None, full_time: bool = True,
             department: HospitalDepartment | None = None) -> Post:
    st = locked(Staff, staff.pk)  # serialises two posts of one person
    inst = Institution.objects.get(pk=institution.pk)
    _writer(user, inst.region_code, "institution")
    errors: list[DomainError] = []
    _dates(start_date, end_date, errors)
    if not _in_force(start_date, end_date, inst):
        errors.append(_err(ErrorCode.FACILITY_CLOSED,
                           f"到岗日期应在“{inst.name}”开业期间内（{inst.opened_on} 起"
                           f"{'' if inst.closed_on is None else '，' + str(inst.closed_on) + ' 撤销'}）",
                           "start_date"))
    if department is not None and department.institution_id != inst.pk:
        errors.append(_err(ErrorCode.INVALID, "科室不属于该机构", "department"))
    if full_time:
        other = _overlaps(st, start_date, end_date).select_related("institution").first()
        if other is not None:
            errors.append(_err(ErrorCode.STAFF_POST_OVERLAP,
                               f"{st.name}同期已在“{other.institution.name}”全职在岗"
                               f"（{other.start_date} 起）：同一人同时只能有一个全职岗位，"
                               "请先登记原岗位离岗", "start_date"))
    _raise(errors)
    post = model_create(Post, user=user, staff=st, institution=inst, department=department,
                        region_code=inst.region_code, full_time=full_time,
                        start_date=start_date, end_date=end_date)
    _changed(inst.region_code[:6])
    return post


@transaction.atomic
def post_end(*, user: User, post: Post, end_date: dt.date) -> Post:
    """The day the person leaves the post: a gap it leaves opens on that day."""
    p = locked(Post, post.pk)
    _writer(user, p.region_code)
    if end_date <= p.start_date:
        raise _err(ErrorCode.DATE_ORDER, "离岗日期应晚于到岗日期", "end_date")
    p.end_date = end_date
    acting(p, user).save(update_fields=["end_date"])
    VillageService.objects.filter(post=p).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=end_date)).update(end_date=end_date)
    _changed(p.region_code[:6])
    return p


@transaction.atomic
def village_service_add(*, user: User, post: Post, village_code: str, mode: str,
                        start_date: dt.date, end_date: dt.date | None = None) -> VillageService:
    """A township doctor posted to a village (派驻) or serving it by rotation (巡诊)."""
    p = locked(Post, post.pk)
    _writer(user, p.region_code)
    errors = _village_of_county(village_code, p.region_code[:6], "village_code")
    if mode not in VillageService.Mode.values:
        errors.append(_err(ErrorCode.INVALID, "方式应为派驻或巡诊", "mode"))
    _dates(start_date, end_date, errors)
    if start_date < p.start_date or (p.end_date is not None and
                                     (end_date is None or end_date > p.end_date)):
        errors.append(_err(ErrorCode.FACILITY_CLOSED, "派驻或巡诊期间应在其岗位的在岗期间内",
                           "start_date"))
    _raise(errors)
    svc = model_create(VillageService, user=user, post=p, village_code=village_code, mode=mode,
                       start_date=start_date, end_date=end_date)
    _changed(p.region_code[:6])
    return svc


@transaction.atomic
def village_service_end(*, user: User, service: VillageService,
                        end_date: dt.date) -> VillageService:
    svc = locked(VillageService, service.pk)
    _writer(user, svc.post.region_code)
    if end_date <= svc.start_date:
        raise _err(ErrorCode.DATE_ORDER, "结束日期应晚于开始日期", "end_date")
    svc.end_date = end_date
    acting(svc, user).save(update_fields=["end_date"])
    _changed(svc.post.region_code[:6])
    return svc


@transaction.atomic
def gaps_refresh(*, user: User, county_code: str) -> dict[str, int]:
    """Recompute a county's gaps by hand (after the rules file changed)."""
    access.require_in_scope(user, county_code)
    counts = refresh_gaps(county_code)
    publish(Event.FACILITY_CHANGED, county_code=county_code)
    return counts


# ================================================================ the lists' checks and writes
#: the checks of the single-record services, for the data-exchange lists' plans (decision 79)
institution_check = _check_institution
village_check = _village_of_county
post_overlap = _overlaps
from .imported import (  # noqa: E402,F401  (set-based writes of the lists, decision 79)
    facilities_import_undo,
    institutions_import,
    staff_posts_import,
)
