"""The disease catalogs are dated data: the shipped files load, each region gets its own list on
the dates it covers, a diagnosis matches by ICD-10 code or range, every error in a file names
the file and the line, and `jkfp catalog check` and the system check report them."""

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.health import catalog as cat
from jkfp.health.catalog import icd10_normalise

SHIPPED = Path(settings.JKFP_CATALOG_DIR)
ST, CP, OC = cat.SPECIAL_TREATMENT, cat.CHRONIC_PRIORITY, cat.OUTPATIENT_CHRONIC
YANCHI_VILLAGE = "640323100201"
CHANGZHI_VILLAGE = "140403100201"
D = dt.date


@pytest.fixture(scope="module")
def shipped():
    return cat.load(SHIPPED)


# --- the shipped files ---------------------------------------------------------------------------

def test_shipped_catalog_is_valid_and_every_entry_has_a_source_or_is_an_example(shipped):
    assert shipped.diseases and shipped.rules
    for d in shipped.diseases:
        assert (d.source and not d.example) or (d.example and not d.source), d
        assert d.icd10_source == "system mapping"
        assert d.icd10 and len(d.code) <= 40
    assert all(r.source or r.example for r in shipped.rules)
    assert cat.catalog_dir() == SHIPPED == cat.default_dir()


@pytest.mark.parametrize(("region", "on", "kind", "count"), [
    ("", D(2018, 12, 31), ST, 0),               # nothing shipped before the 2019 list
    ("", D(2019, 1, 1), ST, 25),                # national 2019
    ("", D(2019, 12, 31), ST, 25),
    ("", D(2020, 1, 1), ST, 30),                # national 2020: the 25 plus 5
    ("", D(2030, 6, 1), ST, 30),
    (CHANGZHI_VILLAGE, D(2019, 1, 1), ST, 38),  # 长治's own programme from 2019
    ("1404", D(2023, 6, 1), ST, 38),
    ("640323", D(2020, 12, 31), ST, 30),        # 盐池 before its 2021-2025 list: national
    (YANCHI_VILLAGE, D(2021, 1, 1), ST, 37),
    (YANCHI_VILLAGE, D(2023, 6, 1), ST, 37),
    ("640323", D(2025, 12, 31), ST, 37),
    ("640323", D(2026, 1, 1), ST, 30),          # and national again after it
    ("500112", D(2023, 6, 1), ST, 30),          # a region without its own list
    ("", D(2016, 12, 31), CP, 0),
    ("", D(2017, 1, 1), CP, 4),
    (YANCHI_VILLAGE, D(2024, 1, 1), CP, 4),
    (CHANGZHI_VILLAGE, D(2024, 1, 1), CP, 4),
    (YANCHI_VILLAGE, D(2017, 12, 31), OC, 0),
    (YANCHI_VILLAGE, D(2018, 1, 1), OC, 10),    # examples only: the 28 are not named
    (CHANGZHI_VILLAGE, D(2024, 1, 1), OC, 0),
])
def test_counts_per_region_and_date(shipped, region, on, kind, count):
    assert len(shipped.in_force(region_code=region, on=on, kind=kind)) == count


def test_what_is_sourced_and_what_is_an_example(shipped):
    def examples(region, on):
        return {d.code for d in shipped.in_force(region_code=region, on=on, kind=ST) if d.example}

    added_2020 = {"bladder_cancer", "ovarian_cancer", "kidney_cancer", "severe_mental_disorder",
                  "rheumatic_heart_disease"}
    assert examples("", D(2019, 6, 1)) == set()
    assert examples("", D(2020, 6, 1)) == added_2020
    assert len(examples("1404", D(2020, 6, 1))) == 13
    yanchi = examples("640323", D(2023, 6, 1))
    assert len(yanchi) == 12 and added_2020 <= yanchi
    changzhi = {d.code: d for d in shipped.in_force(region_code="1404", on=D(2019, 6, 1), kind=ST)}
    for code in ("liver_cancer", "cataract", "pneumoconiosis", "neuroblastoma", "lymphoma_child",
                 "osteosarcoma", "thalassaemia"):
        assert "长治" in changzhi[code].source and not changzhi[code].example
    assert all(d.example for d in shipped.in_force(region_code="640323", on=D(2020, 1, 1),
                                                   kind=OC))
    assert not any(d.example for d in shipped.in_force(region_code="", on=D(2020, 1, 1),
                                                       kind=CP))


