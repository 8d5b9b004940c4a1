"""The two-way check of a civil-affairs list sent back in the department's headers: ours that
the list lacks, and theirs that we lack; masked or full; logged; 404 outside the scope."""

from __future__ import annotations

import datetime as dt
import io

from django.test import Client
from openpyxl import load_workbook

from jkfp.accounts.models import Department, PersonalDataAccess, Role
from jkfp.exchange import services
from jkfp.registry import services as registry
from jkfp.registry.idnumber import mask
from tests.conftest import VILLAGE
from tests.factories import make_id

from .files import xlsx
from .test_civil_affairs import HEADER


def test_two_way_workbook(civil, people, make_user):
    head, wife = people["head"], people["wife"]
    clerk = make_user(VILLAGE, Role.DATA_ENTRY, Department.HEALTH, username="v_e")
    registry.category_period_add(user=clerk, category="minimum_living", person=wife,
                                 start_date=dt.date(2022, 1, 1))  # ours, not in their list
    stranger = make_id("640323", dt.date(1990, 1, 2), "M")
    data = xlsx(HEADER, [[1, head.name, head.id_number, "低保", "2023-01-01", None],
                         [2, "陌生人", stranger, "特困人员", "2023-01-01", None]])
    batch = services.batch_check(user=civil, kind="civil_affairs", data=data,
                                 file_name="民政名单.xlsx")
    c = Client()
    c.force_login(civil)
    page = c.get(f"/exchange/{batch.pk}/")
    assert 'id="two-way"' in page.content.decode()
    resp = c.get(f"/exchange/{batch.pk}/two-way.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    ours = [r for r in wb["登记中有而名单中无"].iter_rows(min_row=5, values_only=True) if r[0]]
    assert [(r[0], r[1], r[2]) for r in ours] == [(wife.id_number, wife.name, "低保对象")]
    theirs = wb["名单中有而登记中无"]
    assert [c.value for c in theirs[4]][:4] == ["行号", "证件号码", "姓名", "类别"]
    got = {r[0]: r for r in theirs.iter_rows(min_row=5, values_only=True) if r[0]}
    assert got[4][-1] == "登记中无此类别（导入将新增）" and got[4][1] == head.id_number
    assert got[5][-1] == "登记中无此人" and got[5][2] == "陌生人"
    assert PersonalDataAccess.objects.filter(user=civil, field="id_number").count() == 2
    reader = make_user("640323", Role.READONLY, Department.CIVIL_AFFAIRS, username="mz_ro")
    c.force_login(reader)
    wb = load_workbook(io.BytesIO(c.get(f"/exchange/{batch.pk}/two-way.xlsx").content))
    ours = [r for r in wb["登记中有而名单中无"].iter_rows(min_row=5, values_only=True) if r[0]]
    assert ours[0][0] == mask(wife.id_number)
    c.force_login(make_user("1404", Role.REVIEWER, Department.CIVIL_AFFAIRS, username="mz_cz"))
    assert c.get(f"/exchange/{batch.pk}/two-way.xlsx").status_code == 404
