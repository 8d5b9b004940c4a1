"""The command-line contract: `jkfp settle`, `jkfp policy check|show|compare`."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jkfp.policy.cli import (
    default_policies_dir,
    policy_main,
    run_check,
    run_compare,
    run_settle,
    run_show,
    settle_main,
)

from .conftest import FIXTURE_POLICIES, POLICIES, REPO

HEADER = ("stay_id,person_id,county_code,category,hospital_grade,location,referred,"
          "admission_date,discharge_date,total_cost,in_policy_cost\n")
GOOD = HEADER + (
    "a1,p1,640323,registered_poor,1,county,true,2019-03-01,2019-03-10,20000,16000\n"
    "a2,p1,640323,建档立卡贫困人口,1,county,true,2019-06-01,2019-06-10,40000,35000\n"
    "b1,p2,500112,低保边缘家庭成员,2,county,true,2023-03-01,2023-03-09,52000.00,50000\n"
    "c1,p3,140427,minimum_living,2,city,false,2020-06-01,2020-06-09,8000.5,7000.25\n"
)


def write(tmp_path: Path, text: str, name: str = "stays.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_settle_writes_one_row_per_stay_in_input_order(tmp_path: Path) -> None:
    out = tmp_path / "result.csv"
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_settle(write(tmp_path, GOOD), out, policies_dir=POLICIES, stdout=stdout,
                        stderr=stderr)
    assert status == 0, stderr.getvalue()
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["stay_id", "basic", "critical_illness", "medical_assistance", "guarantee",
                       "large_expense", "tilted_assistance", "reimbursed_total", "self_pay",
                       "policy", "deposit_waived", "example_values"]
    assert rows[1] == ["a1", "13430.00", "0.00", "1542.00", "3028.00", "", "", "18000.00",
                       "2000.00", "yanchi-2018-2020@v1", "true", "true"]
    assert rows[2] == ["a2", "29665.00", "2943.00", "1435.20", "2956.80", "", "", "37000.00",
                       "3000.00", "yanchi-2018-2020@v1", "true", "true"]
    assert rows[3] == ["b1", "34790.00", "", "", "", "10647.00", "937.80", "46374.80",
                       "5625.20", "yubei-2023@v1", "false", "false"]
    # 长治, 低保 in the city, grade 2: basic (7000.25-500)×80% = 5200.20; critical: 1800.05 left,
    # under 10000; assistance (1800.05-1000)×70% = 560.035 → 560.04
    assert rows[4] == ["c1", "5200.20", "0.00", "560.04", "", "", "", "5760.24", "2240.26",
                       "changzhi-2019-2020@v1", "false", "true"]
    assert "已结算 4 次住院" in stdout.getvalue() and "示例参数" in stdout.getvalue()


BAD = HEADER + (
    "a1,p1,640323,registered_poor,1,county,true,2019-03-01,2019-03-10,20000,16000\n"
    "a2,p1,640323,nobody,5,home,maybe,2019-13-01,2019-03-10,-5,abc\n"
    "a1,p1,640323,general,1,county,true,2019-03-01,2019-03-10,100,50\n"
    "a4,p4,640323,general,1,county,true,2017-03-01,2017-03-10,100,150\n"
    "a5,p5,64032,general,1,county,FALSE,2019-03-09,2019-03-01,100.123,1\n"
    "a6,,640323,general,1,county,true,2019-03-01,2019-03-01,100,100\n"
)


def test_bad_rows_are_all_listed_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "result.csv"
    stderr = io.StringIO()
    status = run_settle(write(tmp_path, BAD), out, policies_dir=POLICIES, stdout=io.StringIO(),
                        stderr=stderr)
    assert status == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "stays.csv"]  # no temporary file left
    text = stderr.getvalue()
    expected = [
        "第3行，列 category：未知的人员类别“nobody”",
        "第3行，列 hospital_grade：医院等级“5”无效",
        "第3行，列 location：未知的就医地“home”",
        "第3行，列 referred：“maybe”不是 true 或 false",
        "第3行，列 admission_date：日期“2019-13-01”无效",
        "第3行，列 total_cost：金额不能为负数（-5）",
        "第3行，列 in_policy_cost：金额“abc”无效",
        "第4行，列 stay_id：stay_id “a1” 重复（第一次出现在第2行）",
        "第5行，列 in_policy_cost：政策范围内费用 150 大于总费用 100",
        "第5行，列 admission_date：县区 640323 在入院日期 2017-03-01 没有适用的政策",
        "第6行，列 county_code：县区编码“64032”无效",
        "第6行，列 discharge_date：出院日期 2019-03-01 早于入院日期 2019-03-09",
        "第6行，列 total_cost：金额“100.123”无效",
        "第7行，列 person_id：不能为空",
    ]
    for line in expected:
        assert line in text, line
    assert "14 处错误，未结算、未写出结果文件" in text


def test_an_existing_output_is_left_alone_on_bad_input(tmp_path: Path) -> None:
    out = write(tmp_path, "previous\n", "result.csv")
    assert run_settle(write(tmp_path, BAD), out, policies_dir=POLICIES, stdout=io.StringIO(),
                      stderr=io.StringIO()) == 1
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_missing_column(tmp_path: Path) -> None:
    stderr = io.StringIO()
    path = write(tmp_path, "stay_id,person_id\n1,2\n")
    assert run_settle(path, tmp_path / "o.csv", policies_dir=POLICIES, stdout=io.StringIO(),
                      stderr=stderr) == 1
    assert "第1行，列 county_code：缺少列 county_code" in stderr.getvalue()


def test_progress_bar_goes_to_stderr(tmp_path: Path) -> None:
    stderr = io.StringIO()
    assert run_settle(write(tmp_path, GOOD), tmp_path / "o.csv", policies_dir=POLICIES,
                      progress=True, stdout=io.StringIO(), stderr=stderr) == 0
    assert "结算" in stderr.getvalue() and "/4 " in stderr.getvalue()


def test_policy_check_passes_and_reports_broken_folders(tmp_path: Path) -> None:
    stdout = io.StringIO()
    assert run_check([POLICIES, FIXTURE_POLICIES], stdout=stdout, stderr=io.StringIO()) == 0
    assert "6 套政策" in stdout.getvalue() and "yubei-2023@v1" in stdout.getvalue()
    broken = tmp_path / "p"
    shutil.copytree(POLICIES / "yanchi", broken / "yanchi")
    path = broken / "yanchi/2018-2020/guarantee.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 0.1", "value: 10"),
                    encoding="utf-8")
    stderr = io.StringIO()
    assert run_check([broken], stdout=io.StringIO(), stderr=stderr) == 1
    assert "guarantee.yaml:15" in stderr.getvalue() and "超出范围" in stderr.getvalue()


def test_policy_show_lists_values_with_dates_and_sources() -> None:
    stdout = io.StringIO()
    assert run_show("长治市", __import__("datetime").date(2020, 6, 1), policies_dir=POLICIES,
                    stdout=stdout, stderr=io.StringIO()) == 0
    text = stdout.getvalue()
    assert "changzhi-2019-2020@v1" in text
    assert "建档立卡贫困人口 5,000.00元 — 长治市健康扶贫2019-2020年攻坚行动实施方案，（十三）" in text
    assert "年度支付限额（封顶线）（basic.annual_cap，自2020-01-01起）：200,000.00元 〔示例〕" in text
    assert "〔示例〕标注的取值没有公开来源" in text
    assert policy_main(["show", "nowhere", "2020-01-01", "--policies", str(POLICIES)]) == 1


@pytest.mark.parametrize("region,day", [("长治市", (2020, 6, 1)), ("盐池县", (2023, 6, 1)),
                                        ("盐池县", (2026, 6, 1))])
def test_policy_show_names_documents_not_paths_of_the_brief(region, day) -> None:
    """A user has no shared/ folder: the plans by title, the brief's sections by their sources."""
    stdout = io.StringIO()
    assert run_show(region, __import__("datetime").date(*day), policies_dir=POLICIES,
                    stdout=stdout, stderr=io.StringIO()) == 0
    text = stdout.getvalue()
    assert "seeds/" not in text and "DOMAIN.md" not in text
    assert "实施方案" in text


