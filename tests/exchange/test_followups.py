"""The follow-up list of the basic public-health system (kind `followups`, decision 53): a
registration made for a patient the registry does not manage yet, visits with the service's
rules per row in Chinese, the end of management, provenance, second apply, undo, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.accounts.models import Department, Role
from jkfp.contracts.models import FollowUp
from jkfp.errors import DomainError
from jkfp.exchange import services
from jkfp.exchange.models import BatchState, Change
from jkfp.health.models import ChronicRegistration
from tests.factories import ChronicRegistrationFactory, ContractFactory, TeamMemberFactory

from .files import xlsx

HEADER = ["序号", "患者姓名", "身份证号码", "管理疾病", "确诊日期", "建档日期", "随访日期",
          "随访方式", "收缩压", "舒张压", "空腹血糖", "此次随访分类", "下次随访日期", "随访医生",
          "随访机构", "终止管理日期", "终止管理原因"]
TITLE = "盐池县基本公共卫生服务慢病患者随访记录"


@pytest.fixture
def health(make_user):
    return make_user("640323", Role.REVIEWER, Department.HEALTH, username="wj_user",
                     full_name="卫健审核员")


def visit_days():
    """Two visit days of this year not in the future (the first a month before the second)."""
    today = timezone.localdate()
    second = today - dt.timedelta(days=1)
    first = second - dt.timedelta(days=31)
    return first, second


@pytest.fixture
def signed(people):
    """The head and the wife signed with one team (doctor 张医生) for each year of the visits."""
    team = TeamMemberFactory(name="张医生").team
    TeamMemberFactory(team=team, name="李护士", role="nurse")
    for year in {d.year for d in visit_days()}:
        for p in (people["head"], people["wife"]):
            ContractFactory(person=p, team=team, year=year, signed_on=dt.date(year, 1, 1))
    return team


def _check(user, data, name="随访记录.xlsx"):
    return services.batch_check(user=user, kind="followups", data=data, file_name=name)


def _counts(batch):
    s = batch.summary
    keys = ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")
    assert sum(s[k] for k in keys) == s["rows"]
    return {k: s[k] for k in keys if s[k]}


def _row(n, p, *, disease="高血压", visited, way="门诊", bp=(150, 95), glucose=None,
         cls="控制不满意", nxt=None, doctor="张医生", diagnosed="2020-03-01",
         registered="2020-03-10", ended=None, reason=None):
    return [n, p.name, p.id_number, disease, diagnosed, registered, visited.isoformat(), way,
            bp[0] if bp else None, bp[1] if bp else None, glucose, cls,
            (nxt or visited + dt.timedelta(days=90)).isoformat(), doctor, "花马池镇卫生院",
            ended, reason]


def test_new_registration_visits_second_apply_undo(health, people, signed):
    head, wife = people["head"], people["wife"]
    first, second = visit_days()
    rows = [
        _row(1, head, visited=first),
        _row(2, head, visited=second, bp=(132, 84), cls="控制满意"),
        _row(3, wife, disease="2型糖尿病", visited=second, bp=None, glucose="7.8",
             diagnosed="2021-05-06", registered=None),
    ]
    batch = _check(health, xlsx(HEADER, rows, title=TITLE))
    assert batch.header_line == 3
    assert _counts(batch) == {"created": 3}
    first_row = batch.rows.get(line=4)
    assert first_row.changes[0]["field"] == "慢病登记"
    assert first_row.changes[1]["after"].startswith("门诊，张医生，血压150/95")
    summary = services.batch_apply(user=health, batch=batch)
    assert (summary["registrations_created"], summary["followups_created"]) == (2, 3)
    reg = ChronicRegistration.objects.get(person=head, disease_code="hypertension")
    assert (reg.diagnosed_on, reg.registered_on) == (dt.date(2020, 3, 1), dt.date(2020, 3, 10))
    assert (reg.last_visit_on, reg.next_visit_on) == (second, second + dt.timedelta(days=90))
    assert reg.history.first().history_user == health
    dm = ChronicRegistration.objects.get(person=wife)
    assert dm.registered_on == second  # no 建档日期: the visit day
    visits = list(FollowUp.objects.filter(person=head).order_by("visited_on"))
    assert [(v.visited_on, v.systolic, v.diastolic, v.classification) for v in visits] == [
        (first, 150, 95, "not_controlled"), (second, 132, 84, "controlled")]
    assert visits[0].member.name == "张医生"
    assert str(FollowUp.objects.get(person=wife).fasting_glucose) == "7.8"
    assert Change.objects.filter(batch=batch, model="contracts.FollowUp").count() == 3

    again = _check(health, xlsx(HEADER, rows, title=TITLE))
    assert _counts(again) == {"unchanged": 3}
    services.batch_apply(user=health, batch=again)
    assert Change.objects.filter(batch=again).count() == 0
    assert FollowUp.objects.count() == 3

    services.batch_undo(user=health, batch=batch)
    assert FollowUp.objects.count() == 3  # nothing deleted
    assert not FollowUp.objects.filter(void=False).exists()
    reg.refresh_from_db()
    assert (reg.ended_on, reg.end_reason) == (reg.registered_on, "error")
    assert BatchState.UNDONE == type(batch).objects.get(pk=batch.pk).state
    # an undone visit is not shown: the list can be imported again
    third = _check(health, xlsx(HEADER, rows[:1], title=TITLE))
    assert _counts(third) == {"created": 1}


def test_existing_registration_update_and_end(health, people, signed):
    head = people["head"]
    first, second = visit_days()
    reg = ChronicRegistrationFactory(person=head, diagnosed_on=dt.date(2019, 1, 1),
                                     registered_on=dt.date(2019, 1, 2))
    b1 = _check(health, xlsx(HEADER, [_row(1, head, visited=first)]))
    assert _counts(b1) == {"created": 1}
    assert len(b1.rows.get().changes) == 1  # the registration exists: only the visit
    services.batch_apply(user=health, batch=b1)
    b2 = _check(health, xlsx(HEADER, [_row(1, head, visited=first, bp=(148, 92))]))
    assert _counts(b2) == {"updated": 1}
    assert b2.rows.get().changes == [
        {"field": f"随访 {first} 收缩压", "before": "150", "after": "148"},
        {"field": f"随访 {first} 舒张压", "before": "95", "after": "92"}]
    services.batch_apply(user=health, batch=b2)
    v = FollowUp.objects.get()
    assert (v.systolic, v.diastolic) == (148, 92)
    b3 = _check(health, xlsx(HEADER, [_row(1, head, visited=second, ended=second.isoformat(),
                                           reason="迁出")]))
    assert _counts(b3) == {"ended": 1}
    services.batch_apply(user=health, batch=b3)
    reg.refresh_from_db()
    assert (reg.ended_on, reg.end_reason, reg.next_visit_on) == (second, "moved", None)
    services.batch_undo(user=health, batch=b3)
    reg.refresh_from_db()
    assert (reg.ended_on, reg.end_reason) == (None, "")
    assert FollowUp.objects.filter(void=False).count() == 1
    services.batch_undo(user=health, batch=b2)
    v.refresh_from_db()
    assert (v.systolic, v.diastolic, v.void) == (150, 95, False)


def test_rules_reported_per_row(health, people, signed):
    head, wife, other = people["head"], people["wife"], people["other"]
    first, second = visit_days()
    future = timezone.localdate() + dt.timedelta(days=3)
    rows = [
        _row(1, head, visited=first, bp=(350, 95)),               # systolic out of range
        _row(2, head, visited=second, bp=(90, 120)),              # diastolic ≥ systolic
        _row(3, wife, visited=second, bp=None),                   # hypertension: no BP
        _row(4, wife, disease="2型糖尿病", visited=first, bp=None, glucose="55"),
        _row(5, wife, disease="肺结核", visited=first, doctor="王医生"),  # doses, doctor
        _row(6, other, visited=first),                            # no contract
        _row(7, head, disease="严重精神障碍", visited=future),      # future, no risk level
        _row(8, head, disease="2型糖尿病", visited=first, diagnosed=None, glucose="6.1"),
        _row(9, head, disease="2型糖尿病", visited=second, diagnosed="2020-01-01",
             glucose="6.1", nxt=second - dt.timedelta(days=1)),
    ]
    batch = _check(health, xlsx(HEADER, rows))
    assert _counts(batch) == {"errors": 9}
    msgs = {r.line - 3: {(e["column"], e["message"]) for e in r.errors}
            for r in batch.rows.all()}
    assert any(c == "收缩压" and m.startswith("收缩压须在50至300 mmHg之间（填写为")
               for c, m in msgs[1])
    assert any(c == "舒张压" and m.startswith("舒张压（") and "）须低于收缩压（" in m
               for c, m in msgs[2])
    assert ("收缩压", "高血压患者面对面随访须测量血压") in msgs[3]
    assert ("空腹血糖", "空腹血糖须在1.0至40.0 mmol/L之间") in msgs[4]
    assert ("随访医生", "随访医生“王医生”在随访日期不是该患者签约团队"
            f"（{signed.name}）的成员") in msgs[5]
    assert any(m.startswith("肺结核患者须填写") for _c, m in msgs[5])
    assert ("随访医生", "该患者在随访日期没有有效的家庭医生签约") in msgs[6]
    assert ("随访日期", "随访日期不能晚于今天") in msgs[7]
    assert any("危险性评估" in m for _c, m in msgs[7])
    assert ("确诊日期", "登记中此人尚无该病的慢病登记，新建登记须填写确诊日期") in msgs[8]
    assert ("下次随访日期", "下次随访日期须晚于本次随访日期") in msgs[9]
    with pytest.raises(DomainError):
        services.batch_apply(user=health, batch=batch)
    assert not FollowUp.objects.exists() and not ChronicRegistration.objects.exists()


def test_only_county_health_reviewers_import(make_user, people):
    for user in (make_user("640323", Role.DATA_ENTRY, Department.HEALTH),
                 make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS),
                 make_user("640323100", Role.REVIEWER, Department.HEALTH)):
        with pytest.raises(DomainError):
            _check(user, xlsx(HEADER, []))


def test_outside_scope_and_unknown_person_ignored(health, people, signed, regions):
    from tests.conftest import CHANGZHI_VILLAGE
    from tests.factories import HouseholdFactory, make_id

    far = HouseholdFactory(village_id=CHANGZHI_VILLAGE, region_code=CHANGZHI_VILLAGE).head
    far.name, far.id_number = "孙外县", make_id("140403", dt.date(1988, 2, 2))
    far.birth_date = dt.date(1988, 2, 2)
    far.save()
    first, _ = visit_days()
    stranger = type("P", (), {"name": "赵无名", "id_number": make_id("640323", dt.date(1991, 7, 9))})
    batch = _check(health, xlsx(HEADER, [_row(1, far, visited=first),
                                         _row(2, stranger, visited=first)]))
    assert _counts(batch) == {"ignored": 2}
    services.batch_apply(user=health, batch=batch)
    assert not FollowUp.objects.exists()


def test_xls_with_title_rows_and_date_cells(health, people, signed):
    """An .xls (BIFF8) export: title block merged across, dates as date cells, numbers as
    number cells."""
    from .files import xls

    head = people["head"]
    first, _ = visit_days()
    row = _row(1, head, visited=first)
    row[4], row[6] = dt.date(2020, 3, 1), first  # date cells
    row[12] = first + dt.timedelta(days=90)
    batch = _check(health, xls(HEADER, [row]), name="随访记录.xls")
    assert batch.header_line == 3
    assert _counts(batch) == {"created": 1}
    services.batch_apply(user=health, batch=batch)
    v = FollowUp.objects.get()
    assert (v.visited_on, v.systolic, v.next_visit_on) == (
        first, 150, first + dt.timedelta(days=90))


def test_xls_merged_header_cells_named(health, people):
    from .files import xls

    head = people["head"]
    first, _ = visit_days()
    batch = _check(health, xls(HEADER, [_row(1, head, visited=first)], merge_header=(9, 10)),
                   name="随访记录.xls")
    errors = batch.summary["file_errors"]
    assert [e["code"] for e in errors] == ["import_header_merged"]
    assert "表头第3行第9至10列" in errors[0]["message"] and "收缩压" in errors[0]["message"]
    with pytest.raises(DomainError):
        services.batch_apply(user=health, batch=batch)
    assert not FollowUp.objects.exists()
