import pytest
from django.core.management import CommandError, call_command

from jkfp.errors import ErrorCode, ValidationErrors
from jkfp.regions import codes
from jkfp.regions.models import Region, RegionCodeAlias
from jkfp.regions.selectors import region_current_code, region_path
from jkfp.regions.services import region_load_rows


def test_builtin_divisions_are_loaded_by_migrations(db):
    assert Region.objects.get(code="1404").name == "长治市"
    assert Region.objects.filter(parent_id="1404", level="county").count() == 12
    assert Region.objects.filter(parent_id="640323", level="township").count() == 9
    assert Region.objects.get(code="640323203").name == "麻黄山乡"
    assert RegionCodeAlias.objects.count() == 5
    assert region_current_code(code="140421") == "140404"  # 长治县 → 上党区
    assert region_current_code(code="140403") == "140403"
    assert [r.code for r in region_path(code="640323100")] == ["64", "6403", "640323",
                                                               "640323100"]


def test_codes():
    assert codes.normalize_code("140400000000") == "1404"
    assert codes.normalize_code("640323100000") == "640323100"
    assert codes.normalize_code("640323100201") == "640323100201"
    assert codes.parent_code("640323100201") == "640323100"
    assert codes.township_kind("640323001") == "街道"
    assert codes.township_kind("640323100") == "镇"
    assert codes.township_kind("640323203") == "乡"
    with pytest.raises(ValueError):
        codes.normalize_code("64032")


def test_load_csv_all_or_nothing(db, tmp_path):
    f = tmp_path / "regions.csv"
    f.write_text(
        "code,name,level,parent\n"
        "640323100201000,坏代码,village,640323100\n"     # line 2: 15 digits
        "640323100201,好村,village,640323100\n"           # line 3: fine
        "640323101201,错上级,village,640323100\n"         # line 4: parent is not its prefix
        "640323999201,无上级,village,640323999\n",        # line 5: parent unknown
        encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_regions", str(f))
    msg = str(exc.value)
    assert "第2行" in msg and "第4行" in msg and "第5行" in msg
    assert not Region.objects.filter(code="640323100201").exists()


def test_load_rows_twelve_digit_codes_and_update(db):
    # the township is official (already loaded); the generated village is loaded apart, since a
    # file may not change a region's generated flag (test_load_regions_bad_input.py)
    n = region_load_rows(rows=[
        {"code": "640323100000", "name": "花马池镇", "level": "township", "parent": "640323"},
    ])
    n += region_load_rows(rows=[
        {"code": "640323100201", "name": "甲村", "level": "village",
         "parent": "640323100000"},
    ], generated=True)
    assert n == 2
    assert Region.objects.get(code="640323100201").is_generated
    with pytest.raises(ValidationErrors) as exc:
        region_load_rows(rows=[{"code": "640323100202", "name": "", "level": "village",
                                "parent": "640323100"}])
    assert exc.value.errors[0].code == ErrorCode.REQUIRED and exc.value.errors[0].row == 2
