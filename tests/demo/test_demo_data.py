"""The demo-data generator: determinism, valid identities, households, categories, hospital
stays and their statements, the load on both databases, the demo accounts and `--if-empty`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from jkfp.accounts.models import Department, Role, User
from jkfp.admission import rules
from jkfp.admission import selectors as admission_selectors
from jkfp.admission.models import ChangeRequest, ChangeRequestStep
from jkfp.categories import LEVEL, MONITORED
from jkfp.demo import load, stays
from jkfp.demo.accounts import ACCOUNTS, PASSWORD
from jkfp.demo.requests import Actor
from jkfp.demo.services import MODELS, demo_data_load, demo_generate
from jkfp.policy.stay import settle_stay
from jkfp.policy.stay_input import Stay
from jkfp.regions.models import Region
from jkfp.regions.services import DATA_DIR
from jkfp.registry import idnumber, selectors
from jkfp.registry.models import CategoryPeriod, Household, HouseholdIncome, Person, SupportMeasure
from jkfp.settlement import selectors as settlement_selectors
from jkfp.settlement import services as settlement
from jkfp.settlement.models import HospitalStay, Statement

AS_OF = dt.date(2026, 11, 1)
N = 4000
ACTORS = {"village_yc": Actor(6, "640323100201"), "township_yc": Actor(5, "640323100"),
          "county_yc": Actor(4, "640323"), "admin": Actor(1, "")}
JSON_COLUMNS = ("tier_amounts", "accumulators_after", "detail")
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
        # without a township data-entry actor the township proposes for the other villages
        assert r["created_by_id"] in (ACTORS["village_yc"].id, ACTORS["township_yc"].id)
    periods = {p["id"]: p for p in rows(data, CategoryPeriod)}
    for r in requests:
        if r["status"] == "approved" and r["action"] == "exit":
            assert periods[r["period_id"]]["end_date"] == r["effective_date"]


def test_no_actors_no_requests():
    d = demo_generate(persons=500, seed=1, as_of=AS_OF, first_ids=FIRST, actors={})
    assert len(d.table(ChangeRequest)) == 0 and len(d.table(ChangeRequestStep)) == 0
    assert len(d.table(HospitalStay)) == 0 and len(d.table(Statement)) == 0


# ------------------------------------------------------------------ hospital stays
def statements(data) -> list[dict]:
    out = rows(data, Statement)
    for s in out:
        for c in JSON_COLUMNS:
            s[c] = json.loads(s[c])
    return out


def held_on(periods, person: dict, on: str) -> list[str]:
    """The categories a person holds on a day, read from the generated period rows."""
    held = {p["category"] for p in periods
            if (p["person_id"] == person["id"] or p["household_id"] == person["household_id"])
            and p["start_date"] <= on and (p["end_date"] is None or p["end_date"] >= on)}
    return sorted(held) or ["general"]


def test_stays_exist_with_plausible_shares(data):
    persons = {p["id"]: p for p in rows(data, Person)}
    hs = rows(data, HospitalStay)
    assert len(hs) == len(rows(data, Statement)) > 0.15 * N
    with_stays = {s["person_id"] for s in hs}
    assert 0.08 < len(with_stays) / N < 0.4
    per_year = Counter((s["person_id"], s["admission_date"][:4]) for s in hs)
    assert set(per_year.values()) <= {1, 2, 3} and 2 in per_year.values()

    def rate(select) -> float:
        chosen = [p for p in persons.values() if select(p)]
        return sum(p["id"] in with_stays for p in chosen) / len(chosen)
    assert rate(lambda p: p["birth_date"] < "1950") > 2 * rate(
        lambda p: "1985" < p["birth_date"] < "2005")
    locations = Counter(s["location"] for s in hs)
    assert 0.6 < locations["county"] / len(hs) < 0.8 and locations["outside"] > 0
    assert {s["hospital_grade"] for s in hs} == {0, 1, 2, 3}
    for s in hs:
        assert 0.79 <= s["in_policy_fen"] / s["total_fen"] <= 0.95
        assert 30_000 <= s["total_fen"] <= 60_000_000
        assert s["hospital_name"].endswith(("人民医院", "中医医院", "卫生院", "社区卫生服务中心"))
        if s["location"] == "county":
            assert s["hospital_name"].startswith(("盐池县", "潞州区", "上党区", "屯留区", "潞城区",
                                                  "襄垣县", "平顺县", "黎城县", "壶关县", "长子县",
                                                  "武乡县", "沁县", "沁源县"))
    categories = Counter(s["category"] for s in hs)
    assert categories["general"] > len(hs) / 2 and len(categories) > 3
    # the vulnerable are admitted more often than others of the same age
    periods = rows(data, CategoryPeriod)
    vulnerable = {p["person_id"] for p in periods if p["category"] in
                  ("minimum_living", "extreme_poor", "illness_impoverished")}
    assert rate(lambda p: p["id"] in vulnerable) > rate(lambda p: p["id"] not in vulnerable)


def test_stays_fall_where_a_regime_is_in_force_and_in_the_persons_life(data):
    persons = {p["id"]: p for p in rows(data, Person)}
    for s in rows(data, HospitalStay):
        p = persons[s["person_id"]]
        first, last = (2019, 2025) if p["region_code"].startswith("640323") else (2019, 2020)
        assert first <= int(s["admission_date"][:4]) <= last
        assert p["birth_date"] < s["admission_date"] <= s["discharge_date"] < AS_OF.isoformat()
        if not p["alive"]:
            assert s["discharge_date"] <= p["death_date"]


def test_stays_are_ordered_and_statements_chain_their_accumulators(data):
    by_person = defaultdict(list)
    hs = {s["id"]: s for s in rows(data, HospitalStay)}
    for st in statements(data):
        by_person[st["person_id"]].append((hs[st["stay_id"]], st))
    chained = 0
    for items in by_person.values():
        assert [s["id"] for s, _ in items] == sorted(s["id"] for s, _ in items)
        prev_stay, prev = None, None
        for stay, st in items:  # in id order = admission order
            assert st["year"] == int(stay["admission_date"][:4])
            before = st["detail"]["accumulators_before"]
            if prev is not None:
                assert prev_stay["discharge_date"] < stay["admission_date"]  # no overlap
            if prev is not None and prev["year"] == st["year"]:
                chained += 1
                assert st["accumulators_after"]["stays"] == prev["accumulators_after"]["stays"] + 1
                assert before["stays"] == prev["accumulators_after"]["stays"]
                assert before["self_pay"] == f"{prev['accumulators_after']['self_pay_fen'] / 100:.2f}"
            else:
                assert before["stays"] == 0 and st["accumulators_after"]["stays"] == 1
            acc = st["accumulators_after"]
            assert acc["year"] == st["year"]
            assert acc["self_pay_fen"] == st["self_pay_fen"] + (
                prev["accumulators_after"]["self_pay_fen"]
                if prev is not None and prev["year"] == st["year"] else 0)
            prev_stay, prev = stay, st
    assert chained > 10


def test_every_statement_is_what_the_engine_gives_for_its_stay(data):
    """Recomputed here, as stay_settle does it: each category held on the admission day settled
    with the accumulators of the person's previous statement of the year, the lowest self-pay
    applied; then compared to the fen and the stored explanation."""
    persons = {p["id"]: p for p in rows(data, Person)}
    periods = rows(data, CategoryPeriod)
    hs = {s["id"]: s for s in rows(data, HospitalStay)}
    policies = settlement.policy_set()
    last: dict[tuple[int, int], dict] = {}
    several = 0
    for st in statements(data):
        stay = hs[st["stay_id"]]
        person = persons[st["person_id"]]
        on = stay["admission_date"]
        held = held_on(periods, person, on)
        several += len(held) > 1
        prev = last.get((person["id"], st["year"]))
        before = settlement.accumulators_from_json(prev["accumulators_after"]) if prev else None
        best = None
        for c in held:
            engine_stay = Stay.create(
                stay_id="", person_id=str(person["id"]), county_code=person["region_code"][:6],
                category=c, hospital_grade=stay["hospital_grade"], location=stay["location"],
                referred=stay["referred"], admission_date=dt.date.fromisoformat(on),
                discharge_date=dt.date.fromisoformat(stay["discharge_date"]),
                total_cost=f"{stay['total_fen'] / 100:.2f}",
                in_policy_cost=f"{stay['in_policy_fen'] / 100:.2f}")
            result = settle_stay(engine_stay, policies=policies, accumulators=before)
            if best is None or result.self_pay_fen < best[1].self_pay_fen:
                best = (c, result)
        category, result = best
        assert stay["category"] == category
        assert st["reimbursed_fen"] == result.reimbursed_fen
        assert st["self_pay_fen"] == result.self_pay_fen
        assert st["reimbursed_fen"] + st["self_pay_fen"] == stay["total_fen"]
        assert st["tier_amounts"] == {t.tier_id: t.amount_fen for t in result.tiers}
        assert st["accumulators_after"] == settlement.accumulators_to_json(
            result.accumulators_after)
        assert st["policy"] == result.regime_label
        assert st["deposit_waived"] == result.deposit_waived
        assert st["uses_examples"] == result.uses_examples
        expected = result.as_dict() | {"stay_id": str(stay["id"]), "categories_held": held,
                                       "category_applied": category}
        assert st["detail"] == expected
        last[(person["id"], st["year"])] = st
    assert several > 10  # the choice between categories was exercised
    policies_used = Counter(st["policy"].split("@")[0] for st in statements(data))
    assert set(policies_used) == {"changzhi-2019-2020", "yanchi-2018-2020", "yanchi-2021-2025"}


def test_stays_and_statements_are_in_the_persons_scope(data):
    persons = {p["id"]: p for p in rows(data, Person)}
    hs = {s["id"]: s for s in rows(data, HospitalStay)}
    for st in statements(data):
        region = persons[st["person_id"]]["region_code"]
        stay = hs[st["stay_id"]]
        assert st["region_code"] == stay["region_code"] == region
        assert stay["county_code"] == region[:6] and stay["person_id"] == st["person_id"]
        creator = (ACTORS["village_yc"] if region == ACTORS["village_yc"].region_code
                   else ACTORS["township_yc"] if region.startswith("640323100")
                   else ACTORS["admin"])
        assert st["created_by_id"] == stay["created_by_id"] == creator.id
        assert stay["created_at"] == st["created_at"]
        assert stay["created_at"].date().isoformat() == stay["discharge_date"]


def test_stays_can_be_left_out():
    d = demo_generate(persons=500, seed=1, as_of=AS_OF, first_ids=FIRST, actors=ACTORS,
                      stays=False)
    assert len(d.table(HospitalStay)) == 0 and len(d.table(Statement)) == 0
    with_stays = demo_generate(persons=500, seed=1, as_of=AS_OF, first_ids=FIRST,
                               actors=ACTORS)
    for model in MODELS[:MODELS.index(HospitalStay)]:  # the registry is the same
        assert d.table(model).columns == with_stays.table(model).columns


def test_big_runs_scale_the_stays_down(monkeypatch):
    full = demo_generate(persons=3000, seed=2, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    assert full.stays_scale == 1.0 and full.stays_expected < stays.MAX_STAYS
    monkeypatch.setattr(stays, "MAX_STAYS", full.stays_expected / 4)
    small = demo_generate(persons=3000, seed=2, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    assert small.stays_scale == pytest.approx(0.25)
    assert 0.15 < len(small.table(HospitalStay)) / len(full.table(HospitalStay)) < 0.35


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
    for model in (Person, Household, CategoryPeriod, ChangeRequest, HospitalStay, Statement):
        t = expected.table(model)
        assert model.objects.count() == len(t)
    assert f"{len(expected.table(HospitalStay))} 次住院" in output
    # the statements read back through the ORM as they were generated (JSON included)
    gen = expected.table(Statement).columns
    db_statements = list(Statement.objects.order_by("id").values_list(
        "id", "stay_id", "region_code", "self_pay_fen", *JSON_COLUMNS))
    assert db_statements == [
        (i, s, r, f, *(json.loads(c) for c in js)) for i, s, r, f, *js in zip(
            gen["id"], gen["stay_id"], gen["region_code"], gen["self_pay_fen"],
            *(gen[c] for c in JSON_COLUMNS), strict=True)]
    gen_stays = expected.table(HospitalStay).columns
    assert list(HospitalStay.objects.order_by("id").values_list(
        "id", "admission_date", "total_fen", "category", "created_by_id")) == [
        (i, dt.date.fromisoformat(a), t, c, u) for i, a, t, c, u in zip(
            gen_stays["id"], gen_stays["admission_date"], gen_stays["total_fen"],
            gen_stays["category"], gen_stays["created_by_id"], strict=True)]
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
    assert admission_selectors.change_request_inbox(user=village, today=today).exists()
    assert admission_selectors.change_request_inbox(user=township, today=today).filter(
        status="notice").exists()                       # notice over, waiting for review
    assert ChangeRequest.objects.filter(status="notice", notice_end__gte=today).exists()
    assert admission_selectors.change_request_inbox(user=county, today=today).exists()
    for cr in ChangeRequest.objects.filter(action="exit").select_related("period", "household"):
        if cr.status in ("proposed", "notice", "township_approved"):
            assert rules.exit_rule_violations(period=cr.period, household=cr.household,
                                                 on=cr.effective_date) == []
    # four eyes: nobody reviewed or decided a request they proposed
    from jkfp.admission.models import ChangeRequestStep

    assert not ChangeRequestStep.objects.filter(
        step__in=["township_review", "county_decision"],
        actor_id=F("request__created_by_id")).exists()
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
    assert not HospitalStay.objects.exists()
    assert "jkfp-demo-2026" not in output


def test_no_stays_option(db):
    output = run("--persons", "500", "--seed", "4", "--no-stays")
    assert Person.objects.count() == 500 and not HospitalStay.objects.exists()
    assert "0 次住院" in output


def test_demo_statements_show_and_continue(db, client):
    """The pages show the demo statements in scope, and a new stay settled through the service
    continues the year's accumulators of the demo statements."""
    run("--persons", "3000", "--seed", "6")
    county = User.objects.get(username="county_yc")
    st = Statement.objects.filter(region_code__startswith="640323", year=2025).order_by(
        "-stay__admission_date").select_related("stay", "person").first()
    assert st is not None
    assert settlement_selectors.statement_get(user=county, pk=st.pk) == st
    client.force_login(county)
    page = client.get(f"/statements/{st.pk}/")
    assert page.status_code == 200 and st.stay.hospital_name in page.content.decode()
    listing = client.get(f"/persons/{st.person_id}/statements/").content.decode()
    assert f"/statements/{st.pk}/" in listing
    client.force_login(User.objects.get(username="county_cz"))
    assert client.get(f"/statements/{st.pk}/").status_code == 404
    # a later stay of the same year, settled by the service, starts from the demo's totals
    last = next(s for s in Statement.objects.filter(
        region_code__startswith="640323", year=2025, person__alive=True).order_by(
        "-stay__discharge_date").select_related("stay", "person")
        if s.stay.discharge_date < dt.date(2025, 12, 31) and not Statement.objects.filter(
            person=s.person_id, stay__admission_date__gt=s.stay.admission_date).exists())
    admission = last.stay.discharge_date + dt.timedelta(days=1)
    new = settlement.stay_settle(
        user=User.objects.get(username="admin"), person=last.person, hospital_name="测试医院",
        hospital_grade=2, location="county", referred=False, admission_date=admission,
        discharge_date=admission, total_cost="1000", in_policy_cost="900")
    assert new.detail["accumulators_before"]["stays"] == last.accumulators_after["stays"]
    assert new.accumulators_after["stays"] == last.accumulators_after["stays"] + 1
    assert new.accumulators_after["self_pay_fen"] == (last.accumulators_after["self_pay_fen"]
                                                      + new.self_pay_fen)


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
                           WHERE tbl_name LIKE 'registry_%' OR tbl_name LIKE 'settlement_%'
                           ORDER BY 1, 2""")
            return cur.fetchall()
        cur.execute("""SELECT tablename, indexname, indexdef FROM pg_indexes
                       WHERE tablename LIKE 'registry_%%' OR tablename LIKE 'settlement_%%'
                       ORDER BY 1, 2""")
        idx = cur.fetchall()
        cur.execute("""SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                       FROM pg_constraint WHERE conrelid::regclass::text LIKE 'registry_%%'
                          OR conrelid::regclass::text LIKE 'settlement_%%'
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
    assert Statement.objects.count() == HospitalStay.objects.count() == result.counts[
        "hospitalstay"] > 0
