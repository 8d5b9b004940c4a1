"""`jkfp settle` on bad input: a Chinese error, exit 1, no traceback, no result file
(issue 7, Production), through call_command and the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

HEADER = (
    "stay_id,person_id,county_code,category,hospital_grade,location,referred,"
    "admission_date,discharge_date,total_cost,in_policy_cost\n"
)
ROW = "p1,640323,registered_poor,1,county,true,2019-03-01,2019-03-10,20000,16000\n"


def settle_fails(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        call_command("settle", *args)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_field_over_131072_characters(tmp_path, capsys, quoted):
    stay_id = "a" * 140_000
    stays = tmp_path / "stays.csv"
    stays.write_text(HEADER + (f'"{stay_id}"' if quoted else stay_id) + "," + ROW, encoding="utf-8")
    out = tmp_path / "result.csv"
    err = settle_fails(capsys, str(stays), "--out", str(out))
    assert "131,072" in err and "未写出结果文件" in err
    assert not out.exists()


def test_a_number_of_thousands_of_digits(tmp_path, capsys):
    stays = tmp_path / "stays.csv"
    stays.write_text(HEADER + "a1," + ROW.replace(",16000", "," + "9" * 5000), encoding="utf-8")
    out = tmp_path / "result.csv"
    assert "不是金额" in settle_fails(capsys, str(stays), "--out", str(out))
    assert not out.exists()


def test_non_utf8_stays(tmp_path, capsys):
    stays = tmp_path / "stays.csv"
    stays.write_bytes((HEADER + "a1," + ROW.replace("registered_poor", "低保对象")).encode("gbk"))
    assert "不是 UTF-8 编码" in settle_fails(capsys, str(stays), "--out", str(tmp_path / "r.csv"))


def test_out_into_a_missing_folder(tmp_path, capsys):
    stays = tmp_path / "stays.csv"
    stays.write_text(HEADER + "a1," + ROW, encoding="utf-8")
    err = settle_fails(capsys, str(stays), "--out", str(tmp_path / "missing" / "r.csv"))
    assert "目录" in err and "不存在" in err
    assert not (tmp_path / "missing").exists()


def test_console_script(tmp_path):
    stays = tmp_path / "stays.csv"
    stays.write_text(HEADER + "a1," + ROW, encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jkfp.config.settings"}
    jkfp = str(Path(sys.executable).parent / "jkfp")
    done = subprocess.run(
        [jkfp, "settle", str(stays), "--out", "missing/r.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "不存在" in done.stderr
