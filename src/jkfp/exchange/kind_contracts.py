"""The family-doctor signing list (kind `contracts`, decision 53): one row per contract. The
team and the doctor named are matched (by name, within the teams of the user's scope) to a
team of the registry and one of its members on the signing day; the rules of
`contract_sign`: the person alive, the signing day not in the future, the contract year (协议
开始日期's year, else the signing day's) the signing year or the next, the team active and
serving the person's village, one contract per person and year (a second one with another
team is a row error, the same team with other values an update). The write is set-based with
provenance; the undo ends (on its signing day, reason 撤销导入批次) what it created and
restores what it changed. Nothing is deleted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from jkfp.accounts.models import User
from jkfp.contracts import selectors as contract_selectors
from jkfp.contracts import services as contract_services
from jkfp.contracts.models import Contract, TeamMember, TeamVillage
from jkfp.errors import ErrorCode
from jkfp.regions.models import Region
from jkfp.registry.selectors import person_scope

from .compare import Plan, RowIn, RowPlan, State
from .kind_contracts_teams import Additions
from .kinds import header_key
from .models import Batch, Change, RowStatus, change_counts

MODEL = "contracts.Contract"
TEAM_MODEL = "contracts.Team"
MEMBER_MODEL = "contracts.TeamMember"
FIELDS = ("team_id", "signed_on", "package", "fee_fen", "fee_payer")
_LABELS = {"team_id": "签约团队", "signed_on": "签约日期", "package": "服务包",
           "fee_fen": "签约费用", "fee_payer": "费用承担方式"}
_PACKAGE = dict(Contract.Package.choices)
_PAYER = dict(Contract.FeePayer.choices)


def _show(name, value, teams) -> str:
    if name == "team_id":
        return teams.get(value, (str(value),))[0]
    if name == "fee_fen":
        return f"{value // 100}.{value % 100:02d}元"
    if name == "package":
        return _PACKAGE.get(value, value)
    if name == "fee_payer":
        return _PAYER.get(value, value)
    return str(value)


def plan_contracts(rows: list[RowIn], state: State, *, user: User, batch: Batch,
                   columns: dict[str, str], today: dt.date | None = None) -> Plan:
    today = today or timezone.localdate()
    ids = [r.person_id for r in rows if r.person_id]
    death = dict(person_scope(user=user).filter(pk__in=ids).values_list("pk", "death_date"))
    teams = {pk: (name, active) for pk, name, active in
             contract_selectors.team_scope(user=user).values_list("pk", "name", "active")}
    by_name = defaultdict(list)
    for pk, (name, _a) in teams.items():
        by_name[header_key(name)].append(pk)
    villages = defaultdict(set)
    for t, v in TeamVillage.objects.filter(team_id__in=list(teams)).values_list(
            "team_id", "village_code"):
        villages[t].add(v)
    members = defaultdict(list)
    for m in TeamMember.objects.filter(team_id__in=list(teams)):
        members[m.team_id].append(m)
    held = {(c["person_id"], c["year"]): c for c in contract_selectors.contract_scope(
        user=user).filter(person_id__in=ids, ended_on__isnull=True).values("pk", "person_id",
                                                                           "year", *FIELDS)}
    out = Plan(rows={})
    adds = Additions()
    for row in sorted(rows, key=lambda r: r.line):
        person = state.persons.get(row.person_id) if row.person_id else None
        if person is None:
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, "登记中无此人：签约名单不新建人员")
            continue
        d, errors = row.data, []

        def err(code, message, name, errors=errors):
            errors.append({"code": str(code), "message": message,
                           "column": columns.get(name, name)})

        signed = d["signed_on"]
        year = (d.get("start_on") or signed).year
        if not person.alive or death.get(person.id):
            err(ErrorCode.PERSON_DECEASED, "该居民已登记死亡，不能签约", "id_number")
        if signed > today:
            err(ErrorCode.DATE_IN_FUTURE, "签约日期不能晚于今天", "signed_on")
        if year not in (signed.year, signed.year + 1):
            err(ErrorCode.CONTRACT_DATE, "签约年度（协议开始日期的年份）须为签约日期的当年或次年",
                "start_on")
        end = d.get("end_on")
        if end is not None and (end < (d.get("start_on") or signed) or end.year != year):
            err(ErrorCode.CONTRACT_DATE, "协议结束日期须在协议开始日期之后且在签约年度内",
                "end_on")
        found = by_name.get(header_key(d["team"]), [])
        team = None
        known_doctor = True
        if not found:
            team = header_key(d["team"])  # a team to create (decision 81)
            known_doctor = False
        else:
            serving = [t for t in found if person.region_code in villages[t]]
            if not serving:
                err(ErrorCode.TEAM_VILLAGE, f"团队“{d['team']}”不服务此居民所在的村", "team")
            elif not teams[serving[0]][1]:
                err(ErrorCode.TEAM_VILLAGE, f"团队“{d['team']}”已停用", "team")
            else:
                team = serving[0]
        if isinstance(team, int):
            named = [m for m in members[team] if header_key(m.name) == header_key(d["doctor"])]
            if not named:  # a doctor the team never had: added (decision 81)
                known_doctor = False
            elif not any(m.start_date <= signed and (m.end_date is None or m.end_date >= signed)
                         for m in named):
                err(ErrorCode.MEMBER_NOT_IN_TEAM,
                    f"签约医生“{d['doctor']}”在签约日期不是团队“{d['team']}”的成员", "doctor")
        old = held.get((person.id, year))
        if old is not None and old["pk"] is None:
            out.rows[row.line] = RowPlan(
                RowStatus.IGNORED, f"同一人{year}年度的签约已在第{old['line']}行，此行未导入")
            continue
        if old is not None and team is not None and old["team_id"] != team:
            err(ErrorCode.CONTRACT_OVERLAP, f"该居民{year}年度已与团队"
                f"“{teams.get(old['team_id'], ('',))[0]}”签约，须先解约", "team")
        if errors:
            out.rows[row.line] = RowPlan(RowStatus.ERROR, errors=errors)
            continue
        adds.add_row(team=team, d=d, line=row.line, village=person.region_code, signed=signed,
                     known_doctor=known_doctor)
        after = {"team_id": team, "signed_on": signed,
                 "package": d.get("package") or Contract.Package.BASIC,
                 "fee_fen": d.get("fee") or 0,
                 "fee_payer": d.get("fee_payer") or Contract.FeePayer.PUBLIC_HEALTH}
        if old is None:
            held[(person.id, year)] = {"pk": None, "line": row.line, **after}
            out.rows[row.line] = RowPlan(RowStatus.CREATED, changes=[{
                "field": f"{year}年签约", "before": "无",
                "after": f"{_team_name(team, teams, adds)}，{d['doctor']}，{signed}，"
                         f"{_PACKAGE[after['package']]}，{_show('fee_fen', after['fee_fen'], teams)}"}],
                record={"id": None, "person_id": person.id, "region_code": person.region_code,
                        "year": year, "after": after})
            continue
        diff = [n for n in FIELDS if old[n] != after[n]]
        if not diff:
            out.rows[row.line] = RowPlan(RowStatus.UNCHANGED)
            continue
        out.rows[row.line] = RowPlan(RowStatus.UPDATED, changes=[
            {"field": f"{year}年{_LABELS[n]}", "before": _show(n, old[n], teams),
             "after": _show(n, after[n], teams)} for n in diff],
            record={"id": old["pk"], "after": {n: after[n] for n in diff}})
    _attach(out, adds, {pk: name for pk, (name, _a) in teams.items()})
    return out


def _team_name(team, teams: dict, adds: Additions) -> str:
    return adds.team(team).name if isinstance(team, str) else teams[team][0]


def _attach(out: Plan, adds: Additions, team_names: dict) -> None:
    """Put the teams and members the list adds on the rows that add them: their changes to
    show, and their writes in the row's record (a row that signs nothing new is updated)."""
    villages = {v for t in adds.teams.values() for v in t.villages}
    names = dict(Region.objects.filter(code__in=villages).values_list("code", "name"))
    for line, notes in adds.notes(team_names, names).items():
        plan = out.rows[line]
        plan.changes = [*plan.changes, *notes]
        if plan.status == RowStatus.UNCHANGED:
            plan.status = RowStatus.UPDATED
    for line, spec in adds.specs().items():
        out.rows[line].record = {**(out.rows[line].record or {"id": False}), "adds": spec}


