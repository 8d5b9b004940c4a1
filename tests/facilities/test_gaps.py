"""Gaps as spans: each requirement of 三个一/三合格 opening the day its supply ends and closing
the day it is supplied again (hand-made cases; the span arithmetic on its own)."""

import datetime as dt

import pytest

from jkfp.facilities import gaps, services
from jkfp.facilities.models import Gap, GapKind

D = dt.date
pytestmark = pytest.mark.django_db


def spans(kind, region=None, institution=None):
    qs = Gap.objects.filter(kind=kind)
    if region:
        qs = qs.filter(region_code=region)
    if institution:
        qs = qs.filter(institution=institution)
    return sorted(((g.opened_on, g.closed_on) for g in qs),
                  key=lambda s: (s[0], s[1] or dt.date.max))


def test_span_arithmetic():
    a = D(2020, 1, 1)
    assert gaps.union([(a, D(2020, 2, 1)), (D(2020, 1, 15), D(2020, 3, 1))]) == [(a, D(2020, 3, 1))]
    assert gaps.union([(a, D(2020, 2, 1)), (D(2020, 2, 1), None)]) == [(a, None)]
    assert gaps.minus((a, None), [(D(2020, 2, 1), D(2020, 3, 1))]) == [
        (a, D(2020, 2, 1)), (D(2020, 3, 1), None)]
    assert gaps.minus((a, D(2020, 2, 1)), [(a, None)]) == []
    assert gaps.minus((a, D(2020, 2, 1)), []) == [(a, D(2020, 2, 1))]
    assert gaps.intersect((a, None), (D(2019, 1, 1), D(2020, 1, 1))) is None


def test_clinic_without_doctor_is_a_gap_until_one_is_posted_and_again_when_he_leaves(
        county_health, clinic, doctor):
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == [(D(2019, 1, 1), None)]
    post = services.post_add(user=county_health, staff=doctor, institution=clinic,
                             start_date=D(2019, 3, 1))
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == [(D(2019, 1, 1), D(2019, 3, 1))]
    services.post_end(user=county_health, post=post, end_date=D(2021, 6, 30))
    # the gap opens the day he leaves
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == [
        (D(2019, 1, 1), D(2019, 3, 1)), (D(2021, 6, 30), None)]


def test_an_unqualified_person_does_not_fill_the_gap_but_a_certificate_does(
        county_health, clinic):
    nurse = services.staff_create(user=county_health, name="李护士", qualification="none",
                                  region_code="640323")
    services.post_add(user=county_health, staff=nurse, institution=clinic, start_date=D(2019, 1, 1))
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == [(D(2019, 1, 1), None)]
    services.staff_update(user=county_health, staff=nurse, expected_version=nurse.version,
                          name="李护士", qualification="village_doctor")
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == []


def test_village_served_by_a_neighbours_clinic_or_a_posted_doctor_is_not_a_gap(
        county_health, clinic, centre):
    neighbour = "640323100202"
    assert spans(GapKind.VILLAGE_NO_CLINIC, neighbour) == [(D(2019, 1, 1), None)]
    assert spans(GapKind.VILLAGE_NO_CLINIC, "640323100201") == []  # has its own clinic
    cov = services.coverage_add(user=county_health, institution=clinic, village_code=neighbour,
                                start_date=D(2020, 1, 1))
    assert spans(GapKind.VILLAGE_NO_CLINIC, neighbour) == [(D(2019, 1, 1), D(2020, 1, 1))]
    services.coverage_end(user=county_health, coverage=cov, end_date=D(2022, 1, 1))
    gp = services.staff_create(user=county_health, name="赵医生",
                               qualification="general_practitioner", region_code="640323")
    post = services.post_add(user=county_health, staff=gp, institution=centre,
                             start_date=D(2019, 1, 1))
    services.village_service_add(user=county_health, post=post, village_code=neighbour,
                                 mode="rotation", start_date=D(2022, 3, 1))
    assert spans(GapKind.VILLAGE_NO_CLINIC, neighbour) == [
        (D(2019, 1, 1), D(2020, 1, 1)), (D(2022, 1, 1), D(2022, 3, 1))]


def test_posted_qualified_doctor_covers_a_clinic_without_its_own(county_health, clinic, centre):
    gp = services.staff_create(user=county_health, name="孙医生",
                               qualification="licensed_doctor", region_code="640323")
    post = services.post_add(user=county_health, staff=gp, institution=centre,
                             start_date=D(2019, 1, 1))
    services.village_service_add(user=county_health, post=post, village_code=clinic.region_code,
                                 mode="posted", start_date=D(2019, 6, 1))
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == [(D(2019, 1, 1), D(2019, 6, 1))]
    # the centre has its licensed doctor from day one
    assert spans(GapKind.CENTRE_NO_DOCTOR, institution=centre) == []


