"""Record linkage (exchange.linkage.link): plain pytest, no database.

The registry here is small, so the model scores with its default parameters; the learnt path
(u by random sampling, m from the exact-ID pairs) is tested in test_linkage_learnt.py.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from jkfp.exchange import linkage
from jkfp.exchange.linkage import link

HIGH, LOW = 0.95, 0.6
V1, V2, V3 = "640323100201", "640323100202", "640323101203"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def ident(county: str, born: dt.date, seq: int) -> str:
    return fix_check(f"{county}{born:%Y%m%d}{seq:03d}")


# person_id, name, birth date, sex, village; the sequence makes the sex digit right
PEOPLE = [
    (1, "张伟", dt.date(1980, 3, 12), "M", V1),
    (2, "王晓明", dt.date(1990, 1, 2), "M", V1),
    (3, "李娜", dt.date(1975, 5, 5), "F", V1),
    (4, "刘强", dt.date(2000, 2, 2), "M", V1),
    (5, "陈静", dt.date(1968, 11, 23), "F", V2),
    (6, "杨洋", dt.date(1985, 7, 14), "M", V2),
    (7, "赵敏", dt.date(1959, 9, 9), "F", V2),
    (8, "黄磊", dt.date(1972, 4, 30), "M", V2),
    (9, "周杰", dt.date(1995, 12, 1), "M", V3),
    (10, "吴秀英", dt.date(1948, 6, 18), "F", V3),
    (11, "徐桂兰", dt.date(1951, 2, 27), "F", V3),
    (12, "孙建国", dt.date(1963, 10, 8), "M", V3),
    (13, "马玉梅", dt.date(1977, 8, 16), "F", V1),
    (14, "朱志强", dt.date(1988, 3, 3), "M", V2),
    (15, "胡丽", dt.date(1993, 5, 20), "F", V3),
    (16, "郭军", dt.date(1970, 1, 15), "M", V1),
]


def registry(extra: list[tuple] = (), *, ids: dict[int, str] | None = None) -> pl.DataFrame:
    rows = []
    for pid, name, born, sex, village in [*PEOPLE, *extra]:
        seq = 2 * pid + (1 if sex == "M" else 2)
        rows.append(
            (pid, (ids or {}).get(pid, ident(village[:6], born, seq)), name, born, sex, village)
        )
    return pl.DataFrame(rows, schema=list(linkage.REGISTRY_COLUMNS), orient="row")


def person(reg: pl.DataFrame, pid: int) -> dict:
    return reg.filter(pl.col("person_id") == pid).row(0, named=True)


def incoming(rows: list[dict]) -> pl.DataFrame:
    """Rows of their list; every key of INCOMING_COLUMNS but row may be left out."""
    out = []
    for i, r in enumerate(rows):
        number = r.get("id_number")
        out.append(
            {
                "row": r.get("row", i + 2),
                "id_number": number,
                "id_valid": r.get("id_valid", number is not None and number == fix_check(number)),
                "name": r.get("name"),
                "birth_date": r.get("birth_date"),
                "sex": r.get("sex"),
                "region_code": r.get("region_code"),
            }
        )
    return pl.DataFrame(
        out,
        schema={"row": pl.Int64, "id_number": pl.String, "id_valid": pl.Boolean,
                "name": pl.String, "birth_date": pl.Date, "sex": pl.String,
                "region_code": pl.String},
    )  # fmt: skip


def fix_check(number: str) -> str:
    first17 = number[:17]
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def as_listed(p: dict, **changes) -> dict:
    row = {k: p[k] for k in ("id_number", "name", "birth_date", "sex", "region_code")}
    return row | changes


def one(result: pl.DataFrame, row: int = 2) -> dict:
    return result.filter(pl.col("row") == row).row(0, named=True)


def candidate_ids(row: dict) -> list[int]:
    return [c["person_id"] for c in row["candidates"]]


def found(row: dict) -> int | None:
    """The person a row points to: its link, or its best candidate when it waits for review."""
    if row["status"] in (linkage.EXACT, linkage.LINKED):
        return row["person_id"]
    return candidate_ids(row)[0] if row["candidates"] else None


def test_exact_id_links_with_score_one():
    reg = registry()
    out = link(incoming([as_listed(person(reg, 5))]), reg, high=HIGH, low=LOW)
    assert out.schema == pl.Schema(linkage.RESULT_SCHEMA)
    r = one(out)
    assert (r["status"], r["person_id"], r["score"]) == ("exact", 5, 1.0)
    assert r["candidates"] == [] and r["reason"] == "证件号码一致"


def test_exact_id_wins_over_a_different_name():
    """The ID decides: a name spelt otherwise in their list is still the same person."""
    reg = registry()
    r = one(link(incoming([as_listed(person(reg, 6), name="杨阳阳")]), reg, high=HIGH, low=LOW))
    assert (r["status"], r["person_id"]) == ("exact", 6)


def test_typo_in_the_name_finds_the_person():
    reg = registry()
    p = person(reg, 12)  # 孙建国
    row = as_listed(p, id_number=wrong_check(p["id_number"]), name="孙建图")
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert r["status"] in ("linked", "doubtful")
    assert found(r) == 12


def test_typo_in_the_name_without_id_goes_to_review_not_new():
    reg = registry()
    row = as_listed(person(reg, 12), id_number=None, name="孙建图")
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert r["status"] in ("linked", "doubtful") and found(r) == 12


def test_homophone_name_is_linked_by_pinyin():
    reg = registry()
    row = as_listed(person(reg, 1), id_number=None, name="章伟")  # zhang wei, another 张
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert (r["status"], r["person_id"]) == ("linked", 1)
    assert r["score"] >= HIGH


def test_homophone_scores_above_a_name_that_only_looks_alike():
    reg = registry()
    weak = {"id_number": None, "sex": None, "region_code": "640323"}  # little else to go on
    sound = as_listed(person(reg, 2), name="王小明") | weak  # xiao: same sound
    looks = as_listed(person(reg, 2), name="王晓朋", row=3) | weak  # one character off
    out = link(incoming([sound, looks]), reg, high=HIGH, low=LOW)
    assert found(one(out, 2)) == 2 and found(one(out, 3)) == 2
    assert one(out, 2)["score"] > one(out, 3)["score"]


def test_transposed_birth_date_digits_still_find_the_person():
    reg = registry()
    row = as_listed(person(reg, 1), id_number=None, birth_date=dt.date(1980, 3, 21))  # 12 → 21
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert r["status"] in ("linked", "doubtful") and found(r) == 1


def test_transposed_digits_in_the_id_find_the_person():
    reg = registry()
    p = person(reg, 7)
    number = p["id_number"]
    swapped = number[:8] + number[9] + number[8] + number[10:]  # two digits of the year
    row = as_listed(p, id_number=swapped, birth_date=None)
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert r["status"] in ("linked", "doubtful") and found(r) == 7


def test_wrong_check_digit_links_by_the_other_fields_never_exactly():
    reg = registry()
    p = person(reg, 9)
    r = one(
        link(
            incoming([as_listed(p, id_number=wrong_check(p["id_number"]))]), reg, high=HIGH, low=LOW
        )
    )
    assert (r["status"], r["person_id"]) == ("linked", 9)
    assert r["score"] >= HIGH
    assert "校验" in r["reason"]


def test_wrong_check_digit_with_no_similar_person_is_new_but_says_so():
    reg = registry()
    stranger = {"id_number": wrong_check(ident("640323", dt.date(1966, 6, 6), 11)), "name": "欧阳修",
                "birth_date": dt.date(1966, 6, 6), "sex": "M", "region_code": V2}  # fmt: skip
    r = one(link(incoming([stranger]), reg, high=HIGH, low=LOW))
    assert (r["status"], r["person_id"], r["candidates"]) == ("new", None, [])
    assert r["reason"] == "未找到匹配人员"


def test_two_namesakes_born_the_same_day_in_one_village_go_to_review():
    twin = (17, "张伟", dt.date(1980, 3, 12), "M", V1)  # a second 张伟 of 1980-03-12 in V1
    reg = registry([twin])
    row = as_listed(person(reg, 1), id_number=None)
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert r["status"] in ("doubtful", "conflict")
    assert r["person_id"] is None
    assert sorted(candidate_ids(r)) == [1, 17]


def test_namesakes_with_a_bad_check_digit_still_go_to_review():
    """The 17 good digits of person 1's ID do not settle it: never auto-link a namesake."""
    twin = (17, "张伟", dt.date(1980, 3, 12), "M", V1)
    reg = registry([twin])
    p = person(reg, 1)
    r = one(
        link(
            incoming([as_listed(p, id_number=wrong_check(p["id_number"]))]), reg, high=HIGH, low=LOW
        )
    )
    if r["status"] == "linked":  # only the 17 digits may decide, and then for the right one
        assert r["person_id"] == 1
    else:
        assert r["status"] in ("doubtful", "conflict") and 1 in candidate_ids(r)