def test_policy_compare_prints_and_writes_a_workbook_with_a_chart(tmp_path: Path) -> None:
    reform = write(tmp_path, "name: 大病起付线降至3000元\nchanges:\n  yanchi-2018-2020:\n"
                   "    critical_illness.deductible:\n      2018-01-01: 2000\n", "reform.yaml")
    xlsx = tmp_path / "compare.xlsx"
    stdout = io.StringIO()
    status = run_compare(write(tmp_path, GOOD), reform, xlsx=xlsx, threshold_fen=250_000,
                         policies_dir=POLICIES, stdout=stdout, stderr=io.StringIO())
    assert status == 0
    text = stdout.getvalue()
    assert "改革方案：大病起付线降至3000元（4 次住院，3 人·年）" in text
    assert "年自付超过2,500.00元的人数" in text
    with zipfile.ZipFile(xlsx) as z:
        names = z.namelist()
        assert "xl/charts/chart1.xml" in names
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["汇总", "按人员类别", "按县区"]
    summary = wb["汇总"]
    assert summary["A4"].value == "基本医疗保险"
    # basic insurance is unchanged by the reform; its three stays under the baseline
    assert summary["B4"].value == pytest.approx(13430 + 29665 + 34790 + 5200.20)
    assert summary["D4"].value == 0