def test_township_and_county_without_institutions(county_health, centre):
    assert spans(GapKind.TOWNSHIP_NO_CENTRE, "640323100") == []
    assert spans(GapKind.TOWNSHIP_NO_CENTRE, "640323101") == [(D(2019, 1, 1), None)]
    assert spans(GapKind.COUNTY_NO_HOSPITAL, "640323") == [(D(2019, 1, 1), None)]
    hosp = services.institution_create(user=county_health, kind="county_hospital",
                                       region_code="640323", name="盐池县人民医院",
                                       opened_on=D(2018, 5, 1), grade=2)
    assert spans(GapKind.COUNTY_NO_HOSPITAL, "640323") == []
    services.institution_update(user=county_health, institution=hosp,
                                expected_version=hosp.version, closed_on=D(2023, 1, 1))
    assert spans(GapKind.COUNTY_NO_HOSPITAL, "640323") == [(D(2023, 1, 1), None)]


def test_hospital_department_needs_a_licensed_doctor_in_it(county_health):
    hosp = services.institution_create(user=county_health, kind="county_hospital",
                                       region_code="640323", name="盐池县人民医院",
                                       opened_on=D(2019, 1, 1), grade=2)
    dept = services.department_add(user=county_health, institution=hosp, name="内科",
                                   opened_on=D(2019, 1, 1))
    other = services.department_add(user=county_health, institution=hosp, name="外科",
                                    opened_on=D(2019, 1, 1))
    doc = services.staff_create(user=county_health, name="周医生",
                                qualification="licensed_doctor", region_code="640323")
    services.post_add(user=county_health, staff=doc, institution=hosp, department=dept,
                      start_date=D(2020, 1, 1))
    assert spans(GapKind.DEPARTMENT_NO_DOCTOR, institution=hosp) == [
        (D(2019, 1, 1), D(2020, 1, 1)), (D(2019, 1, 1), None)]
    services.department_close(user=county_health, department=other, closed_on=D(2021, 1, 1))
    assert sorted(Gap.objects.filter(department=other).values_list("closed_on", flat=True)) == [
        D(2021, 1, 1)]


def test_gp_rule_applies_only_in_the_listed_counties(county_health, make_user):
    from jkfp.accounts.models import Department, Role
    cz = make_user("140403", Role.APPROVER, Department.HEALTH, username="cz_health")
    c = services.institution_create(user=cz, kind="township_centre", region_code="140403100",
                                    name="测试镇甲卫生院", opened_on=D(2019, 1, 1))
    assert spans(GapKind.CENTRE_NO_GP, institution=c) == []  # 140403 is not in the list
    rules = gaps.rules()
    assert "140403" not in rules.gp_counties and rules.gp_example
    yc = services.institution_create(user=county_health, kind="township_centre",
                                     region_code="640323100", name="花马池镇卫生院",
                                     opened_on=D(2019, 1, 1))
    assert spans(GapKind.CENTRE_NO_GP, institution=yc) == []


def test_back_dated_correction_removes_a_gap_that_no_longer_holds(county_health, clinic, doctor):
    post = services.post_add(user=county_health, staff=doctor, institution=clinic,
                             start_date=D(2019, 1, 1))
    services.post_end(user=county_health, post=post, end_date=D(2020, 1, 1))
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == [(D(2020, 1, 1), None)]
    other = services.staff_create(user=county_health, name="钱大夫",
                                  qualification="village_doctor", region_code="640323")
    services.post_add(user=county_health, staff=other, institution=clinic,
                      start_date=D(2020, 1, 1))
    assert spans(GapKind.CLINIC_NO_DOCTOR, institution=clinic) == []
    removed = Gap.history.filter(history_type="-", kind=GapKind.CLINIC_NO_DOCTOR)
    # the clinic's first gap went when its first doctor came; the second with the correction
    assert sorted(h.opened_on for h in removed) == [D(2019, 1, 1), D(2020, 1, 1)]


def test_rules_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "gaps.yaml"
    bad.write_text("watch_from: 2019-01-01\nqualified:\n  village_clinic: [wizard]\n"
                   "  township_centre: [licensed_doctor]\n  hospital_department: [licensed_doctor]\n"
                   "gp_in_every_centre:\n  counties: ['1404']\nextra: 1\n", encoding="utf-8")
    with pytest.raises(gaps.GapRulesError) as exc:
        gaps.load_rules(bad)
    msg = exc.value.message
    assert "第 3 行：未知的执业资格“wizard”" in msg
    assert "第 8 行：未知的键“extra”" in msg
    assert "须注明来源" in msg and "县级区划代码应为6位数字" in msg


def test_writes_in_a_deferred_block_give_the_gaps_of_the_same_writes_one_by_one(
        county_health, clinic, doctor):
    """`gaps_deferred` (the demo's many writes) computes the county's gaps once at its end:
    nothing is refreshed inside, and the result equals the writes refreshed one by one."""
    def writes():
        post = services.post_add(user=county_health, staff=doctor, institution=clinic,
                                 start_date=D(2019, 3, 1))
        services.post_end(user=county_health, post=post, end_date=D(2021, 6, 30))
        return post

    def rows():
        return sorted((g.kind, g.region_code, g.institution_id, g.department_id, g.opened_on,
                       g.closed_on) for g in Gap.objects.all())

    before = rows()
    post = writes()
    one_by_one = rows()
    assert one_by_one != before
    Gap.objects.all().delete()
    post.delete()
    with services.gaps_deferred():
        writes()
        assert rows() == []  # not refreshed inside the block
    assert rows() == one_by_one
