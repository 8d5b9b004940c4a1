import datetime as dt

import pytest

from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.registry import idnumber, services
from jkfp.registry.models import CategoryPeriod, Household, Person
from jkfp.registry.services import MemberInput

from ..conftest import CHANGZHI_VILLAGE, VILLAGE


def members(n=3, county="640323"):
    out = [
        MemberInput(id_number=idnumber.make(county, dt.date(1975, 3, 4), 11), name="王建国",
                    relation="head", phone="13912345678"),
        MemberInput(id_number=idnumber.make(county, dt.date(1977, 8, 9), 22), name="李秀英",
                    relation="spouse"),
        MemberInput(id_number=idnumber.make(county, dt.date(2005, 1, 30), 33), name="王小明",
                    relation="child", work_ability="none"),
    ]
    return out[:n]


def counts():
    return Household.objects.count(), Person.objects.count(), CategoryPeriod.objects.count()


def test_register_household_with_members(users):
    hh = services.household_register(user=users["village"], household_number="6403231002010001",
                                     village_code=VILLAGE, address="花马池镇一组",
                                     members=members())
    assert hh.members.count() == 3
    assert hh.head.name == "王建国"
    p = hh.head
    assert p.sex == "M" and p.birth_date == dt.date(1975, 3, 4)
    assert p.region_code == VILLAGE and p.id_rev == p.id_number[::-1]


@pytest.mark.parametrize("mutate,code,field", [
    (lambda m: setattr(m[0], "id_number", "130402198207290622"), ErrorCode.ID_CHECKSUM,
     "members[0].id_number"),
    (lambda m: setattr(m[1], "birth_date", dt.date(1977, 8, 10)), ErrorCode.ID_BIRTH_MISMATCH,
     "members[1].birth_date"),
    (lambda m: setattr(m[1], "sex", "M"), ErrorCode.ID_SEX_MISMATCH, "members[1].sex"),
    (lambda m: setattr(m[2], "id_number", m[1].id_number), ErrorCode.ID_DUPLICATE,
     "members[2].id_number"),
    (lambda m: setattr(m[0], "relation", "spouse"), ErrorCode.HOUSEHOLD_NO_HEAD, "members"),
    (lambda m: setattr(m[0], "phone", "12345"), ErrorCode.PHONE_FORMAT, "members[0].phone"),
])
def test_bad_member_input_is_refused_and_nothing_written(users, mutate, code, field):
    ms = members()
    mutate(ms)
    before = counts()
    with pytest.raises(ValidationErrors) as exc:
        services.household_register(user=users["village"], household_number="X1",
                                    village_code=VILLAGE, address="", members=ms)
    assert (code, field) in [(e.code, e.field) for e in exc.value.errors]
    assert all(e.message for e in exc.value.errors)
    assert counts() == before


def test_duplicate_id_across_households_is_refused(users):
    services.household_register(user=users["village"], household_number="A1",
                                village_code=VILLAGE, address="", members=members(1))
    before = counts()
    with pytest.raises(ValidationErrors) as exc:
        services.household_register(user=users["village"], household_number="A2",
                                    village_code=VILLAGE, address="", members=members(1))
    assert exc.value.errors[0].code == ErrorCode.ID_DUPLICATE
    assert counts() == before


@pytest.mark.parametrize("code,err", [
    ("640323100999", ErrorCode.REGION_UNKNOWN),
    ("640323100", ErrorCode.REGION_NOT_VILLAGE),
    (CHANGZHI_VILLAGE, ErrorCode.REGION_OUT_OF_SCOPE),
])
def test_region_of_a_new_household_is_checked(users, code, err):
    with pytest.raises(ValidationErrors) as exc:
        services.household_register(user=users["village"], household_number="B1",
                                    village_code=code, address="", members=members(1))
    assert exc.value.errors[0].code == err and exc.value.errors[0].field == "village_code"
    assert Household.objects.count() == 0


def test_readonly_users_cannot_write(users):
    with pytest.raises(DomainError) as exc:
        services.household_register(user=users["city"], household_number="C1",
                                    village_code=VILLAGE, address="", members=members(1))
    assert exc.value.code == ErrorCode.PERMISSION


