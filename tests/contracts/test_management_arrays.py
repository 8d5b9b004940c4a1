"""`management_arrays.status_masks` (decision 103: the status on every month's last day as bit
masks counted in NumPy) equals `management.status_rows` run once per day, on random
registrations and visits of every disease (gaps, doses, deaths, ends, registrations in the
middle of the year), read through each of its sources (the registration table, a table of
persons, a table of registrations)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection

from jkfp.contracts import management, management_arrays
from jkfp.health.models import ChronicRegistration

from .test_management import D, patient, reg, visit
from .test_management import member as member  # noqa: F401  (the fixture)

MONTH_ENDS = [D(2025, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 12)] + [D(2025, 12, 31)]


def by_cuts(ends, year=2025, registrations=..., persons=None, table=None):
    """{(registration, cut index): (deceased, managed, standard)} read from the masks."""
    if registrations is ...:
        registrations = ChronicRegistration.objects.all()
    with connection.cursor() as cur:
        m = management_arrays.status_masks(cur, registrations, year=year, ends=ends,
                                           persons=persons, table=table)
    out = {}
    for k, rid in enumerate(m.rid):
        for i in range(len(ends)):
            bit = 1 << i
            if m.cm[k] & bit:
                out[(int(rid), i)] = (int(not m.lm[k] & bit), int(bool(m.mm[k] & bit)),
                                      int(bool(m.sm[k] & bit)))
    return out


def by_days(ends, year=2025):
    out = {}
    for i, on in enumerate(ends):
        for s in management.status_rows(ChronicRegistration.objects.all(), year=year, on=on):
            out[(s.registration_id, i)] = (int(s.deceased), int(s.managed), int(s.standard))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_cuts_equal_one_query_per_day(member, seed):  # noqa: F811
    rnd = random.Random(seed)
    diseases = ["hypertension", "diabetes_type2", "tuberculosis", "severe_mental_disorder"]
    for _ in range(40):
        death = D(2025, rnd.randint(1, 12), rnd.randint(1, 28)) if rnd.random() < 0.15 else None
        person = patient(death=death)
        registered = D(rnd.choice([2023, 2024, 2025, 2025]), rnd.randint(1, 12),
                       rnd.randint(1, 28))
        ended = (registered + dt.timedelta(days=rnd.randint(30, 500))
                 if rnd.random() < 0.15 else None)
        r = reg(rnd.choice(diseases), registered=registered, person=person, ended=ended)
        day = registered - dt.timedelta(days=rnd.randint(0, 60))
        for _ in range(rnd.randint(0, 9)):
            day += dt.timedelta(days=rnd.randint(1, 100))
            due = rnd.randint(0, 30)
            visit(r, day, member, way=rnd.choice(["clinic", "home", "phone"]),
                  systolic=130, diastolic=80, fasting_glucose=Decimal("6.5"),
                  risk_level=rnd.choice([None, 0, 1]), doses_due=due,
                  doses_taken=rnd.randint(0, due))
    expected = by_days(MONTH_ENDS)
    assert by_cuts(MONTH_ENDS) == expected
    assert set(expected.values()) >= {(0, 1, 1), (0, 1, 0), (0, 0, 0)}
    some = [MONTH_ENDS[2], D(2025, 7, 15), MONTH_ENDS[11]]
    assert by_cuts(some) == by_days(some)


def test_a_table_of_persons_limits_the_registrations_as_a_filter_does(member):  # noqa: F811
    """The indicators' refresh reads the status through its table of the scope's persons
    (`persons=`, registrations None) instead of filtering the registrations by person."""
    rnd = random.Random(4)
    people = []
    for i in range(12):
        death = D(2025, rnd.randint(1, 12), 10) if i % 4 == 0 else None
        person = patient(death=death)
        people.append(person)
        r = reg(rnd.choice(["hypertension", "tuberculosis"]), person=person,
                registered=D(2025, rnd.randint(1, 6), 1))
        day = r.registered_on
        for _ in range(rnd.randint(0, 6)):
            day += dt.timedelta(days=rnd.randint(20, 120))
            visit(r, day, member, way=rnd.choice(["clinic", "phone"]), systolic=130,
                  diastolic=80, doses_due=10, doses_taken=rnd.randint(0, 10))
    chosen = [p.pk for p in people[::2]]
    marks = ", ".join(["%s"] * len(chosen))
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE ind3_scope AS SELECT id, alive, death_date FROM "
                    f"registry_person WHERE id IN ({marks})", chosen)
        # a refresh's table of its persons' registrations (`indicators.yearly.Year`)
        cur.execute("CREATE TEMP TABLE ind3_regs AS SELECT id, person_id, disease_code, "
                    "registered_on, ended_on FROM health_chronicregistration WHERE "
                    f"person_id IN ({marks})", chosen)
    try:
        got = by_cuts(MONTH_ENDS, registrations=None, persons="ind3_scope")
        through_table = by_cuts(MONTH_ENDS, registrations=None, persons="ind3_scope",
                                table="ind3_regs")
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE ind3_scope")
            cur.execute("DROP TABLE ind3_regs")
    expected = by_cuts(MONTH_ENDS, registrations=ChronicRegistration.objects.filter(
        person_id__in=chosen))
    assert got == expected and len({rid for rid, _ in got}) == len(chosen)
    assert through_table == expected
    ids = set(ChronicRegistration.objects.filter(person_id__in=chosen).values_list("pk",
                                                                                 flat=True))
    assert expected == {k: v for k, v in by_days(MONTH_ENDS).items() if k[0] in ids}
