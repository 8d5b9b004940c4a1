"""The lists of institutions and staff (kinds `institutions` and `staff`, decision 79): real-
shaped files (title rows, header variants, .xlsx and CSV in GB18030), the facilities rules
per row in Chinese, dry run (the check writes nothing), apply, the gaps recomputed, a second
apply that writes nothing, provenance and undo (voided, nothing deleted)."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.errors import DomainError
from jkfp.exchange import services
from jkfp.exchange.models import Change
from jkfp.facilities import selectors as fac_selectors
from jkfp.facilities.models import Coverage, Gap, GapKind, Institution, Post, Staff
from tests.conftest import OTHER_VILLAGE_SAME_TOWNSHIP as B
from tests.conftest import VILLAGE as A

from .files import csv_bytes, xlsx

D = dt.date
TOWN = "640323100"
INST_HEADER = ["序号", "机构名称", "机构类别", "行政区划代码", "成立日期", "注销日期", "医院等级",
               "是否标准化村卫生室", "服务的其他村"]
STAFF_HEADER = ["序号", "人员姓名", "执业类别", "证书编号", "工作单位", "到岗日期", "离职日期", "是否全职"]


@pytest.fixture
def health(make_user):
    return make_user("640323", Role.REVIEWER, Department.HEALTH, username="wj_fac")


def _inst_file():
    return xlsx(INST_HEADER, [
        [1, "花马池镇卫生院", "卫生院", TOWN, "2015-01-01", None, None, None, None],
        [2, "花一村卫生室", "村卫生室", A + "", "2016/03/01", None, None, "是", B],
        [3, "县人民医院", "县级公立医院", "640323", "20000101", None, "二级", None, None],
    ], title="盐池县医疗卫生机构名单（2025年）")


def _check(user, kind, data, name="x.xlsx"):
    return services.batch_check(user=user, kind=kind, data=data, file_name=name)


def _counts(batch):
    s = batch.summary
    keys = ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")
    assert sum(s[k] for k in keys) == s["rows"]
    return {k: s[k] for k in keys if s[k]}


def _open_gaps(kind):
    return list(Gap.objects.filter(kind=kind, closed_on__isnull=True).values_list(
        "region_code", flat=True))


def test_institutions_dry_run_apply_gaps_second_apply_and_undo(health):
    batch = _check(health, "institutions", _inst_file())
    assert batch.header_line == 3 and _counts(batch) == {"created": 3}
    assert not Institution.objects.exists()                      # the check is a dry run
    row = batch.rows.get(line=5)
    assert {"field": "服务其他村", "before": "无", "after": f"{B}（2016-03-01 起）"} in row.changes
    summary = services.batch_apply(user=health, batch=batch)
    assert (summary["institutions_created"], summary["coverages_created"]) == (3, 1)
    clinic = Institution.objects.get(name="花一村卫生室")
    assert clinic.standardised and clinic.kind == "village_clinic"
    assert Institution.objects.get(name="县人民医院").grade == 2
    assert Coverage.objects.get().village_code == B
    # the gaps are recomputed at once: the clinic and the centre have no doctor yet, and
    # village B is served by A's clinic, so it has no "no clinic" gap
    assert _open_gaps(GapKind.CLINIC_NO_DOCTOR) == [A]
    assert _open_gaps(GapKind.CENTRE_NO_DOCTOR) == [TOWN]
    assert B not in _open_gaps(GapKind.VILLAGE_NO_CLINIC)
    assert A not in _open_gaps(GapKind.VILLAGE_NO_CLINIC)
    # provenance, then the same file again writes nothing
    assert Change.objects.filter(batch=batch, model="facilities.Institution").count() == 3
    again = _check(health, "institutions", _inst_file())
    assert _counts(again) == {"unchanged": 3}
    # a changed file: the clinic loses its standard (an update, before → after)
    changed = xlsx(INST_HEADER, [[1, "花一村卫生室", "卫生室", A, "2016-03-01", None, None, "否",
                                  None]], title=None)
    upd = _check(health, "institutions", changed)
    assert _counts(upd) == {"updated": 1}
    assert upd.rows.get().changes == [{"field": "标准化村卫生室", "before": "是", "after": "否"}]
    services.batch_apply(user=health, batch=upd)
    services.batch_undo(user=health, batch=upd)
    assert Institution.objects.get(name="花一村卫生室").standardised is True   # restored
    services.batch_undo(user=health, batch=batch)
    assert Institution.objects.count() == 3                                  # nothing deleted
    assert set(Institution.objects.values_list("void", flat=True)) == {True}
    assert not fac_selectors.institution_scope(user=health).exists()
    assert _open_gaps(GapKind.CLINIC_NO_DOCTOR) == [] and A in _open_gaps(
        GapKind.VILLAGE_NO_CLINIC)


def test_institution_rows_break_the_facilities_rules_in_chinese(health):
    data = csv_bytes(["机构名称", "机构类型", "所在区划代码", "开业日期", "撤销日期", "服务村代码"], [
        ["无区划卫生室", "村卫生室", "640323999999", "2016-01-01", "", ""],     # no such region
        ["错层级卫生院", "乡镇卫生院", A, "2016-01-01", "", ""],                 # wrong level
        ["倒序卫生室", "村卫生室", A, "2016-01-01", "2015-01-01", ""],
        ["越县卫生室", "村卫生室", A, "2016-01-01", "", "140403100201"],
        ["好卫生室", "村卫生室", B, "2016-01-01", "", ""],
    ], title="机构名单")
    batch = _check(health, "institutions", data, name="机构.csv")
    assert batch.summary["encoding"] == "GB18030"
    assert _counts(batch) == {"errors": 4, "created": 1}
    errs = {r.line: r.errors for r in batch.rows.filter(status="error")}
    assert errs[3] == [{"code": "facility_region", "column": "所在区划代码",
                        "message": "区划“640323999999”不存在：机构须登记在某个行政区划内"}]
    assert errs[4][0]["message"] == f"乡镇卫生院应登记在乡镇级区划，“{A}”不是"
    assert errs[5][0] == {"code": "date_order", "column": "撤销日期", "message": "撤销日期应晚于开业日期"}
    assert errs[6][0]["message"] == "服务村“140403100201”：服务村应与机构在同一县（区）内"
    with pytest.raises(DomainError, match="有4行错误"):
        services.batch_apply(user=health, batch=batch)
    assert not Institution.objects.exists()
    services.batch_apply(user=health, batch=batch, skip_invalid=True)
    assert list(Institution.objects.values_list("name", flat=True)) == ["好卫生室"]


def test_staff_posts_two_full_time_posts_refused_gaps_close_and_undo(health):
    services.batch_apply(user=health, batch=_check(health, "institutions", _inst_file()))
    rows = [
        [1, "王医生", "执业医师", "110640000001", "花马池镇卫生院", "2020-01-01", "", "是"],
        [2, "李村医", "乡村医生（持证）", "", "花一村卫生室", "2020-05-01", "", "是"],
        [3, "王医生", "执业医师", "110640000001", "花一村卫生室", "2021-01-01", "", "是"],  # overlap
        [4, "王医生", "执业医师", "110640000001", "县人民医院", "2022-01-01", "", "否"],   # part-time
        [5, "赵某", "护士", "", "不存在的医院", "2020-01-01", "", "是"],
        [6, "钱某", "护士", "", "花马池镇卫生院", "2010-01-01", "", "是"],   # before it opened
    ]
    batch = _check(health, "staff", csv_bytes(STAFF_HEADER, rows, title="卫生人员名单"), "人员.csv")
    assert _counts(batch) == {"created": 3, "errors": 3}
    errs = {r.line: r.errors[0] for r in batch.rows.filter(status="error")}
    assert errs[5] == {"code": "staff_post_overlap", "column": "到岗日期", "message": (
        "王医生同期已在“花马池镇卫生院”全职在岗（2020-01-01 起）：同一人同时只能有一个全职岗位，请先登记原岗位离岗")}
    assert errs[7]["column"] == "工作单位" and "“不存在的医院”不在您管辖区域的机构登记中" in errs[7]["message"]
    assert errs[8]["code"] == "facility_closed"
    assert not Staff.objects.exists()
    summary = services.batch_apply(user=health, batch=batch, skip_invalid=True)
    assert (summary["staff_created"], summary["posts_created"]) == (2, 3)
    wang = Staff.objects.get(name="王医生")
    assert wang.certificate_number == "110640000001" and wang.posts.count() == 2
    assert Post.objects.get(staff=wang, institution__name="县人民医院").full_time is False
    # the centre's and the clinic's gaps closed on the days the doctors came
    centre_gap = Gap.objects.get(kind=GapKind.CENTRE_NO_DOCTOR)
    assert centre_gap.closed_on == D(2020, 1, 1)
    assert Gap.objects.get(kind=GapKind.CLINIC_NO_DOCTOR).closed_on == D(2020, 5, 1)
    # the same person leaving, by a later list: an update of the post held
    leave = csv_bytes(STAFF_HEADER, [[1, "王医生", "执业医师", "110640000001", "花马池镇卫生院",
                                      "2020-01-01", "2025-06-30", "是"]])
    left = _check(health, "staff", leave, "离岗.csv")
    assert _counts(left) == {"updated": 1}
    services.batch_apply(user=health, batch=left)
    assert _open_gaps(GapKind.CENTRE_NO_DOCTOR) == [TOWN]      # opens the day he leaves
    assert Gap.objects.get(kind=GapKind.CENTRE_NO_DOCTOR, closed_on__isnull=True).opened_on == \
        D(2025, 6, 30)
    services.batch_undo(user=health, batch=left)
    assert Post.objects.get(staff=wang, institution__name="花马池镇卫生院").end_date is None
    assert _open_gaps(GapKind.CENTRE_NO_DOCTOR) == []
    # undo of the institutions is refused while posts of another batch hang on them
    inst_batch = Change.objects.filter(model="facilities.Institution").first().batch
    with pytest.raises(DomainError, match="须先处理该岗位才能撤销此批次"):
        services.batch_undo(user=health, batch=inst_batch)
    services.batch_undo(user=health, batch=batch)
    assert Staff.objects.count() == 2 and not fac_selectors.staff_scope(user=health).exists()
    assert _open_gaps(GapKind.CENTRE_NO_DOCTOR) == [TOWN]
    services.batch_undo(user=health, batch=inst_batch)


def test_only_the_county_health_department_imports_facilities(make_user):
    civil = make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS)
    town = make_user(TOWN, Role.REVIEWER, Department.HEALTH)
    for user in (civil, town):
        with pytest.raises(DomainError) as exc:
            _check(user, "institutions", _inst_file())
        assert exc.value.code == "permission"


def test_the_batch_page_and_the_upload_form_offer_the_facility_lists(client, health):
    batch = _check(health, "institutions", _inst_file())
    client.force_login(health)
    page = client.get(f"/exchange/{batch.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "花一村卫生室" in body and "服务其他村" in body
    form = client.get("/exchange/").content.decode()
    assert "医疗卫生机构名单" in form and "卫生人员及岗位名单" in form
