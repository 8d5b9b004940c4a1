"""The rule queries: one set-based SQL statement per rule over a region (decision 55a).

`evaluate(rule, on_date=…, prefix=…, household_ids=None)` returns the `Hit`s of one rule: the
subjects that meet it on the scan date, with the figure that crossed a threshold and the facts
the warning's evidence shows. Every statement runs unchanged on PostgreSQL and SQLite (dates
are bound as ISO text and compared as such; month arithmetic is the one vendor difference). A
full scan passes the region's prefix; an incremental check passes the households touched as
well, and the same statement answers for them alone, so the two agree by construction.

Personal medical expense of a year (the medical-cost rules): the platform's 个人负担总金额 of
every imported settlement record (`ExternalSettlement`, not voided) discharged that year, plus
the self-pay of jkfp's *current* statement of every stay discharged that year that no imported
record describes. When both describe one stay (`ExternalSettlement.stay_id`), the imported
figure counts: it is what medical insurance settled and reports to the other departments,
while a jkfp statement may have been settled with example parameters (`uses_examples`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from jkfp.contracts.models import FollowUp
from jkfp.exchange.models import Enrolment
from jkfp.health.models import ChronicRegistration
from jkfp.registry.models import ABLE_TO_WORK, CategoryPeriod, Household, Person, SupportMeasure
from jkfp.settlement.models import ExternalSettlement, HospitalStay, Statement

from .disease import major_disease
from .rulefiles import Incomes, Rule
from .sqlparts import _add_months, _date, _held, _iso, _rows, _subjects

T_PERSON = Person._meta.db_table
T_HOUSEHOLD = Household._meta.db_table
T_PERIOD = CategoryPeriod._meta.db_table
T_MEASURE = SupportMeasure._meta.db_table
T_STAY = HospitalStay._meta.db_table
T_STATEMENT = Statement._meta.db_table
T_EXTERNAL = ExternalSettlement._meta.db_table
T_ENROLMENT = Enrolment._meta.db_table
T_CHRONIC = ChronicRegistration._meta.db_table
T_FOLLOWUP = FollowUp._meta.db_table
T_HPERSON = Person.history.model._meta.db_table


VOLATILE = frozenset({"explanation", "days_elapsed", "year_days", "projected_fen", "since"})


@dataclass
class Hit:
    subject_kind: str  # person | household
    person_id: int | None
    household_id: int
    region_code: str
    period: str
    amount_fen: int | None = None
    threshold_fen: int | None = None
    evidence: dict = field(default_factory=dict)
    uses_examples: bool = False
    estimate: bool = False  # amount_fen is a projection

    @property
    def key(self) -> tuple:
        return (self.subject_kind, self.person_id if self.subject_kind == "person"
                else self.household_id, self.period)

    def facts_hash(self) -> str:
        """The facts, not the figures that move with the scan date (a projection, the start of
        a look-back window): a rescan on another day with the same facts changes nothing."""
        facts = {k: v for k, v in self.evidence.items() if k not in VOLATILE}
        amount = None if self.estimate else self.amount_fen
        text = json.dumps([amount, self.threshold_fen, facts], sort_keys=True,
                          default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def _expense_sql(params: list, start: dt.date, end: dt.date, prefix: str = "",
                 household_ids=None) -> str:
    """Rows (person_id, kind, ref, fen, discharge, visit): every expense of [start, end], each
    stay once (see the module's docstring); the region and the households are pushed into both
    halves, so that an incremental check reads only its households' rows."""
    where = "region_code LIKE %s"
    extra = [prefix + "%"]
    if household_ids is not None:
        ids = sorted(set(household_ids)) or [0]
        where += (f" AND person_id IN (SELECT id FROM {T_PERSON} WHERE household_id IN "
                  f"({','.join(['%s'] * len(ids))}))")
        extra += ids
    params += [_iso(start), _iso(end), *extra, _iso(start), _iso(end), *extra]
    return (f"SELECT e.person_id AS person_id, 'imported' AS kind, e.id AS ref, "
            f"e.personal_fen AS fen, e.discharge_date AS discharge, e.visit_type AS visit "
            f"FROM {T_EXTERNAL} e WHERE e.voided_at IS NULL "
            f"AND e.discharge_date >= %s AND e.discharge_date <= %s AND e.{where} "
            f"UNION ALL "
            f"SELECT s.person_id, 'statement', st.id, st.self_pay_fen, s.discharge_date, "
            f"'inpatient' FROM {T_STAY} s JOIN {T_STATEMENT} st ON st.stay_id = s.id "
            f"AND st.status = 'current' WHERE s.discharge_date >= %s AND s.discharge_date <= %s "
            f"AND s.{where.replace('person_id IN', 's.person_id IN')} "
            f"AND NOT EXISTS (SELECT 1 FROM {T_EXTERNAL} e2 WHERE e2.stay_id = s.id "
            f"AND e2.voided_at IS NULL)")


def _threshold(rule: Rule, share: Decimal, incomes: Incomes, province: str,
               year: int) -> tuple[int, dict] | None:
    """share × the previous year's income; when that year is not in the file yet (the
    bulletin comes out in spring), the latest earlier year, said so in the evidence."""
    years = [y for y in incomes.by_province.get(province, {}) if y <= year - 1]
    if not years:
        return None
    used = max(years)
    yuan = incomes.of(province, used)
    fen = int((Decimal(yuan) * 100 * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return fen, {"income_yuan": yuan, "income_year": used, "income_province": province,
                 "income_source": incomes.source, "income_example": incomes.example,
                 "income_fallback": used != year - 1, "share": str(share)}


def _expense_totals(rule: Rule, on: dt.date, prefix: str, household_ids, exclude) -> list:
    year_start = dt.date(on.year, 1, 1)
    params: list = []
    exp = _expense_sql(params, year_start, on, prefix[:2], household_ids)  # a move inside
    # the province keeps its stays (they carry the region of the day they were settled)
    where = _subjects(params, prefix, household_ids, exclude=exclude)
    held = _held(rule.level, rule.watch, params, on, household_ids is not None)
    if rule.level == "person":
        sql = (f"SELECT p.id, p.household_id, p.region_code, SUM(x.fen) FROM ({exp}) x "
               f"JOIN {T_PERSON} p ON p.id = x.person_id WHERE {where} AND {held} "
               f"GROUP BY p.id, p.household_id, p.region_code")
    else:
        sql = (f"SELECT NULL, p.household_id, h.region_code, SUM(x.fen) FROM ({exp}) x "
               f"JOIN {T_PERSON} p ON p.id = x.person_id JOIN {T_HOUSEHOLD} h "
               f"ON h.id = p.household_id WHERE {where} AND {held} "
               f"GROUP BY p.household_id, h.region_code")
    return _rows(sql, params)


def _expense_items(on: dt.date, hits: list[Hit], *, by_person: bool) -> dict[int, list[dict]]:
    """The expenses of the year so far of the hits' persons (or households' members), read by
    household in chunks (the households pushed into the expense query), keyed by person or by
    household."""
    out: dict[int, list[dict]] = {}
    wanted = {h.person_id for h in hits} if by_person else None
    ids = sorted({h.household_id for h in hits})
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        params: list = []
        exp = _expense_sql(params, dt.date(on.year, 1, 1), on, "", chunk)
        sql = (f"SELECT x.person_id, p.household_id, x.kind, x.ref, x.fen, x.discharge, x.visit "
               f"FROM ({exp}) x JOIN {T_PERSON} p ON p.id = x.person_id "
               f"ORDER BY x.discharge, x.kind, x.ref")
        for pid, hid, kind, ref, fen, discharge, visit in _rows(sql, params):
            if wanted is not None and pid not in wanted:
                continue
            out.setdefault(pid if by_person else hid, []).append(
                {"person_id": pid, "kind": kind, "id": ref, "fen": fen,
                 "discharged_on": str(_date(discharge)), "visit": visit})
    return out


def _medical(rule: Rule, on, prefix, household_ids, exclude, incomes: Incomes,
             projected: bool) -> list[Hit]:
    period = rule.parameters_on(on)
    if period is None:
        return []
    found = _threshold(rule, period.values["share"], incomes, prefix[:2], on.year)
    if found is None:
        return []
    threshold, base = found
    elapsed = (on - dt.date(on.year, 1, 1)).days + 1
    year_days = (dt.date(on.year, 12, 31) - dt.date(on.year, 1, 1)).days + 1
    hits = []
    for pid, hid, region, total in _expense_totals(rule, on, prefix, household_ids, exclude):
        total = int(total or 0)
        if not projected and total > threshold:
            hits.append(Hit("person" if pid else "household", pid, hid, region, str(on.year),
                            amount_fen=total, threshold_fen=threshold))
        elif projected and total <= threshold and elapsed >= period.values["min_days"]:
            estimate = total * year_days // elapsed
            if estimate > threshold:
                hits.append(Hit("person" if pid else "household", pid, hid, region,
                                str(on.year), amount_fen=estimate, threshold_fen=threshold,
                                estimate=True,
                                evidence={"so_far_fen": total, "days_elapsed": elapsed,
                                          "year_days": year_days, "projected_fen": estimate,
                                          "explanation": (
                                              f"年内已发生个人负担 {total / 100:.2f} 元（{elapsed} 天），"
                                              f"按日均外推至全年 {year_days} 天约 {estimate / 100:.2f} 元，"
                                              f"将超过 {threshold / 100:.2f} 元")}))
    if not hits:
        return hits
    person_level = rule.level == "person"
    items = _expense_items(on, hits, by_person=person_level)
    for h in hits:
        h.evidence.update(base)
        h.evidence["items"] = items.get(h.person_id if person_level else h.household_id, [])
        h.evidence["threshold_fen"] = threshold
        h.uses_examples = period.example or incomes.example
    return hits


def _simple(sql: str, params: list, kind: str, period_of, evidence_of=None) -> list[Hit]:
    hits = []
    for row in _rows(sql, params):
        pid, hid, region = row[0], row[1], row[2]
        hits.append(Hit(kind, pid if kind == "person" else None, hid, region, period_of(row),
                        evidence=evidence_of(row) if evidence_of else {}))
    return hits


def _major_disease(rule, on, prefix, household_ids, exclude) -> list[Hit]:
    return [Hit("person", pid, hid, region, period, evidence=evidence)
            for pid, hid, region, period, evidence
            in major_disease(rule, on, prefix, household_ids, exclude)]


def _not_enrolled(rule, on, prefix, household_ids, exclude) -> list[Hit]:
    params: list = [on.year]
    sql = (f"SELECT p.id, p.household_id, p.region_code FROM {T_PERSON} p WHERE p.alive = TRUE "
           f"AND NOT EXISTS (SELECT 1 FROM {T_ENROLMENT} n WHERE n.person_id = p.id "
           f"AND n.year = %s AND n.status = 'insured' AND n.void = FALSE) ")
    sql += f"AND {_subjects(params, prefix, household_ids, exclude=exclude)} "
    sql += f"AND {_held('person', rule.watch, params, on, household_ids is not None)}"
    return _simple(sql, params, "person", lambda r: str(on.year),
                   lambda r: {"year": on.year})


def _followup_gap(rule, on, prefix, household_ids, exclude) -> list[Hit]:
    gap = rule.parameters_on(on).values["gap_days"]
    since = _iso(on - dt.timedelta(days=gap))
    params: list = [since, _iso(on), _iso(on), since, _iso(on)]
    sql = (f"SELECT p.id, p.household_id, p.region_code, MIN(r.registered_on), "
           f"MIN(r.disease_code) FROM {T_CHRONIC} r JOIN {T_PERSON} p ON p.id = r.person_id "
           f"WHERE p.alive = TRUE AND r.registered_on < %s "
           f"AND r.registered_on <= %s AND (r.ended_on IS NULL OR r.ended_on > %s) "
           f"AND NOT EXISTS (SELECT 1 FROM {T_FOLLOWUP} f WHERE f.person_id = p.id "
           f"AND f.visited_on >= %s AND f.visited_on <= %s) ")
    sql += f"AND {_subjects(params, prefix, household_ids, exclude=exclude)} "
    sql += f"AND {_held('person', rule.watch, params, on, household_ids is not None)} "
    sql += "GROUP BY p.id, p.household_id, p.region_code"
    quarter = f"{on.year}Q{(on.month - 1) // 3 + 1}"
    return _simple(sql, params, "person", lambda r: quarter,
                   lambda r: {"gap_days": gap, "since": since,
                              "registered_on": str(_date(r[3])), "disease_code": r[4]})


def _watched_periods(rule) -> tuple[str, list]:
    marks = ",".join(["%s"] * len(rule.watch or ()))
    return marks, list(rule.watch or ())


def _no_support(rule, on, prefix, household_ids, exclude) -> list[Hit]:
    after = rule.parameters_on(on).values["after_days"]
    marks, cats = _watched_periods(rule)
    params: list = [*cats, _iso(on - dt.timedelta(days=after)), _iso(on), _iso(on)]
    sql = (f"SELECT NULL, c.household_id, p.region_code, c.start_date, c.category "
           f"FROM {T_PERIOD} c JOIN {T_HOUSEHOLD} p ON p.id = c.household_id "
           f"WHERE c.category IN ({marks}) AND c.start_date <= %s "
           f"AND (c.end_date IS NULL OR c.end_date >= %s) AND NOT EXISTS (SELECT 1 FROM "
           f"{T_MEASURE} s WHERE s.household_id = c.household_id AND s.start_date >= c.start_date "
           f"AND s.start_date <= %s) ")
    where = _subjects(params, prefix, None, exclude=exclude)
    sql += f"AND {where}"
    if household_ids is not None:
        ids = sorted(set(household_ids)) or [0]
        sql += f" AND c.household_id IN ({','.join(['%s'] * len(ids))})"
        params += ids
    return _simple(sql, params, "household", lambda r: str(_date(r[3]))[:7],
                   lambda r: {"identified_on": str(_date(r[3])), "category": r[4],
                              "after_days": after})


def _exit_early(rule, on, prefix, household_ids, exclude) -> list[Hit]:
    values = rule.parameters_on(on).values
    marks, cats = _watched_periods(rule)
    params: list = [*cats, _iso(on - dt.timedelta(days=values["lookback_days"])), _iso(on),
                    values["min_months"], values["aided_min_months"]]
    sql = (f"SELECT NULL, c.household_id, p.region_code, c.start_date, c.end_date, c.end_way "
           f"FROM {T_PERIOD} c JOIN {T_HOUSEHOLD} p ON p.id = c.household_id "
           f"WHERE c.category IN ({marks}) AND c.end_date >= %s AND c.end_date <= %s "
           f"AND (c.end_date < {_add_months('c.start_date')} OR (c.end_way = 'aided' "
           f"AND c.end_date < {_add_months('c.start_date')})) ")
    sql += f"AND {_subjects(params, prefix, None, exclude=exclude)}"
    if household_ids is not None:
        ids = sorted(set(household_ids)) or [0]
        sql += f" AND c.household_id IN ({','.join(['%s'] * len(ids))})"
        params += ids
    return _simple(sql, params, "household", lambda r: str(_date(r[4]))[:7],
                   lambda r: {"identified_on": str(_date(r[3])), "ended_on": str(_date(r[4])),
                              "end_way": r[5], "min_months": values["min_months"],
                              "aided_min_months": values["aided_min_months"]})


def _no_worker(rule, on, prefix, household_ids, exclude) -> list[Hit]:
    since = _iso(on - dt.timedelta(days=rule.parameters_on(on).values["lookback_days"]))
    able = list(ABLE_TO_WORK)
    params: list = [since, _iso(on), since, _iso(on + dt.timedelta(days=1)), *able]
    sql = (f"SELECT NULL, h.id, h.region_code FROM {T_HOUSEHOLD} h "
           f"JOIN {T_PERSON} p ON p.id = h.head_id WHERE h.ended_on IS NULL AND ("
           f"EXISTS (SELECT 1 FROM {T_PERSON} d WHERE d.household_id = h.id AND d.alive = FALSE "
           f"AND d.death_date >= %s AND d.death_date <= %s) OR EXISTS (SELECT 1 FROM {T_HPERSON} "
           f"x JOIN {T_PERSON} now ON now.id = x.id WHERE x.household_id = h.id "
           f"AND now.household_id <> h.id AND x.history_date >= %s AND x.history_date < %s)) "
           f"AND NOT EXISTS (SELECT 1 FROM {T_PERSON} w WHERE w.household_id = h.id "
           f"AND w.alive = TRUE AND w.work_ability IN ({','.join(['%s'] * len(able))})) ")
    sql += f"AND {_subjects(params, prefix, household_ids, exclude=exclude)} "
    sql += f"AND {_held('household', rule.watch, params, on, household_ids is not None)}"
    return _simple(sql, params, "household", lambda r: str(on.year),
                   lambda r: {"since": since})


def evaluate(rule: Rule, *, on_date: dt.date, prefix: str, incomes: Incomes,
             household_ids=None, exclude: tuple[str, ...] = ()) -> list[Hit]:
    """The subjects that meet `rule` on `on_date` in the region `prefix` (less the `exclude`
    prefixes, counties with a rule file of their own), or only in `household_ids`."""
    period = rule.parameters_on(on_date)
    if period is None:
        return []
    args = (rule, on_date, prefix, household_ids, exclude)
    if rule.kind == "medical_cost":
        hits = _medical(*args, incomes, projected=False)
    elif rule.kind == "projected_cost":
        hits = _medical(*args, incomes, projected=True)
    else:
        hits = {"major_disease_new": _major_disease, "not_enrolled": _not_enrolled,
                "followup_gap": _followup_gap, "no_support_measure": _no_support,
                "exit_too_early": _exit_early, "no_one_able_to_work": _no_worker}[rule.kind](*args)
        for h in hits:
            h.uses_examples = period.example
    for h in hits:
        h.evidence.setdefault("rule_source", period.source or "示例值")
    return hits
