"""Health literacy (decision 66c): the import through `jkfp literacy --as`, a score outside its
scale refused, and the indicator as the share at the threshold judged by its change since 2021."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from jkfp.accounts.models import Role
from jkfp.indicators.models import EducationActivity, Figure, LiteracyResult
from jkfp.indicators.selectors import figures_of
from jkfp.indicators.services import indicators_rebuild
from tests.conftest import OTHER_TOWNSHIP_VILLAGE as C
from tests.conftest import OTHER_VILLAGE_SAME_TOWNSHIP as B
from tests.conftest import VILLAGE as A
from tests.factories import UserFactory


@pytest.fixture
def county(regions):
    return UserFactory(region_id="640323", role=Role.APPROVER, username="lit_county")


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return str(f)


def test_import_and_the_indicator_judged_by_its_change_since_2021(county, tmp_path):
    # 2021: A 1 of 4 at 80 or more (25%); 2025: A 2 of 4 (50%), B 1 of 1 → township 3 of 5
    call_command("literacy", "import", "--as", "lit_county", "--year", "2021", "--region",
                 "640323", "--name", "2021年监测", write(tmp_path, "a.csv", (
                     f"sample,region_code,score\n1,{A},80\n2,{A},79.5\n3,{A},10\n4,{A},0\n"
                 )))
    call_command("literacy", "import", "--as", "lit_county", "--year", "2025", "--region",
                 "640323", "--name", "2025年监测", write(tmp_path, "b.csv", (
                     f"sample,region_code,score\n1,{A},80\n2,{A},100\n3,{A},60\n4,{A},79.99\n"
                     f"5,{B},90\n")))
    indicators_rebuild(years=[2021, 2025], today=dt.date(2026, 3, 1))

    def fig(code, period):
        f = Figure.objects.get(indicator="health_literacy", region_code=code, period=period)
        return f.numerator, f.denominator

    assert fig(A, "2021") == (1, 4) and fig(A, "2025") == (2, 4)
    assert fig("640323100", "2025") == (3, 5)
    assert not Figure.objects.filter(indicator="health_literacy", period="2025-05").exists()
    (row,) = [r for r in figures_of(user=county, region_code=A, period="2025")
              if r.indicator.id == "health_literacy"]
    assert row.change == pytest.approx(25.0) and row.meets is True
    assert row.shown == "50.00%（较2021年+25.00个百分点）"
    (town,) = [r for r in figures_of(user=county, region_code="640323100", period="2025")
               if r.indicator.id == "health_literacy"]
    assert town.change == pytest.approx(60.0 - 25.0)  # 2021's township figure: 1 of 4


def test_a_score_outside_its_scale_refuses_the_whole_file(county, tmp_path):
    f = write(tmp_path, "bad.csv", f"sample,region_code,score\n1,{A},80\n2,{A},101\n3,{A},-1\n")
    with pytest.raises(CommandError) as exc:
        call_command("literacy", "import", "--as", "lit_county", "--year", "2025",
                     "--region", "640323", "--name", "x", f)
    msg = str(exc.value)
    assert "[literacy_score_scale] 第3行：得分101超出量表范围（0至100分）" in msg
    assert "第4行：得分-1超出量表范围" in msg
    assert not LiteracyResult.objects.exists()


def test_a_village_outside_the_scope_and_a_missing_as(regions, tmp_path):
    UserFactory(region_id="640323100", role=Role.APPROVER, username="lit_town")
    f = write(tmp_path, "c.csv", f"sample,region_code,score\n1,{C},80\n")
    with pytest.raises(CommandError) as exc:
        call_command("literacy", "import", "--as", "lit_town", "--year", "2025",
                     "--region", "640323100", "--name", "x", f)
    assert f"第2行：区划代码“{C}”不是您管辖区域内的村" in str(exc.value)
    with pytest.raises(CommandError, match="--as"):
        call_command("literacy", "import", "--year", "2025", "--region", "640323100",
                     "--name", "x", f)


def test_health_education_activities(county, tmp_path):
    f = write(tmp_path, "d.csv", ("what,region_code,held_on,reached\n"
                                  f"高血压防治讲座,{A},2025-03-01,120\n"
                                  f"义诊,640323100,2025-04-02,80\n"))
    call_command("literacy", "activities", "--as", "lit_county", f)
    assert sorted(EducationActivity.objects.values_list("region_code", "reached")) == [
        ("640323100", 80), (A, 120)]
    bad = write(tmp_path, "e.csv", f"what,region_code,held_on,reached\n讲座,{A},2025-13-01,5\n")
    with pytest.raises(CommandError, match="第2行：日期须为"):
        call_command("literacy", "activities", "--as", "lit_county", bad)