def _json(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def contracts_write(*, user: User, batch: Batch, records: list[tuple[int, dict]]) -> list[Change]:
    reason = f"导入批次#{batch.pk}"
    changes, keys = _teams_write(user=user, batch=batch, records=records, reason=reason)
    records = [(line, r) for line, r in records if r["id"] is not False]
    for _l, r in records:
        if isinstance(r["after"].get("team_id"), str):
            r["after"] = {**r["after"], "team_id": keys[r["after"]["team_id"]]}
    creates = [(line, r) for line, r in records if r["id"] is None]
    updates = {r["id"]: r["after"] for _l, r in records if r["id"] is not None}
    lines = {r["id"]: line for line, r in records if r["id"] is not None}
    made, befores = contract_services.contracts_import(
        user=user, reason=reason, updates=updates,
        creates=[{"person_id": r["person_id"], "region_code": r["region_code"],
                  "year": r["year"], **r["after"]} for _l, r in creates])
    changes += [Change(batch=batch, line=line, model=MODEL, object_id=c.pk,
                       action=Change.Action.CREATE,
                       after={"year": r["year"], **{k: _json(v) for k, v in r["after"].items()}})
                for (line, r), c in zip(creates, made, strict=True)]
    changes += [Change(batch=batch, line=lines[b["id"]], model=MODEL, object_id=b["id"],
                       action=Change.Action.UPDATE, before=b,
                       after={k: _json(v) for k, v in updates[b["id"]].items()})
                for b in befores]
    return changes


def _teams_write(*, user: User, batch: Batch, records, reason: str
                 ) -> tuple[list[Change], dict[str, int]]:
    """Create the teams and members the rows add; their changes and the new teams' ids."""
    teams = [(line, t) for line, r in records for t in r.get("adds", {}).get("teams", [])]
    members = [(line, m) for line, r in records for m in r.get("adds", {}).get("members", [])]
    if not teams and not members:
        return [], {}
    made_teams, made_members = contract_services.teams_import(
        user=user, reason=reason, teams=[t for _l, t in teams],
        members=[m for _l, m in members])
    keys = {t["key"]: pk for (_l, t), pk in zip(teams, made_teams, strict=True)}
    changes = [Change(batch=batch, line=line, model=TEAM_MODEL, object_id=pk,
                      action=Change.Action.CREATE,
                      after={k: t[k] for k in ("name", "institution", "region_code", "villages")})
               for (line, t), pk in zip(teams, made_teams, strict=True)]
    changes += [Change(batch=batch, line=line, model=MEMBER_MODEL, object_id=pk,
                       action=Change.Action.CREATE,
                       after={"name": m["name"], "role": m["role"],
                              "start_date": m["start_date"].isoformat()})
                for (line, m), pk in zip(members, made_members, strict=True)]
    return changes, keys


def contracts_undo(*, user: User, batch: Batch, changes: list[Change]) -> int:
    mine = [c for c in changes if c.model == MODEL]
    updates = {}
    for c in mine:
        if c.action == Change.Action.CREATE:
            updates[c.object_id] = {"ended_on": dt.date.fromisoformat(c.after["signed_on"]),
                                    "end_reason": f"撤销导入批次#{batch.pk}：此签约作废"}
        else:
            updates[c.object_id] = {
                k: (dt.date.fromisoformat(v) if k.endswith("_on") and v else v)
                for k, v in c.before.items() if k != "id"}
    if updates:
        contract_services.contracts_import(user=user, creates=[], updates=updates,
                                           reason=f"撤销导入批次#{batch.pk}")
    teams = [c.object_id for c in changes if c.model == TEAM_MODEL]
    members = [c.object_id for c in changes if c.model == MEMBER_MODEL]
    if teams or members:
        contract_services.teams_import_undo(user=user, teams=teams, members=members,
                                            reason=f"撤销导入批次#{batch.pk}")
    return len(mine) + len(teams) + len(members)


def contracts_summary(changes: list[Change]) -> dict:
    return change_counts(changes, contracts_created=(MODEL, Change.Action.CREATE),
                         contracts_updated=(MODEL, Change.Action.UPDATE),
                         teams_created=(TEAM_MODEL, None),
                         team_members_created=(MEMBER_MODEL, None))
