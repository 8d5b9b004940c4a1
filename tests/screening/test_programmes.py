"""The screening programmes are dated data: the shipped file is valid, every value has a source
or says which keys are examples, and a broken file names every problem with its line."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from jkfp.errors import ErrorCode, ValidationErrors
from jkfp.screening import checks, programmes
from jkfp.screening.models import Campaign

SHIPPED = Path(settings.JKFP_POLICIES_DIR) / programmes.FILE


def test_shipped_file_covers_every_kind_with_sources_or_examples():
    progs = programmes.load(SHIPPED)
    assert set(progs.values) == set(Campaign.Kind.values)
    for values in progs.values.values():
        assert values and all(v.source or v.examples for v in values)


def test_shipped_defaults_follow_domain_section_12():
    on = dt.date(2024, 6, 1)
    two = programmes.programme(kind="two_cancers", on=on, region_code="140403")
    assert (two.value.sex, two.value.age_min, two.value.age_max) == ("F", 35, 64)
    assert not two.example and "DOMAIN.md §12" in two.value.source
    kb = programmes.programme(kind="kashin_beck", on=on, region_code="140403")
    assert (kb.value.age_min, kb.value.age_max, kb.value.regions) == (7, 12, ("1404",))
    chronic = programmes.programme(kind="chronic_opportunistic", on=on, region_code="640323100")
    assert len(chronic.screens) == 9 and chronic.value.examples == {"age_min"}
    newborn = programmes.programme(kind="newborn", on=on)
    assert newborn.value.age_on == "end" and newborn.example
    assert programmes.programme(kind="echinococcosis", on=on, region_code="640323").offered_in(
        "640323100201")


def test_a_kind_limited_to_a_region_is_refused_elsewhere_and_before_its_date():
    with pytest.raises(Exception) as exc:
        programmes.programme(kind="kashin_beck", on=dt.date(2024, 6, 1), region_code="640323")
    assert exc.value.code == ErrorCode.SCREENING_PROGRAMME and exc.value.field == "region_code"
    with pytest.raises(Exception) as exc:
        programmes.programme(kind="chronic_opportunistic", on=dt.date(2020, 12, 31))
    assert exc.value.code == ErrorCode.SCREENING_PROGRAMME and exc.value.field == "kind"
    offered = {p.kind for p in programmes.offered(on=dt.date(2024, 6, 1), region_code="140403")}
    assert "kashin_beck" in offered and "echinococcosis" not in offered


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "programmes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ENTRY = """      2014-01-01: {sex: "", age_min: null, age_max: null, age_on: start, regions: [],
                   source: 测试}
"""


def _file(body: str, skip: tuple[str, ...] = ()) -> str:
    rest = "".join(f"  {k}:\n    name: 测试\n    screens: [甲]\n    values:\n{GOOD_ENTRY}"
                   for k in Campaign.Kind.values if k not in skip and k != "two_cancers")
    return f"description: 测试\nprogrammes:\n{body}{rest}"


BAD = """  two_cancers:
    name: 两癌
    screens: [宫颈癌]
    colour: red
    values:
      2014-01-01:
        sex: X
        age_min: 70
        age_max: 64
        age_on: middle
        regions: [640323, "12345"]
        categories: [poorish]
        shoe_size: 42
      2013-01-01: {sex: F, age_min: 1, age_max: 2, age_on: start, regions: [], source: a}
      2015-01-01: {sex: F, age_min: -1, age_max: 200, age_on: start, regions: [],
                   example: [height]}
      2016-01-01: {sex: F, age_on: start, source: a}
  mammography:
    name: x
    screens: [y]
    values:
      2014-01-01: {sex: F, age_min: 1, age_max: 2, age_on: start, regions: [], source: a}
"""


def test_bad_file_names_every_problem_with_its_line(tmp_path):
    with pytest.raises(ValidationErrors) as exc:
        programmes.load(_write(tmp_path, _file(BAD, skip=("newborn",))))
    errors = exc.value.errors
    assert all(e.code == ErrorCode.SCREENING_PROGRAMME for e in errors)
    text = "\n".join(e.message for e in errors)
    at = lambda line, what: f"programmes.yaml:{line}：" in text and what in text  # noqa: E731
    assert at(6, "未知的键“colour”")
    assert at(9, "性别“X”")
    assert "最大年龄不能小于最小年龄" in text
    assert at(12, "年龄计算日“middle”")
    assert "区划代码“640323”须为" in text and "区划代码“12345”" in text   # a number, a bad length
    assert "类别“poorish”不存在" in text
    assert at(15, "未知的键“shoe_size”")
    assert "须注明来源" in text                                        # the first value
    assert at(16, "日期须按先后排列且不重复")
    assert "年龄“-1”" in text and "年龄“200”" in text
    assert "example 须为 true，或列出无来源的键" in text
    assert "缺少“age_max”" in text and "缺少“regions”" in text
    assert at(20, "未知的筛查类型“mammography”")
    assert "缺少筛查类型“newborn”" in text


def test_not_a_mapping_and_not_yaml(tmp_path):
    with pytest.raises(ValidationErrors) as exc:
        programmes.load(_write(tmp_path, "- a\n- b\n"))
    assert "文件内容须为映射" in exc.value.errors[0].message
    with pytest.raises(ValidationErrors) as exc:
        programmes.load(_write(tmp_path, "programmes: [\n"))
    assert exc.value.errors[0].code == ErrorCode.SCREENING_PROGRAMME
    with pytest.raises(ValidationErrors) as exc:
        programmes.load(_write(tmp_path, "description: x\n"))
    assert "缺少 programmes" in exc.value.errors[0].message


def test_a_value_may_be_wholly_an_example(tmp_path):
    body = ("  two_cancers:\n    name: 两癌\n    screens: [宫颈癌]\n    values:\n"
            "      2014-01-01: {sex: F, age_min: 35, age_max: 64, age_on: start, regions: [],\n"
            "                   example: true}\n")
    progs = programmes.load(_write(tmp_path, _file(body)))
    value = progs.in_force(kind="two_cancers", on=dt.date(2020, 1, 1)).value
    assert value.examples == set(programmes.TARGET_KEYS) and value.source == ""
    assert progs.in_force(kind="two_cancers", on=dt.date(2013, 12, 31)) is None


def test_system_check_reports_a_broken_file(tmp_path, settings):
    assert checks.programme_file_valid(None) == []
    (tmp_path / "screening").mkdir()
    (tmp_path / "screening" / "programmes.yaml").write_text(_file(BAD), encoding="utf-8")
    settings.JKFP_POLICIES_DIR = tmp_path
    found = checks.programme_file_valid(None)
    assert found and all(e.id == "jkfp.E010" for e in found)
    assert any("colour" in e.msg for e in found)
