"""The demo's enrolment lists: every person alive and born on the 1st of January of the previous
and the current year is on their county's list of that year, most of them insured."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from jkfp.demo.services import demo_generate
from jkfp.exchange.models import Batch, Enrolment
from jkfp.registry.models import Person

from .test_demo_data import ACTORS, AS_OF, FIRST, N, rows


@pytest.fixture(scope="module")
def data():
    return demo_generate(persons=N, seed=11, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)


def test_every_listed_person_once_a_year_in_their_countys_applied_batch(data):
    persons = {p["id"]: p for p in rows(data, Person)}
    enrolments = rows(data, Enrolment)
    batches = {b["id"]: b for b in rows(data, Batch)}
    for year in (AS_OF.year - 1, AS_OF.year):
        jan1 = dt.date(year, 1, 1).isoformat()
        expected = {pid for pid, p in persons.items() if p["birth_date"] <= jan1
                    and (p["death_date"] is None or p["death_date"] > jan1)}
        got = [e["person_id"] for e in enrolments if e["year"] == year]
        assert sorted(got) == sorted(expected)  # once each, nobody else
    per_batch = Counter(e["batch_id"] for e in enrolments)
    for e in enrolments:
        b = batches[e["batch_id"]]
        assert (b["kind"], b["state"], b["region_code"]) == (
            "enrolment", "applied", e["region_code"][:6])
        assert e["region_code"] == persons[e["person_id"]]["region_code"]
    for pk, b in batches.items():
        if b["kind"] == "enrolment":  # the platform's records' batches: test_demo_platform
            assert json.loads(b["summary"])["rows"] == per_batch[pk]
    assert len({(b["region_code"], b["file_name"]) for b in batches.values()}) == len(batches)
    insured = sum(e["status"] == "insured" for e in enrolments) / len(enrolments)
    assert 0.97 < insured < 0.995
    assert {e["status"] for e in enrolments} == {"insured", "not_insured"}
