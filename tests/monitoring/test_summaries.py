"""The overview's counts of warnings come from summaries kept with every write (decision 62):
after random sequences of scans, pushes and lifecycle steps the summaries equal a recount of the
warnings, the overview read from them equals the live count, and a rebuild changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from jkfp.errors import DomainError, ValidationErrors
from jkfp.monitoring import scan, selectors, services
from jkfp.monitoring.models import RiskWarning
from jkfp.monitoring.summaries import BY_STATUS, CLOSED_YEAR, UNVERIFIED_DUE
from jkfp.summaries.selectors import summary_rows
from jkfp.summaries.services import summary_rebuild
from tests.factories import HouseholdFactory

from .helpers import period, stay

pytestmark = pytest.mark.django_db
SUMMARIES = (BY_STATUS, UNVERIFIED_DUE, CLOSED_YEAR)


def _recount(d) -> dict:
    return {(r["_region"], str(r["_key"])): r["_n"] for r in d.source()}


def _assert_summaries_equal_a_recount(*users):
    for d in SUMMARIES:
        assert summary_rows(name=d.name) == _recount(d), d.name
    for u in users:
        assert selectors.overview_counts(user=u) == selectors.overview_counts_live(user=u)


def _step(cadre, kind: str, w: RiskWarning, today: dt.date) -> None:
    w.refresh_from_db()
    common = {"user": cadre, "warning": w, "expected_version": w.version}
    try:
        if kind == "verify":
            services.warning_verify(**common, visited_on=today, visited_by="王干部",
                                    findings="入户核实")
        elif kind == "confirm":
            services.warning_confirm(**common, on_date=today, reason="属实")
        elif kind == "dismiss":
            services.warning_dismiss(**common, on_date=today, reason="已有其他保障")
        elif kind == "act":
            services.warning_act(**common, on_date=today, action_kind="support_measure",
                                 description="医疗救助")
        elif kind == "close":
            services.warning_close(**common, on_date=today, comment="办结")
    except (DomainError, ValidationErrors):
        pass  # a step out of order is refused and changes nothing


#: the next step of a warning's life by its status (verified: confirm, or dismiss if asked)
NEXT = {"pushed": "verify", "confirmed": "act", "acted": "close", "dismissed": "close"}


def _advance(cadre, w: RiskWarning, dismiss: bool, today: dt.date) -> None:
    kind = ("dismiss" if dismiss else "confirm") if w.status == "verified" else NEXT.get(w.status)
    if kind:
        _step(cadre, kind, w, today)


_ops = st.lists(st.one_of(
    st.tuples(st.just("stay"), st.integers(0, 2), st.integers(100_000, 900_000),
              st.integers(0, 200), st.booleans()),
    st.tuples(st.just("push")),
    st.tuples(st.just("advance"), st.integers(0, 30), st.booleans()),
    st.tuples(st.sampled_from(["verify", "confirm", "dismiss", "act", "close"]),
              st.integers(0, 30))), min_size=1, max_size=25)
# the medical-cost warning of the first household followed to its end, reopened by a new stay
# (facts changed), pushed again, dismissed and closed; a step out of order on the way
_LIFE = [("stay", 0, 900_000, 3, True), ("push",), ("close", 0), *[("advance", 0, False)] * 4,
         ("stay", 0, 100_000, 2, False), ("push",), ("advance", 0, True), ("advance", 0, True),
         ("advance", 0, True), ("stay", 1, 500_000, 1, True)]


@hsettings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=_ops)
@example(ops=_LIFE)
def test_summaries_equal_a_recount_after_scans_and_steps(cadre, county_rr, regions, ops):
    today = timezone.localdate()
    jan1 = dt.date(today.year, 1, 1)
    households = [HouseholdFactory() for _ in range(3)]
    for hh in households:
        period(household=hh)
    statuses: set[str] = set()
    for op in ops:
        if op[0] == "stay":
            _, which, fen, back, full = op
            hh = households[which]
            stay(hh.head, county_rr, discharge=max(jan1, today - dt.timedelta(days=back)),
                 self_pay_fen=fen)
            if full:
                scan.full_scan(user=county_rr, region_code="640323", on_date=today)
            else:
                scan.check_after(household_ids=[hh.pk], on_date=today)
        elif op[0] == "push":
            services.push_found(user_or_none=None, region_code="640323", on_date=today)
        else:
            mine = list(RiskWarning.objects.filter(household__in=households)
                        .order_by("rule_id", "id"))
            if not mine:
                continue
            w = mine[op[1] % len(mine)]
            if op[0] == "advance":
                _advance(cadre, w, op[2], today)
            else:
                _step(cadre, op[0], w, today)
        statuses.update(RiskWarning.objects.filter(household__in=households)
                        .values_list("status", flat=True))
        _assert_summaries_equal_a_recount(cadre, county_rr)
    if ops == _LIFE:  # the example went through every status
        assert statuses >= {"found", "pushed", "verified", "confirmed", "acted", "closed",
                            "dismissed"}
    before = {d.name: summary_rows(name=d.name) for d in SUMMARIES}
    summary_rebuild(names=[d.name for d in SUMMARIES])
    assert {d.name: summary_rows(name=d.name) for d in SUMMARIES} == before


def test_the_overview_counts_overdue_by_the_date_without_a_write(cadre, county_rr, regions):
    from .factories import make_warning

    today = timezone.localdate()
    hh = HouseholdFactory()
    make_warning(hh, found_on=today - dt.timedelta(days=16))  # due yesterday: overdue
    make_warning(hh, rule_id="not_enrolled", found_on=today - dt.timedelta(days=15))  # due today
    counts = selectors.overview_counts(user=county_rr)
    assert (counts["to_verify"], counts["overdue"], counts["open"]) == (2, 1, 2)
    assert counts == selectors.overview_counts_live(user=county_rr)
    assert summary_rows(name=UNVERIFIED_DUE.name) == {
        (hh.region_code, str(today - dt.timedelta(days=1))): 1, (hh.region_code, str(today)): 1}


def test_closed_this_year_and_the_summary_rebuild_command(cadre, county_rr, regions):
    from django.core.management import call_command

    from .factories import make_warning

    today = timezone.localdate()
    w = make_warning(HouseholdFactory())
    services.push_found(user_or_none=None, region_code="640323", on_date=today)
    for kind in ("verify", "dismiss", "close"):
        _step(cadre, kind, w, today)
    w.refresh_from_db()
    assert w.status == "closed"
    assert selectors.overview_counts(user=county_rr)["closed_this_year"] == 1
    assert summary_rows(name=CLOSED_YEAR.name) == {(w.region_code, str(today.year)): 1}
    before = {d.name: summary_rows(name=d.name) for d in SUMMARIES}
    call_command("summary", "rebuild", *[d.name for d in SUMMARIES], stdout=open("/dev/null", "w"))
    assert {d.name: summary_rows(name=d.name) for d in SUMMARIES} == before


def test_the_migration_fills_the_summaries_of_an_existing_database(cadre, county_rr, regions):
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    from .factories import make_warning

    today = timezone.localdate()
    hh = HouseholdFactory()
    closed = make_warning(hh)
    make_warning(hh, rule_id="not_enrolled", found_on=today - dt.timedelta(days=20))
    services.push_found(user_or_none=None, region_code="640323", on_date=today)
    for kind in ("verify", "dismiss", "close"):
        _step(cadre, kind, closed, today)
    before = {d.name: summary_rows(name=d.name) for d in SUMMARIES}
    assert before[CLOSED_YEAR.name] and before[UNVERIFIED_DUE.name]
    fill = importlib.import_module("jkfp.monitoring.migrations.0003_fill_warning_summaries")
    editor = SimpleNamespace(connection=connection)
    fill.empty(None, editor)
    assert all(summary_rows(name=d.name) == {} for d in SUMMARIES)
    fill.fill(None, editor)
    assert {d.name: summary_rows(name=d.name) for d in SUMMARIES} == before
