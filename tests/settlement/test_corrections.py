"""A stay entered late, a corrected stay and a reversal re-settle the person's year in
admission order; the old statements are kept, superseded, with the difference per tier.

The figures are computed by hand from the shipped 盐池 2018-2020 parameters (county hospital,
grade 2): basic insurance pays 75 % of the in-policy cost above a deductible of 400 yuan per
stay (200 from the year's second stay on); critical-illness insurance pays 60 % of what is left
in policy above a deductible of 9,000 yuan a year (general residents); for registered-poor
patients the county guarantee keeps the self-pay of a stay at 10 % of its cost and of the year
at 5,000 yuan.
"""

import datetime as dt

import pytest

from jkfp.errors import DomainError, ErrorCode
from jkfp.settlement import selectors, services
from jkfp.settlement.models import HospitalStay, Statement, StatementStatus

from .test_services import settle

MARCH, JUNE = dt.date(2019, 3, 1), dt.date(2019, 6, 1)


def test_a_late_stay_resettles_the_later_stay_to_the_fen(settler, household):
    person = household.head  # a general resident: basic and critical-illness insurance only
    june = settle(settler, person, JUNE, "40000", "40000")
    # alone: basic (40,000 − 400) × 0.75 = 29,700; left 10,300, CI (10,300 − 9,000) × 0.6 = 780
    assert june.tier_amounts == {
        "basic": 2970000,
        "critical_illness": 78000,
        "medical_assistance": 0,
        "guarantee": 0,
    }
    assert june.self_pay_fen == 4000000 - 2970000 - 78000 == 952000
    march = settle(settler, person, MARCH, "20000", "20000")  # entered late: admitted earlier
    # march: basic (20,000 − 400) × 0.75 = 14,700; left 5,300, all of it CI deductible
    assert march.tier_amounts["basic"] == 1470000 and march.tier_amounts["critical_illness"] == 0
    assert march.self_pay_fen == 530000
    june.refresh_from_db()
    assert june.status == StatementStatus.SUPERSEDED and june.superseded_by_id is not None
    new = june.superseded_by
    # now the year's second stay: basic (40,000 − 200) × 0.75 = 29,850; left 10,150; CI
    # deductible still to bear 9,000 − 5,300 = 3,700 → (10,150 − 3,700) × 0.6 = 3,870
    assert new.tier_amounts["basic"] == 2985000
    assert new.tier_amounts["critical_illness"] == 387000
    assert new.self_pay_fen == 4000000 - 2985000 - 387000 == 628000
    assert new.accumulators_after["stays"] == 2
    assert new.accumulators_after["self_pay_fen"] == 530000 + 628000
    assert new.stay_id == june.stay_id and new.operation == march.operation
    assert "补录" in new.reason and "按入院顺序重算" in new.reason
    diff = {r.key: r.change_fen for r in selectors.statement_difference(statement=new).rows}
    assert diff == {
        "basic": 15000,
        "critical_illness": 309000,
        "medical_assistance": 0,
        "guarantee": 0,
        "reimbursed": 324000,
        "self_pay": -324000,
    }
    assert Statement.objects.count() == 3  # the superseded one is kept


def test_a_late_stay_of_a_poor_patient_moves_the_years_guarantee(settler, poor_household):
    person = poor_household.head
    june = settle(settler, person, JUNE, "40000", "36000")
    assert june.self_pay_fen == 400000  # 10 % of 40,000
    march = settle(settler, person, MARCH, "20000", "18000")
    assert march.self_pay_fen == 200000  # 10 % of 20,000
    new = Statement.objects.get(stay=june.stay, status=StatementStatus.CURRENT)
    assert new.self_pay_fen == 300000  # the year's 5,000 less March's 2,000
    assert new.reimbursed_fen == 3700000
    rows = selectors.statement_difference(statement=new).rows
    assert {r.key: r.change_fen for r in rows}["self_pay"] == -100000
    assert sum(r.change_fen for r in rows if r.key not in ("reimbursed", "self_pay")) == 100000


