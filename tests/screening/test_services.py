"""The writes of screening: campaigns with the programme's defaults, results (every refusal
names its code and field and writes nothing), the bulk entry all or nothing, and each step of
the follow-through, allowed and refused."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.errors import DomainError, ErrorCode
from jkfp.screening import followthrough, services
from jkfp.screening.models import Campaign, ResultStep, ScreeningResult
from jkfp.screening.services import ResultInput

from ..conftest import CHANGZHI_VILLAGE, OTHER_TOWNSHIP_VILLAGE
from .conftest import END, START, TODAY, record

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Campaign, ScreeningResult, ResultStep)} | {
        "history": ScreeningResult.history.count() + Campaign.history.count()}


def refused(call, *codes_and_fields) -> list[DomainError]:
    """`call()` raises the named errors (code, field) and writes nothing."""
    before = counts()
    with pytest.raises(DomainError) as exc:
        call()
    errors = list(getattr(exc.value, "errors", [exc.value]))
    assert [(str(e.code), e.field) for e in errors] == [(str(c), f) for c, f in codes_and_fields]
    assert counts() == before
    return errors


# ---------------------------------------------------------------- campaigns
def test_a_campaign_takes_the_programmes_defaults(campaign, county):
    assert (campaign.target_sex, campaign.age_min, campaign.age_max, campaign.age_on) == (
        "F", 35, 64, START)
    assert campaign.created_by == county and campaign.history.first().history_user == county
    newborn = services.campaign_create(user=county, name="新生儿筛查", kind="newborn",
                                       region_code="640323", start_on=START, end_on=END)
    assert (newborn.age_min, newborn.age_max, newborn.age_on) == (0, 0, END)
    mine = services.campaign_create(user=county, name="40岁以上", kind="two_cancers",
                                    region_code="640323100", start_on=START, end_on=END,
                                    age_min=40, age_max=None, target_categories=["lifted_out"])
    assert (mine.target_sex, mine.age_min, mine.age_max, mine.target_categories) == (
        "F", 40, None, ["lifted_out"])


def test_campaign_refusals_write_nothing(county, users, make_user):
    def create(user=county, **kw):
        args = {"user": user, "name": "x", "kind": "two_cancers", "region_code": "640323",
                "start_on": START, "end_on": END} | kw
        return lambda: services.campaign_create(**args)

    refused(create(name=" ", kind="mammography", region_code="640323999"),
            (ErrorCode.REQUIRED, "name"), (ErrorCode.REGION_UNKNOWN, "region_code"),
            (ErrorCode.INVALID, "kind"))
    refused(create(kind="kashin_beck"), (ErrorCode.SCREENING_PROGRAMME, "region_code"))
    refused(create(kind="chronic_opportunistic", start_on=dt.date(2020, 6, 1)),
            (ErrorCode.SCREENING_PROGRAMME, "kind"))
    refused(create(end_on=START - dt.timedelta(days=1)), (ErrorCode.DATE_ORDER, "end_on"))
    refused(create(age_on=END + dt.timedelta(days=1)), (ErrorCode.SCREENING_DATE, "age_on"))
    refused(create(target_sex="X", age_min=50, age_max=40, target_categories=["rich"]),
            (ErrorCode.INVALID, "target_sex"), (ErrorCode.INVALID, "age_max"),
            (ErrorCode.CATEGORY_UNKNOWN, "target_categories"))
    refused(create(age_min=-1, age_max=121), (ErrorCode.INVALID, "age_min"),
            (ErrorCode.INVALID, "age_max"))
    refused(create(region_code="140403"), (ErrorCode.REGION_OUT_OF_SCOPE, "region_code"))
    refused(create(user=users["city"]), (ErrorCode.PERMISSION, None))  # read-only
    civil = make_user("640323", Role.DATA_ENTRY, Department.CIVIL_AFFAIRS)
    refused(create(user=civil), (ErrorCode.PERMISSION, None))


def test_campaign_update_and_its_refusals(campaign, county, woman, users):
    def update(c=campaign, user=county, **kw):
        args = {"user": user, "campaign": c, "expected_version": c.version, "name": c.name,
                "start_on": c.start_on, "end_on": c.end_on, "age_on": c.age_on,
                "target_sex": c.target_sex, "age_min": c.age_min, "age_max": c.age_max,
                "target_categories": c.target_categories} | kw
        return lambda: services.campaign_update(**args)

    c = update(name="2024年农村妇女两癌筛查", age_max=60)()
    assert (c.name, c.age_max, c.version) == ("2024年农村妇女两癌筛查", 60, 2)
    refused(update(c, expected_version=1), (ErrorCode.STALE_VERSION, "version"))
    refused(update(c, user=users["village"]), (ErrorCode.REGION_OUT_OF_SCOPE, "region_code"))
    record(county, c, woman, on=dt.date(2024, 5, 6))
    c.refresh_from_db()
    refused(update(c, age_min=40, target_sex=""), (ErrorCode.SCREENING_HAS_RESULTS, "target_sex"),
            (ErrorCode.SCREENING_HAS_RESULTS, "age_min"))
    refused(update(c, start_on=dt.date(2024, 6, 1), age_on=c.age_on),
            (ErrorCode.SCREENING_DATE, "age_on"))
    refused(update(c, end_on=dt.date(2024, 5, 5)), (ErrorCode.SCREENING_DATE, "start_on"))
    c = update(c, end_on=dt.date(2025, 1, 31), name="延长")()
    assert c.end_on == dt.date(2025, 1, 31)


# ---------------------------------------------------------------- results
def test_results_negative_is_done_others_await_a_step(campaign, county, make_person):
    neg = record(county, campaign, make_person(dt.date(1980, 1, 1)))
    pos = record(county, campaign, make_person(dt.date(1980, 1, 2)), result="positive",
                 finding=" 宫颈细胞学异常 ")
    assert (neg.stage, pos.stage, pos.finding) == ("done", "awaiting", "宫颈细胞学异常")
    assert neg.region_code == neg.person.region_code
    step = ResultStep.objects.get(result=pos)
    assert (step.step, step.from_stage, step.to_stage, step.user) == ("record", "", "awaiting",
                                                                      county)
    assert pos.history.first().history_user == county


def test_every_result_refusal_writes_nothing(campaign, county, users, make_person, civil):
    woman = make_person(dt.date(1980, 1, 1))
    man = make_person(dt.date(1980, 1, 1), sex="M")
    dead = make_person(dt.date(1980, 1, 1), alive=False, death_date=dt.date(2024, 4, 1))
    faraway = make_person(dt.date(1980, 1, 1), village=CHANGZHI_VILLAGE)
    other = make_person(dt.date(1980, 1, 1), village=OTHER_TOWNSHIP_VILLAGE)

    def rec(person=woman, user=county, **kw):
        args = {"user": user, "campaign": campaign, "person": person,
                "screened_on": dt.date(2024, 5, 6), "result": "negative", "today": TODAY} | kw
        return lambda: services.result_record(**args)

    refused(rec(man), (ErrorCode.SCREENING_NOT_TARGET, "person"))
    refused(rec(screened_on=dt.date(2024, 2, 29)), (ErrorCode.SCREENING_DATE, "screened_on"))
    refused(rec(screened_on=dt.date(2025, 1, 1)), (ErrorCode.SCREENING_DATE, "screened_on"))
    refused(rec(screened_on=dt.date(2024, 6, 1), today=dt.date(2024, 5, 31)),
            (ErrorCode.DATE_IN_FUTURE, "screened_on"))
    refused(rec(dead, screened_on=dt.date(2024, 4, 2)), (ErrorCode.PERSON_DECEASED, "screened_on"))
    refused(rec(result="positive"), (ErrorCode.REQUIRED, "finding"))
    refused(rec(result="suspected", finding="  "), (ErrorCode.REQUIRED, "finding"))
    refused(rec(result="unclear"), (ErrorCode.INVALID, "result"))
    refused(rec(result="positive", finding="x" * 501), (ErrorCode.INVALID, "finding"))
    refused(rec(faraway), (ErrorCode.REGION_OUT_OF_SCOPE, "person"))
    refused(rec(other, user=users["township"]), (ErrorCode.REGION_OUT_OF_SCOPE, "person"))
    refused(rec(user=civil), (ErrorCode.PERMISSION, None))
    refused(rec(user=users["city"]), (ErrorCode.PERMISSION, None))
    rec()()
    refused(rec(result="positive", finding="x"), (ErrorCode.SCREENING_DUPLICATE, "person"))


def test_a_campaign_of_another_county_is_refused(county, make_person, make_user):
    cz = make_user("1404", Role.APPROVER, username="cz_health")
    c = services.campaign_create(user=cz, name="长治两癌", kind="two_cancers", region_code="1404",
                                 start_on=START, end_on=END)
    woman = make_person(dt.date(1980, 1, 1))
    refused(lambda: services.result_record(user=county, campaign=c, person=woman,
                                           screened_on=dt.date(2024, 5, 6), result="negative",
                                           today=TODAY),
            (ErrorCode.REGION_OUT_OF_SCOPE, "campaign"))


# ---------------------------------------------------------------- bulk entry
def test_bulk_entry_is_all_or_nothing_and_names_each_bad_row(campaign, county, make_person):
    a, b, c = (make_person(dt.date(1980, 1, d)) for d in (1, 2, 3))
    man = make_person(dt.date(1980, 1, 4), sex="M")
    faraway = make_person(dt.date(1980, 1, 1), village=CHANGZHI_VILLAGE)
    may = dt.date(2024, 5, 6)
    rows = [ResultInput(a.pk, may, "negative"),
            ResultInput(b.pk, may, "positive"),                   # no finding
            ResultInput(man.pk, may, "negative"),                 # not targeted
            ResultInput(a.pk, may, "negative"),                   # twice in the list
            ResultInput(faraway.pk, may, "negative"),             # outside the scope
            ResultInput(c.pk, dt.date(2025, 2, 1), "negative")]   # after the campaign
    errors = refused(lambda: services.result_record_bulk(user=county, campaign=campaign,
                                                         rows=rows, today=TODAY),
                     (ErrorCode.REQUIRED, "rows[1].finding"),
                     (ErrorCode.SCREENING_NOT_TARGET, "rows[2].person"),
                     (ErrorCode.SCREENING_DUPLICATE, "rows[3].person"),
                     (ErrorCode.INVALID, "rows[4].person"),
                     (ErrorCode.DATE_IN_FUTURE, "rows[5].screened_on"))
    assert [e.row for e in errors] == [2, 3, 4, 5, 6]
    assert errors[0].message.startswith("第2行：")
    done = services.result_record_bulk(user=county, campaign=campaign, today=TODAY, rows=[
        ResultInput(a.pk, may, "negative"), ResultInput(b.pk, may, "positive", "乳腺结节")])
    assert [r.stage for r in done] == ["done", "awaiting"] and all(r.pk for r in done)
    assert ResultStep.objects.filter(result__in=done, step="record").count() == 2
    assert ScreeningResult.history.filter(history_user=county).count() == 2
    # a person already screened is a named row, and nothing of the batch is written
    refused(lambda: services.result_record_bulk(user=county, campaign=campaign, today=TODAY,
                                                rows=[ResultInput(c.pk, may, "negative"),
                                                      ResultInput(b.pk, may, "negative")]),
            (ErrorCode.SCREENING_DUPLICATE, "rows[1].person"))
    refused(lambda: services.result_record_bulk(user=county, campaign=campaign, rows=[]),
            (ErrorCode.REQUIRED, "rows"))


# ---------------------------------------------------------------- follow-through
@pytest.fixture
def positive(campaign, county, woman):
    return record(county, campaign, woman, result="positive", finding="乳腺肿块")


def step(user, result, name, on=dt.date(2024, 5, 10), **kw):
    result.refresh_from_db()
    return followthrough.result_step(user=user, result=result, step=name, on_date=on,
                                expected_version=result.version, today=TODAY, **kw)


def test_refer_confirm_and_rule_out_record_who_when_why(positive, county, campaign, make_person):
    r = step(county, positive, "refer", referred_to="县人民医院", comment="转乳腺外科")
    assert (r.stage, r.referred_to) == ("referred", "县人民医院")
    r = step(county, r, "confirm", on=dt.date(2024, 5, 20), icd10="c50.9")
    assert (r.stage, r.confirmed_icd10) == ("confirmed", "C50.9")
    steps = list(ResultStep.objects.filter(result=r).order_by("id").values_list(
        "step", "from_stage", "to_stage", "on_date", "comment", "user"))
    assert steps == [("record", "", "awaiting", dt.date(2024, 5, 6), "", county.pk),
                     ("refer", "awaiting", "referred", dt.date(2024, 5, 10), "转乳腺外科",
                      county.pk),
                     ("confirm", "referred", "confirmed", dt.date(2024, 5, 20), "", county.pk)]
    other = record(county, campaign, make_person(dt.date(1975, 1, 1)), result="suspected",
                   finding="宫颈细胞学异常")
    other = step(county, other, "refer", referred_to="县妇幼保健院")
    other = step(county, other, "rule_out", comment="阴道镜检查未见异常")
    assert other.stage == "ruled_out"


ALL_STEPS = ("refer", "confirm", "rule_out", "open_case", "register")
ALLOWED_FROM = {"awaiting": {"refer"}, "referred": {"confirm", "rule_out"},
                "confirmed": {"open_case", "register"}}


@pytest.mark.parametrize("stage", ["done", "awaiting", "referred", "confirmed", "ruled_out",
                                   "case_opened", "registered"])
def test_a_step_not_allowed_from_the_stage_is_refused_and_writes_nothing(stage, positive,
                                                                         county):
    from jkfp.screening import rules

    ScreeningResult.objects.filter(pk=positive.pk).update(stage=stage)
    positive.refresh_from_db()
    assert set(rules.steps_allowed(user=county, result=positive)) == ALLOWED_FROM.get(stage, set())
    for name in set(ALL_STEPS) - ALLOWED_FROM.get(stage, set()):
        refused(lambda n=name: step(county, positive, n, referred_to="x", icd10="C50.9",
                                    comment="x"),
                (ErrorCode.SCREENING_STEP_NOT_ALLOWED, "step"))


def test_step_refusals_name_the_field(positive, county, users, civil):
    refused(lambda: step(county, positive, "refer"), (ErrorCode.REQUIRED, "referred_to"))
    refused(lambda: step(county, positive, "refer", referred_to="x", on=dt.date(2024, 5, 5)),
            (ErrorCode.DATE_ORDER, "on_date"))
    refused(lambda: step(county, positive, "refer", referred_to="x", on=dt.date(2025, 2, 1)),
            (ErrorCode.DATE_IN_FUTURE, "on_date"))
    refused(lambda: step(county, positive, "fly"), (ErrorCode.INVALID, "step"))
    refused(lambda: step(civil, positive, "refer", referred_to="x"), (ErrorCode.PERMISSION, None))
    refused(lambda: step(users["changzhi_city"], positive, "refer", referred_to="x"),
            (ErrorCode.PERMISSION, None))
    refused(lambda: followthrough.result_step(user=county, result=positive, step="refer",
                                         on_date=dt.date(2024, 5, 10), referred_to="x",
                                         expected_version=positive.version + 1, today=TODAY),
            (ErrorCode.STALE_VERSION, "version"))
    r = step(county, positive, "refer", referred_to="县医院", on=dt.date(2024, 5, 9))
    refused(lambda: step(county, r, "confirm"), (ErrorCode.REQUIRED, "icd10"))
    refused(lambda: step(county, r, "confirm", icd10="breast"), (ErrorCode.ICD10_FORMAT, "icd10"))
    refused(lambda: step(county, r, "confirm", icd10="C50.9", on=dt.date(2024, 5, 8)),
            (ErrorCode.DATE_ORDER, "on_date"))
    refused(lambda: step(county, r, "rule_out"), (ErrorCode.REQUIRED, "comment"))


def test_a_step_outside_the_users_region_is_refused(positive, make_user):
    other = make_user(OTHER_TOWNSHIP_VILLAGE, Role.DATA_ENTRY, username="other_doc")
    refused(lambda: step(other, positive, "refer", referred_to="x"),
            (ErrorCode.REGION_OUT_OF_SCOPE, "region_code"))


# ---------------------------------------------------------------- into health
def _lifted_out(person):
    from jkfp.registry.models import CategoryPeriod

    CategoryPeriod.objects.create(household=person.household, category="lifted_out",
                                  region_code=person.region_code,
                                  start_date=dt.date(2019, 1, 1), exit_year=2019)


def _confirmed(user, result, icd10):
    r = step(user, result, "refer", referred_to="县人民医院", on=dt.date(2024, 5, 8))
    return step(user, r, "confirm", icd10=icd10, on=dt.date(2024, 5, 20))


def test_open_case_calls_health_and_records_the_case(positive, county, woman):
    from jkfp.health.models import SpecialCase

    _lifted_out(woman)
    r = _confirmed(county, positive, "C50.9")
    r = step(county, r, "open_case", on=dt.date(2024, 5, 21), hospital_name="宁夏医科大学总医院",
             comment="建议手术")
    case = SpecialCase.objects.get(person=woman)
    assert (r.stage, r.health_ref) == ("case_opened", f"case:{case.pk}")
    assert (case.found_via, case.source_ref, case.icd10, case.found_on, case.hospital_name) == (
        "screening", f"screening:{r.pk}", "C50.9", dt.date(2024, 5, 6), "宁夏医科大学总医院")
    last = ResultStep.objects.filter(result=r).order_by("-id").first()
    assert (last.step, last.from_stage, last.to_stage, last.comment) == (
        "open_case", "confirmed", "case_opened", "建议手术")


def test_a_case_health_refuses_leaves_the_result_as_it_was(positive, county, woman):
    from jkfp.health.models import SpecialCase

    r = _confirmed(county, positive, "C50.9")  # the person holds no eligible category
    before = counts() | {"cases": SpecialCase.objects.count()}
    with pytest.raises(DomainError) as exc:
        step(county, r, "open_case", on=dt.date(2024, 5, 21))
    assert exc.value.code == ErrorCode.CASE_NOT_ELIGIBLE
    assert counts() | {"cases": SpecialCase.objects.count()} == before
    r.refresh_from_db()
    assert (r.stage, r.health_ref) == ("confirmed", "")


def test_register_calls_health_with_the_confirmation(campaign, county, make_person):
    from jkfp.health.models import ChronicRegistration

    person = make_person(dt.date(1970, 2, 2))
    r = record(county, campaign, person, result="positive", finding="血压 168/102 mmHg")
    r = _confirmed(county, r, "I10")
    r = step(county, r, "register", on=dt.date(2024, 5, 22))
    reg = ChronicRegistration.objects.get(person=person)
    assert (r.stage, r.health_ref) == ("registered", f"chronic:{reg.pk}")
    assert (reg.icd10, reg.diagnosed_on, reg.confirmed_by, reg.registered_on) == (
        "I10", dt.date(2024, 5, 20), "县人民医院", dt.date(2024, 5, 22))


def test_a_registration_health_refuses_leaves_the_result_as_it_was(positive, county):
    r = _confirmed(county, positive, "S72.0")  # a fracture: no chronic disease of the catalog
    before = counts()
    with pytest.raises(DomainError) as exc:
        step(county, r, "register", on=dt.date(2024, 5, 22))
    assert exc.value.code == ErrorCode.DISEASE_NOT_IN_CATALOG
    assert counts() == before
