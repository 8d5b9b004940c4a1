"""Scans: every rule over a region (full) or over the households a change touched (incremental),
writing warnings set-based and idempotently (decision 56).

- `full_scan(user=…, region_code=…, on_date=…)` evaluates the rules of the region's file(s)
  (`engine.evaluate`, one SQL statement a rule) and writes the result in one transaction.
- `check_after(person_ids=…, household_ids=…, on_date=…)` does the same for some households
  only (after a committed change: `handlers.py`); the statements are the full scan's, limited to
  those households, so the two cannot disagree.
- Writing: a warning is keyed by rule, subject and period. A hit with no warning is created
  (`found`, a `found` step, due in the rule's verify days, the rule's recipients); a hit whose
  warning has the same facts (`facts_hash`) is left alone; one whose facts changed gets the new
  evidence, `facts_changed_on` and a `facts_changed` step, and a closed or dismissed one is
  opened again (`found`) only then. Warnings a rescan no longer finds are left to the workflow.
- `after_scan(run)` is called after every scan that created warnings: the hook the workflow
  wires (pushes); it does nothing here.

`user=None` is the system actor of a scheduled scan: the run and its steps carry no user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp.accounts.access import require_in_scope
from jkfp.errors import DomainError
from jkfp.events import Event, publish
from jkfp.registry.models import Household, Person
from jkfp.summaries.services import summary_add, summary_deltas, summary_snapshot

from . import bulk, engine
from .models import RiskWarning, ScanRun, WarningStatus, WarningStep
from .rulefiles import RuleSet, incomes, rule_files, rules_dir, rules_for
from .summaries import FIELDS as summary_fields

Progress = Callable[[int, int, str], None]
REOPENED_FROM = (WarningStatus.CLOSED, WarningStatus.DISMISSED)


def after_scan(run: ScanRun) -> None:
    """Called after a scan that created warnings. A scheduled full scan (the system actor, on
    the rules' push frequency: every 10 days for lifted-out and monitored people, monthly for
    the others) pushes what it found to the townships and departments; a scan by hand pushes
    only when asked (`jkfp warnings scan --push`), and an incremental check never does — its
    warnings are on the county's list at once and go out with the next scheduled push."""
    if run.mode == ScanRun.Mode.FULL and run.user_id is None:
        from .services import push_found

        push_found(user_or_none=None, region_code=run.region_code, on_date=run.on_date)


def units_of(region_code: str) -> list[tuple[str, RuleSet, tuple[str, ...]]]:
    """(prefix, rules, excluded prefixes): a county with its own file is scanned with it and
    left out of its province's pass."""
    if len(region_code) >= 6:
        return [(region_code, rules_for(region_code), ())]
    files = [p.stem for p in rule_files()]
    counties = [c for c in files if len(c) == 6 and c.startswith(region_code)]
    provinces = ([region_code[:2]] if len(region_code) >= 2
                 else [c for c in files if len(c) == 2])
    units = []
    for prov in provinces:
        if (rules_dir() / f"{prov}.yaml").is_file():
            prefix = region_code if len(region_code) >= 2 else prov
            units.append((prefix, rules_for(prov),
                          tuple(c for c in counties if c.startswith(prov))))
    units += [(c, rules_for(c), ()) for c in counties]
    return units


def _existing(rule_id: str, periods: set[str], prefix: str, household_ids) -> dict:
    qs = RiskWarning.objects.filter(rule_id=rule_id, period__in=sorted(periods))
    qs = qs.filter(household_id__in=sorted(set(household_ids))) if household_ids is not None \
        else qs.filter(region_code__startswith=prefix)
    out = {}
    for w in qs.only("id", "subject_kind", "person_id", "household_id", "period", "facts_hash",
                     "version", *summary_fields):
        subject = w.person_id if w.subject_kind == "person" else w.household_id
        out[(w.subject_kind, subject, w.period)] = w
    return out


