"""The indicators over institutions, gaps and warnings (decision 65), on a hand-built county.

盐池 (640323) as in tests/conftest.py: township 花马池 (640323100) with villages A and B,
township 大水坑 (640323101) with village C. No county hospital (a county gap from watch_from).
Clinic A (standardised) serves B too — B has no clinic of its own and no gap; its doctor
leaves on 1 July 2025 (a clinic gap opens). Clinic C is not standardised. Centre 花马池 has a
GP, centre 大水坑 a licensed doctor only; 640323 is taken as a poor county for the GP figure.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.facilities import gaps as facility_gaps
from jkfp.facilities import indicators as facility_indicators
from jkfp.facilities import services as fs
from jkfp.facilities.models import Gap
from jkfp.indicators import definitions
from jkfp.indicators.compute import padded
from jkfp.indicators.models import DirtyVillage, Figure
from jkfp.indicators.services import indicators_rebuild, indicators_refresh
from jkfp.monitoring import services as ms
from jkfp.monitoring.models import RiskWarning
from jkfp.regions.models import Region
from tests.conftest import OTHER_TOWNSHIP_VILLAGE as C
from tests.conftest import OTHER_VILLAGE_SAME_TOWNSHIP as B
from tests.conftest import VILLAGE as A
from tests.factories import HouseholdFactory

D = dt.date
TODAY = D(2026, 3, 1)
T1, T2, COUNTY = "640323100", "640323101", "640323"


def fig(ind: str, code: str, period: str) -> tuple[int, int] | None:
    f = Figure.objects.filter(indicator=ind, region_code=code, period=period).first()
    return None if f is None else (f.numerator, f.denominator)


@pytest.fixture
def county(make_user, monkeypatch):
    real = facility_gaps.load_rules()
    monkeypatch.setattr(facility_indicators, "rules",
                        lambda: type(real)(**{**real.__dict__, "gp_counties": frozenset({COUNTY})}))
    u = make_user(COUNTY, Role.APPROVER, Department.HEALTH, username="units_county")
    start = D(2019, 1, 1)

    def inst(kind, region, name, **kw):
        return fs.institution_create(user=u, kind=kind, region_code=region, name=name,
                                     opened_on=start, **kw)

    def staff(name, qual, where, end=None):
        s = fs.staff_create(user=u, name=name, qualification=qual, region_code=COUNTY)
        return fs.post_add(user=u, staff=s, institution=where, start_date=start, end_date=end)

    clinic_a = inst("village_clinic", A, "花一卫生室", standardised=True)
    fs.coverage_add(user=u, institution=clinic_a, village_code=B, start_date=start)
    clinic_c = inst("village_clinic", C, "坑一卫生室", standardised=False)
    centre1 = inst("township_centre", T1, "花马池镇卫生院", centre_standard="basic")
    centre2 = inst("township_centre", T2, "大水坑镇卫生院", centre_standard="basic")
    staff("甲", "village_doctor", clinic_a, end=D(2025, 7, 1))
    staff("乙", "village_doctor", clinic_c)
    staff("丙", "general_practitioner", centre1)
    staff("丁", "licensed_doctor", centre2)
    return {"user": u, "clinic_a": clinic_a, "centre1": centre1}


def other_townships() -> int:
    """The county's other townships (of the region table) have no centre: a gap each."""
    return Gap.objects.filter(kind="township_no_centre").exclude(
        region_code__in=[T1, T2]).count()


def test_the_county_s_gaps_are_as_built(county):
    got = sorted((g.kind, g.region_code, g.opened_on, g.closed_on)
                 for g in Gap.objects.exclude(kind="township_no_centre"))
    assert got == [("clinic_no_doctor", A, D(2025, 7, 1), None),
                   ("county_no_hospital", COUNTY, D(2019, 1, 1), None)]
    assert not Gap.objects.filter(region_code__in=[T1, T2]).exists()
    assert other_townships() > 0


