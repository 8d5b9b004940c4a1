"""Writes of the registry: households, persons, incomes, category periods, support measures.

Each function is one state change in one transaction (DESIGN.md rule 2). Validation collects
every problem it can before writing anything, so a bad form or file gets all its errors at once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from jkfp.accounts.access import can_see_full_identity, require_in_scope, require_writer
from jkfp.accounts.models import PersonalDataAccess, User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.policy.money import parse_yuan
from jkfp.regions.models import Region
from jkfp.summaries.services import summary_apply, summary_snapshot
from jkfp.writes import acting, locked, model_create, model_update

from . import idnumber, numbering
from .bulk import (  # noqa: F401  (set-based writes of list imports, issue 10)
    PeriodEndChange,
    PeriodOpen,
    category_periods_import,
    persons_update_imported,
)
from .models import (
    CategoryPeriod,
    Household,
    HouseholdIncome,
    Person,
    Relation,
    SupportMeasure,
    WorkAbility,
)
from .periods import (  # noqa: F401  (the registry's writes are called through services)
    category_correction_end,
    category_correction_open,
    category_period_add,
    category_period_end,
    check_dates,
    period_end_locked,
)

# ASCII digits only (`\d` alone also matches other scripts' digits); full-width digits are
# normalised to ASCII first (`normalize_phone`), as in ID numbers.
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", re.ASCII)


# ---------------------------------------------------------------- helpers
def normalize_phone(raw: str | None) -> str:
    """Full-width digits and hyphen → ASCII, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def yuan_to_fen(value, *, field: str) -> int:
    """Yuan (text, int or Decimal) → fen through the one strict parser (policy.money);
    amounts of the registry (incomes) may be negative. Raises `amount_invalid`."""
    return parse_yuan(value, field=field, negative=True)


# ---------------------------------------------------------------- persons
@dataclass
class MemberInput:
    id_number: str
    name: str
    relation: str
    sex: str | None = None
    birth_date: dt.date | None = None
    phone: str = ""
    work_ability: str = WorkAbility.ABLE


@dataclass
class CheckedMember:
    info: idnumber.IdInfo
    data: MemberInput
    errors: list[DomainError] = field(default_factory=list)


def person_check_identity(*, id_number: str, sex: str | None = None,
                          birth_date: dt.date | None = None,
                          prefix: str = "") -> tuple[idnumber.IdInfo | None, list[DomainError]]:
    """Validate an ID number and what was entered beside it; return all errors found."""
    errors: list[DomainError] = []
    try:
        info = idnumber.parse(id_number, field=f"{prefix}id_number")
    except DomainError as exc:
        return None, [exc]
    if birth_date and birth_date != info.birth_date:
        errors.append(DomainError(
            ErrorCode.ID_BIRTH_MISMATCH,
            f"出生日期{birth_date:%Y-%m-%d}与身份证号中的{info.birth_date:%Y-%m-%d}不一致",
            field=f"{prefix}birth_date"))
    if sex and sex != info.sex:
        errors.append(DomainError(
            ErrorCode.ID_SEX_MISMATCH,
            "性别与身份证号不一致：身份证号第17位表示{}".format("男" if info.sex == "M" else "女"),
            field=f"{prefix}sex"))
    return info, errors


def _check_member(m: MemberInput, prefix: str) -> tuple[idnumber.IdInfo | None, list[DomainError]]:
    info, errors = person_check_identity(id_number=m.id_number, sex=m.sex or None,
                                         birth_date=m.birth_date, prefix=prefix)
    if not (m.name or "").strip():
        errors.append(DomainError(ErrorCode.REQUIRED, "姓名不能为空", field=f"{prefix}name"))
    if m.relation not in Relation.values:
        errors.append(DomainError(ErrorCode.INVALID, f"与户主关系“{m.relation}”无效",
                                  field=f"{prefix}relation"))
    if m.work_ability not in WorkAbility.values:
        errors.append(DomainError(ErrorCode.INVALID, f"劳动能力“{m.work_ability}”无效",
                                  field=f"{prefix}work_ability"))
    if m.phone and not PHONE.match(normalize_phone(m.phone)):
        errors.append(DomainError(ErrorCode.PHONE_FORMAT, f"联系电话“{m.phone}”格式不正确",
                                  field=f"{prefix}phone"))
    return info, errors


def _duplicate_ids(numbers: list[str], *, exclude_pk: int | None = None) -> set[str]:
    qs = Person.objects.filter(id_number__in=numbers)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return set(qs.values_list("id_number", flat=True))


def _new_person(info: idnumber.IdInfo, m: MemberInput, household: Household) -> Person:
    return Person(id_number=info.number, id_rev=info.number[::-1], name=m.name.strip(),
                  sex=info.sex, birth_date=info.birth_date, phone=normalize_phone(m.phone),
                  household=household, relation=m.relation, region_code=household.region_code,
                  work_ability=m.work_ability)


