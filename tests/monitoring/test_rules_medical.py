"""The medical-cost rules at their boundaries (issue 11, Tests)."""

import datetime as dt

import pytest

from jkfp.monitoring import scan
from jkfp.monitoring.models import RiskWarning, WarningStep
from tests.factories import HouseholdFactory, PersonFactory

from .helpers import HALF_2024, INCOME_2023_FEN, imported, period, stay

ON = dt.date(2024, 12, 31)
pytestmark = pytest.mark.django_db


@pytest.fixture
def lifted(regions):
    hh = HouseholdFactory()
    period(household=hh)
    return hh.head


def _scan(user, **kw):
    return scan.full_scan(user=user, region_code="640323", on_date=kw.pop("on", ON), **kw)


def _warnings(rule):
    return list(RiskWarning.objects.filter(rule_id=rule))


def test_exactly_half_is_not_over_and_one_fen_more_is(users, lifted):
    stay(lifted, users["county"], discharge=dt.date(2024, 5, 1), self_pay_fen=HALF_2024)
    _scan(users["county"], rules=["medical_cost_return"])
    assert _warnings("medical_cost_return") == []
    imported(lifted, discharge=dt.date(2024, 6, 1), personal_fen=1, visit="outpatient")
    _scan(users["county"], rules=["medical_cost_return"])
    [w] = _warnings("medical_cost_return")
    assert (w.amount_fen, w.threshold_fen) == (HALF_2024 + 1, HALF_2024)
    assert w.status == "found" and w.period == "2024" and w.person_id == lifted.pk
    assert w.due_on == ON + dt.timedelta(days=15)
    assert w.departments == ["civil_affairs", "rural_revitalisation"]
    assert w.uses_examples  # the incomes are example values
    assert w.evidence["income_yuan"] == 17772 and w.evidence["income_year"] == 2023
    assert sorted(i["fen"] for i in w.evidence["items"]) == [1, HALF_2024]
    [step] = WarningStep.objects.filter(warning=w)
    assert (step.step, step.to_status, step.user_id) == ("found", "found", users["county"].pk)


def test_december_and_january_stays_fall_in_their_own_years(users, lifted):
    stay(lifted, users["county"], discharge=dt.date(2023, 12, 31), self_pay_fen=HALF_2024)
    stay(lifted, users["county"], discharge=dt.date(2024, 1, 1), self_pay_fen=HALF_2024,
         admission=dt.date(2023, 12, 31) + dt.timedelta(days=0))
    _scan(users["county"], rules=["medical_cost_return"])
    assert _warnings("medical_cost_return") == []  # 888,600 in each year, over in neither
    stay(lifted, users["county"], discharge=dt.date(2024, 3, 1), self_pay_fen=1)
    _scan(users["county"], rules=["medical_cost_return"])
    assert [w.amount_fen for w in _warnings("medical_cost_return")] == [HALF_2024 + 1]


def test_an_imported_and_a_jkfp_settled_stay_count_once_the_imported_figure(users, lifted):
    s = stay(lifted, users["county"], discharge=dt.date(2024, 4, 1), self_pay_fen=HALF_2024)
    imported(lifted, discharge=s.discharge_date, personal_fen=HALF_2024 + 1, stay=s)
    _scan(users["county"], rules=["medical_cost_return"])
    [w] = _warnings("medical_cost_return")
    assert w.amount_fen == HALF_2024 + 1  # not 2 × 888,600: the platform's figure, once
    assert [i["kind"] for i in w.evidence["items"]] == ["imported"]


def test_a_voided_import_and_a_replaced_statement_do_not_count(users, lifted):
    s = stay(lifted, users["county"], discharge=dt.date(2024, 4, 1), self_pay_fen=100)
    imported(lifted, discharge=s.discharge_date, personal_fen=HALF_2024 * 2, stay=s, voided=True)
    stay(lifted, users["county"], discharge=dt.date(2024, 5, 1), self_pay_fen=HALF_2024,
         status="superseded")
    _scan(users["county"], rules=["medical_cost_return"])
    assert _warnings("medical_cost_return") == []


