"""`jkfp load_regions` refuses bad files with a Chinese error naming the row, exits 1, prints
no traceback and writes nothing (issue 7, Production)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jkfp.regions.models import Region
from jkfp.regions.services import region_load_rows

HEADER = "code,name,level,parent\n"


@pytest.fixture
def yanchi(db):
    region_load_rows(
        rows=[
            {"code": "64", "name": "宁夏回族自治区", "level": "province", "parent": ""},
            {"code": "6403", "name": "吴忠市", "level": "city", "parent": "64"},
            {"code": "640323", "name": "盐池县", "level": "county", "parent": "6403"},
            {"code": "640323100", "name": "花马池镇", "level": "township", "parent": "640323"},
        ]
    )
    region_load_rows(
        rows=[
            {"code": "640323100201", "name": "演示村", "level": "village", "parent": "640323100"}
        ],
        generated=True,
    )
    return Region.objects.count()


def load_fails(path: Path) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("load_regions", str(path))
    return str(exc.value)


def test_non_utf8_file_is_named_and_nothing_written(yanchi, tmp_path):
    f = tmp_path / "gbk.csv"
    f.write_bytes((HEADER + "640323100202,新村,village,640323100\n").encode("gbk"))
    msg = load_fails(f)
    assert "不是 UTF-8 编码" in msg and "gbk.csv" in msg
    assert Region.objects.count() == yanchi


def test_oversized_cells_are_refused(yanchi, tmp_path):
    long_name = tmp_path / "long.csv"
    long_name.write_text(
        HEADER + "640323100202," + "长" * 65 + ",village,640323100\n", encoding="utf-8"
    )
    msg = load_fails(long_name)
    assert "第2行" in msg and "名称长 65 个字符，超过上限 64" in msg
    huge = tmp_path / "huge.csv"  # beyond the csv module's field limit (131,072)
    huge.write_text(
        HEADER + '640323100202,"' + "长" * 140_000 + '",village,640323100\n', encoding="utf-8"
    )
    assert "超过 131,072 个字符" in load_fails(huge)
    assert Region.objects.count() == yanchi


def test_fullwidth_digit_codes_are_refused_with_the_halfwidth_form(yanchi, tmp_path):
    f = tmp_path / "fw.csv"
    f.write_text(
        HEADER + "６４０３２３１００２０２,新村,village,640323100\n"
        "640323100203,又一村,village,６４０３２３１００\n",
        encoding="utf-8",
    )
    msg = load_fails(f)
    assert "第2行" in msg and "请改为半角数字“640323100202”" in msg
    assert "第3行" in msg and "上级代码" in msg
    assert Region.objects.count() == yanchi
    assert not Region.objects.filter(code__in=["６４０３２３１００２０２", "640323100203"]).exists()


def test_a_partial_file_does_not_reset_the_generated_flag(yanchi, tmp_path):
    f = tmp_path / "partial.csv"
    f.write_text(HEADER + "640323100201,演示村改名,village,640323100\n", encoding="utf-8")
    msg = load_fails(f)
    assert "已登记为演示生成区划" in msg and "--generated" in msg
    village = Region.objects.get(code="640323100201")
    assert village.is_generated and village.name == "演示村"
    # and an official township is not turned into a generated one
    g = tmp_path / "township.csv"
    g.write_text(HEADER + "640323100,花马池镇,township,640323\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_regions", str(g), "--generated")
    assert "已登记为官方区划" in str(exc.value)
    assert not Region.objects.get(code="640323100").is_generated
    # the same file with the right flag loads
    call_command("load_regions", str(f), "--generated")
    assert Region.objects.get(code="640323100201").name == "演示村改名"


def test_console_script_exits_1_without_traceback(tmp_path):
    f = tmp_path / "gbk.csv"
    f.write_bytes((HEADER + "640323100202,新村,village,640323100\n").encode("gbk"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jkfp.config.settings",
        "JKFP_SQLITE": str(tmp_path / "unused.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    jkfp = str(Path(sys.executable).parent / "jkfp")
    done = subprocess.run(
        [jkfp, "load_regions", str(f)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "不是 UTF-8 编码" in done.stderr and "Traceback" not in done.stderr
