"""Change requests (准入/退出) of the demo, as the demo users of 花马池镇 and 盐池县 made them.

Every monitored period of a 花马池镇 household was admitted — and, when its risk was cleared,
exited — through a request decided by `county_yc`; some requests were rejected or withdrawn;
and some are in flight on the demo date: proposed (waiting for the village notice), in notice
(some past their 5 days, waiting for the township review) and approved by the township (waiting
for the county). Proposals come from `village_yc` in its village and from `township_yc`
elsewhere in the township. The steps follow DOMAIN.md section 5 with consistent dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.admission.models import ChangeRequest, ChangeRequestStep
from jkfp.categories import LABELS, Category

from .categories import RISK_P, RISKS, Categories
from .population import Population
from .tables import NONE, Table, day, iso, local_dt, pick, to_date

TOWNSHIP = "640323100"  # 花马池镇
CHANNELS = ChangeRequest.Channel.values
CHANNEL_P = [0.25, 0.40, 0.20, 0.05, 0.10]
COMPARISON = "经民政、医保、乡村振兴等部门数据比对，情况属实"
Status = ChangeRequest.Status
Step = ChangeRequestStep.Step
Decision = ChangeRequestStep.Decision


@dataclass(frozen=True)
class Actor:
    id: int
    region_code: str


@dataclass
class Requests:
    requests: Table
    steps: Table
    period_request: dict[int, int]   # period row → request id
    period_creator: dict[int, int]   # period row → user id


def _notice_text(village: str, head: str, action: str, category: str, start: int,
                 end: int) -> str:
    """As jkfp.admission.services.notice_text: no ID numbers, phones or health conditions."""
    what = {"admit": "拟纳入", "change": "拟变更", "exit": "拟退出"}[action]
    return (f"公示：{village}{head}户{what}“{LABELS[Category(category)]}”。"
            f"公示期自{to_date(start):%Y年%m月%d日}至{to_date(end):%Y年%m月%d日}。"
            "如有异议，请在公示期内向村委会或乡镇人民政府反映。")


class _Builder:
    def __init__(self, pop: Population, first_id: int, first_step_id: int):
        self.pop = pop
        self.cols: dict[str, list] = {k: [] for k in (
            "id", "action", "category", "household_id", "person_id", "period_id", "region_code",
            "status", "channel", "reason", "effective_date", "end_way", "exit_year",
            "home_visit_on", "consent_on", "comparison_note", "village_review_on", "notice_start",
            "notice_end", "notice_text", "version", "created_by_id", "created_at", "decided_at")}
        self.steps: dict[str, list] = {k: [] for k in (
            "id", "request_id", "step", "decision", "actor_id", "actor_region_code", "at",
            "comment")}
        self.next_id, self.next_step = first_id, first_step_id

    def _step(self, rid: int, step: str, decision: str, actor: Actor, at: dt.datetime,
              comment: str) -> None:
        s = self.steps
        s["id"].append(self.next_step)
        self.next_step += 1
        s["request_id"].append(rid)
        s["step"].append(step)
        s["decision"].append(decision)
        s["actor_id"].append(actor.id)
        s["actor_region_code"].append(actor.region_code)
        s["at"].append(at)
        s["comment"].append(comment[:500])

    def add(self, *, h: int, action: str, category: str, status: str, propose: int,
            proposer: Actor, township: Actor, county: Actor, reason: str, channel: str,
            effective: int, period_id: int | None = None, end_way: str = "",
            rejected_at: str = "", comment: str = "") -> int:
        """One request with the steps its status implies (propose → notice → township →
        county); `rejected_at` is "township" or "county" for a rejection."""
        pop = self.pop
        rid = self.next_id
        self.next_id += 1
        village = pop.villages[int(pop.h_village[h])].name
        head = pop.p_names[int(pop.h_head[h])]
        reached = {Status.PROPOSED: 1, Status.WITHDRAWN: 1, Status.NOTICE: 2,
                   Status.TOWNSHIP_APPROVED: 3, Status.APPROVED: 4}.get(status)
        if status == Status.REJECTED:
            reached = 3 if rejected_at == "township" else 4
        notice_start = propose + 2 if reached >= 2 else NONE
        notice_end = notice_start + 4 if reached >= 2 else NONE
        township_day = notice_end + 1 if reached >= 3 else NONE
        county_day = max(township_day + 1, effective) if reached >= 4 else NONE
        c = self.cols
        c["id"].append(rid)
        c["action"].append(action)
        c["category"].append(category)
        c["household_id"].append(int(pop.h_ids[h]))
        c["person_id"].append(None)
        c["period_id"].append(period_id)
        c["region_code"].append(pop.h_region[h])
        c["status"].append(status)
        c["channel"].append(channel)
        c["reason"].append(reason)
        c["effective_date"].append(effective)
        c["end_way"].append(end_way)
        c["exit_year"].append(None)
        c["home_visit_on"].append(propose - 2)
        c["consent_on"].append(propose - 1 if action == "admit" else NONE)
        c["comparison_note"].append(COMPARISON)
        c["village_review_on"].append(propose + 1 if reached >= 2 else NONE)
        c["notice_start"].append(notice_start)
        c["notice_end"].append(notice_end)
        c["notice_text"].append(_notice_text(village, head, action, category, notice_start,
                                             notice_end) if reached >= 2 else "")
        withdrawn = status == Status.WITHDRAWN
        c["version"].append(reached + (1 if withdrawn else 0))
        c["created_by_id"].append(proposer.id)
        c["created_at"].append(local_dt(propose, 10, 0))
        decided = None
        self._step(rid, Step.PROPOSE, Decision.SUBMIT, proposer, local_dt(propose, 10, 0), reason)
        if reached >= 2:
            self._step(rid, Step.NOTICE, Decision.SUBMIT, proposer, local_dt(notice_start, 9, 0),
                       f"公示 {to_date(notice_start)} 至 {to_date(notice_end)}")
        if reached >= 3:
            no = status == Status.REJECTED and rejected_at == "township"
            at = local_dt(township_day, 15, 0)
            self._step(rid, Step.TOWNSHIP_REVIEW, Decision.REJECT if no else Decision.APPROVE,
                       township, at, comment if no else "经审核，情况属实，同意上报")
            decided = at if no else None
        if reached >= 4:
            no = status == Status.REJECTED
            at = local_dt(county_day, 16, 0)
            self._step(rid, Step.COUNTY_DECISION, Decision.REJECT if no else Decision.APPROVE,
                       county, at, comment if no else "同意")
            decided = at
        if withdrawn:
            decided = local_dt(propose + 1, 11, 0)
            self._step(rid, Step.WITHDRAW, Decision.SUBMIT, proposer, decided,
                       "农户情况已好转，撤回申请")
        c["decided_at"].append(decided)
        return rid

    def tables(self) -> tuple[Table, Table]:
        c = dict(self.cols)
        for k in ("effective_date", "home_visit_on", "consent_on", "village_review_on",
                  "notice_start", "notice_end"):
            c[k] = iso(np.asarray(c[k], dtype=np.int64)) if c[k] else []
        return Table(ChangeRequest, c), Table(ChangeRequestStep, dict(self.steps))


def generate_requests(*, rng: np.random.Generator, pop: Population, cats: Categories,
                      as_of: dt.date, actors: dict[str, Actor], first_period_id: int,
                      first_id: int, first_step_id: int) -> Requests:
    b = _Builder(pop, first_id, first_step_id)
    period_request: dict[int, int] = {}
    period_creator: dict[int, int] = {}
    if not all(k in actors for k in ("village_yc", "township_yc", "county_yc")):
        r, s = b.tables()
        return Requests(r, s, period_request, period_creator)
    village, township, county = actors["village_yc"], actors["township_yc"], actors["county_yc"]
    today = day(as_of)
    region = np.array(pop.h_region)
    in_town = np.char.startswith(region.astype(str), TOWNSHIP) & (pop.h_ended == NONE)

    entry = actors.get("entry_yc", township)  # the township's data entry, if it has one

    def proposer(h: int) -> Actor:
        return village if pop.h_region[h] == village.region_code else entry

    def channel() -> str:
        return CHANNELS[int(rng.choice(len(CHANNELS), p=CHANNEL_P))]

    mon = cats.monitoring
    m_periods = cats.periods
    # decided admissions and exits of the monitored periods of the township
    for i in np.flatnonzero(in_town[mon.household]).tolist():
        h, row = int(mon.household[i]), int(mon.row[i])
        if row < 0:
            continue
        start, end = int(mon.start[i]), int(mon.end[i])
        reason = m_periods.cols["reason"][row]
        rid = b.add(h=h, action="admit", category=mon.category[i], status=Status.APPROVED,
                    propose=start - 12 - int(rng.integers(0, 3)), proposer=proposer(h),
                    township=township, county=county, reason=reason, channel=channel(),
                    effective=start)
        period_request[row] = rid
        period_creator[row] = county.id
        if end != NONE:
            b.add(h=h, action="exit", category=mon.category[i], status=Status.APPROVED,
                  propose=end - 12 - int(rng.integers(0, 3)), proposer=proposer(h),
                  township=township, county=county, reason=m_periods.cols["end_reason"][row],
                  channel="visit", effective=end, period_id=first_period_id + row,
                  end_way=mon.end_way[i])

    # in-flight exits of open monitored periods that meet the exit rules
    busy: set[int] = set()
    ok = (in_town[mon.household] & (mon.end == NONE) & (mon.start <= today - 190)
          & (mon.first_measure != NONE) & pop.h_able[mon.household] & (mon.row >= 0))
    for i in np.flatnonzero(ok & (rng.random(len(ok)) < 0.35)).tolist():
        h, row = int(mon.household[i]), int(mon.row[i])
        status = [Status.PROPOSED, Status.NOTICE, Status.TOWNSHIP_APPROVED][int(rng.integers(3))]
        propose = today - {Status.PROPOSED: 2, Status.NOTICE: 8,
                           Status.TOWNSHIP_APPROVED: 10}[status] - int(rng.integers(0, 3))
        b.add(h=h, action="exit", category=mon.category[i], status=status, propose=propose,
              proposer=proposer(h), township=township, county=county,
              reason="家庭收入稳定超过监测范围半年以上，“三保障”和饮水安全有保障",
              channel="visit", effective=propose + 14, end_way="aided",
              period_id=first_period_id + row)
        busy.add(h)

    # admissions in flight, rejected and withdrawn, in households not monitored now
    free = np.flatnonzero(in_town & ~cats.monitored_now)
    free = np.array([h for h in free.tolist() if h not in busy], dtype=np.int64)
    if len(free):
        w = np.where(region[free] == village.region_code, 5.0, 1.0)
        k = min(len(free), max(12, round(len(free) * 0.035)))
        chosen = rng.choice(free, size=k, replace=False, p=w / w.sum())
        plan = ([Status.PROPOSED] * 3 + [Status.NOTICE] * 3 + [Status.TOWNSHIP_APPROVED] * 2
                + [Status.REJECTED] * 2 + [Status.WITHDRAWN])
        risks = pick(rng, RISKS, k, RISK_P)
        for j, h in enumerate(chosen.tolist()):
            status = plan[j % len(plan)]
            cat = (Category.MARGINAL if rng.random() < 0.6 else Category.SUDDEN_HARDSHIP).value
            prefix = "边缘易致贫：" if cat == Category.MARGINAL else "突发严重困难："
            if status in (Status.REJECTED, Status.WITHDRAWN):
                propose = int(rng.integers(day(dt.date(2021, 6, 1)), today - 30))
            else:
                # notices alternate between running (ends today or later) and ended (waiting
                # for the township review)
                back = {Status.PROPOSED: (0, 4), Status.NOTICE: (4, 6) if j % 2 else (8, 12),
                        Status.TOWNSHIP_APPROVED: (8, 13)}[status]
                propose = today - int(rng.integers(back[0], back[1] + 1))
            at = "township" if rng.random() < 0.5 else "county"
            b.add(h=h, action="admit", category=cat, status=status, propose=propose,
                  proposer=proposer(h), township=township, county=county,
                  reason=f"{prefix}{risks[j]}", channel=channel(), effective=propose + 14,
                  rejected_at=at, comment="经入户核实和部门数据比对，家庭人均纯收入高于监测范围，不予纳入")
    requests, steps = b.tables()
    return Requests(requests, steps, period_request, period_creator)