def test_namesake_with_a_valid_id_is_decided_by_the_id():
    twin = (17, "张伟", dt.date(1980, 3, 12), "M", V1)
    reg = registry([twin])
    r = one(link(incoming([as_listed(person(reg, 17))]), reg, high=HIGH, low=LOW))
    assert (r["status"], r["person_id"]) == ("exact", 17)


def test_conflict_one_of_theirs_to_two_of_ours_by_id():
    shared = person(registry(), 3)["id_number"]
    reg = registry(ids={3: shared, 13: shared})  # our registry holds one ID twice
    r = one(link(incoming([as_listed(person(reg, 3))]), reg, high=HIGH, low=LOW))
    assert (r["status"], r["person_id"]) == ("conflict", None)
    assert sorted(candidate_ids(r)) == [3, 13]
    assert r["reason"] == "该证件号码在登记库中对应多人"


def test_conflict_two_of_theirs_to_one_of_ours():
    """A row linked by the model to a person that another row holds by ID: shown, not resolved."""
    reg = registry()
    p = person(reg, 4)
    rows = [as_listed(p), as_listed(p, id_number=None, name="刘墙", row=3)]
    out = link(incoming(rows), reg, high=HIGH, low=LOW)
    assert (one(out, 2)["status"], one(out, 2)["person_id"]) == ("exact", 4)
    second = one(out, 3)
    assert (second["status"], second["person_id"]) == ("conflict", None)
    assert candidate_ids(second) == [4]
    assert second["reason"] == "登记库中该人员已由第2行按证件号码匹配"