def household_register(*, user: User, household_number: str, village_code: str, address: str,
                       members: list[MemberInput]) -> Household:
    """Register a household with its members; exactly one member is the head."""
    require_writer(user)
    errors: list[DomainError] = []
    household_number = (household_number or "").strip()  # blank: the village's next number
    if household_number and Household.objects.filter(household_number=household_number).exists():
        errors.append(DomainError(ErrorCode.HOUSEHOLD_NUMBER_DUPLICATE,
                                  f"户编号“{household_number}”已存在", field="household_number"))
    village = Region.objects.filter(code=(village_code or "").strip()).first()
    if village is None:
        errors.append(DomainError(ErrorCode.REGION_UNKNOWN, f"区划代码“{village_code}”不存在",
                                  field="village_code"))
    elif village.level != "village":
        errors.append(DomainError(ErrorCode.REGION_NOT_VILLAGE,
                                  f"“{village.name}”不是村级区划，家庭户须登记到村",
                                  field="village_code"))
    else:
        try:
            require_in_scope(user, village.code, field="village_code")
        except DomainError as exc:
            errors.append(exc)
    heads = [m for m in members if m.relation == Relation.HEAD]
    if not heads:
        errors.append(DomainError(ErrorCode.HOUSEHOLD_NO_HEAD, "家庭户必须有一名户主",
                                  field="members"))
    elif len(heads) > 1:
        errors.append(DomainError(ErrorCode.HOUSEHOLD_TWO_HEADS, "一个家庭户只能有一名户主",
                                  field="members"))
    infos: list[idnumber.IdInfo] = []
    seen: set[str] = set()
    for i, m in enumerate(members):
        info, errs = _check_member(m, prefix=f"members[{i}].")
        errors.extend(errs)
        if info:
            if info.number in seen:
                errors.append(DomainError(ErrorCode.ID_DUPLICATE,
                                          f"身份证号“{idnumber.mask(info.number)}”在本户中重复",
                                          field=f"members[{i}].id_number"))
            seen.add(info.number)
            infos.append(info)
    for number in _duplicate_ids([i.number for i in infos]):
        idx = next(k for k, m in enumerate(members) if idnumber.normalize(m.id_number) == number)
        errors.append(DomainError(ErrorCode.ID_DUPLICATE,
                                  f"身份证号“{idnumber.mask(number)}”已登记在其他家庭户",
                                  field=f"members[{idx}].id_number"))
    if not household_number and village is not None and village.level == "village":
        try:
            numbering.rule_for(village.code)
        except DomainError as exc:
            errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    try:
        with transaction.atomic():
            if not household_number:  # numbered by the village's rule, the village locked
                locked(Region, village.code)
                household_number = numbering.next_number(village_code=village.code)
            household = model_create(Household, user=user, household_number=household_number,
                                     village=village, region_code=village.code,
                                     address=(address or "").strip())
            persons = []
            for info, m in zip(infos, members, strict=True):
                p = acting(_new_person(info, m, household), user)
                p.save()
                persons.append(p)
                summary_apply(p)
            household.head = next(p for p in persons if p.relation == Relation.HEAD)
            acting(household, user).save(update_fields=["head"])
            publish(Event.HOUSEHOLD_CHANGED, household_id=household.pk,
                    region_code=household.region_code)
    except IntegrityError as exc:  # a concurrent insert of the same ID or number
        raise DomainError(ErrorCode.ID_DUPLICATE, "身份证号或户编号已被同时登记，请刷新后重试") from exc
    return household


def household_update(*, user: User, household: Household, expected_version: int,
                     address: str) -> Household:
    require_writer(user)
    require_in_scope(user, household.region_code)
    with transaction.atomic():
        hh, changed = model_update(instance=household, expected_version=expected_version,
                                   user=user, data={"address": (address or "").strip()})
        if changed:
            publish(Event.HOUSEHOLD_CHANGED, household_id=hh.pk, region_code=hh.region_code)
    return hh


def person_add(*, user: User, household: Household, member: MemberInput) -> Person:
    require_writer(user)
    require_in_scope(user, household.region_code)
    if household.ended_on:
        raise DomainError(ErrorCode.HOUSEHOLD_ENDED, "该家庭户已注销，不能添加成员")
    info, errors = _check_member(member, prefix="")
    if member.relation == Relation.HEAD:
        errors.append(DomainError(ErrorCode.HOUSEHOLD_TWO_HEADS,
                                  "该户已有户主；如需变更户主请使用“变更户主”", field="relation"))
    if info and _duplicate_ids([info.number]):
        errors.append(DomainError(ErrorCode.ID_DUPLICATE,
                                  f"身份证号“{idnumber.mask(info.number)}”已登记", field="id_number"))
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        p = acting(_new_person(info, member, household), user)
        p.save()
        summary_apply(p)
        _person_changed(p)
    return p