def test_category_periods_do_not_overlap(users, household):
    u = users["village"]
    services.category_period_add(user=u, category="marginal", household=household,
                                 start_date=dt.date(2022, 1, 1), end_date=dt.date(2022, 12, 31))
    with pytest.raises(DomainError) as exc:
        services.category_period_add(user=u, category="marginal", household=household,
                                     start_date=dt.date(2022, 12, 31))
    assert exc.value.code == ErrorCode.CATEGORY_OVERLAP and exc.value.field == "start_date"
    # the next day is fine; and another category may overlap
    services.category_period_add(user=u, category="marginal", household=household,
                                 start_date=dt.date(2023, 1, 1))
    services.category_period_add(user=u, category="lifted_out", household=household,
                                 start_date=dt.date(2019, 1, 1), exit_year=2019)
    assert CategoryPeriod.objects.filter(household=household).count() == 3


def test_category_level_and_name(users, household):
    with pytest.raises(DomainError) as exc:
        services.category_period_add(user=users["village"], category="特困人员",
                                     household=household, start_date=dt.date(2022, 1, 1))
    assert exc.value.code == ErrorCode.CATEGORY_LEVEL
    p = services.category_period_add(user=users["village"], category="特困人员",
                                     person=household.head, start_date=dt.date(2022, 1, 1))
    assert p.category == "extreme_poor"
    with pytest.raises(DomainError) as exc:
        services.category_period_add(user=users["village"], category="贫困",
                                     person=household.head, start_date=dt.date(2022, 1, 1))
    assert exc.value.code == ErrorCode.CATEGORY_UNKNOWN


def test_ending_a_period_keeps_it(users, household):
    u = users["village"]
    p = services.category_period_add(user=u, category="marginal", household=household,
                                     start_date=dt.date(2022, 1, 1), reason="收入骤减")
    services.category_period_end(user=u, period=p, end_date=dt.date(2022, 9, 1),
                                 end_reason="风险消除", end_way="aided")
    p.refresh_from_db()
    assert p.end_date == dt.date(2022, 9, 1) and p.reason == "收入骤减"
    assert [h.end_date for h in p.history.order_by("history_id")] == [None, dt.date(2022, 9, 1)]


def test_stale_save_conflict_loses_nothing(users, household):
    u = users["village"]
    person = household.head
    services.person_update(user=u, person=person, expected_version=1, name="新名字",
                           phone="13800000000", relation="head", work_ability="able")
    with pytest.raises(DomainError) as exc:
        services.person_update(user=u, person=person, expected_version=1, name="旧页面的名字",
                               phone="", relation="head", work_ability="able")
    assert exc.value.code == ErrorCode.STALE_VERSION
    assert "冲突" in exc.value.message
    person.refresh_from_db()
    assert person.name == "新名字" and person.version == 2 and person.phone == "13800000000"

    services.household_update(user=u, household=household, expected_version=1, address="一组")
    with pytest.raises(DomainError) as exc:
        services.household_update(user=u, household=household, expected_version=1, address="二组")
    assert exc.value.code == ErrorCode.STALE_VERSION
    household.refresh_from_db()
    assert household.address == "一组"


def test_history_records_who_when_before_after(users, household):
    u = users["village"]
    person = household.head
    old_name = person.name
    from django.test import RequestFactory
    from simple_history.middleware import HistoricalRecords
    from simple_history.utils import update_change_reason  # noqa: F401  (installed app)

    request = RequestFactory().post("/")
    request.user = u
    HistoricalRecords.thread.request = request
    try:
        services.person_update(user=u, person=person, expected_version=1, name="改后",
                               phone="", relation="head", work_ability="weak")
    finally:
        del HistoricalRecords.thread.request
    last, prev = person.history.order_by("-history_id")[:2]
    assert last.history_user == u and last.history_date is not None
    delta = last.diff_against(prev)
    changed = {c.field: (c.old, c.new) for c in delta.changes}
    assert changed["name"] == (old_name, "改后")
    assert changed["work_ability"] == ("able", "weak")


def test_death_ends_own_periods(users, household):
    u = users["village"]
    person = household.head
    services.category_period_add(user=u, category="minimum_living", person=person,
                                 start_date=dt.date(2021, 1, 1))
    services.person_record_death(user=u, person=person, expected_version=1,
                                 death_date=dt.date(2024, 5, 1))
    person.refresh_from_db()
    assert not person.alive
    assert person.categories.get().end_date == dt.date(2024, 5, 1)


def test_income_in_fen(users, household):
    inc = services.household_income_record(user=users["village"], household=household,
                                           year=2023, total_yuan="20000.01", members=3)
    assert inc.total_fen == 2000001 and inc.per_capita_fen == 666667
    with pytest.raises(DomainError) as exc:
        services.household_income_record(user=users["village"], household=household,
                                         year=2023, total_yuan="abc", members=3)
    assert exc.value.code == ErrorCode.AMOUNT_INVALID and exc.value.field == "total_income"