def test_argument_errors_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        settle_main([str(tmp_path / "x.csv")])  # --out missing
    assert info.value.code == 2


def test_default_policies_folder_falls_back_to_the_repository(tmp_path: Path,
                                                              monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_policies_dir() == REPO / "policies"


def test_console_script_settle_and_check(tmp_path: Path) -> None:
    jkfp = str(Path(sys.executable).parent / "jkfp")
    stays = write(tmp_path, GOOD)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jkfp.config.settings"}
    done = subprocess.run([jkfp, "settle", str(stays), "--out", "result.csv"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "result.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows] == ["stay_id", "a1", "a2", "b1", "c1"]
    assert rows[3][7] == "46374.80"
    bad = write(tmp_path, BAD, "bad.csv")
    done = subprocess.run([jkfp, "settle", str(bad), "--out", "bad-result.csv"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 1 and "第3行，列 category" in done.stderr
    assert not (tmp_path / "bad-result.csv").exists()
    done = subprocess.run([jkfp, "policy", "check"], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0 and "通过" in done.stdout


def test_a_closed_output_pipe_is_no_traceback(tmp_path: Path) -> None:
    """`jkfp settle ... | head -1` where head has gone: status 1, no traceback, the result
    file written in full (its messages come after it)."""
    jkfp = str(Path(sys.executable).parent / "jkfp")
    stays = write(tmp_path, GOOD)
    proc = subprocess.Popen([jkfp, "settle", str(stays), "--out", "result.csv"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the command has started: its first write finds no reader
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    rows = list(csv.reader((tmp_path / "result.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows] == ["stay_id", "a1", "a2", "b1", "c1"]


def test_console_script_runs_the_engine_without_django(tmp_path: Path) -> None:
    """`jkfp settle` and `jkfp policy` skip django.setup() (every app imported: seconds), and
    still exit as Django's commands did: 0, or 1 on a bad file."""
    code = ("import sys\nfrom jkfp import cli\nsys.argv = ['jkfp', *sys.argv[1:]]\n"
            "try:\n    cli.main()\n    status = 0\nexcept SystemExit as e:\n"
            "    status = e.code\nprint(status, sorted({m.split('.')[0] for m in sys.modules}"
            " & {'django', 'jkfp.config'}))\n")
    runs = {name: subprocess.run(
        [sys.executable, "-c", code, "settle", str(write(tmp_path, text, f"{name}.csv")),
         "--out", f"{name}-result.csv", "--policies", str(POLICIES)], cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=False)
        for name, text in (("good", GOOD), ("bad", BAD))}
    assert runs["good"].stdout.splitlines()[-1] == "0 []", runs["good"].stderr
    assert runs["bad"].stdout.splitlines()[-1] == "1 []"
    assert "第3行，列 category" in runs["bad"].stderr
    assert (tmp_path / "good-result.csv").exists() and not (tmp_path / "bad-result.csv").exists()