# --- ICD-10 form ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "code"), [
    ("C16", "C16"), ("c16.9", "C16.9"), ("Ｃ１６．９", "C16.9"), (" I 10 ", "I10"),
    ("C16.", "C16"), ("I21.x", "I21"), ("i21.X", "I21"), ("E11.90", "E11.90"),
    ("n18.5\u3000", "N18.5"), ("U07.1", "U07.1"),
])
def test_icd10_normalise(raw, code):
    assert icd10_normalise(raw) == code


@pytest.mark.parametrize("raw", ["", None, "16", "C1", "C160", "C16.123", "CC16", "C16..",
                                 "C16-C18", "高血压", "C16.9.1", "1C6"])
def test_icd10_not_in_form_is_refused(raw):
    with pytest.raises(DomainError) as exc:
        icd10_normalise(raw)
    assert exc.value.code == ErrorCode.ICD10_FORMAT and exc.value.field == "icd10"
    assert "ICD-10" in exc.value.message


def test_ranges_contain_their_sub_codes_and_not_broader_codes():
    r = cat.icd10_range("C18-C20")
    assert [r.contains(c) for c in ("C17.9", "C18", "C18.0", "C19", "C20", "C20.99", "C21")] \
        == [False, True, True, True, True, True, False]
    one = cat.icd10_range("N18.5")
    assert [one.contains(c) for c in ("N18", "N18.4", "N18.5", "N18.51", "N18.6")] \
        == [False, False, True, True, False]
    sub = cat.icd10_range("F06.0-F06.3")
    assert [sub.contains(c) for c in ("F05.9", "F06", "F06.0", "F06.31", "F06.4")] \
        == [False, False, True, True, False]
    assert cat.icd10_range("I21.x").contains("I21.9")
    assert cat.icd10_range("Ｃ１８－Ｃ２０") == cat.Icd10Range("C18", "C20", "Ｃ１８－Ｃ２０")
    assert r.overlaps(cat.icd10_range("C20.1")) and not r.overlaps(cat.icd10_range("C21-C22"))
    for bad in ("C20-C18", "C16.9-C16.1", "C16-C17-C18", "C16-"):
        with pytest.raises(DomainError) as exc:
            cat.icd10_range(bad)
        assert exc.value.code == ErrorCode.ICD10_FORMAT


