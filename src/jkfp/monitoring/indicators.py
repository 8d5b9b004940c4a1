"""The predicates of the early warnings for the indicators (decisions 58a, 65): warnings as
`regional` units, attributed to the warning's own region (its household's village when found).

"Within the time set" is the warning's `due_on` (found_on + the rule's `verify_days`, DOMAIN.md
§5: from clue to decision normally at most 15 days): a warning is handled in time when it was
decided (confirmed or dismissed) or closed on or before that day. A rescan that finds its facts
changed re-opens it with a new `due_on`, and it is judged by that.
"""

from __future__ import annotations

from jkfp.indicators.definitions import Ctx, predicate

from .models import RiskWarning

T = RiskWarning._meta.db_table


def _due(ctx: Ctx, where: str = "") -> tuple[str, list]:
    # a warning whose deadline has not yet passed counts once it is handled, not before: on
    # the day the figures are computed it has not missed its time (decision 85)
    return (f"SELECT w.id AS unit_id, w.region_code AS region_code, 1 AS w FROM {T} w "
            f"WHERE w.due_on >= %s AND w.due_on <= %s AND (w.due_on < %s "
            f"OR w.decided_on IS NOT NULL OR w.closed_on IS NOT NULL){where}",
            [ctx.start, ctx.end, ctx.today])


@predicate("warnings_due", kind="regional", unit="warning", label="核实期限在期内的预警")
def warnings_due(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _due(ctx)


@predicate("warnings_handled_in_time", kind="regional", unit="warning",
           label="在核实期限内认定（确认或排除）或办结的预警")
def warnings_handled_in_time(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _due(ctx, " AND COALESCE(w.decided_on, w.closed_on) <= w.due_on")