def test_conflict_two_model_links_to_one_of_ours():
    reg = registry()
    p = person(reg, 10)
    rows = [as_listed(p, id_number=None), as_listed(p, id_number=None, name="吴秀英", row=9)]
    out = link(incoming(rows), reg, high=HIGH, low=LOW)
    assert out.get_column("status").to_list() == ["conflict", "conflict"]
    assert out.get_column("person_id").null_count() == 2
    assert all(candidate_ids(r) == [10] for r in out.iter_rows(named=True))


def test_one_id_on_rows_that_disagree_is_a_conflict():
    reg = registry()
    p = person(reg, 8)
    rows = [as_listed(p), as_listed(p, name="黄石", row=3)]
    out = link(incoming(rows), reg, high=HIGH, low=LOW)
    assert out.get_column("status").to_list() == ["conflict", "conflict"]
    assert one(out, 3)["reason"] == "同一证件号码的多行姓名或出生日期不一致"


def test_one_id_on_rows_that_agree_is_one_person_of_theirs():
    """A settlement list has a row per stay: the same person, linked on each row."""
    reg = registry()
    p = person(reg, 8)
    out = link(incoming([as_listed(p), as_listed(p, row=3)]), reg, high=HIGH, low=LOW)
    assert out.get_column("status").to_list() == ["exact", "exact"]
    assert out.get_column("person_id").to_list() == [8, 8]


def test_no_match_is_new():
    reg = registry()
    newcomer = {"id_number": ident("640323", dt.date(2001, 1, 1), 21), "name": "司马光",
                "birth_date": dt.date(2001, 1, 1), "sex": "M", "region_code": V3}  # fmt: skip
    unnamed = {"id_number": None, "name": "上官婉儿", "birth_date": dt.date(1999, 9, 19),
               "sex": "F", "region_code": "640323", "row": 3}  # fmt: skip
    out = link(incoming([newcomer, unnamed]), reg, high=HIGH, low=LOW)
    assert out.get_column("status").to_list() == ["new", "new"]
    assert out.get_column("person_id").null_count() == 2
    assert out.get_column("candidates").to_list() == [[], []]


