"""Excel lists of the contract pages (teams, contracts, worklists, management status and rates,
fulfilment), written row by row with `registry.xlsxstream` into a temporary file. A list that
carries health details (patients, visits, management status) is logged person by person, as
the showing of a full number is (`accounts.services.data_access_log`, channel "export")."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

from django.utils import timezone

from jkfp.accounts.access import scope_prefix
from jkfp.accounts.models import User
from jkfp.accounts.services import data_access_log
from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT = 200_000
HEADER_ROWS = 4  # title, conditions, note, blank; the column heads follow


def write(*, user: User, title: str, header: list[tuple[str, float]],
          rows: Iterable[tuple[int | None, list]], conditions: str = "", health: bool,
          path: str = ""):
    """A workbook of `rows` ((person id or None, cells)); returns the open temporary file.

    With `health`, every person listed is logged as shown their health data."""
    tmp = tempfile.TemporaryFile(prefix="jkfp-contracts-")
    shown: list[int] = []
    try:
        with SheetWriter(tmp, sheet=title, widths=[w for _h, w in header],
                         freeze_rows=HEADER_ROWS + 1, autofilter_from=HEADER_ROWS + 1) as sheet:
            sheet.row([title], style=TITLE)
            sheet.row([f"条件：{conditions or '无'}；导出用户：{user.get_username()}（管辖区划 "
                       f"{scope_prefix(user) or '全部'}）；导出时间："
                       f"{timezone.localtime():%Y-%m-%d %H:%M}"])
            sheet.row(["含健康信息，仅限工作使用；身份证号已脱敏。本次导出已记录。" if health
                       else "身份证号已脱敏。"])
            sheet.row([])
            sheet.row([h for h, _w in header], style=HEAD)
            for n, (person_id, cells) in enumerate(rows):
                if n >= LIMIT:
                    break
                if person_id is not None:
                    shown.append(person_id)
                sheet.row(cells)
        if health and shown:
            data_access_log(user=user, person_ids=shown, field="health", channel="export",
                            path=path)
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    return tmp