# --- matching ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("icd10", "region", "on", "kind", "code"), [
    ("C16", "", D(2019, 6, 1), ST, "stomach_cancer"),
    ("c16.9", YANCHI_VILLAGE, D(2019, 6, 1), ST, "stomach_cancer"),
    ("C18.9", "", D(2019, 6, 1), ST, "colon_cancer"),
    ("C19", "", D(2019, 6, 1), ST, "rectal_cancer"),          # lower end of C19-C20
    ("C20", "", D(2019, 6, 1), ST, "rectal_cancer"),          # upper end
    ("C20.9", "", D(2019, 6, 1), ST, "rectal_cancer"),
    ("C21", "", D(2019, 6, 1), ST, None),                     # just past it
    ("C17.1", "", D(2019, 6, 1), ST, None),
    ("N18.5", "", D(2019, 6, 1), ST, "end_stage_renal_disease"),
    ("N18", "", D(2019, 6, 1), ST, None),                     # broader than N18.5
    ("I21.x", "", D(2019, 6, 1), ST, "acute_myocardial_infarction"),
    ("I22.9", "", D(2019, 6, 1), ST, "acute_myocardial_infarction"),
    ("I23", "", D(2019, 6, 1), ST, None),
    ("C67", "", D(2019, 12, 31), ST, None),                   # bladder cancer: from 2020 on
    ("C67", "", D(2020, 1, 1), ST, "bladder_cancer"),
    ("C67", "", D(2018, 12, 31), ST, None),
    ("B67.1", "640323", D(2025, 12, 31), ST, "echinococcosis"),  # 盐池's own list
    ("B67.1", "640323", D(2026, 1, 1), ST, None),                # national again
    ("B67.1", "1404", D(2023, 1, 1), ST, None),
    ("C73", CHANGZHI_VILLAGE, D(2019, 1, 1), ST, "thyroid_cancer"),
    ("C73", "", D(2023, 1, 1), ST, None),
    ("I10", YANCHI_VILLAGE, D(2017, 1, 1), CP, "hypertension"),
    ("I15.9", "", D(2020, 1, 1), CP, "hypertension"),
    ("I16", "", D(2020, 1, 1), CP, None),
    ("E11.9", "", D(2020, 1, 1), CP, "diabetes_type2"),
    ("E10", "", D(2020, 1, 1), CP, None),                     # type 1 diabetes is not on it
    ("A19", "", D(2020, 1, 1), CP, "tuberculosis"),
    ("F20.0", "", D(2020, 1, 1), CP, "severe_mental_disorder"),
    ("F70", "", D(2020, 1, 1), CP, "severe_mental_disorder"),
    ("F79.9", "", D(2020, 1, 1), CP, "severe_mental_disorder"),
    ("F32", "", D(2020, 1, 1), CP, None),
    ("I10", "", D(2016, 12, 31), CP, None),
    ("I10", YANCHI_VILLAGE, D(2018, 1, 1), OC, "hypertension"),
    ("I10", CHANGZHI_VILLAGE, D(2018, 1, 1), OC, None),
])
def test_match(shipped, icd10, region, on, kind, code):
    found = shipped.match(icd10=icd10, region_code=region, on=on, kind=kind)
    assert (found.code if found else None) == code
    if found:
        assert found.kind == kind and found.in_force(on) and found.matches(icd10)


def test_match_refuses_a_code_not_in_form(shipped):
    with pytest.raises(DomainError) as exc:
        shipped.match(icd10="C1", region_code="", on=D(2020, 1, 1), kind=ST)
    assert (exc.value.code, exc.value.field) == (ErrorCode.ICD10_FORMAT, "icd10")
    with pytest.raises(ValueError):
        shipped.match(icd10="C16", region_code="", on=D(2020, 1, 1), kind="cancer")


def test_get_by_code(shipped):
    d = shipped.get(code="stomach_cancer", region_code=YANCHI_VILLAGE, on=D(2023, 1, 1))
    assert (d.name, d.region, d.kind, d.icd10_text) == ("胃癌", "640323", ST, "C16")
    assert shipped.get(code="stomach_cancer", region_code="", on=D(2023, 1, 1)).region == ""
    assert shipped.get(code="bladder_cancer", region_code="", on=D(2019, 6, 1)) is None
    assert shipped.get(code="echinococcosis", region_code="1404", on=D(2023, 1, 1)) is None
    assert shipped.get(code="nonsense", region_code="", on=D(2023, 1, 1)) is None
    # the same code in two lists: the first kind of KINDS, unless the kind is given
    assert shipped.get(code="hypertension", region_code=YANCHI_VILLAGE,
                       on=D(2023, 1, 1)).kind == CP
    assert shipped.get(code="hypertension", region_code=YANCHI_VILLAGE, on=D(2023, 1, 1),
                       kind=OC).kind == OC
    assert shipped.get(code="severe_mental_disorder", region_code="", on=D(2023, 1, 1)).kind == ST


def test_eligible_categories(shipped):
    early = shipped.eligible_categories(region_code=YANCHI_VILLAGE, on=D(2019, 6, 1))
    assert early == {"registered_poor", "lifted_out", "minimum_living", "extreme_poor"}
    late = shipped.eligible_categories(region_code=CHANGZHI_VILLAGE, on=D(2021, 1, 1),
                                       programme=ST)
    assert early < late and set(Category) - late == {Category.NEAR_MINIMUM_LIVING,
                                                     Category.GENERAL}
    assert {Category.UNSTABLE_LIFTED, Category.MARGINAL, Category.SUDDEN_HARDSHIP} <= late
    assert shipped.eligible_categories(region_code="", on=D(2016, 12, 31)) == frozenset()
    assert shipped.eligible_categories(region_code="", on=D(2023, 1, 1),
                                       programme=CP) == frozenset()
    with pytest.raises(ValueError):
        shipped.eligible_categories(region_code="", on=D(2023, 1, 1), programme="loans")