def _write(run: ScanRun, rule, hits: list[engine.Hit], *, prefix: str, household_ids,
           user) -> dict:
    on = run.on_date
    existing = _existing(rule.id, {h.period for h in hits}, prefix, household_ids) if hits else {}
    new, changed, steps, pairs = [], [], [], []
    still = 0
    digests = [h.facts_hash() for h in hits]
    _lock_changed(existing, hits, digests)
    for h, digest in zip(hits, digests, strict=True):
        w = existing.get(h.key)
        if w is None:
            new.append(RiskWarning(
                rule_id=rule.id, subject_kind=h.subject_kind, person_id=h.person_id,
                household_id=h.household_id, region_code=h.region_code, period=h.period,
                found_on=on, due_on=on + dt.timedelta(days=rule.verify_days),
                amount_fen=h.amount_fen, threshold_fen=h.threshold_fen, evidence=h.evidence,
                facts_hash=digest, departments=list(rule.recipients),
                uses_examples=h.uses_examples, scan=run))
        elif w.facts_hash == digest:
            still += 1
        else:
            before, was = w.status, summary_snapshot(w)
            w.amount_fen, w.threshold_fen, w.evidence = h.amount_fen, h.threshold_fen, h.evidence
            w.facts_hash, w.facts_changed_on, w.uses_examples = digest, on, h.uses_examples
            w.version += 1
            comment = "扫描发现依据变化"
            if before in REOPENED_FROM:
                w.status, w.due_on, w.closed_on = WarningStatus.FOUND, \
                    on + dt.timedelta(days=rule.verify_days), None
                comment += "，预警重新打开"
            changed.append(w)
            pairs.append((was, summary_snapshot(w)))
            steps.append(WarningStep(warning_id=w.pk, step="facts_changed", from_status=before,
                                     to_status=w.status, on_date=on, comment=comment, user=user))
    if new and bulk.fast():
        WarningStep.objects.bulk_create(steps, batch_size=5000)
        steps = []
        bulk.insert_steps(bulk.insert_warnings(new, user=user), step="found", from_status="",
                          to_status=WarningStatus.FOUND, on_date=on,
                          comment=f"扫描发现（{rule.name}）", user=user)
    elif new:
        created = bulk_create_with_history(new, RiskWarning, batch_size=2000, default_user=user)
        if any(w.pk is None for w in created):  # a backend that returns no ids
            keyed = _existing(rule.id, {w.period for w in new}, prefix, household_ids)
            created = [keyed[(w.subject_kind, w.person_id if w.subject_kind == "person"
                              else w.household_id, w.period)] for w in new]
        steps += [WarningStep(warning_id=w.pk, step="found", from_status="",
                              to_status=WarningStatus.FOUND, on_date=on,
                              comment=f"扫描发现（{rule.name}）", user=user) for w in created]
    fields = ["amount_fen", "threshold_fen", "evidence", "facts_hash", "facts_changed_on",
              "uses_examples", "status", "due_on", "closed_on", "version"]
    if changed and bulk.fast():
        bulk.update_warnings(changed, fields, user=user)
    elif changed:
        bulk_update_with_history(changed, RiskWarning, fields, batch_size=2000,
                                 default_user=user)
    WarningStep.objects.bulk_create(steps, batch_size=5000)
    pairs += [({}, summary_snapshot(w)) for w in new]
    summary_add(summary_deltas(pairs))  # the overview's counts, in the same transaction
    if new or changed:  # new and re-opened warnings have a new due day: figures are stale (65)
        publish(Event.WARNING_CHANGED,
                region_codes=sorted({w.region_code for w in (*new, *changed)}))
    return {"new": len(new), "still": still, "changed": len(changed)}


def _lock_changed(existing: dict, hits: list[engine.Hit], digests: list[str]) -> None:
    """Lock the warnings whose facts changed and read them again: a step of the workflow
    committed since `_existing` read them is not overwritten, and their summaries move from
    what they are (decision 62). Few rows: a rescan with the same facts locks nothing."""
    stale = {existing[h.key].pk: h.key for h, d in zip(hits, digests, strict=True)
             if h.key in existing and existing[h.key].facts_hash != d}
    if not stale:
        return
    for w in (RiskWarning.objects.select_for_update().filter(pk__in=sorted(stale))
              .only("id", "subject_kind", "person_id", "household_id", "period", "facts_hash",
                    "version", *summary_fields)):
        existing[stale[w.pk]] = w


def _run(*, mode: str, region_code: str, on_date: dt.date, user, units, rules, household_ids,
         progress: Progress | None) -> ScanRun:
    chosen = [(prefix, [r for r in rs.rules if rules is None or r.id in rules], exclude)
              for prefix, rs, exclude in units]
    total = sum(len(rs) for _, rs, _ in chosen)
    found_incomes = incomes()
    with transaction.atomic():
        run = ScanRun.objects.create(mode=mode, region_code=region_code, on_date=on_date,
                                     rules=sorted({r.id for _, rs, _ in chosen for r in rs}),
                                     user=user)
        counts: dict[str, dict] = {}
        done = 0
        for prefix, rs, exclude in chosen:
            for rule in rs:
                hits = engine.evaluate(rule, on_date=on_date, prefix=prefix,
                                       incomes=found_incomes, household_ids=household_ids,
                                       exclude=exclude)
                got = _write(run, rule, hits, prefix=prefix, household_ids=household_ids,
                             user=user)
                tally = counts.setdefault(rule.id, {"new": 0, "still": 0, "changed": 0})
                for k, v in got.items():
                    tally[k] += v
                done += 1
                if progress:
                    progress(done, total, rule.name)
        run.counts = counts
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "finished_at"])
    if any(c["new"] for c in counts.values()):
        after_scan(run)
    return run


def full_scan(*, user, region_code: str, on_date: dt.date, rules: Iterable[str] | None = None,
              progress: Progress | None = None) -> ScanRun:
    """Every rule (or the `rules` named) over the region; `user=None` is the system actor."""
    if user is not None:
        require_in_scope(user, region_code)
    return _run(mode=ScanRun.Mode.FULL, region_code=region_code, on_date=on_date, user=user,
                units=units_of(region_code), rules=set(rules) if rules else None,
                household_ids=None, progress=progress)


def check_after(*, person_ids: Iterable[int] = (), household_ids: Iterable[int] = (),
                on_date: dt.date | None = None, user=None) -> list[ScanRun]:
    """The incremental check of the households of `person_ids` and `household_ids`: one run per
    county (the region of the rule file that applies)."""
    on_date = on_date or timezone.localdate()
    hids = set(household_ids) | set(
        Person.objects.filter(pk__in=list(person_ids)).values_list("household_id", flat=True))
    by_county: dict[str, set[int]] = {}
    for hid, code in Household.objects.filter(pk__in=sorted(hids)).values_list("id",
                                                                                "region_code"):
        by_county.setdefault(code[:6], set()).add(hid)
    runs = []
    for county, ids in sorted(by_county.items()):
        try:
            units = [(county, rules_for(county), ())]
        except DomainError:  # no rule file for the region: nothing to check there
            continue
        runs.append(_run(mode=ScanRun.Mode.INCREMENTAL, region_code=county, on_date=on_date,
                         user=user, units=units, rules=None, household_ids=sorted(ids),
                         progress=None))
    return runs
