"""Gaps (空白点) as spans of dates, computed from institutions, posts and coverage (DOMAIN.md §13).

Every requirement of 三个一 and 三合格 is a *subject* (a county, township, village, institution or
department) that exists over some span and is *supplied* over others (a hospital open, a qualified
doctor at post, a neighbour's clinic serving the village). A gap is the subject's existence minus
its supply, from the rules' `watch_from` on: it opens the day the supply ends (a post's end date is
the day the doctor leaves) and closes the day it is supplied again. Spans are half-open
[start, end); `None` is an open end. The arithmetic is plain Python over one county's records —
a county has hundreds of institutions and staff, not millions — and `refresh_gaps` writes the
result back in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

from jkfp.errors import DomainError, ErrorCode
from jkfp.policy.yamlfile import read_when_changed

Span = tuple[dt.date, dt.date | None]
_FAR = dt.date.max


@dataclass(frozen=True)
class GapRules:
    watch_from: dt.date
    village_qualified: frozenset[str]
    centre_qualified: frozenset[str]
    department_qualified: frozenset[str]
    gp_counties: frozenset[str]
    gp_example: bool
    gp_source: str


class GapRulesError(DomainError):
    def __init__(self, message: str):
        super().__init__(ErrorCode.FACILITY_RULES, message)


def rules_path() -> Path:
    return Path(settings.JKFP_POLICIES_DIR) / "facilities" / "gaps.yaml"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def load_rules(path: Path | None = None) -> GapRules:
    """Read the gap rules strictly: every problem is a `GapRulesError` naming file and line."""
    from .models import Qualification

    path = path or rules_path()
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GapRulesError(f"{path.name}：无法读取（{exc}）") from None
    if not isinstance(root, yaml.MappingNode):
        raise GapRulesError(f"{path.name}：应为键值表")
    known = {q.value for q in Qualification}
    problems: list[str] = []
    values: dict[str, yaml.Node] = {}
    for k, v in root.value:
        if k.value not in {"description", "watch_from", "qualified", "gp_in_every_centre"}:
            problems.append(f"{path.name} 第 {_line(k)} 行：未知的键“{k.value}”")
        values[k.value] = v

    def quals(node: yaml.Node | None, name: str) -> frozenset[str]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            problems.append(f"{path.name}：qualified.{name} 应为非空列表")
            return frozenset()
        for item in node.value:
            if item.value not in known:
                problems.append(f"{path.name} 第 {_line(item)} 行：未知的执业资格“{item.value}”")
        return frozenset(item.value for item in node.value)

    watch = values.get("watch_from")
    try:
        watch_from = dt.date.fromisoformat(str(watch.value)) if watch is not None else None
    except ValueError:
        watch_from = None
    if watch_from is None:
        problems.append(f"{path.name}：watch_from 应为日期（YYYY-MM-DD）")
    q = {k.value: v for k, v in getattr(values.get("qualified"), "value", [])}
    for k in q:
        if k not in {"village_clinic", "township_centre", "hospital_department"}:
            problems.append(f"{path.name}：qualified 下未知的岗位“{k}”")
    village, centre, dept = (quals(q.get(n), n) for n in
                             ("village_clinic", "township_centre", "hospital_department"))
    gp = {k.value: v for k, v in getattr(values.get("gp_in_every_centre"), "value", [])}
    for k, v in gp.items():
        if k not in {"example", "source", "counties"}:
            problems.append(f"{path.name} 第 {_line(v)} 行：gp_in_every_centre 下未知的键“{k}”")
    example = getattr(gp.get("example"), "value", "false") == "true"
    source = getattr(gp.get("source"), "value", "")
    if gp and not source and not example:
        problems.append(f"{path.name}：gp_in_every_centre 须注明来源（source）或标为示例（example: true）")
    counties = []
    for item in getattr(gp.get("counties"), "value", []):
        code = str(item.value)
        if not (len(code) == 6 and code.isdigit()):
            problems.append(f"{path.name} 第 {_line(item)} 行：县级区划代码应为6位数字：“{code}”")
        counties.append(code)
    if problems:
        raise GapRulesError("；".join(problems))
    return GapRules(watch_from, village, centre, dept, frozenset(counties), example, source)


def rules() -> GapRules:
    """The rules in force (re-read when the file changes)."""
    return read_when_changed(rules_path(), load_rules)


# ---------------------------------------------------------------- span arithmetic
def _end(e: dt.date | None) -> dt.date:
    return _FAR if e is None else e


def union(spans: Iterable[Span]) -> list[Span]:
    out: list[list] = []
    for s, e in sorted((s, _end(e)) for s, e in spans if s < _end(e)):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, None if e == _FAR else e) for s, e in out]


def intersect(a: Span, b: Span) -> Span | None:
    s, e = max(a[0], b[0]), min(_end(a[1]), _end(b[1]))
    return (s, None if e == _FAR else e) if s < e else None


def minus(whole: Span, parts: Iterable[Span]) -> list[Span]:
    """`whole` without the union of `parts`."""
    out: list[Span] = []
    cur = whole[0]
    stop = _end(whole[1])
    for s, e in union(parts):
        if _end(e) <= cur or s >= stop:
            continue
        if s > cur:
            out.append((cur, s))
        cur = max(cur, _end(e))
        if cur >= stop:
            break
    if cur < stop:
        out.append((cur, None if stop == _FAR else stop))
    return out


# ---------------------------------------------------------------- the county's gaps
@dataclass(frozen=True)
class GapSpan:
    kind: str
    region_code: str
    institution_id: int | None
    department_id: int | None
    opened_on: dt.date
    closed_on: dt.date | None


def compute_gaps(county_code: str, *, gap_rules: GapRules | None = None) -> list[GapSpan]:
    """Every gap of one county over all dates from the rules' `watch_from`."""
    from jkfp.regions.models import Region

    from .models import (
        Coverage,
        GapKind,
        HospitalDepartment,
        Institution,
        InstitutionKind,
        Post,
        VillageService,
    )

    r = gap_rules or rules()
    watch: Span = (r.watch_from, None)
    codes = list(Region.objects.filter(code__startswith=county_code)
                 .values_list("code", flat=True))
    townships = [c for c in codes if len(c) == 9]
    villages = [c for c in codes if len(c) == 12]
    inst = {i.pk: i for i in Institution.objects.filter(region_code__startswith=county_code,
                                                           void=False)}
    open_span = {pk: (i.opened_on, i.closed_on) for pk, i in inst.items()}
    by_kind: dict[str, list[Institution]] = defaultdict(list)
    for i in inst.values():
        by_kind[i.kind].append(i)
    posts = list(Post.objects.filter(institution_id__in=inst, void=False)
                 .values("id", "institution_id", "department_id", "start_date", "end_date",
                         "staff__qualification"))
    post_span = {p["id"]: (p["start_date"], p["end_date"]) for p in posts}
    post_qual = {p["id"]: p["staff__qualification"] for p in posts}

    def staffed(pk: int, qualified: frozenset[str], department_id: int | None = None):
        for p in posts:
            if p["institution_id"] == pk and p["staff__qualification"] in qualified and \
                    (department_id is None or p["department_id"] == department_id):
                span = intersect(post_span[p["id"]], open_span[pk])
                if span:
                    yield span

    served: dict[str, list[Span]] = defaultdict(list)  # village → spans served by others
    served_qualified: dict[str, list[Span]] = defaultdict(list)  # … by a qualified doctor
    for c in Coverage.objects.filter(institution_id__in=inst, void=False):
        span = intersect((c.start_date, c.end_date), open_span[c.institution_id])
        if span:
            served[c.village_code].append(span)
    for s in VillageService.objects.filter(post_id__in=post_span):
        span = intersect((s.start_date, s.end_date), post_span[s.post_id])
        if span:
            served[s.village_code].append(span)
            if post_qual[s.post_id] in r.village_qualified:
                served_qualified[s.village_code].append(span)

    out: list[GapSpan] = []

    def add(kind, region, spans, institution_id=None, department_id=None):
        out.extend(GapSpan(kind, region, institution_id, department_id, s, e) for s, e in spans)

    def opened(kind: str, prefix: str) -> list[Span]:
        return [open_span[i.pk] for i in by_kind[kind] if i.region_code.startswith(prefix)]

    add(GapKind.COUNTY_NO_HOSPITAL, county_code,
        minus(watch, opened(InstitutionKind.COUNTY_HOSPITAL, county_code)))
    for t in townships:
        add(GapKind.TOWNSHIP_NO_CENTRE, t, minus(watch, opened(InstitutionKind.TOWNSHIP_CENTRE, t)))
    for v in villages:
        add(GapKind.VILLAGE_NO_CLINIC, v,
            minus(watch, opened(InstitutionKind.VILLAGE_CLINIC, v) + served[v]))
    for i in by_kind[InstitutionKind.VILLAGE_CLINIC]:
        life = intersect(open_span[i.pk], watch)
        if life:
            add(GapKind.CLINIC_NO_DOCTOR, i.region_code,
                minus(life, list(staffed(i.pk, r.village_qualified))
                      + served_qualified[i.region_code]), i.pk)
    gp_rule = county_code in r.gp_counties
    for i in by_kind[InstitutionKind.TOWNSHIP_CENTRE]:
        life = intersect(open_span[i.pk], watch)
        if not life:
            continue
        add(GapKind.CENTRE_NO_DOCTOR, i.region_code,
            minus(life, list(staffed(i.pk, r.centre_qualified))), i.pk)
        if gp_rule:
            add(GapKind.CENTRE_NO_GP, i.region_code,
                minus(life, list(staffed(i.pk, frozenset({"general_practitioner"})))), i.pk)
    for d in HospitalDepartment.objects.filter(institution_id__in=inst):
        life = intersect((d.opened_on, d.closed_on), open_span[d.institution_id])
        life = life and intersect(life, watch)
        if life:
            add(GapKind.DEPARTMENT_NO_DOCTOR, inst[d.institution_id].region_code,
                minus(life, list(staffed(d.institution_id, r.department_qualified, d.pk))),
                d.institution_id, d.pk)
    return out