def test_facility_gaps_counts_the_gaps_open_at_the_period_end(county):
    indicators_rebuild(years=[2025], today=TODAY)
    assert fig("facility_gaps", padded(COUNTY), "2025") == (1, 1)  # the county's own gap
    assert fig("facility_gaps", A, "2025") == (1, 1)
    assert fig("facility_gaps", A, "2025-06") is None           # the doctor still at post
    assert fig("facility_gaps", A, "2025Q3") == (1, 1)
    assert fig("facility_gaps", B, "2025") is None              # served by A's clinic: no gap
    assert fig("facility_gaps", T1, "2025") == (1, 1)
    n = other_townships()
    assert fig("facility_gaps", COUNTY, "2025") == (2 + n, 2 + n)
    assert fig("facility_gaps", COUNTY, "2025-06") == (1 + n, 1 + n)
    assert fig("facility_gaps", "6403", "2025") == (2 + n, 2 + n)


def test_a_gap_filled_in_october_is_not_counted_at_the_year_end(county):
    s = fs.staff_create(user=county["user"], name="戊", qualification="assistant_doctor",
                        region_code=COUNTY)
    fs.post_add(user=county["user"], staff=s, institution=county["clinic_a"],
                start_date=D(2025, 10, 1))
    indicators_rebuild(years=[2025], today=TODAY)
    assert fig("facility_gaps", A, "2025") == (0, 1)       # existed in the year, closed by its end
    assert fig("facility_gaps", A, "2025-09") == (1, 1)
    assert fig("facility_gaps", A, "2025-10") is None      # closed on its first day
    n = other_townships()
    assert fig("facility_gaps", COUNTY, "2025") == (1 + n, 2 + n)
    ind = definitions.current().indicators["facility_gaps"]
    assert ind.value(1, 2) == 1.0 and ind.meets(1.0) is False and ind.meets(0.0) is True


def test_village_clinics_standard_counts_each_clinic_once_in_its_own_village(county):
    indicators_rebuild(years=[2025], today=TODAY)
    assert fig("village_clinics_standard", A, "2025") == (1, 1)
    assert fig("village_clinics_standard", B, "2025") is None   # A's clinic is not B's as well
    assert fig("village_clinics_standard", C, "2025") == (0, 1)
    assert fig("village_clinics_standard", T1, "2025") == (1, 1)
    assert fig("village_clinics_standard", COUNTY, "2025") == (1, 2)


def test_gp_in_township_centres_of_the_poor_counties(county):
    indicators_rebuild(years=[2025], today=TODAY)
    assert fig("gp_in_township_centres", padded(T1), "2025") == (1, 1)
    assert fig("gp_in_township_centres", padded(T2), "2025") == (0, 1)
    assert fig("gp_in_township_centres", COUNTY, "2025") == (1, 2)
    assert fig("gp_in_township_centres", "14", "2025") is None


def _warning(village, *, found, due, decided=None, closed=None, status="found"):
    hh = HouseholdFactory(village_id=village)
    return RiskWarning.objects.create(
        rule_id="test", subject_kind="household", household=hh, region_code=village,
        period="2025", status=status, found_on=found, due_on=due, decided_on=decided,
        closed_on=closed, facts_hash="x")


def test_warnings_closed_in_time_by_their_due_day(county):
    _warning(A, found=D(2025, 3, 1), due=D(2025, 3, 16), decided=D(2025, 3, 16),
             status="dismissed")                                    # decided on the due day
    _warning(A, found=D(2025, 3, 10), due=D(2025, 3, 25), decided=D(2025, 4, 2),
             status="confirmed")                                    # late
    _warning(C, found=D(2025, 3, 21), due=D(2025, 4, 5))            # still open
    _warning(C, found=D(2025, 12, 20), due=D(2026, 1, 4), closed=D(2025, 12, 30),
             status="closed")                                       # due next year
    indicators_rebuild(years=[2025], today=TODAY)
    assert fig("warnings_closed_in_time", A, "2025-03") == (1, 2)
    assert fig("warnings_closed_in_time", C, "2025-04") == (0, 1)
    assert fig("warnings_closed_in_time", C, "2025") == (0, 1)
    assert fig("warnings_closed_in_time", COUNTY, "2025") == (1, 3)


