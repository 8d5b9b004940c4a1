"""The demo's platform settlement records: one per stay discharged in the previous year, linked
to it, settled fund by fund as jkfp did except for a few with a difference that the record
itself balances; one applied batch per county, and the difference report finds them."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from jkfp.demo.services import demo_data_load, demo_generate
from jkfp.exchange.models import Batch
from jkfp.settlement.differences import FUNDS, difference_totals, differences
from jkfp.settlement.models import ExternalSettlement, HospitalStay, Statement

from .test_demo_data import ACTORS, AS_OF, FIRST, N, rows


@pytest.fixture(scope="module")
def data():
    return demo_generate(persons=N, seed=11, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)


def test_one_record_per_stay_of_last_year_settled_as_ours_or_balanced(data):
    stays = {s["id"]: s for s in rows(data, HospitalStay)}
    statements = {s["stay_id"]: s for s in rows(data, Statement)}
    records = rows(data, ExternalSettlement)
    year = str(AS_OF.year - 1)
    assert sorted(r["stay_id"] for r in records) == sorted(
        pk for pk, s in stays.items() if s["discharge_date"].startswith(year))
    assert records, "the demo has stays last year"
    differing = 0
    for r in records:
        s, st = stays[r["stay_id"]], statements[r["stay_id"]]
        assert (r["person_id"], r["admission_date"], r["discharge_date"], r["total_fen"]) == (
            s["person_id"], s["admission_date"], s["discharge_date"], s["total_fen"])
        funds = json.loads(st["fund_amounts"])
        ours = {f[2]: sum(int(funds.get(x, 0)) for x in f[3]) for f in FUNDS}
        theirs = {f[2]: r[f[2]] for f in FUNDS}
        assert min(theirs.values()) >= 0 and r["personal_fen"] >= 0
        assert r["fund_total_fen"] == sum(theirs.values())
        # the record balances itself, to the fen: funds + personal share = ours
        assert r["fund_total_fen"] + r["personal_fen"] == sum(ours.values()) + st["self_pay_fen"]
        if theirs != ours:
            differing += 1
            delta = theirs["basic_fen"] - ours["basic_fen"]
            assert delta == st["self_pay_fen"] - r["personal_fen"] != 0
            assert {k: v for k, v in theirs.items() if k != "basic_fen"} == {
                k: v for k, v in ours.items() if k != "basic_fen"}
        else:
            assert r["personal_fen"] == st["self_pay_fen"]
    assert 0 < differing < 0.1 * len(records)
    batches = {b["id"]: b for b in rows(data, Batch) if b["kind"] == "insurance_settlements"}
    per_batch = Counter(r["batch_id"] for r in records)
    assert set(per_batch) == set(batches)
    for pk, b in batches.items():
        assert b["state"] == "applied"
        assert json.loads(b["summary"])["rows"] == per_batch[pk]
        mine = sorted(r["batch_line"] for r in records if r["batch_id"] == pk)
        assert mine == list(range(2, 2 + len(mine)))  # the file's lines below its header
        assert {r["county_code"] for r in records if r["batch_id"] == pk} == {b["region_code"]}


@pytest.mark.django_db
def test_the_loaded_demo_shows_its_differences(data):
    demo_data_load(persons=N, seed=11, as_of=AS_OF)
    from jkfp.accounts.models import User

    admin = User.objects.get(username="admin")
    found = differences(user=admin, year=AS_OF.year - 1)
    records = ExternalSettlement.objects.filter(discharge_date__year=AS_OF.year - 1)
    assert records.count() > 0
    totals = difference_totals(found)
    assert totals.count == records.count()
    assert 0 < totals.differing < totals.count
    # what the platform paid more from the basic fund, the persons paid less: to the fen
    assert totals.diff["basic"] == -totals.diff["personal"]