def test_a_valid_id_we_do_not_hold_is_not_linked_to_a_namesake():
    """Their ID is good and not ours: an equal name and birth date is a different person."""
    reg = registry()
    p = person(reg, 15)
    other = ident("640323", p["birth_date"], 99)
    r = one(link(incoming([as_listed(p, id_number=other)]), reg, high=HIGH, low=LOW))
    assert r["status"] != "linked" and r["person_id"] is None


def test_region_known_only_to_the_township_still_links():
    reg = registry()
    row = as_listed(person(reg, 11), id_number=None, region_code=V3[:9])
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert found(r) == 11 and r["status"] in ("linked", "doubtful")


def test_one_result_row_per_incoming_row_in_row_order():
    reg = registry()
    rows = [as_listed(person(reg, pid), row=100 - pid) for pid in (3, 1, 2)]
    rows.append({"row": 50, "name": None, "id_number": None})
    out = link(incoming(rows), reg, high=HIGH, low=LOW)
    assert out.get_column("row").to_list() == [50, 97, 98, 99]
    assert one(out, 50)["status"] == "new"


def test_same_input_same_output_whatever_the_order():
    twin = (17, "张伟", dt.date(1980, 3, 12), "M", V1)
    reg = registry([twin])
    p = person(reg, 12)
    rows = [
        as_listed(person(reg, 1), id_number=None, row=2),
        as_listed(p, id_number=wrong_check(p["id_number"]), name="孙建图", row=3),
        as_listed(person(reg, 2), id_number=None, name="王小明", row=4),
        as_listed(person(reg, 5), row=5),
        {"row": 6, "name": "司马光", "birth_date": dt.date(2001, 1, 1), "region_code": V3},
    ]
    first = link(incoming(rows), reg, high=HIGH, low=LOW)
    again = link(incoming(rows), reg, high=HIGH, low=LOW)
    shuffled = link(incoming(rows[::-1]), reg.reverse(), high=HIGH, low=LOW)
    assert first.equals(again)
    assert first.equals(shuffled)


def test_bad_arguments_are_refused():
    reg = registry()
    rows = incoming([as_listed(person(reg, 1))])
    with pytest.raises(ValueError, match="thresholds"):
        link(rows, reg, high=0.5, low=0.9)
    with pytest.raises(ValueError, match="region_code"):
        link(rows.drop("region_code"), reg, high=HIGH, low=LOW)
    with pytest.raises(ValueError, match="unique"):
        link(pl.concat([rows, rows]), reg, high=HIGH, low=LOW)


def test_empty_inputs():
    reg = registry()
    assert link(incoming([]), reg, high=HIGH, low=LOW).height == 0
    empty_reg = reg.clear()
    r = one(link(incoming([as_listed(person(reg, 1))]), empty_reg, high=HIGH, low=LOW))
    assert (r["status"], r["person_id"]) == ("new", None)


def test_an_id_one_sequence_digit_from_another_persons_is_not_evidence_for_them():
    """Two people born the same day in one county have IDs that differ in the sequence: a
    wrong check character that happens to be the other's does not make them a candidate."""
    reg = registry()
    a = person(reg, 1)  # 张伟 of V1, sequence 003
    other_seq = next(
        s for s in range(5, 1000, 2)
        if ident("640323", a["birth_date"], s)[-1] != a["id_number"][-1]
        and sum(x != y for x, y in zip(f"{s:03d}", a["id_number"][14:17], strict=True)) == 1
    )  # fmt: skip
    b_id = ident("640323", a["birth_date"], other_seq)
    b = (40, "李强", a["birth_date"], "M", V3)
    reg = registry([b], ids={40: b_id})
    row = as_listed(a, id_number=a["id_number"][:17] + b_id[-1])  # their check: b's
    r = one(link(incoming([row]), reg, high=HIGH, low=LOW))
    assert (r["status"], r["person_id"]) == ("linked", 1)