# --- region override, on a folder of our own -----------------------------------------------------

NATIONAL = """region: national
kind: special_treatment
icd10_source: system mapping
source: 测试
start: 2019-01-01
entries:
  - {code: stomach_cancer, name: 胃癌, icd10: [C16]}
  - {code: colon_cancer, name: 结肠癌, icd10: [C18]}
"""
COUNTY = """region: "640323"
kind: special_treatment
icd10_source: system mapping
example: true
entries:
  - {code: stomach_cancer, name: 胃癌, icd10: [C16], start: 2021-01-01, end: 2021-12-31}
  - {code: echinococcosis, name: 包虫病, icd10: [B67], start: 2021-07-01, end: 2022-12-31}
"""
TOWNSHIP = """region: "640323100"
kind: special_treatment
icd10_source: 县卫健局对照表
source: 测试
start: 2022-01-01
end: 2022-06-30
entries:
  - {code: lung_cancer, name: 肺癌, icd10: [C34]}
"""
ELIGIBILITY = """kind: eligibility
rules:
  - {region: national, programme: special_treatment, start: 2019-01-01,
     categories: [registered_poor], source: 测试}
  - {region: "640323", programme: special_treatment, start: 2021-01-01, end: 2021-12-31,
     categories: [minimum_living, extreme_poor], example: true}
"""