def test_a_correction_resettles_the_stay_and_the_later_ones(settler, household):
    person = household.head
    march = settle(settler, person, MARCH, "20000", "20000")
    june = settle(settler, person, JUNE, "40000", "40000")
    assert june.self_pay_fen == 628000  # as in the first test, after March
    new_march = services.stay_correct(
        user=settler,
        stay=march.stay,
        reason="发票金额录入错误",
        total_cost="12000.50",
        in_policy_cost="10000",
    )
    # March: basic (10,000 − 400) × 0.75 = 7,200; CI deductible borne 2,800; out of policy 2,000.50
    assert new_march.tier_amounts["basic"] == 720000
    assert new_march.self_pay_fen == 1200050 - 720000 == 480050
    assert new_march.reason == "更正：发票金额录入错误"
    march.refresh_from_db()
    assert march.status == StatementStatus.SUPERSEDED and march.superseded_by == new_march
    new_june = Statement.objects.get(stay=june.stay, status=StatementStatus.CURRENT)
    # June: basic 29,850; left 10,150; CI deductible to bear 9,000 − 2,800 = 6,200 → 3,950 × 0.6
    assert new_june.tier_amounts["critical_illness"] == 237000
    assert new_june.self_pay_fen == 4000000 - 2985000 - 237000
    stay = HospitalStay.objects.get(pk=march.stay_id)
    assert stay.total_fen == 1200050 and stay.in_policy_fen == 1000000
    last = stay.history.first()
    assert last.history_user == settler and last.history_change_reason == "更正：发票金额录入错误"
    assert Statement.history.filter(id=march.pk, history_user=settler).exists()


def test_a_correction_that_changes_nothing_of_the_later_bill_keeps_it(settler, household):
    person = household.head
    march = settle(settler, person, MARCH, "20000", "20000")
    june = settle(settler, person, JUNE, "40000", "40000")
    services.stay_correct(
        user=settler, stay=march.stay, reason="医院名称更正", hospital_name="盐池县中医医院"
    )
    june.refresh_from_db()
    assert june.status == StatementStatus.CURRENT  # the same bill: not re-issued
    assert Statement.objects.filter(stay=march.stay).count() == 2


def test_a_correction_into_another_year_resettles_both(settler, household):
    person = household.head
    march = settle(settler, person, MARCH, "20000", "20000")
    june = settle(settler, person, JUNE, "40000", "40000")
    moved = services.stay_correct(
        user=settler,
        stay=march.stay,
        reason="入院日期录错年份",
        admission_date=dt.date(2018, 3, 1),
        discharge_date=dt.date(2018, 3, 10),
    )
    assert moved.year == 2018 and moved.accumulators_after["stays"] == 1
    alone = Statement.objects.get(stay=june.stay, status=StatementStatus.CURRENT)
    assert alone.self_pay_fen == 952000 and alone.accumulators_after["stays"] == 1


def test_a_reversal_keeps_the_stay_and_resettles_the_year(settler, household):
    person = household.head
    march = settle(settler, person, MARCH, "20000", "20000")
    june = settle(settler, person, JUNE, "40000", "40000")
    with pytest.raises(DomainError) as exc:
        services.statement_reverse(user=settler, statement=march, reason="  ")
    assert exc.value.code == ErrorCode.REASON_REQUIRED
    reversed_ = services.statement_reverse(user=settler, statement=march, reason="重复登记")
    assert reversed_.status == StatementStatus.REVERSED
    assert reversed_.reversed_by == settler and reversed_.reverse_reason == "重复登记"
    assert reversed_.reversed_at is not None
    assert HospitalStay.objects.filter(pk=march.stay_id).exists()
    alone = Statement.objects.get(stay=june.stay, status=StatementStatus.CURRENT)
    assert alone.self_pay_fen == 952000  # June settled as the year's only stay again
    june.refresh_from_db()
    assert june.superseded_by == alone and "冲销" in alone.reason
    with pytest.raises(DomainError) as exc:
        services.statement_reverse(user=settler, statement=reversed_, reason="再次冲销")
    assert exc.value.code == ErrorCode.STATEMENT_NOT_CURRENT
    with pytest.raises(DomainError) as exc:
        services.stay_correct(user=settler, stay=march.stay, reason="x", hospital_name="某院")
    assert exc.value.code == ErrorCode.STATEMENT_NOT_CURRENT
    # the reversed stay no longer blocks its dates: it may be entered again
    again = settle(settler, person, MARCH, "20000", "20000")
    assert again.is_current and again.self_pay_fen == 530000