def test_a_warning_not_yet_due_counts_only_once_handled(county):
    """On the day of the computation a warning whose deadline is still ahead has not missed
    it: it joins the denominator when it is decided or closed, or once its day has passed."""
    _warning(A, found=D(2025, 12, 20), due=D(2026, 3, 5))                  # still ahead
    _warning(A, found=D(2025, 12, 18), due=D(2026, 3, 3), decided=D(2026, 2, 20),
             status="confirmed")                                        # handled early
    _warning(A, found=D(2025, 12, 10), due=D(2026, 2, 25))                # missed
    indicators_rebuild(years=[2026], today=TODAY)
    assert fig("warnings_closed_in_time", A, "2026-03") == (1, 1)
    assert fig("warnings_closed_in_time", A, "2026-02") == (0, 1)
    assert fig("warnings_closed_in_time", A, "2026") == (1, 2)
    indicators_rebuild(years=[2026], today=D(2026, 3, 6))                 # its day has passed
    assert fig("warnings_closed_in_time", A, "2026-03") == (1, 2)
    assert fig("warnings_closed_in_time", A, "2026") == (1, 3)


def test_facility_writes_and_warning_steps_mark_their_figures(county, make_user,
                                                             django_capture_on_commit_callbacks):
    w = _warning(A, found=D(2025, 3, 1), due=D(2025, 3, 16), status="verified")
    indicators_rebuild(years=[2025], today=TODAY)
    DirtyVillage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        fs.post_end(user=county["user"], post=county["centre1"].posts.get(), end_date=D(2025, 5, 1))
    marked = set(DirtyVillage.objects.values_list("region_code", flat=True))
    assert {A, B, C, padded(T1), padded(T2), padded(COUNTY)} <= marked
    indicators_refresh(today=TODAY)
    assert fig("gp_in_township_centres", COUNTY, "2025") == (0, 2)
    assert fig("facility_gaps", padded(T1), "2025") == (1, 1)  # no licensed doctor left
    with django_capture_on_commit_callbacks(execute=True):
        rural = make_user(COUNTY, Role.APPROVER, Department.RURAL_REVITALISATION,
                          username="units_rural")
        ms.warning_dismiss(user=rural, warning=w, expected_version=w.version,
                           on_date=D(2025, 3, 12), reason="入户核实收入未超线")
    assert set(DirtyVillage.objects.values_list("region_code", flat=True)) == {A}
    indicators_refresh(today=TODAY)
    assert fig("warnings_closed_in_time", A, "2025") == (1, 1)
    refreshed = set(Figure.objects.values_list("indicator", "region_code", "period",
                                               "numerator", "denominator"))
    indicators_rebuild(years=[2025], today=TODAY)
    assert refreshed == set(Figure.objects.values_list("indicator", "region_code", "period",
                                                       "numerator", "denominator"))


def test_special_treatment_diseases_per_county_against_its_plan(regions):
    """盐池 uses the national list (25 diseases in 2019, 30 in 2020) and its own 37 from 2021 against the
    plan's 37; 长治's list has 38 against 38 + 7 = 45."""
    indicators_rebuild(years=[2019, 2020, 2025], today=TODAY)
    assert fig("special_treatment_diseases", padded("640323"), "2025") == (37, 37)
    assert fig("special_treatment_diseases", "640323", "2025") == (37, 37)
    assert fig("special_treatment_diseases", "640323", "2020") == (30, 37)
    assert fig("special_treatment_diseases", "640323", "2019") == (25, 37)  # 2019's list of 25
    assert fig("special_treatment_diseases", "140403", "2025-12") == (38, 45)
    n = Region.objects.filter(level="county", code__startswith="1404").count()
    assert fig("special_treatment_diseases", "1404", "2025") == (38 * n, 45 * n)
    ind = definitions.current().indicators["special_treatment_diseases"]
    assert ind.meets(ind.value(38, 45)) is False and ind.meets(ind.value(37, 37)) is True