def person_update(*, user: User, person: Person, expected_version: int, name: str, phone: str,
                  relation: str, work_ability: str, sex: str | None = None,
                  birth_date: dt.date | None = None) -> Person:
    """Change what may change about a person. Sex and birth date must agree with the ID."""
    require_writer(user)
    require_in_scope(user, person.region_code)
    m = MemberInput(id_number=person.id_number, name=name, relation=relation, sex=sex,
                    birth_date=birth_date, phone=phone, work_ability=work_ability)
    _, errors = _check_member(m, prefix="")
    if relation == Relation.HEAD and person.relation != Relation.HEAD:
        errors.append(DomainError(ErrorCode.HOUSEHOLD_TWO_HEADS,
                                  "该户已有户主；如需变更户主请使用“变更户主”", field="relation"))
    if person.relation == Relation.HEAD and relation != Relation.HEAD:
        errors.append(DomainError(ErrorCode.HOUSEHOLD_NO_HEAD,
                                  "户主的关系不能直接修改；请先指定新的户主", field="relation"))
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        p, changed = model_update(instance=person, expected_version=expected_version, user=user,
                                  data={"name": name.strip(), "phone": normalize_phone(phone),
                                        "relation": relation, "work_ability": work_ability})
        if changed:
            _person_changed(p)
    return p


def person_record_death(*, user: User, person: Person, expected_version: int,
                        death_date: dt.date) -> Person:
    require_writer(user)
    require_in_scope(user, person.region_code)
    if death_date < person.birth_date or death_date > timezone.localdate():
        raise DomainError(ErrorCode.DEATH_DATE_INVALID, "死亡日期须在出生日期之后且不晚于今天",
                          field="death_date")
    with transaction.atomic():
        p = locked(Person, person.pk, expected_version=expected_version)
        if not p.alive:
            raise DomainError(ErrorCode.PERSON_DECEASED, "该人员已登记死亡", field="death_date")
        was = summary_snapshot(p)
        p, _ = model_update(instance=p, lock=False, user=user,
                            data={"alive": False, "death_date": death_date})
        summary_apply(p, was=was)
        # the person's own open periods end on the day of death (history keeps them)
        for period in CategoryPeriod.objects.select_for_update().filter(person=p,
                                                                         end_date__isnull=True):
            period_end_locked(user=user, period=period,
                              end_date=max(death_date, period.start_date), end_reason="死亡")
        _person_changed(p)
    return p


# ---------------------------------------------------------------- income
def household_income_record(*, user: User, household: Household, year: int, total_yuan,
                            members: int, source: str = "") -> HouseholdIncome:
    require_writer(user)
    require_in_scope(user, household.region_code)
    total = yuan_to_fen(total_yuan, field="total_income")
    if members < 1:
        raise DomainError(ErrorCode.INCOME_INVALID, "计算人口须至少为1", field="members")
    if not 2000 <= year <= timezone.localdate().year:
        raise DomainError(ErrorCode.INCOME_INVALID, f"年度“{year}”无效", field="year")
    per_capita = int((Decimal(total) / members).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    values = {"total_fen": total, "members": members, "per_capita_fen": per_capita,
              "source": source, "void": False}
    with transaction.atomic():
        existing = HouseholdIncome.objects.select_for_update().filter(
            household=household, year=year).first()
        if existing is None:
            inc = model_create(HouseholdIncome, user=user, household=household, year=year,
                               **values)
        else:
            inc, _ = model_update(instance=existing, lock=False, user=user, data=values)
        publish(Event.HOUSEHOLD_CHANGED, household_id=household.pk,
                region_code=household.region_code)
    return inc


# ---------------------------------------------------------------- support measures
def support_measure_add(*, user: User, household: Household, kind: str, description: str,
                        start_date: dt.date) -> SupportMeasure:
    require_writer(user)
    require_in_scope(user, household.region_code)
    check_dates(start_date=start_date)
    if kind not in SupportMeasure.Kind.values:
        raise DomainError(ErrorCode.INVALID, f"帮扶类型“{kind}”无效", field="kind")
    if not (description or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "帮扶内容不能为空", field="description")
    with transaction.atomic():
        measure = model_create(SupportMeasure, user=user, household=household,
                               region_code=household.region_code, kind=kind,
                               description=description.strip(), start_date=start_date,
                               created_by=user)
        publish(Event.HOUSEHOLD_CHANGED, household_id=household.pk,
                region_code=household.region_code)
    return measure


# ---------------------------------------------------------------- showing full numbers
def person_reveal(*, user: User, person: Person, field: str, channel: str = "web",
                  path: str = "") -> str:
    """Show a full ID or phone number to a role allowed to see it, and log the showing.

    `person` must come from a scoped selector. Raises PermissionError for other roles.
    """
    if field not in ("id_number", "phone"):
        raise ValueError(field)
    if not can_see_full_identity(user):
        raise PermissionError("您的角色无权查看完整信息")
    require_in_scope(user, person.region_code)
    with transaction.atomic():
        PersonalDataAccess.objects.create(user=user, person=person, field=field,
                                          channel=channel, path=path[:200])
    return getattr(person, field)


# ---------------------------------------------------------------- follow-on work
def _person_changed(p: Person) -> None:
    publish(Event.PERSON_CHANGED, person_id=p.pk, household_id=p.household_id,
            region_code=p.region_code)

from .import_households import households_end_imported, households_persons_import  # noqa: E402,F401,I001
from .income_import import household_incomes_import  # noqa: E402,F401  (decision 53b)
