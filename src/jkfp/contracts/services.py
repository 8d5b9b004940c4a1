"""Writes of the family-doctor contracts (签约服务, DOMAIN.md sections 7 and 12): teams in the
1+1+X model and their members, yearly contracts (sign, renew, end), the services delivered
under a contract (履约) and the follow-up visits of chronic patients.

Each function is one state change in one transaction (DESIGN.md rule 2). Validation collects
every problem it can before writing anything; each is a `DomainError` with a code, a Chinese
message and the field it is about. A follow-up keeps the registration's last and next visit
current through `health.services.chronic_visit_noted`, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.policy.money import parse_yuan
from jkfp.regions.models import Region
from jkfp.registry.models import Person
from jkfp.writes import locked, model_create, model_update

from .followup_checks import member_serves
from .models import Contract, ServiceDelivery, Team, TeamMember, TeamVillage

Role = TeamMember.Role
DOCTORS = frozenset({Role.VILLAGE_DOCTOR, Role.TOWNSHIP_DOCTOR})
CARERS = frozenset({Role.NURSE, Role.PUBLIC_HEALTH})

def _err(code: ErrorCode, message: str, field: str) -> DomainError:
    return DomainError(code, message, field=field)


def _raise(errors: list[DomainError]) -> None:
    if errors:
        raise ValidationErrors(errors)


# ================================================================ teams
@dataclass(frozen=True)
class MemberInput:
    """A member of a team: name, role (TeamMember.Role), institution, an optional account."""

    name: str
    role: str
    institution: str = ""
    account: User | None = None
    start_date: dt.date | None = None


def _check_composition(roles: list[str], *, field: str = "members") -> list[DomainError]:
    """1+1+X: at least one village or township doctor and one nurse or public-health worker."""
    errors = []
    if not DOCTORS & set(roles):
        errors.append(_err(ErrorCode.TEAM_COMPOSITION,
                           "团队须至少有一名乡村医生或乡镇医生（1+1+X）", field))
    if not CARERS & set(roles):
        errors.append(_err(ErrorCode.TEAM_COMPOSITION,
                           "团队须至少有一名护士或公共卫生人员（1+1+X）", field))
    return errors


def _check_member(user: User, m: MemberInput, prefix: str, today: dt.date) -> list[DomainError]:
    errors = []
    if not (m.name or "").strip():
        errors.append(_err(ErrorCode.REQUIRED, "成员姓名不能为空", f"{prefix}.name"))
    if m.role not in Role.values:
        errors.append(_err(ErrorCode.INVALID, f"成员角色“{m.role}”无效", f"{prefix}.role"))
    if m.account is not None and not access.code_in_scope(user, m.account.region_code):
        errors.append(_err(ErrorCode.REGION_OUT_OF_SCOPE, "关联的系统账号不在您的管辖区域内",
                           f"{prefix}.account"))
    if m.start_date is not None and m.start_date > today:
        errors.append(_err(ErrorCode.INVALID, "加入日期不能晚于今天", f"{prefix}.start_date"))
    return errors


def _check_villages(user: User, region_code: str, villages: list[str]) -> list[DomainError]:
    errors = []
    if not villages:
        return [_err(ErrorCode.REQUIRED, "须至少选择一个服务村", "villages")]
    known = dict(Region.objects.filter(code__in=villages).values_list("code", "level"))
    for i, code in enumerate(villages):
        field = f"villages[{i}]"
        if villages.index(code) != i:
            errors.append(_err(ErrorCode.TEAM_VILLAGE, f"服务村“{code}”重复", field))
        elif code not in known:
            errors.append(_err(ErrorCode.REGION_UNKNOWN, f"区划“{code}”不存在", field))
        elif known[code] != "village":
            errors.append(_err(ErrorCode.REGION_NOT_VILLAGE, f"“{code}”不是村级区划", field))
        elif not access.code_in_scope(user, code):
            errors.append(_err(ErrorCode.REGION_OUT_OF_SCOPE,
                               f"服务村“{code}”不在您的管辖区域内", field))
        elif not code.startswith(region_code):
            errors.append(_err(ErrorCode.TEAM_VILLAGE,
                               f"服务村“{code}”不在团队所属区划“{region_code}”内", field))
    return errors


def _team_fields(name: str, institution: str) -> list[DomainError]:
    errors = []
    if not (name or "").strip():
        errors.append(_err(ErrorCode.REQUIRED, "团队名称不能为空", "name"))
    if not (institution or "").strip():
        errors.append(_err(ErrorCode.REQUIRED, "牵头机构不能为空", "institution"))
    return errors


def team_create(*, user: User, name: str, region_code: str, institution: str,
                villages: list[str], members: list[MemberInput]) -> Team:
    """A team of a township (or village) with the villages it serves and its 1+1+X members."""
    access.require_health_writer(user)
    access.require_in_scope(user, region_code)
    today = timezone.localdate()
    errors = _team_fields(name, institution)
    if not Region.objects.filter(code=region_code).exists():
        errors.append(_err(ErrorCode.REGION_UNKNOWN, f"区划“{region_code}”不存在", "region_code"))
    errors += _check_villages(user, region_code, list(villages))
    for i, m in enumerate(members):
        errors += _check_member(user, m, f"members[{i}]", today)
    errors += _check_composition([m.role for m in members])
    _raise(errors)
    with transaction.atomic():
        team = model_create(Team, user=user, name=name.strip(), region_code=region_code,
                            institution=institution.strip(), created_by=user)
        TeamVillage.objects.bulk_create([TeamVillage(team=team, village_code=c)
                                         for c in villages])
        for m in members:
            _member_create(user, team, m, today)
    return team


def _member_create(user: User, team: Team, m: MemberInput, today: dt.date) -> TeamMember:
    # `user=` of model_create is the acting user: the member's account goes in as user_id
    return model_create(TeamMember, user=user, team=team, name=m.name.strip(), role=m.role,
                        institution=(m.institution or "").strip(),
                        user_id=m.account.pk if m.account else None,
                        start_date=m.start_date or today)


def team_update(*, user: User, team: Team, expected_version: int, name: str, institution: str,
                villages: list[str], active: bool = True) -> Team:
    """Rename a team, change its institution or the villages it serves, or retire it."""
    access.require_health_writer(user)
    access.require_in_scope(user, team.region_code)
    errors = _team_fields(name, institution) + _check_villages(user, team.region_code,
                                                               list(villages))
    _raise(errors)
    with transaction.atomic():
        team, _ = model_update(instance=team, expected_version=expected_version, user=user,
                               data={"name": name.strip(), "institution": institution.strip(),
                                     "active": bool(active)})
        have = set(team.villages.values_list("village_code", flat=True))
        TeamVillage.objects.filter(team=team, village_code__in=have - set(villages)).delete()
        TeamVillage.objects.bulk_create([TeamVillage(team=team, village_code=c)
                                         for c in villages if c not in have])
    return team


def _active_members(team: Team, on: dt.date):
    return team.members.filter(start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on))


def composition_gaps(team: Team, on: dt.date) -> list[str]:
    """What a team lacks of 1+1+X on `on` (a team created from a signing list, decision 81)."""
    return [e.message for e in _check_composition(
        list(_active_members(team, on).values_list("role", flat=True)))]


def member_add(*, user: User, team: Team, member: MemberInput) -> TeamMember:
    access.require_health_writer(user)
    access.require_in_scope(user, team.region_code)
    today = timezone.localdate()
    errors = _check_member(user, member, "member", today)
    if member.account is not None and _active_members(team, today).filter(
            user=member.account).exists():
        errors.append(_err(ErrorCode.INVALID, "该账号已是本团队成员", "member.account"))
    _raise(errors)
    with transaction.atomic():
        return _member_create(user, team, member, today)


def member_end(*, user: User, member: TeamMember, end_date: dt.date) -> TeamMember:
    """A member leaves the team; refused when the team would no longer be 1+1."""
    access.require_health_writer(user)
    access.require_in_scope(user, member.team.region_code)
    today = timezone.localdate()
    if end_date < member.start_date or end_date > today:
        raise _err(ErrorCode.INVALID, "离开日期须在加入日期之后且不晚于今天", "end_date")
    with transaction.atomic():
        m = locked(TeamMember, member.pk)
        if m.end_date is not None:
            raise _err(ErrorCode.INVALID, "该成员已离开团队", "end_date")
        locked(Team, m.team_id)  # two members leaving at once cannot both pass the check
        after = end_date + dt.timedelta(days=1)
        roles = list(_active_members(m.team, after).exclude(pk=m.pk)
                     .values_list("role", flat=True))
        _raise(_check_composition(roles, field="end_date"))
        m, _ = model_update(instance=m, lock=False, user=user, data={"end_date": end_date})
    return m


# ================================================================ contracts
def _contract_errors(*, user: User, person: Person, team: Team, year: int, signed_on: dt.date,
                     package: str, fee_payer: str, today: dt.date) -> list[DomainError]:
    errors = []
    if not person.alive or person.death_date is not None:
        errors.append(_err(ErrorCode.PERSON_DECEASED, "该居民已登记死亡，不能签约", "person"))
    if signed_on > today:
        errors.append(_err(ErrorCode.DATE_IN_FUTURE, "签约日期不能晚于今天", "signed_on"))
    if year not in (signed_on.year, signed_on.year + 1):
        errors.append(_err(ErrorCode.CONTRACT_DATE, "签约年度须为签约日期的当年或次年", "year"))
    if not team.active:
        errors.append(_err(ErrorCode.TEAM_VILLAGE, "该团队已停用", "team"))
    elif not team.villages.filter(village_code=person.region_code).exists():
        errors.append(_err(ErrorCode.TEAM_VILLAGE, "该团队不服务此居民所在的村", "team"))
    if package not in Contract.Package.values:
        errors.append(_err(ErrorCode.INVALID, f"服务包“{package}”无效", "package"))
    if fee_payer not in Contract.FeePayer.values:
        errors.append(_err(ErrorCode.INVALID, f"服务费承担方“{fee_payer}”无效", "fee_payer"))
    return errors


def _overlap() -> DomainError:
    return _err(ErrorCode.CONTRACT_OVERLAP, "该居民本年度已有有效签约", "year")


def _open_contract(person_id: int, year: int):
    return Contract.objects.filter(person_id=person_id, year=year, ended_on__isnull=True)


def _create_contract(user: User, *, person: Person, **values) -> Contract:
    with transaction.atomic():
        locked(Person, person.pk)  # signings of one person wait for each other
        if _open_contract(person.pk, values["year"]).exists():
            raise _overlap()
        try:
            with transaction.atomic():
                contract = model_create(Contract, user=user, person=person,
                                        region_code=person.region_code, created_by=user,
                                        **values)
        except IntegrityError:
            raise _overlap() from None
        publish(Event.CONTRACT_CHANGED, contract_id=contract.pk, person_id=person.pk,
                region_code=person.region_code)
    return contract


def contract_sign(*, user: User, person: Person, team: Team, signed_on: dt.date,
                  year: int | None = None, package: str = Contract.Package.BASIC,
                  fee_yuan="0", fee_payer: str = Contract.FeePayer.PUBLIC_HEALTH) -> Contract:
    """A person signs with a team that serves their village, for one year (one open contract
    per person and year)."""
    access.require_health_writer(user)
    access.require_in_scope(user, person.region_code, field="person")
    today = timezone.localdate()
    year = year or signed_on.year
    errors = _contract_errors(user=user, person=person, team=team, year=year,
                              signed_on=signed_on, package=package, fee_payer=fee_payer,
                              today=today)
    fee_fen = 0
    try:
        fee_fen = parse_yuan(fee_yuan, field="fee_yuan")
    except DomainError as exc:
        errors.append(exc)
    if not errors and _open_contract(person.pk, year).exists():
        errors.append(_overlap())
    _raise(errors)
    return _create_contract(user, person=person, team=team, year=year, signed_on=signed_on,
                            package=package, fee_fen=fee_fen, fee_payer=fee_payer)


def contract_renew(*, user: User, contract: Contract, signed_on: dt.date,
                   team: Team | None = None, package: str | None = None, fee_yuan=None,
                   fee_payer: str | None = None) -> Contract:
    """The contract of the next year, with the same team and terms unless others are given."""
    access.require_health_writer(user)
    access.require_in_scope(user, contract.region_code, field="person")
    today = timezone.localdate()
    person = Person.objects.get(pk=contract.person_id)
    team = team or contract.team
    package = package or contract.package
    fee_payer = fee_payer or contract.fee_payer
    year = contract.year + 1
    errors = []
    if contract.ended_on is not None:
        errors.append(_err(ErrorCode.CONTRACT_ENDED, "该签约已解约，不能续签", "contract"))
    errors += _contract_errors(user=user, person=person, team=team, year=year,
                               signed_on=signed_on, package=package, fee_payer=fee_payer,
                               today=today)
    fee_fen = contract.fee_fen
    if fee_yuan is not None:
        try:
            fee_fen = parse_yuan(fee_yuan, field="fee_yuan")
        except DomainError as exc:
            errors.append(exc)
    if not errors and _open_contract(person.pk, year).exists():
        errors.append(_overlap())
    _raise(errors)
    return _create_contract(user, person=person, team=team, year=year, signed_on=signed_on,
                            package=package, fee_fen=fee_fen, fee_payer=fee_payer,
                            renewal_of=contract)


def contract_end(*, user: User, contract: Contract, expected_version: int, ended_on: dt.date,
                 reason: str) -> Contract:
    """End a contract before its year is over (moved away, died, at the person's wish)."""
    access.require_health_writer(user)
    access.require_in_scope(user, contract.region_code, field="person")
    errors = []
    if not (reason or "").strip():
        errors.append(_err(ErrorCode.REQUIRED, "须填写解约原因", "end_reason"))
    if ended_on < contract.signed_on or ended_on > timezone.localdate():
        errors.append(_err(ErrorCode.CONTRACT_DATE, "解约日期须在签约日期之后且不晚于今天",
                           "ended_on"))
    elif ended_on.year > contract.year:
        errors.append(_err(ErrorCode.CONTRACT_DATE, "解约日期须在签约年度内", "ended_on"))
    _raise(errors)
    with transaction.atomic():
        c = locked(Contract, contract.pk, expected_version=expected_version)
        if c.ended_on is not None:
            raise _err(ErrorCode.CONTRACT_ENDED, "该签约已解约", "ended_on")
        c, _ = model_update(instance=c, lock=False, user=user,
                            data={"ended_on": ended_on, "end_reason": reason.strip()[:200]})
        publish(Event.CONTRACT_CHANGED, contract_id=c.pk, person_id=c.person_id,
                region_code=c.region_code)
    return c


def delivery_record(*, user: User, contract: Contract, kind: str, delivered_on: dt.date,
                    member: TeamMember, note: str = "") -> ServiceDelivery:
    """A service of the package delivered under a contract (履约), by a member of its team."""
    access.require_health_writer(user)
    access.require_in_scope(user, contract.region_code, field="contract")
    errors = []
    if kind not in ServiceDelivery.Kind.values:
        errors.append(_err(ErrorCode.INVALID, f"服务项目“{kind}”无效", "kind"))
    if delivered_on > timezone.localdate():
        errors.append(_err(ErrorCode.DATE_IN_FUTURE, "服务日期不能晚于今天", "delivered_on"))
    elif delivered_on.year != contract.year or delivered_on < contract.signed_on or (
            contract.ended_on is not None and delivered_on > contract.ended_on):
        errors.append(_err(ErrorCode.CONTRACT_DATE, "服务日期须在签约有效期内", "delivered_on"))
    if not member_serves(member, contract.team_id, delivered_on):
        errors.append(_err(ErrorCode.MEMBER_NOT_IN_TEAM, "服务人员在服务日期不是签约团队的成员",
                           "member"))
    _raise(errors)
    with transaction.atomic():
        return model_create(ServiceDelivery, user=user, contract=contract,
                            region_code=contract.region_code, kind=kind,
                            delivered_on=delivered_on, member=member, note=(note or "")[:500],
                            created_by=user)


# ================================================================ follow-ups
from .followup_checks import followup_check  # noqa: E402,F401  (the import kind checks rows)
from .followup_services import followup_record  # noqa: E402,F401
from .imported import VISIT_FIELDS as VISIT_IMPORT_FIELDS  # noqa: E402,F401
from .imported import (  # noqa: E402,F401  (decisions 53, 81)
    contracts_import,
    followups_import,
    teams_import,
    teams_import_undo,
)
