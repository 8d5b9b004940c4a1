"""Who may take which step of a special-treatment case (大病专项救治), as one transition table.

发现一例、建档一例、治愈一例、销号一例: a case is found, its record opened (建档), treated, and
its record closed (销号) — or re-opened. `step_allowed` is the one answer: the service refuses
with it (`require_step`), the page's buttons and the API's `steps` use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from jkfp.accounts.access import COUNTY_LEN, can_write_health, code_in_scope, level_length
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode

from .models import SpecialCase

S = SpecialCase.Status


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    county: bool = False  # only a county-level (or higher) health user takes it
    needs_comment: bool = False


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("open_record", "建档", (S.FOUND,), S.OPENED),
    Step("start_treatment", "开始救治", (S.OPENED,), S.IN_TREATMENT),
    Step("mark_treated", "救治完成", (S.IN_TREATMENT,), S.TREATED),
    Step("close", "销号", (S.FOUND, S.OPENED, S.IN_TREATMENT, S.TREATED), S.CLOSED,
         county=True),
    Step("reopen", "重新建档", (S.CLOSED,), S.OPENED, county=True, needs_comment=True),
)}

#: a case "closed as cured" must have been treated with the outcome cured first
CURED_NEEDS = (S.TREATED, SpecialCase.Outcome.CURED)


def step_allowed(*, user: User, case: SpecialCase, step: str) -> bool:
    s = STEPS.get(step)
    if s is None or case.status not in s.sources:
        return False
    if not (can_write_health(user) and code_in_scope(user, case.region_code)):
        return False
    return not s.county or user.is_superuser or level_length(user) <= COUNTY_LEN


def steps_allowed(*, user: User, case: SpecialCase) -> list[Step]:
    return [s for name, s in STEPS.items() if step_allowed(user=user, case=case, step=name)]


def require_step(*, user: User, case: SpecialCase, step: str) -> Step:
    s = STEPS.get(step)
    if s is None:
        raise DomainError(ErrorCode.CASE_STEP_NOT_ALLOWED, f"没有“{step}”这一步骤", field="step")
    if case.status not in s.sources:
        raise DomainError(ErrorCode.CASE_STEP_NOT_ALLOWED,
                          f"病例当前为“{case.get_status_display()}”，不能“{s.label}”",
                          field="step")
    if not can_write_health(user):
        raise DomainError(ErrorCode.PERMISSION,
                          "只有卫生健康部门和医疗机构的经办人员可以办理病例")
    if s.county and not (user.is_superuser or level_length(user) <= COUNTY_LEN):
        raise DomainError(ErrorCode.PERMISSION, f"“{s.label}”由县级卫生健康部门办理")
    return s
