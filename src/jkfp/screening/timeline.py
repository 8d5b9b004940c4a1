"""Screening's entries in the person's health timeline (`health.timeline`): each result and each
step of its follow-through. Registered from `ScreeningConfig.ready`; called by health only for
users who may see health details and for a person read through a scoped selector."""

from __future__ import annotations

from collections.abc import Iterable

from jkfp.accounts.models import User
from jkfp.health.timeline import Entry
from jkfp.registry.models import Person

from . import rules, selectors
from .models import ResultStep


def entries(user: User, person: Person) -> Iterable[Entry]:
    results = {r.pk: r for r in selectors.person_results(user=user, person=person)}
    for r in results.values():
        yield Entry(r.screened_on, "screening", f"{r.campaign.name}：{r.get_result_display()}",
                    r.finding, ("screening:result", r.pk))
    steps = ResultStep.objects.filter(result_id__in=list(results)).exclude(step=rules.RECORD)
    for s in steps.order_by("on_date", "id"):
        r = results[s.result_id]
        yield Entry(s.on_date, "screening", f"筛查后续·{rules.step_label(s.step)}：{r.campaign.name}",
                    s.comment or r.health_ref, ("screening:result", r.pk), 1)