def _folder(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_most_specific_region_list_replaces_the_national_one_on_the_dates_it_covers(tmp_path):
    c = cat.load(_folder(tmp_path, {"national.yaml": NATIONAL, "yanchi/st.yaml": COUNTY,
                                    "yanchi/township.yaml": TOWNSHIP,
                                    "eligibility.yaml": ELIGIBILITY}))

    def codes(region, on):
        return [d.code for d in c.in_force(region_code=region, on=on, kind=ST)]

    village, other_township = "640323100201", "640323101201"
    assert codes(village, D(2020, 12, 31)) == ["stomach_cancer", "colon_cancer"]
    assert codes(village, D(2021, 1, 1)) == ["stomach_cancer"]          # the county's list
    assert c.match(icd10="C18", region_code=village, on=D(2021, 3, 1), kind=ST) is None
    assert codes(village, D(2021, 7, 1)) == ["stomach_cancer", "echinococcosis"]
    assert codes(village, D(2022, 1, 1)) == ["lung_cancer"]             # the township's
    assert codes(other_township, D(2022, 1, 1)) == ["echinococcosis"]    # still the county's
    assert codes(village, D(2022, 7, 1)) == ["echinococcosis"]          # township's ended
    assert codes(village, D(2023, 1, 1)) == ["stomach_cancer", "colon_cancer"]
    assert c.list_region(region_code=village, on=D(2022, 1, 1), kind=ST) == "640323100"
    assert c.list_region(region_code="1404", on=D(2022, 1, 1), kind=ST) == ""
    assert c.list_region(region_code="1404", on=D(2018, 1, 1), kind=ST) is None
    lung = c.get(code="lung_cancer", region_code=village, on=D(2022, 3, 1))
    assert (lung.icd10_source, lung.source, lung.example) == ("县卫健局对照表", "测试", False)
    assert c.get(code="echinococcosis", region_code=village, on=D(2021, 7, 1)).example
    assert c.eligible_categories(region_code=village, on=D(2020, 6, 1)) == {"registered_poor"}
    assert c.eligible_categories(region_code=village, on=D(2021, 6, 1)) == {"minimum_living",
                                                                            "extreme_poor"}
    assert c.eligible_categories(region_code="1404", on=D(2021, 6, 1)) == {"registered_poor"}
    assert c.eligible_categories(region_code=village, on=D(2022, 1, 1)) == {"registered_poor"}


# --- every error names its file and line ---------------------------------------------------------

BAD = """region: national
kind: special_treatment
icd10_source: system mapping
colour: red
entries:
  - {code: StomachCancer, name: 胃癌, icd10: [C16], start: 2019-01-01, source: a}
  - {code: colon_cancer, name: 结肠癌, icd10: [C1], start: 2019-01-01, source: a}
  - {code: rectal_cancer, name: 直肠癌, icd10: [C20-C19], start: 2019-01-01, source: a}
  - {code: lung_cancer, name: 肺癌, icd10: [C34], start: 2019-01-01, end: 2018-12-31, source: a}
  - {code: liver_cancer, name: 肝癌, icd10: [C22], start: 2019-01-01}
  - {code: breast_cancer, name: 乳腺癌, icd10: [C50], start: 2019-01-01, source: a, example: true}
  - {code: cervical_cancer, name: 宫颈癌, icd10: [C53], start: 2019-01-01, source: a}
  - {code: cervical_cancer, name: 宫颈癌, icd10: [C53.9], start: 2019-06-01, source: a}
  - {code: leukaemia_child, name: 儿童白血病, icd10: [C91-C95], start: 2019-01-01, source: a}
  - {code: leukaemia_adult, name: 白血病, icd10: [C92], start: 2019-01-01, source: a}
  - {code: cataract, name: 白内障, icd10: H25, start: 2019-01-01, source: a}
  - {code: stroke, name: "", icd10: [I63], start: 2019, source: a, age: 3}
  - {code: copd, icd10: [J44], start: 2019-01-01, example: 1}
"""
BAD_TOP = """region: "64x"
kind: special_treatment
entries: []
"""
BAD_RULES = """kind: eligibility
rules:
  - {region: national, programme: special_treatment, start: 2019-01-01,
     categories: [registered_poor, rich], source: a}
  - {region: national, programme: special_treatment, start: 2020-01-01,
     categories: [lifted_out, lifted_out], source: a}
  - {region: national, programme: loans, start: 2020-01-01, categories: [general]}
"""


def _errors(folder: Path) -> list[str]:
    with pytest.raises(ValidationErrors) as exc:
        cat.load(folder)
    assert all(e.code == ErrorCode.CATALOG_INVALID for e in exc.value.errors)
    return [e.message for e in exc.value.errors]


def _has(messages: list[str], where: str, text: str) -> bool:
    return any(m.startswith(where + "：") and text in m for m in messages)


def test_every_problem_of_a_file_is_named_with_its_line(tmp_path):
    root = _folder(tmp_path, {"bad.yaml": BAD})
    errors = _errors(root)
    f = str(root / "bad.yaml")
    expected = [
        (4, "未知的键“colour”"),
        (6, "须为英文小写加下划线"),                 # code not snake_case
        (7, "不是 ICD-10 格式"),                     # C1
        (8, "起止颠倒"),                             # C20-C19
        (9, "早于起始日期"),                         # end before start
        (10, "须注明来源"),                          # neither source nor example
        (11, "source 与 example: true 不能同时出现"),
        (13, "病种“cervical_cancer”在同一目录的同一时期重复"),
        (15, "与病种“leukaemia_child”的 C91-C95 重叠"),
        (16, "icd10 须为列表"),
        (17, "病种名称须为非空文字"),
        (17, "日期“2019”须写成 YYYY-MM-DD"),
        (17, "未知的键“age”"),
        (18, "缺少 name"),
        (18, "example 只能写 true"),
    ]
    for line, text in expected:
        assert _has(errors, f"{f}:{line}", text), (line, text, errors)
    assert len(errors) == len(expected)


def test_errors_of_the_file_header_and_of_the_eligibility_rules(tmp_path):
    root = _folder(tmp_path, {"a.yaml": BAD_TOP, "b.yaml": BAD_RULES,
                              "c.yaml": "region: national\nkind: chronic_priority\nentries:\n"
                                        "  - {code: x, name: X, icd10: [I10], start: 2017-01-01,"
                                        " example: true}\n",
                              "d.yaml": "region: national\nkind: cancer\n"})
    errors = _errors(root)
    a, b, c, d = (str(root / n) for n in ("a.yaml", "b.yaml", "c.yaml", "d.yaml"))
    assert _has(errors, f"{a}:1", "区划“64x”须为 national 或")
    assert _has(errors, f"{a}:1", "缺少 icd10_source")
    assert _has(errors, f"{a}:3", "entries 须为病种列表")
    assert _has(errors, f"{d}:2", "kind“cancer”须为")
    assert _has(errors, f"{b}:4", "未知的人员类别“rich”")
    assert _has(errors, f"{b}:6", "人员类别“lifted_out”重复")
    assert _has(errors, f"{b}:7", "未知的项目“loans”")
    assert _has(errors, f"{b}:7", "须注明来源")
    assert _has(errors, f"{c}:1", "缺少 icd10_source")
    assert len(errors) == 9


def test_overlapping_eligibility_rules_and_lists_across_files_are_refused(tmp_path):
    rules = ("kind: eligibility\nrules:\n"
             "  - {region: national, programme: special_treatment, start: 2019-01-01,"
             " categories: [registered_poor], source: a}\n"
             "  - {region: national, programme: special_treatment, start: 2020-01-01,"
             " end: 2020-12-31, categories: [lifted_out], source: a}\n")
    other = NATIONAL.replace("start: 2019-01-01", "start: 2020-01-01")
    root = _folder(tmp_path, {"e.yaml": rules, "n1.yaml": NATIONAL, "n2.yaml": other})
    errors = _errors(root)
    assert _has(errors, f"{root / 'e.yaml'}:4", "准入规则时期重叠（已见于")
    assert _has(errors, f"{root / 'n2.yaml'}:7",
                f"病种“stomach_cancer”在同一目录的同一时期重复（已见于 {root / 'n1.yaml'}:7）")
    assert len(errors) == 3  # and colon_cancer of n2.yaml


def test_yaml_errors_and_missing_folders(tmp_path):
    root = _folder(tmp_path / "c", {"dup.yaml": "region: national\nregion: national\n",
                                    "syntax.yaml": "region: [national\n",
                                    "list.yaml": "- a\n- b\n"})
    errors = _errors(root)
    assert _has(errors, f"{root / 'dup.yaml'}:2", "region")
    assert any(m.startswith(f"{root / 'syntax.yaml'}:") for m in errors)
    assert _has(errors, f"{root / 'list.yaml'}:1", "文件内容须为映射")
    assert _errors(tmp_path / "none") == [f"{tmp_path / 'none'}：找不到疾病目录文件夹"]
    (tmp_path / "empty").mkdir()
    assert "没有 *.yaml" in _errors(tmp_path / "empty")[0]


# --- the cached reader, the command and the system check -----------------------------------------

def test_catalog_reads_the_settings_folder_again_when_a_file_changes(tmp_path, settings,
                                                                    monkeypatch):
    monkeypatch.setattr(cat, "RECHECK_SECONDS", 0)
    root = _folder(tmp_path, {"national.yaml": NATIONAL})
    settings.JKFP_CATALOG_DIR = root
    first = cat.catalog()
    assert cat.catalog() is first
    assert len(first.in_force(region_code="", on=D(2020, 1, 1), kind=ST)) == 2
    text = NATIONAL + "  - {code: lung_cancer, name: 肺癌, icd10: [C34]}\n"
    (root / "national.yaml").write_text(text, encoding="utf-8")
    os.utime(root / "national.yaml", ns=(1, 1))
    assert len(cat.catalog().in_force(region_code="", on=D(2020, 1, 1), kind=ST)) == 3
    (root / "national.yaml").write_text(BAD, encoding="utf-8")
    with pytest.raises(ValidationErrors):
        cat.catalog()
    monkeypatch.setattr(cat, "RECHECK_SECONDS", 3600)
    settings.JKFP_CATALOG_DIR = SHIPPED   # another folder is read at once
    assert len(cat.catalog().in_force(region_code="1404", on=D(2020, 1, 1), kind=ST)) == 38
    assert cat.catalog() is cat.catalog()


def _call(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("catalog", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_catalog_check_command(tmp_path):
    code, out, err = _call("check")
    assert code == 0 and err == ""
    assert f"疾病目录有效（{SHIPPED}）：6 个文件" in out
    assert "1404 大病专项救治 38 个病种（示例 13 个）" in out
    assert "640323 大病专项救治 37 个病种（示例 12 个）" in out
    assert "national 大病专项救治 30 个病种（示例 5 个）" in out
    bad = _folder(tmp_path, {"bad.yaml": BAD})
    code, out, err = _call("check", str(bad))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"疾病目录有 15 处错误（{bad}）："
    assert f"  {bad / 'bad.yaml'}:4：colour：未知的键“colour”" in lines[1]
    assert len(lines) == 16 and all(f"{bad / 'bad.yaml'}:" in line for line in lines[1:])


def test_catalog_show_command(tmp_path):
    code, out, _ = _call("show", YANCHI_VILLAGE, "2023-06-01", "--kind", "special_treatment")
    lines = out.splitlines()
    assert code == 0 and lines[1] == "大病专项救治（special_treatment）：640323 目录，37 种"
    assert len([x for x in lines if x.startswith("  ") and "ICD-10" in x]) == 37
    assert any(x.split()[:4] == ["rectal_cancer", "直肠癌", "ICD-10", "C19-C20"] for x in lines)
    assert any("echinococcosis" in x and x.endswith("示例") for x in lines)
    assert "可建档人员类别（national，示例）：" in out and "marginal（边缘易致贫户）" in out
    code, out, _ = _call("show", "national", "2019-06-01")
    assert "national 目录，25 种" in out and "重点管理慢病（chronic_priority）：national 目录，4 种" in out
    assert "门诊慢性病（outpatient_chronic）：无有效目录" in out
    code, out, _ = _call("show", "1404", "2016-06-01", "--kind", "special_treatment")
    assert "无有效目录" in out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("catalog", "show", "1404", "2019-13-01")
    with pytest.raises(CommandError, match="区划"):
        call_command("catalog", "show", "长治", "2019-01-01")
    code, _, err = _call("show", "1404", "2019-01-01", "--dir", str(tmp_path / "none"))
    assert code == 1 and "找不到疾病目录文件夹" in err


def test_the_jkfp_command_exits_non_zero_on_a_bad_folder(tmp_path):
    bad = _folder(tmp_path / "bad", {"bad.yaml": BAD})
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jkfp.config.settings"}
    ok = subprocess.run([sys.executable, "-m", "jkfp.cli", "catalog", "check"],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and "疾病目录有效" in ok.stdout
    run = subprocess.run([sys.executable, "-m", "jkfp.cli", "catalog", "check", str(bad)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1 and "疾病目录有 15 处错误" in run.stderr
    usage = subprocess.run([sys.executable, "-m", "jkfp.cli", "catalog", "show", "1404", "x"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert usage.returncode == 2 and "YYYY-MM-DD" in usage.stderr


def test_system_check_reports_a_broken_catalog(tmp_path, settings):
    from django.core import checks

    from jkfp.health.checks import catalog_files_valid

    assert catalog_files_valid(None) == []
    assert not [m for m in checks.run_checks() if m.id == "jkfp.E003"]
    shutil.copytree(SHIPPED, tmp_path / "catalogs")
    (tmp_path / "catalogs" / "bad.yaml").write_text(BAD.replace("national", '"62"'),
                                                    encoding="utf-8")
    settings.JKFP_CATALOG_DIR = tmp_path / "catalogs"
    problems = catalog_files_valid(None)
    assert len(problems) == 15 and {p.id for p in problems} == {"jkfp.E003"}
    assert problems[0].msg.startswith(f"{tmp_path / 'catalogs' / 'bad.yaml'}:4：")
    assert len([m for m in checks.run_checks() if m.id == "jkfp.E003"]) == 15
