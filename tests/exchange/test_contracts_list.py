"""The family-doctor signing list (kind `contracts`, decision 53): teams and doctors matched,
the rules of `contract_sign` per row in Chinese, one contract per person and year, money to
the fen, second apply, undo (ended, nothing deleted)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.accounts.models import Department, Role
from jkfp.contracts.models import Contract, Team, TeamMember, TeamVillage
from jkfp.errors import DomainError
from jkfp.exchange import services
from jkfp.exchange.models import Change
from tests.conftest import OTHER_TOWNSHIP_VILLAGE, VILLAGE
from tests.factories import ContractFactory, TeamFactory, TeamMemberFactory

from .files import csv_bytes

HEADER = ["序号", "居民姓名", "身份证号码", "签约机构", "签约团队", "签约医生", "服务包",
          "签约日期", "协议开始日期", "协议结束日期", "签约费用（元）", "费用承担方式"]


@pytest.fixture
def health(make_user):
    return make_user("640323", Role.REVIEWER, Department.HEALTH, username="wj_user")


@pytest.fixture
def team(people):
    t = TeamFactory(name="花马池一队")
    TeamVillage.objects.create(team=t, village_code=VILLAGE)
    TeamMemberFactory(team=t, name="张医生")
    TeamMemberFactory(team=t, name="李护士", role="nurse")
    return t


def _day():
    return timezone.localdate() - dt.timedelta(days=3)


def _row(n, p, *, team="花马池一队", doctor="张医生", package="基础服务包", fee="120.50",
         payer="医保基金", signed=None, start=None, end=None):
    signed = signed or _day()
    start = start or signed
    return [n, p.name, p.id_number, "花马池镇卫生院", team, doctor, package, signed.isoformat(),
            start.isoformat(), (end or dt.date(start.year, 12, 31)).isoformat(), fee, payer]


def _check(user, data):
    return services.batch_check(user=user, kind="contracts", data=data, file_name="签约.csv")


def _counts(batch):
    s = batch.summary
    keys = ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")
    assert sum(s[k] for k in keys) == s["rows"]
    return {k: s[k] for k in keys if s[k]}


def test_sign_update_second_apply_undo(health, people, team):
    head, wife = people["head"], people["wife"]
    data = csv_bytes(HEADER, [_row(1, head), _row(2, wife, package="个性化包", fee="0",
                                                  payer="个人")], title="家庭医生签约名单")
    batch = _check(health, data)
    assert _counts(batch) == {"created": 2}
    summary = services.batch_apply(user=health, batch=batch)
    assert summary["contracts_created"] == 2
    c = Contract.objects.get(person=head)
    assert (c.team, c.year, c.signed_on, c.package, c.fee_fen, c.fee_payer) == (
        team, _day().year, _day(), "basic", 12050, "medical_insurance")
    assert c.history.first().history_user == health
    assert Contract.objects.get(person=wife).fee_payer == "self"
    again = _check(health, data)
    assert _counts(again) == {"unchanged": 2}
    services.batch_apply(user=health, batch=again)
    assert Change.objects.filter(batch=again).count() == 0
    changed = _check(health, csv_bytes(HEADER, [_row(1, head, fee="130")]))
    assert _counts(changed) == {"updated": 1}
    assert changed.rows.get().changes == [
        {"field": f"{_day().year}年签约费用", "before": "120.50元", "after": "130.00元"}]
    services.batch_apply(user=health, batch=changed)
    c.refresh_from_db()
    assert c.fee_fen == 13000
    services.batch_undo(user=health, batch=changed)
    c.refresh_from_db()
    assert c.fee_fen == 12050
    services.batch_undo(user=health, batch=batch)
    assert Contract.objects.count() == 2  # nothing deleted
    c.refresh_from_db()
    assert c.ended_on == c.signed_on and "撤销导入批次" in c.end_reason


def test_rules_reported_per_row(health, people, team):
    head, wife, other, dead = people["head"], people["wife"], people["other"], people["dead"]
    future = timezone.localdate() + dt.timedelta(days=5)
    elsewhere = TeamFactory(name="外村团队")
    TeamVillage.objects.create(team=elsewhere, village_code=OTHER_TOWNSHIP_VILLAGE)
    ContractFactory(person=wife, team=elsewhere, year=_day().year,
                    signed_on=dt.date(_day().year, 1, 1))
    TeamMemberFactory(team=team, name="王医生", start_date=dt.date(2020, 1, 1),
                      end_date=dt.date(2020, 12, 31))  # left the team long before
    rows = [
        _row(1, head, team="不存在的团队", signed=future + dt.timedelta(days=1)),  # no team made
        _row(2, head, doctor="王医生", signed=_day() - dt.timedelta(days=1)),
        _row(3, other),                       # the team does not serve the village
        _row(4, dead),                        # deceased
        _row(5, wife),                        # already signed with another team this year
        _row(6, head, signed=future),         # in the future
    ]
    batch = _check(health, csv_bytes(HEADER, rows))
    assert _counts(batch) == {"errors": 6}
    msgs = {r.line - 1: {(e["column"], e["message"]) for e in r.errors} for r in batch.rows.all()}
    assert msgs[1] == {("签约日期", "签约日期不能晚于今天")}
    assert ("签约医生", "签约医生“王医生”在签约日期不是团队“花马池一队”的成员") in msgs[2]
    assert ("签约团队", "团队“花马池一队”不服务此居民所在的村") in msgs[3]
    assert ("身份证号码", "该居民已登记死亡，不能签约") in msgs[4]
    assert ("签约团队", f"该居民{_day().year}年度已与团队“外村团队”签约，须先解约") in msgs[5]
    assert ("签约日期", "签约日期不能晚于今天") in msgs[6]
    with pytest.raises(DomainError):
        services.batch_apply(user=health, batch=batch)
    assert Contract.objects.count() == 1
    assert not Team.objects.filter(name="不存在的团队").exists()
    assert not TeamMember.objects.filter(name="王医生", end_date__isnull=True).exists()


def test_teams_and_doctors_named_are_created_then_undone(health, people, team, client):
    """A team the registry lacks is created with the villages and doctors of its rows; a
    doctor a matched team never had joins it from the first signing day (decision 81)."""
    head, wife, other = people["head"], people["wife"], people["other"]
    first, later = _day() - dt.timedelta(days=2), _day()
    rows = [
        _row(1, head, team="大水坑二队", doctor="赵医生", signed=later),
        _row(2, other, team="大水坑二队", doctor="赵医生", signed=first),
        _row(3, wife, doctor="孙医生", signed=later),  # the matched team's new doctor
    ]
    rows[0][3] = rows[1][3] = "红星村卫生室"
    batch = _check(health, csv_bytes(HEADER, rows, title="家庭医生签约名单"))
    assert _counts(batch) == {"created": 3}
    changes = {i: r.changes for i, r in enumerate(batch.rows.order_by("line"), 1)}
    assert changes[1][1]["field"] == "家庭医生团队"
    assert changes[1][1]["after"].startswith("新建团队“大水坑二队”（牵头机构：红星村卫生室；服务村：")
    assert changes[1][2] == {"field": "团队组成", "before": "无",
                             "after": "名单未列护士或公共卫生人员：须在团队页面补全1+1+X"}
    assert {"field": "团队成员", "before": "无",
            "after": f"团队“大水坑二队”新增乡村医生“赵医生”（自{first}起）"} in changes[1]
    assert {"field": "团队成员", "before": "无",
            "after": f"团队“花马池一队”新增乡镇医生“孙医生”（自{later}起）"} in changes[3]
    assert Team.objects.filter(name="大水坑二队").count() == 0  # a check writes nothing
    summary = services.batch_apply(user=health, batch=batch)
    assert (summary["teams_created"], summary["team_members_created"],
            summary["contracts_created"]) == (1, 2, 3)
    new = Team.objects.get(name="大水坑二队")
    # villages in two townships: the team is the county's
    assert (new.institution, new.region_code, new.active) == ("红星村卫生室", "640323", True)
    assert set(new.villages.values_list("village_code", flat=True)) == {
        VILLAGE, OTHER_TOWNSHIP_VILLAGE}
    zhao = new.members.get()
    assert (zhao.name, zhao.role, zhao.start_date, zhao.end_date) == (
        "赵医生", "village_doctor", first, None)
    assert zhao.history.first().history_user == health
    assert zhao.history.first().history_change_reason == f"导入批次#{batch.pk}"
    assert new.history.first().history_change_reason == f"导入批次#{batch.pk}"
    assert Contract.objects.get(person=head).team == new
    assert Contract.objects.get(person=other).team == new
    assert team.members.get(name="孙医生").start_date == later
    again = _check(health, csv_bytes(HEADER, rows))
    assert _counts(again) == {"unchanged": 3}  # matched now: nothing to add
    client.force_login(health)
    page = client.get(f"/contracts/teams/{new.pk}/").content.decode()
    assert "本团队尚不符合1+1+X组成" in page and "团队须至少有一名护士或公共卫生人员" in page
    services.batch_undo(user=health, batch=batch)
    new.refresh_from_db()
    zhao.refresh_from_db()
    assert new.active is False and zhao.end_date == zhao.start_date  # nothing deleted
    assert new.history.first().history_change_reason == f"撤销导入批次#{batch.pk}"
    assert zhao.history.first().history_change_reason == f"撤销导入批次#{batch.pk}"
    assert team.members.get(name="孙医生").end_date == later
    assert Contract.objects.get(person=head).ended_on is not None


def test_new_doctor_on_an_unchanged_contract_updates_the_row(health, people, team):
    head = people["head"]
    services.batch_apply(user=health, batch=_check(health, csv_bytes(HEADER, [_row(1, head)])))
    TeamMember.objects.filter(name="张医生").update(name="张医师")  # renamed in jkfp
    batch = _check(health, csv_bytes(HEADER, [_row(1, head)]))
    assert _counts(batch) == {"updated": 1}
    assert [c["field"] for c in batch.rows.get().changes] == ["团队成员"]
    summary = services.batch_apply(user=health, batch=batch)
    assert (summary["team_members_created"], summary["contracts_updated"]) == (1, 0)
