"""The registry's summaries (decision 25), registered when the app is ready.

- `registry.periods_open`: category periods without an end date, by village and category.
  Whether a period is *in force today* changes with the date without any write (a period
  ending on 31 December stops counting on 1 January), so the summary stores what does not
  change with the date — open periods — and `selectors.category_counts` corrects it, for the
  date asked, with the few periods whose being in force depends on the date: open periods not
  yet begun (subtracted) and dated periods in force (added), both read on small partial indexes.
  No nightly rebuild is needed for the counts to be right.
- `registry.persons_alive`: living persons by village.
"""

from __future__ import annotations

from django.db.models import Q

from jkfp.summaries.definitions import SummaryDefinition, define

from .models import CategoryPeriod, Person

PERIODS_OPEN = define(SummaryDefinition(
    name="registry.periods_open", model=CategoryPeriod, where=Q(end_date__isnull=True),
    counts=lambda p: p.end_date is None, key_field="category",
    description="无终止日期的类别期间数，按村、类别"))

PERSONS_ALIVE = define(SummaryDefinition(
    name="registry.persons_alive", model=Person, where=Q(alive=True),
    counts=lambda p: bool(p.alive), description="在世人员数，按村"))
