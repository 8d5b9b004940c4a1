"""Every indicator on the hand-computed region of conftest.py (2025)."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.indicators.models import Figure
from jkfp.indicators.services import indicators_rebuild
from tests.conftest import OTHER_VILLAGE_SAME_TOWNSHIP as B
from tests.conftest import VILLAGE as A

TODAY = dt.date(2026, 3, 1)  # the whole of 2025 is past


def fig(ind: str, code: str, period: str) -> tuple[int, int] | None:
    f = Figure.objects.filter(indicator=ind, region_code=code, period=period).first()
    return None if f is None else (f.numerator, f.denominator)


@pytest.fixture
def built(world):
    indicators_rebuild(years=[2025], today=TODAY)
    return world


def test_insurance_coverage_the_poor_on_the_last_day_living(built):
    # A: p1, p2 (p3 died in June, p6's risk cleared in March); numerator p1
    assert fig("insurance_coverage_poor", A, "2025") == (1, 2)
    # the mover counts where she lives: village B
    assert fig("insurance_coverage_poor", B, "2025") == (1, 1)
    # May: p3 still alive on 31 May
    assert fig("insurance_coverage_poor", A, "2025-05") == (2, 3)
    # March: p6 still monitored on 31 March
    assert fig("insurance_coverage_poor", A, "2025-03") == (2, 4)
    assert fig("insurance_coverage_poor", A, "2025Q2") == (1, 2)  # 30 June: p3 died that day


def test_rollups_are_sums_of_villages(built):
    for code in ("640323100", "640323", "6403", "64"):
        assert fig("insurance_coverage_poor", code, "2025") == (2, 3)
    assert fig("insurance_coverage_poor", "14", "2025") is None


def test_contract_signed_on_31_december_counts_for_december_only(built):
    assert fig("contract_coverage_poor", A, "2025-11") == (1, 2)
    assert fig("contract_coverage_poor", A, "2025-12") == (2, 2)
    assert fig("contract_coverage_poor", A, "2025Q4") == (2, 2)
    assert fig("contract_coverage_poor", A, "2025") == (2, 2)


def test_inpatient_coverage_ratio_to_the_fen(built):
    # in-province stays of the living poor: p1's county stay only (p3 died; outside excluded)
    assert fig("inpatient_coverage_ratio_poor", A, "2025") == (900_000, 1_000_000)
    # February: p3 alive on 28 February
    assert fig("inpatient_coverage_ratio_poor", A, "2025-02") == (190_000, 200_000)


def test_self_pay_share_and_county_treatment_rate(built):
    assert fig("self_pay_share_poor", A, "2025") == (300_000, 1_500_000)
    assert fig("county_treatment_rate", A, "2025") == (1, 2)
    assert fig("county_treatment_rate", A, "2025-02") == (1, 1)
    assert fig("county_treatment_rate", A, "2025-05") is None  # no stay in May


def test_standard_management_needs_four_face_to_face_visits(built):
    # p1: 4 clinic visits → standard; p2: 2 → managed only; both contracted in the year
    assert fig("standard_management_hypertension", A, "2025") == (1, 2)
    # up to 30 June (contracts' status of the year evaluated on the period's last day): p1 has 2
    # of the year's 4 visits, not yet standard; p2 is not contracted before December
    assert fig("standard_management_hypertension", A, "2025Q2") == (0, 1)


def test_treatment_progress_and_categories(built):
    assert fig("treatment_progress", A, "2025") == (2, 2)
    assert fig("insurance_coverage_minimum_living", A, "2025") == (1, 1)
    assert fig("insurance_coverage_minimum_living", A, "2025-05") is None  # year only


def test_a_period_not_begun_is_not_computed(world):
    indicators_rebuild(years=[2025], today=dt.date(2025, 5, 15))
    assert fig("insurance_coverage_poor", A, "2025-05") is not None
    assert fig("insurance_coverage_poor", A, "2025-06") is None
