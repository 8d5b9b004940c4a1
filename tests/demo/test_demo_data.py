"""The demo-data generator: determinism, valid identities, households, categories, the load on
both databases, the demo accounts and `--if-empty`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from jkfp.accounts.models import Department, Role, User
from jkfp.categories import LEVEL, MONITORED
from jkfp.demo import load
from jkfp.demo.accounts import ACCOUNTS, PASSWORD
from jkfp.demo.requests import Actor
from jkfp.demo.services import MODELS, demo_data_load, demo_generate
from jkfp.regions.models import Region
from jkfp.regions.services import DATA_DIR
from jkfp.registry import idnumber, selectors, workflow
from jkfp.registry.models import (
    CategoryPeriod,
    ChangeRequest,
    ChangeRequestStep,
    Household,
    HouseholdIncome,
    Person,
    SupportMeasure,
)

AS_OF = dt.date(2026, 11, 1)
N = 4000
ACTORS = {"village_yc": Actor(6, "640323100201"), "township_yc": Actor(5, "640323100"),
          "county_yc": Actor(4, "640323")}
FIRST = dict.fromkeys(MODELS, 1)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def data():
    return demo_generate(persons=N, seed=11, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)


def rows(data, model) -> list[dict]:
    t = data.table(model)
    return [dict(zip(t.columns, r, strict=True)) for r in t.rows()]


def aliases() -> dict[str, str]:
    with open(DATA_DIR / "aliases.csv", encoding="utf-8") as fh:
        return {r["code"]: r["current"] for r in csv.DictReader(fh)}


# ------------------------------------------------------------------ pure generation
def test_same_seed_gives_identical_rows(data):
    again = demo_generate(persons=N, seed=11, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    assert again.regions == data.regions
    for a, b in zip(data.tables, again.tables, strict=True):
        assert a.model is b.model
        assert a.columns == b.columns, a.model.__name__
    other = demo_generate(persons=N, seed=12, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    assert other.table(Person).columns["id_number"] != data.table(Person).columns["id_number"]


def test_exactly_the_persons_asked_for(data):
    assert len(data.table(Person)) == N
    assert len(demo_generate(persons=7, seed=1, as_of=AS_OF, first_ids=FIRST,
                             actors={}).table(Person)) == 7


def test_every_id_number_is_valid_and_agrees_with_the_person(data):
    old = aliases()
    seen = set()
    for p in rows(data, Person):
        info = idnumber.parse(p["id_number"])
        assert info.number == p["id_number"]
        assert p["id_rev"] == p["id_number"][::-1]
        assert info.birth_date.isoformat() == p["birth_date"]
        assert info.sex == p["sex"]
        county = p["region_code"][:6]
        assert info.address_code == county or old.get(info.address_code) == county
        if info.address_code != county:
            assert info.birth_date.year <= 2018  # the old codes were issued before the reform
        assert p["id_number"] not in seen
        seen.add(p["id_number"])
    used = {p["id_number"][:6] for p in rows(data, Person)}
    assert used & set(old), "some older people of 长治 carry a historical county code"
    assert "640323" in used


def test_every_household_has_one_head_and_consistent_ages(data):
    persons = rows(data, Person)
    by_household = defaultdict(list)
    for p in persons:
        by_household[p["household_id"]].append(p)
    households = rows(data, Household)
    assert {h["id"] for h in households} == set(by_household)
    sizes = Counter()
    for h in households:
        members = by_household[h["id"]]
        heads = [p for p in members if p["relation"] == "head"]
        assert len(heads) == 1 and heads[0]["id"] == h["head_id"]
        assert all(p["region_code"] == h["region_code"] == h["village_id"] for p in members)
        assert h["household_number"].startswith(h["village_id"])
        sizes[len(members)] += 1
        born = {p["id"]: dt.date.fromisoformat(p["birth_date"]) for p in members}
        head_birth = born[h["head_id"]]
        for p in members:
            b = born[p["id"]]
            if p["relation"] in ("child", "grandchild"):
                assert (b - head_birth).days > 17 * 365, (p, heads[0])
            if p["relation"] == "parent":
                assert (head_birth - b).days > 17 * 365
            if p["relation"] == "grandchild":
                parents = [born[q["id"]] for q in members
                           if q["relation"] in ("child_in_law",)]
                assert all((b - pb).days > 17 * 365 for pb in parents)
    assert set(sizes) <= set(range(1, 8))
    assert max(sizes, key=sizes.get) in (3, 4)
    assert len({h["household_number"] for h in households}) == len(households)


def test_both_regions_are_well_represented(data):
    persons = rows(data, Person)
    yanchi = sum(p["region_code"].startswith("640323") for p in persons) / len(persons)
    assert 0.2 < yanchi < 0.4
    counties = {p["region_code"][:6] for p in persons}
    assert len(counties) == 13  # the 12 counties of 长治 and 盐池


def test_category_shares_are_plausible(data):
    households = rows(data, Household)
    persons = rows(data, Person)
    periods = rows(data, CategoryPeriod)
    n_h, n_p = len(households), len(persons)

    def share_h(cats, current=False):
        return len({p["household_id"] for p in periods if p["category"] in cats
                    and (not current or p["end_date"] is None)}) / n_h

    def share_p(cat):
        return len({p["person_id"] for p in periods if p["category"] == cat}) / n_p

    assert 0.05 < share_h({"registered_poor"}) < 0.25
    assert share_h({"registered_poor"}) == share_h({"lifted_out"})
    assert 0.01 < share_h({c.value for c in MONITORED}) < 0.10
    assert 0.005 < share_h({c.value for c in MONITORED}, current=True) < 0.06
    assert 0.01 < share_p("minimum_living") < 0.12
    assert 0 < share_p("extreme_poor") < 0.03
    assert 0 < share_p("illness_impoverished") < 0.03
    dead = sum(not p["alive"] for p in persons) / n_p
    assert 0.002 < dead < 0.03
    assert all(p["death_date"] for p in persons if not p["alive"])
    assert 0.2 < sum(bool(p["phone"]) for p in persons) / n_p < 0.7
    assert len(rows(data, HouseholdIncome)) == sum(h["ended_on"] is None for h in households)


def test_periods_are_consistent(data):
    persons = {p["id"]: p for p in rows(data, Person)}
    for p in rows(data, CategoryPeriod):
        level = LEVEL[p["category"]]
        if level == "household":
            assert p["household_id"] and p["person_id"] is None
        elif level == "person":
            assert p["person_id"] and p["household_id"] is None
        assert p["end_date"] is None or p["end_date"] >= p["start_date"]
        if p["category"] == "registered_poor":
            assert "2014-01-01" <= p["start_date"] and p["end_date"] <= "2020-12-31"
        if p["category"] == "lifted_out":
            assert 2014 <= p["exit_year"] <= 2020
            assert p["start_date"][:4] in (str(p["exit_year"]), str(p["exit_year"] + 1))
        if p["category"] in {c.value for c in MONITORED}:
            assert p["start_date"] >= "2021-01-01"
        if p["person_id"]:
            person = persons[p["person_id"]]
            if not person["alive"]:
                assert p["start_date"] <= person["death_date"]
                assert p["end_date"] and p["end_date"] <= person["death_date"]


def test_change_requests_follow_the_workflow(data):
    requests = rows(data, ChangeRequest)
    persons = rows(data, Person)
    steps = defaultdict(list)
    for s in rows(data, ChangeRequestStep):
        steps[s["request_id"]].append(s["step"])
    statuses = Counter(r["status"] for r in requests)
    for status in ("proposed", "notice", "township_approved", "approved"):
        assert statuses[status] >= 1, statuses
    expected = {"proposed": ["propose"], "notice": ["propose", "notice"],
                "township_approved": ["propose", "notice", "township_review"],
                "approved": ["propose", "notice", "township_review", "county_decision"],
                "withdrawn": ["propose", "withdraw"]}
    for r in requests:
        assert r["region_code"].startswith("640323100")
        if r["status"] in expected:
            assert steps[r["id"]] == expected[r["status"]]
        if r["notice_text"]:
            assert r["notice_end"] > r["notice_start"]
            members = [p for p in persons if p["household_id"] == r["household_id"]]
            assert members
            for p in members:  # no ID or phone numbers in a public notice
                assert p["id_number"][-6:] not in r["notice_text"]
                assert not p["phone"] or p["phone"][-4:] not in r["notice_text"]
            assert r["reason"] not in r["notice_text"]  # nor the health condition
        assert r["created_by_id"] in (ACTORS["village_yc"].id, ACTORS["township_yc"].id)
    periods = {p["id"]: p for p in rows(data, CategoryPeriod)}
    for r in requests:
        if r["status"] == "approved" and r["action"] == "exit":
            assert periods[r["period_id"]]["end_date"] == r["effective_date"]


def test_no_actors_no_requests():
    d = demo_generate(persons=500, seed=1, as_of=AS_OF, first_ids=FIRST, actors={})
    assert len(d.table(ChangeRequest)) == 0 and len(d.table(ChangeRequestStep)) == 0


# ------------------------------------------------------------------ load (SQLite and PostgreSQL)
def run(*args) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out, verbosity=0)
    return out.getvalue()


def test_command_loads_what_the_generator_makes(db):
    output = run("--persons", "3000", "--seed", "5", "--as-of", "2026-11-01")
    assert Person.objects.count() == 3000
    assert "3000 人" in output and PASSWORD in output
    users = {u.username: u for u in User.objects.all()}
    actors = {k: Actor(u.pk, u.region_code) for k, u in users.items()}
    first = dict.fromkeys(MODELS, 1)
    expected = demo_generate(persons=3000, seed=5, as_of=AS_OF, first_ids=first, actors=actors)
    for model in (Person, Household, CategoryPeriod, ChangeRequest):
        t = expected.table(model)
        assert model.objects.count() == len(t)
    db_people = list(Person.objects.order_by("id").values_list("id", "id_number", "name",
                                                               "household_id", "birth_date"))
    gen = expected.table(Person).columns
    assert db_people == [(i, n, nm, h, dt.date.fromisoformat(b)) for i, n, nm, h, b in
                         zip(gen["id"], gen["id_number"], gen["name"], gen["household_id"],
                             gen["birth_date"], strict=True)]
    # heads point at persons of their household, after the load
    assert not Household.objects.exclude(head__household_id=F("id")).exists()
    assert Household.objects.filter(head__relation="head").count() == Household.objects.count()


def test_generated_regions_are_flagged(db):
    run("--persons", "300", "--seed", "2")
    villages = Region.objects.filter(level="village")
    assert villages.exists() and not villages.filter(is_generated=False).exists()
    cz_townships = Region.objects.filter(level="township", code__startswith="1404")
    assert cz_townships.count() == 149 and not cz_townships.filter(is_generated=False).exists()
    assert all(Region.objects.filter(level="village", code__startswith=t.code).exists()
               for t in Region.objects.filter(level="township"))
    yanchi = Region.objects.filter(level="township", code__startswith="640323")
    assert yanchi.count() == 9 and not yanchi.filter(is_generated=True).exists()
    assert Region.objects.get(code="640323100201").display_name.endswith("（演示）")
    for code in Household.objects.values_list("village_id", flat=True).distinct():
        assert len(code) == 12


def test_demo_accounts_have_their_scope(db):
    run("--persons", "300", "--seed", "2")
    for a in ACCOUNTS:
        u = User.objects.get(username=a.username)
        assert u.region_id == a.region and u.department == a.department and u.role == a.role
        assert u.is_superuser == a.superuser and u.is_staff == a.superuser
        assert u.check_password(PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.region_id is None and admin.role == Role.ADMIN
    assert User.objects.get(username="city_wz").department == Department.RURAL_REVITALISATION
    # the scoped selectors give each their region only
    county_cz = User.objects.get(username="county_cz")
    assert selectors.person_scope(user=county_cz).exists()
    assert not selectors.person_scope(user=county_cz).exclude(
        region_code__startswith="140403").exists()
    village = User.objects.get(username="village_yc")
    assert set(selectors.household_list(user=village).values_list("village_id", flat=True)) \
        == {"640323100201"}


def test_in_flight_requests_reach_the_inboxes_and_exits_meet_the_rules(db):
    run("--persons", "6000", "--seed", "3")
    township = User.objects.get(username="township_yc")
    county = User.objects.get(username="county_yc")
    village = User.objects.get(username="village_yc")
    today = dt.date(2026, 11, 1)
    assert selectors.change_request_inbox(user=village, today=today).exists()
    assert selectors.change_request_inbox(user=township, today=today).filter(
        status="notice").exists()                       # notice over, waiting for review
    assert ChangeRequest.objects.filter(status="notice", notice_end__gte=today).exists()
    assert selectors.change_request_inbox(user=county, today=today).exists()
    for cr in ChangeRequest.objects.filter(action="exit").select_related("period", "household"):
        if cr.status in ("proposed", "notice", "township_approved"):
            assert workflow.exit_rule_violations(period=cr.period, household=cr.household,
                                                 on=cr.effective_date) == []
    linked = CategoryPeriod.objects.filter(change_request__isnull=False)
    assert linked.exists()
    assert all(p.change_request.status == "approved" and p.created_by_id == county.pk
               for p in linked.select_related("change_request"))


def test_monitored_exits_have_support_measures(db):
    run("--persons", "6000", "--seed", "3")
    monitored = [c.value for c in MONITORED]
    ended = CategoryPeriod.objects.filter(category__in=monitored, end_date__isnull=False)
    assert ended.exists()
    for p in ended.exclude(end_reason__in=["死亡", "家庭户注销"]):
        assert SupportMeasure.objects.filter(household_id=p.household_id,
                                             start_date__lte=p.end_date).exists()
        assert (p.end_date - p.start_date).days >= 182


def test_if_empty_skips_generation_but_keeps_the_accounts(db):
    run("--persons", "500", "--seed", "4")
    n = Person.objects.count()
    User.objects.filter(username="city_cz").delete()
    output = run("--persons", "500", "--seed", "4", "--if-empty")
    assert Person.objects.count() == n
    assert "跳过" in output and "city_cz" in output
    assert User.objects.filter(username="city_cz").exists()
    with pytest.raises(CommandError):
        run("--persons", "500", "--seed", "4")


def test_no_accounts_means_no_requests(db):
    output = run("--persons", "500", "--seed", "4", "--no-accounts")
    assert not User.objects.exists()
    assert not ChangeRequest.objects.exists()
    assert "jkfp-demo-2026" not in output


def test_sequences_continue_after_the_demo(db):
    run("--persons", "300", "--seed", "2")
    top = Person.objects.order_by("-id").values_list("id", flat=True).first()
    hh = Household.objects.first()
    p = Person.objects.create(id_number=idnumber.make("640323", dt.date(1990, 1, 1), 999),
                              id_rev="x", name="新", sex="M", birth_date=dt.date(1990, 1, 1),
                              household=hh, relation="child", region_code=hh.region_code)
    assert p.pk > top


def _schema():
    with connection.cursor() as cur:
        if connection.vendor != "postgresql":
            cur.execute("""SELECT type, name, sql FROM sqlite_master
                           WHERE tbl_name LIKE 'registry_%' ORDER BY 1, 2""")
            return cur.fetchall()
        cur.execute("""SELECT tablename, indexname, indexdef FROM pg_indexes
                       WHERE tablename LIKE 'registry_%%' ORDER BY 1, 2""")
        idx = cur.fetchall()
        cur.execute("""SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                       FROM pg_constraint WHERE conrelid::regclass::text LIKE 'registry_%%'
                       ORDER BY 1, 2""")
        return idx, cur.fetchall()


def test_bulk_load_leaves_the_schema_as_it_was(db, monkeypatch):
    """On PostgreSQL big loads drop and re-create indexes and constraints (as pg_restore does);
    on SQLite they are kept. Either way the schema must be the same afterwards."""
    schema = _schema
    before = schema()
    monkeypatch.setattr(load, "REBUILD_MIN_ROWS", 1)
    result = demo_data_load(persons=2000, seed=9, as_of=AS_OF)
    rebuilt = result.timings.get("rebuild", 0) > 0
    assert rebuilt == (connection.vendor == "postgresql")
    assert schema() == before
    assert Person.objects.count() == 2000
