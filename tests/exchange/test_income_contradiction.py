"""The monitoring income line (policies/registry/income_lines.yaml, strict loader, jkfp
check) and the contradiction it feeds: a 特困 person in a household whose per-capita income
is over the line (decision 53a)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from jkfp.errors import ValidationErrors
from jkfp.exchange import services
from jkfp.registry import income_lines
from jkfp.registry.models import CategoryPeriod, HouseholdIncome

from .files import xlsx

MON_HEADER = ["县（市、区）", "乡（镇）", "行政村", "户编号", "姓名", "证件号码", "与户主关系",
              "人均纯收入", "户类型"]


def _extreme_poor(person):
    CategoryPeriod.objects.create(person=person, region_code=person.region_code,
                                  category="extreme_poor", start_date=dt.date(2020, 1, 1))


def test_shipped_file_national_2021_sourced_later_years_examples():
    lines = income_lines.load()
    first = lines[("national", 2021)]
    assert (first.fen, first.example) == (600000, False) and first.source
    year = timezone.localdate().year
    line = income_lines.income_line(region_code="640323100201", year=year)
    assert line is not None and line.example is True
    assert income_lines.income_line(region_code="640323", year=1999) is None
    assert not [e for e in run_checks() if e.id == "jkfp.E021"]


def test_strict_loader_names_every_error_and_its_line(tmp_path):
    path = tmp_path / "income_lines.yaml"
    path.write_text(
        "description: x\n"
        "lines:\n"
        "  - {region: national, year: 2021, yuan: 6000, source: s}\n"
        "  - {region: national, year: 2021, yuan: 6000, source: s}\n"
        "  - {region: '640', year: 2022, yuan: '6,000', example: true, note: n}\n"
        "  - {region: '64', year: 2023, yuan: 6000}\n"
        "  - {region: '64', year: 2024, yuan: 6000, example: true, colour: red, note: n}\n",
        encoding="utf-8")
    with pytest.raises(ValidationErrors) as exc:
        income_lines.load(path)
    messages = [e.message for e in exc.value.errors]
    assert any(":4：" in m and "重复" in m for m in messages)
    assert any(":5：" in m and "region“640”无效" in m for m in messages)
    assert any(":5：" in m and m.split("：")[1] == "yuan" for m in messages)
    assert any(":6：" in m and "须注明来源" in m for m in messages)
    assert any(":7：" in m and "未知的键“colour”" in m for m in messages)


def test_monitoring_row_income_over_the_line_with_a_te_kun_member(rural, people):
    head, wife = people["head"], people["wife"]
    _extreme_poor(wife)
    rows = [["盐池县", "花马池镇", "测试村花一", "HH-A", head.name, head.id_number, "户主",
             "6500.00", "监测户"],
            ["盐池县", "花马池镇", "测试村花一", "HH-A", wife.name, wife.id_number, "配偶",
             "6500.00", "监测户"]]
    batch = services.batch_check(user=rural, kind="monitoring", file_name="监测.xlsx",
                                 data=xlsx(MON_HEADER, rows))
    found = [c for c in batch.comparison["contradictions"]
             if c["what"] == "特困人员所在户收入超过监测线"]
    year = timezone.localdate().year
    assert found == [{"line": 4, "household_id": head.household_id,
                      "what": "特困人员所在户收入超过监测线",
                      "text": f"名单人均纯收入6500.00元高于{year}年监测收入标准6000.00元"
                              "（示例值），户中有特困人员"}]
    under = [r[:7] + ["5999.99", "监测户"] for r in rows]
    batch = services.batch_check(user=rural, kind="monitoring", file_name="监测.xlsx",
                                 data=xlsx(MON_HEADER, under))
    assert not [c for c in batch.comparison["contradictions"]
                if c["what"] == "特困人员所在户收入超过监测线"]


def test_civil_affairs_te_kun_row_against_the_registry_income(civil, people):
    head = people["head"]
    year = timezone.localdate().year
    HouseholdIncome.objects.create(household=head.household, year=year, total_fen=1300000,
                                   members=2, per_capita_fen=650000)
    batch = services.batch_check(
        user=civil, kind="civil_affairs", file_name="民政.xlsx",
        data=xlsx(["姓名", "身份证号码", "保障类别", "起始日期"],
                  [[head.name, head.id_number, "特困人员", "2024-01-01"]]))
    found = [c for c in batch.comparison["contradictions"]
             if c["what"] == "特困人员所在户收入超过监测线"]
    assert len(found) == 1 and found[0]["text"].startswith("登记人均纯收入6500.00元")
