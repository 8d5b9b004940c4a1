"""Fixtures of the contracts tests: a 1+1 team of the township serving VILLAGE, its village
doctor linked to a village health account, a patient of VILLAGE with a contract this year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.accounts.models import Department, Role
from jkfp.contracts import services
from jkfp.contracts.models import TeamMember

from ..conftest import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from ..factories import ChronicRegistrationFactory, PersonFactory, UserFactory


@pytest.fixture
def township_user(regions):
    return UserFactory(username="t_health", region_id="640323100", role=Role.REVIEWER,
                       department=Department.HEALTH)


@pytest.fixture
def doctor_user(regions):
    return UserFactory(username="v_doctor", region_id=VILLAGE, role=Role.DATA_ENTRY,
                       department=Department.HEALTH, full_name="李村医")


@pytest.fixture
def team(township_user, doctor_user):
    return services.team_create(
        user=township_user, name="花一村家庭医生团队", region_code="640323100",
        institution="花马池镇卫生院", villages=[VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP],
        members=[services.MemberInput("李村医", "village_doctor", "花一村卫生室",
                                      account=doctor_user, start_date=dt.date(2020, 1, 1)),
                 services.MemberInput("王护士", "nurse", "花马池镇卫生院",
                                      start_date=dt.date(2020, 1, 1))])


@pytest.fixture
def doctor(team, doctor_user) -> TeamMember:
    return team.members.get(user=doctor_user)


@pytest.fixture
def nurse(team) -> TeamMember:
    return team.members.get(role="nurse")


@pytest.fixture
def patient(household):
    return PersonFactory(household=household, region_code=VILLAGE, name="赵患者",
                         birth_date=dt.date(1960, 6, 1))


@pytest.fixture
def contract(township_user, team, patient):
    today = timezone.localdate()
    return services.contract_sign(user=township_user, person=patient, team=team,
                                  signed_on=dt.date(today.year, 1, 5))


@pytest.fixture
def registration(patient, township_user):
    return ChronicRegistrationFactory(person=patient, disease_code="hypertension", icd10="I10",
                                      diagnosed_on=dt.date(2019, 5, 1), created_by=township_user)


# ---------------------------------------------------------------- the scope matrix
@pytest.fixture
def contract_records(records, township_user):
    """For each household of `records` (inside, same_township, other_township, changzhi): a
    team of its township serving its village only, a member, the head's contract this year, a
    hypertension registration and one follow-up. {name: SimpleNamespace}."""
    from types import SimpleNamespace

    from jkfp.contracts.models import TeamVillage

    from ..factories import ContractFactory, FollowUpFactory, TeamFactory, TeamMemberFactory

    today = timezone.localdate()
    out = {}
    for name, hh in records.items():
        village = hh.region_code
        team = TeamFactory(name=f"团队-{name}", region_code=village[:9],
                           created_by=township_user)
        TeamVillage.objects.create(team=team, village_code=village)
        member = TeamMemberFactory(team=team, name=f"医生-{name}")
        TeamMemberFactory(team=team, name=f"护士-{name}", role="nurse")
        head = hh.head
        head.name = f"居民-{name}"
        head.save(update_fields=["name"])
        contract = ContractFactory(person=head, team=team, year=today.year,
                                   signed_on=dt.date(today.year, 1, 5), created_by=township_user)
        reg = ChronicRegistrationFactory(person=head, created_by=township_user)
        visit = FollowUpFactory(registration=reg, member=member, visited_on=dt.date(today.year, 2, 1),
                                systolic=130, diastolic=80, created_by=township_user)
        out[name] = SimpleNamespace(household=hh, person=head, team=team, member=member,
                                    contract=contract, registration=reg, followup=visit)
    return out