def refresh_gaps(county_code: str) -> dict[str, int]:
    """Write the county's gaps back: new spans are added, changed ends updated, spans that no
    longer hold (a back-dated correction) removed — their history rows keep them. Runs in the
    caller's transaction; returns the counts of what changed."""
    from .models import Gap

    wanted = {(g.kind, g.region_code, g.institution_id, g.department_id, g.opened_on): g
              for g in compute_gaps(county_code)}
    have = {(g.kind, g.region_code, g.institution_id, g.department_id, g.opened_on): g
            for g in Gap.objects.select_for_update().filter(region_code__startswith=county_code)}
    counts = {"opened": 0, "updated": 0, "removed": 0}
    for key, g in have.items():
        if key not in wanted:
            g.delete()
            counts["removed"] += 1
        elif g.closed_on != wanted[key].closed_on:
            g.closed_on = wanted[key].closed_on
            g.save(update_fields=["closed_on"])
            counts["updated"] += 1
    new = [Gap(kind=s.kind, region_code=s.region_code, institution_id=s.institution_id,
               department_id=s.department_id, opened_on=s.opened_on, closed_on=s.closed_on)
           for key, s in wanted.items() if key not in have]
    for g in new:  # save() rather than bulk_create: each new gap gets its history row
        g.save()
    counts["opened"] = len(new)
    return counts
