"""The person's imported platform records in their health timeline (a provider registered
from `SettlementConfig.ready`, as contracts do): one entry per record, on its discharge date;
a record of a stay of ours says so (the stay's own entry carries its statement)."""

from __future__ import annotations

from collections.abc import Iterable

from jkfp.accounts.models import User
from jkfp.policy.money import fmt_fen
from jkfp.registry.models import Person

from .selectors import person_external_settlements


def entries(user: User, person: Person) -> Iterable:
    from jkfp.health.timeline import Entry

    for e in person_external_settlements(user=user, person=person):
        kind = e.get_visit_type_display()
        same = "（与本系统住院记录为同一住院）" if e.stay_id else ""
        yield Entry(
            e.discharge_date,
            "stay",
            f"医保平台{kind}结算：{e.institution_name}",
            f"{e.admission_date:%Y-%m-%d}至{e.discharge_date:%Y-%m-%d}，医疗费总额"
            f"{fmt_fen(e.total_fen)}元，基金支付{fmt_fen(e.fund_total_fen)}元，个人负担"
            f"{fmt_fen(e.personal_fen)}元{same}",
            None,
            -1,
        )