def test_a_failing_resettlement_writes_nothing(settler, household):
    person = household.head
    settle(settler, person, MARCH, "20000", "20000")
    june = settle(settler, person, JUNE, "40000", "40000")
    before = (
        HospitalStay.objects.count(),
        Statement.objects.count(),
        HospitalStay.history.count(),
        Statement.history.count(),
    )
    with pytest.raises(DomainError) as exc:  # the stay is saved, then no regime settles 2010
        services.stay_correct(
            user=settler,
            stay=june.stay,
            reason="日期更正",
            admission_date=dt.date(2010, 6, 1),
            discharge_date=dt.date(2010, 6, 10),
        )
    assert exc.value.code == ErrorCode.POLICY_NOT_FOUND
    assert (
        HospitalStay.objects.count(),
        Statement.objects.count(),
        HospitalStay.history.count(),
        Statement.history.count(),
    ) == before
    june.refresh_from_db()
    assert june.is_current and june.stay.admission_date == JUNE
    with pytest.raises(DomainError) as exc:
        services.stay_correct(user=settler, stay=june.stay, reason="长" * 201, total_cost="1")
    assert exc.value.code == ErrorCode.INVALID and exc.value.field == "reason"


# ---------------------------------------------------------------- overlapping stays
@pytest.mark.parametrize(
    ("adm", "dis", "overlaps"),
    [
        (dt.date(2019, 3, 5), dt.date(2019, 3, 7), True),  # inside
        (dt.date(2019, 2, 25), dt.date(2019, 3, 2), True),  # over the admission
        (dt.date(2019, 3, 1), dt.date(2019, 3, 10), True),  # the same dates
        (dt.date(2019, 3, 10), dt.date(2019, 3, 20), False),  # a transfer on the discharge day
        (dt.date(2019, 2, 20), dt.date(2019, 3, 1), False),  # discharged the day it begins
    ],
)
def test_overlapping_stays_are_refused(settler, household, adm, dis, overlaps):
    person = household.head
    settle(settler, person, MARCH, "1000", "900")  # 2019-03-01 to 2019-03-10
    if overlaps:
        with pytest.raises(DomainError) as exc:
            settle(settler, person, adm, "500", "500", discharge_date=dis)
        assert exc.value.code == ErrorCode.STAY_OVERLAP and exc.value.field == "admission_date"
        assert HospitalStay.objects.count() == 1
    else:
        settle(settler, person, adm, "500", "500", discharge_date=dis)
        assert HospitalStay.objects.count() == 2


def test_a_correction_into_an_overlap_is_refused(settler, household):
    person = household.head
    settle(settler, person, MARCH, "1000", "900")
    june = settle(settler, person, JUNE, "1000", "900")
    with pytest.raises(DomainError) as exc:
        services.stay_correct(
            user=settler, stay=june.stay, reason="日期更正", admission_date=dt.date(2019, 3, 9)
        )
    assert exc.value.code == ErrorCode.STAY_OVERLAP
    june.refresh_from_db()
    assert june.is_current and june.stay.admission_date == JUNE


def test_a_correction_from_a_stale_read_keeps_the_one_made_meanwhile(settler, household):
    st = settle(settler, household.head, MARCH, "20000", "20000")
    stale = HospitalStay.objects.get(pk=st.stay_id)  # read by a second clerk
    services.stay_correct(
        user=settler, stay=st.stay, reason="医院名称更正", hospital_name="盐池县中医医院"
    )
    services.stay_correct(user=settler, stay=stale, reason="金额更正", total_cost="21000")
    stay = HospitalStay.objects.get(pk=st.stay_id)
    assert stay.hospital_name == "盐池县中医医院" and stay.total_fen == 2100000
