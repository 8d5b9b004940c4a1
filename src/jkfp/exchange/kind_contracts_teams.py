"""The teams and doctors a signing list names that the registry does not hold (decision 81).

The family-doctor signing system is where teams sign their residents, so a list from it names
teams and doctors that may not have been entered in jkfp yet. A team name found in the user's
scope is matched (decision 53); a name not found is a team to create, with

- the institution of its first row (签约机构),
- the villages of the residents the list signs with it (the villages of its valid rows),
- the township of those villages as its region (the county when they lie in several),
- the doctors its rows name as its members, each from the first signing day the list gives.

A doctor a matched team has never had (no member of that name) is added to it the same way. A
doctor the team had, but not on the signing day, stays a row error: the list then contradicts
the team's own record.

The list names doctors only, never nurses or public-health workers, so a team created from it
is not yet 1+1+X: the row says so, and the team's page shows it until the team is completed.
A doctor's role is read from the institution: a 卫生室 (village clinic) means a village doctor,
any other institution a township doctor.

The undo of the batch retires the teams it created (inactive) and ends the memberships it
opened on their first day: nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jkfp.contracts.models import TeamMember

from .kinds import header_key

Role = TeamMember.Role


def role_of(institution: str) -> str:
    return Role.VILLAGE_DOCTOR if "卫生室" in (institution or "") else Role.TOWNSHIP_DOCTOR


@dataclass
class NewMember:
    """A doctor to add to a team (a team of the registry, or one the list creates)."""

    name: str
    role: str
    institution: str
    start_date: dt.date
    line: int


@dataclass
class NewTeam:
    key: str
    name: str
    institution: str
    line: int
    villages: set[str] = field(default_factory=set)

    def region_code(self) -> str:
        townships = {v[:9] for v in self.villages}
        return townships.pop() if len(townships) == 1 else min(self.villages)[:6]


@dataclass
class Additions:
    """What the list adds to the teams, gathered while its rows are planned."""

    teams: dict[str, NewTeam] = field(default_factory=dict)
    # (team id or the key of a new team, doctor's name key) → the member to add
    members: dict[tuple, NewMember] = field(default_factory=dict)

    def team(self, key: str) -> NewTeam | None:
        return self.teams.get(key)

    def add_row(self, *, team, d: dict, line: int, village: str, signed: dt.date,
                known_doctor: bool) -> None:
        """Record what a valid row adds: its village to a new team, its doctor when the
        registry does not know them (`known_doctor` False), from the earliest signing day."""
        if isinstance(team, str):
            new = self.teams.setdefault(team, NewTeam(team, d["team"].strip(),
                                                      d["institution"].strip(), line))
            new.villages.add(village)
        if known_doctor:
            return
        key = (team, header_key(d["doctor"]))
        m = self.members.get(key)
        if m is None:
            self.members[key] = NewMember(d["doctor"].strip(), role_of(d["institution"]),
                                          d["institution"].strip(), signed, line)
        elif signed < m.start_date:
            m.start_date = signed

    def notes(self, team_names: dict, village_names: dict) -> dict[int, list[dict]]:
        """The changes to show, by the line that makes them."""
        out: dict[int, list[dict]] = {}
        for t in self.teams.values():
            villages = "、".join(village_names.get(v, v) for v in sorted(t.villages))
            out.setdefault(t.line, []).extend([
                {"field": "家庭医生团队", "before": "无",
                 "after": f"新建团队“{t.name}”（牵头机构：{t.institution}；服务村：{villages}）"},
                {"field": "团队组成", "before": "无",
                 "after": "名单未列护士或公共卫生人员：须在团队页面补全1+1+X"}])
        for (team, _k), m in self.members.items():
            name = self.teams[team].name if isinstance(team, str) else team_names[team]
            out.setdefault(m.line, []).append({
                "field": "团队成员", "before": "无",
                "after": f"团队“{name}”新增{Role(m.role).label}“{m.name}”（自{m.start_date}起）"})
        return out

    def specs(self) -> dict[int, dict]:
        """The writes, by the line that makes them (the contracts write reads them)."""
        out: dict[int, dict] = {}
        for t in self.teams.values():
            out.setdefault(t.line, {}).setdefault("teams", []).append({
                "key": t.key, "name": t.name, "institution": t.institution,
                "region_code": t.region_code(), "villages": sorted(t.villages)})
        for (team, _k), m in self.members.items():
            out.setdefault(m.line, {}).setdefault("members", []).append({
                "team": team, "name": m.name, "role": m.role, "institution": m.institution,
                "start_date": m.start_date})
        return out
