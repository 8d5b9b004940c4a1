"""Household numbers as data (registry/numbering.py, policies/registry/household_numbers.yaml):
the strict file, the system check, and registration without a number."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks

from jkfp.errors import DomainError, ValidationErrors
from jkfp.registry import numbering, services
from jkfp.registry.models import Household

from ..conftest import CHANGZHI_VILLAGE, VILLAGE
from ..factories import HouseholdFactory, make_id

SHIPPED = Path(settings.JKFP_POLICIES_DIR) / numbering.FILE

BAD = """\
description: x
extra: 1
rules:
  "6403":
    format: "{village}-{serial:05d}-{serial:02d}"
    example: true
    note: n
  "1404":
    format: "{town}{serial:03d}"
    example: true
    note: n
  "64032310":
    format: "{village}{serial:3d}"
    source: s
  "abc":
    format: "{village}{serial:03d}"
    source: s
  "14040310":
    format: "{village}{serial:03d}"
  "6403231":
    format: "{village}{serial:03d}"
    start: -1
    source: s
  "640323101":
    format: "{village}{serial:03d}"
    example: true
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "household_numbers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_is_valid_and_marked_as_example():
    rules = numbering.load(SHIPPED)
    assert rules and all(r.example and r.note for r in rules)


def test_every_error_of_a_bad_file_names_its_line(tmp_path):
    with pytest.raises(ValidationErrors) as e:
        numbering.load(_write(tmp_path, BAD))
    msgs = [err.message for err in e.value.errors]
    assert all(err.code == "numbering_invalid" for err in e.value.errors)
    expected = {
        2: "未知的键",
        5: "有且只有一个顺序号",
        9: "未知的占位符",
        13: "顺序号须写作",
        15: "区划代码前缀",
        18: "须注明来源",
        22: "起始顺序号",
        24: "示例规则须写明 note",
    }
    for line, text in expected.items():
        assert any(f"household_numbers.yaml:{line}" in m and text in m for m in msgs), (line, msgs)
    assert len(msgs) == len(expected)


def test_duplicate_key_and_syntax_errors(tmp_path):
    with pytest.raises(ValidationErrors) as e:
        numbering.load(
            _write(
                tmp_path,
                'rules:\n  "64": {format: "{serial:02d}", source: a}\n'
                '  "64": {format: "{serial:02d}", source: b}\n',
            )
        )
    assert ":3" in e.value.errors[0].message


def test_system_check_reports_a_broken_file(tmp_path, settings):
    settings.JKFP_POLICIES_DIR = tmp_path
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "household_numbers.yaml").write_text(BAD, encoding="utf-8")
    ids = {m.id for m in run_checks()}
    assert "jkfp.E020" in ids
    settings.JKFP_POLICIES_DIR = SHIPPED.parents[1]
    assert "jkfp.E020" not in {m.id for m in run_checks()}


def test_registration_without_a_number_takes_the_next(users, regions):
    HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, household_number=f"{VILLAGE}00007")
    HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, household_number="手工编号-99999")
    member = services.MemberInput(id_number=make_id(), name="户主", relation="head")
    hh = services.household_register(
        user=users["village"],
        household_number="",
        village_code=VILLAGE,
        address="",
        members=[member],
    )
    assert hh.household_number == f"{VILLAGE}00008"
    member = services.MemberInput(id_number=make_id(), name="户主二", relation="head")
    hh = services.household_register(
        user=users["village"],
        household_number=" ",
        village_code=VILLAGE,
        address="",
        members=[member],
    )
    assert hh.household_number == f"{VILLAGE}00009"


def test_a_village_without_a_rule_needs_a_number(users, tmp_path, settings, regions):
    path = tmp_path / "registry"
    path.mkdir()
    (path / "household_numbers.yaml").write_text(
        'rules:\n  "1404":\n    format: "CZ{county}-{serial:04d}"\n    start: 100\n'
        "    source: 测试规则\n",
        encoding="utf-8",
    )
    settings.JKFP_POLICIES_DIR = tmp_path
    member = services.MemberInput(id_number=make_id(), name="户主", relation="head")
    with pytest.raises(DomainError) as e:
        services.household_register(
            user=users["village"],
            household_number="",
            village_code=VILLAGE,
            address="",
            members=[member],
        )
    assert [err.code for err in e.value.errors] == ["numbering_no_rule"]
    assert numbering.next_number(village_code=CHANGZHI_VILLAGE) == "CZ140403-0100"
    assert not Household.objects.exists()
