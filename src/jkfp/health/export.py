"""Excel lists of health data (cases, chronic patients). Health data is sensitive: every export
is logged person by person, as the showing of a full number is (`data_access_log`)."""

from __future__ import annotations

import tempfile

from django.db.models import QuerySet
from django.utils import timezone

from jkfp.accounts.access import require_health_reader, scope_prefix
from jkfp.accounts.models import User
from jkfp.accounts.services import data_access_log
from jkfp.registry.idnumber import mask as mask_id
from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter

from .timeline import disease_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT = 200_000


def _write(*, user: User, title: str, filters: dict, header: list[tuple[str, float]], rows,
           path: str):
    tmp = tempfile.TemporaryFile(prefix="jkfp-health-")
    shown: list[int] = []
    with SheetWriter(tmp, sheet=title, widths=[w for _h, w in header], freeze_rows=5,
                     autofilter_from=5) as sheet:
        sheet.row([title], style=TITLE)
        f = "；".join(f"{k}={v}" for k, v in sorted(filters.items()) if v and k != "page")
        sheet.row([f"条件：{f or '无'}；导出用户：{user.get_username()}（管辖区划 "
                   f"{scope_prefix(user) or '全部'}）；导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"])
        sheet.row(["含健康信息，仅限工作使用；身份证号已脱敏。本次导出已记录。"])
        sheet.row([])
        sheet.row([h for h, _w in header], style=HEAD)
        for person_id, cells in rows:
            shown.append(person_id)
            sheet.row(cells)
    data_access_log(user=user, person_ids=shown, field="health", channel="export", path=path)
    tmp.seek(0)
    return tmp


def cases_write(*, user: User, cases: QuerySet, filters: dict, path: str = ""):
    require_health_reader(user)
    header = [("病例号", 8), ("姓名", 10), ("身份证号", 20), ("区划代码", 14), ("病种", 18),
              ("诊断", 8), ("状态", 8), ("发现途径", 10), ("发现日期", 11), ("定点医院", 24),
              ("建档日期", 11), ("救治结果", 8), ("销号原因", 10), ("销号日期", 11)]

    def rows():
        for c in cases[:LIMIT].iterator(chunk_size=2000):
            yield c.person_id, [str(c.pk), c.person.name, mask_id(c.person.id_number),
                                c.region_code, disease_name(c.disease_code, c.region_code,
                                                            c.found_on),
                                c.icd10, c.get_status_display(), c.get_found_via_display(),
                                c.found_on, c.hospital_name, c.opened_on,
                                c.get_outcome_display(), c.get_close_reason_display(),
                                c.closed_on]
    return _write(user=user, title="大病专项救治病例", filters=filters, header=header,
                  rows=rows(), path=path)


def registrations_write(*, user: User, registrations: QuerySet, filters: dict, path: str = ""):
    require_health_reader(user)
    header = [("登记号", 8), ("姓名", 10), ("身份证号", 20), ("区划代码", 14), ("病种", 14),
              ("诊断", 8), ("确诊日期", 11), ("确诊机构", 20), ("登记日期", 11),
              ("最近随访", 11), ("下次随访", 11), ("结束管理", 11)]

    def rows():
        for r in registrations[:LIMIT].iterator(chunk_size=2000):
            yield r.person_id, [str(r.pk), r.person.name, mask_id(r.person.id_number),
                                r.region_code, disease_name(r.disease_code, r.region_code,
                                                            r.diagnosed_on),
                                r.icd10, r.diagnosed_on, r.confirmed_by, r.registered_on,
                                r.last_visit_on, r.next_visit_on, r.ended_on]
    return _write(user=user, title="慢病管理患者", filters=filters, header=header, rows=rows(),
                  path=path)