def test_household_rule_sums_the_members_person_rule_does_not(users, lifted, settings, tmp_path):
    other = PersonFactory(household=lifted.household)
    stay(lifted, users["county"], discharge=dt.date(2024, 4, 1), self_pay_fen=HALF_2024)
    stay(other, users["county"], discharge=dt.date(2024, 5, 1), self_pay_fen=1)
    _scan(users["county"], rules=["medical_cost_return"])
    assert _warnings("medical_cost_return") == []
    text = (settings.JKFP_POLICIES_DIR / "monitoring" / "64.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "monitoring"
    folder.mkdir()
    (folder / "64.yaml").write_text(text.replace("level: person", "level: household", 1),
                                    encoding="utf-8")
    (folder / "incomes.yaml").write_text(
        (settings.JKFP_POLICIES_DIR / "monitoring" / "incomes.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    settings.JKFP_MONITORING_DIR = str(folder)
    _scan(users["county"], rules=["medical_cost_return"])
    [w] = _warnings("medical_cost_return")
    assert (w.subject_kind, w.person_id, w.household_id) == ("household", None, lifted.household_id)
    assert w.amount_fen == HALF_2024 + 1


def test_fall_rule_watches_everyone_at_the_full_income(users, regions):
    anyone = HouseholdFactory().head  # no category at all
    stay(anyone, users["county"], discharge=dt.date(2024, 4, 1), self_pay_fen=INCOME_2023_FEN)
    _scan(users["county"], rules=["medical_cost_fall", "medical_cost_return"])
    assert _warnings("medical_cost_fall") == [] and _warnings("medical_cost_return") == []
    imported(anyone, discharge=dt.date(2024, 8, 1), personal_fen=1, visit="outpatient")
    _scan(users["county"], rules=["medical_cost_fall", "medical_cost_return"])
    assert [w.amount_fen for w in _warnings("medical_cost_fall")] == [INCOME_2023_FEN + 1]
    assert _warnings("medical_cost_return") == []  # not lifted out nor monitored


def test_a_cleared_monitoring_period_is_not_watched(users, regions):
    hh = HouseholdFactory()
    period(household=hh, category="marginal", start=dt.date(2023, 1, 1),
           end=dt.date(2024, 6, 30), end_way="aided")
    stay(hh.head, users["county"], discharge=dt.date(2024, 4, 1), self_pay_fen=HALF_2024 + 1)
    _scan(users["county"], rules=["medical_cost_return"])
    assert _warnings("medical_cost_return") == []  # risk cleared before the scan date
    _scan(users["county"], rules=["medical_cost_return"], on=dt.date(2024, 6, 30))
    assert len(_warnings("medical_cost_return")) == 1


def test_projected_cost_warns_before_the_crossing_and_explains(users, lifted):
    # 300,000 fen by 30 June (182 days): × 366 / 182 ≈ 603,296 — not yet over 888,600
    stay(lifted, users["county"], discharge=dt.date(2024, 6, 1), self_pay_fen=300_000)
    _scan(users["county"], rules=["projected_cost"], on=dt.date(2024, 6, 30))
    assert _warnings("projected_cost") == []
    imported(lifted, discharge=dt.date(2024, 6, 30), personal_fen=150_000, visit="outpatient")
    _scan(users["county"], rules=["projected_cost"], on=dt.date(2024, 6, 30))
    [w] = _warnings("projected_cost")
    assert w.evidence["so_far_fen"] == 450_000 and w.evidence["days_elapsed"] == 182
    assert w.amount_fen == 450_000 * 366 // 182 and w.amount_fen > w.threshold_fen == HALF_2024
    assert "外推" in w.evidence["explanation"]
    # the next day the figures move but the facts (the expenses) are the same: no new step
    _scan(users["county"], rules=["projected_cost"], on=dt.date(2024, 7, 1))
    assert WarningStep.objects.filter(warning=w).count() == 1
