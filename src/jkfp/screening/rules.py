"""The follow-through of a suspected or positive result, as a transition table.

    awaiting ──refer──► referred ──confirm──► confirmed ──open_case──► case_opened
                            └──rule_out──► ruled_out     └──register──► registered

A negative result is `done` at once. `step_allowed` is the one answer to "may this user take
this step of this result now?": the services refuse what it refuses, the result page shows the
buttons it allows (`steps_allowed`), and the worklist of positives without a next step is the
results in a stage from which a step is still due (`OPEN_STAGES`).
"""

from __future__ import annotations

from enum import StrEnum

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode

from .models import ScreeningResult

Stage = ScreeningResult.Stage


class Step(StrEnum):
    REFER = "refer"
    CONFIRM = "confirm"
    RULE_OUT = "rule_out"
    OPEN_CASE = "open_case"
    REGISTER = "register"


#: step → (the stage it may be taken from, the stage it leads to)
TRANSITIONS: dict[Step, tuple[str, str]] = {
    Step.REFER: (Stage.AWAITING, Stage.REFERRED),
    Step.CONFIRM: (Stage.REFERRED, Stage.CONFIRMED),
    Step.RULE_OUT: (Stage.REFERRED, Stage.RULED_OUT),
    Step.OPEN_CASE: (Stage.CONFIRMED, Stage.CASE_OPENED),
    Step.REGISTER: (Stage.CONFIRMED, Stage.REGISTERED),
}

LABELS: dict[Step, str] = {
    Step.REFER: "转诊",
    Step.CONFIRM: "确诊",
    Step.RULE_OUT: "排除",
    Step.OPEN_CASE: "纳入大病专项救治",
    Step.REGISTER: "纳入慢病管理",
}

#: what each step must be given besides its date (the services check them)
REQUIRED: dict[Step, tuple[str, ...]] = {
    Step.REFER: ("referred_to",),
    Step.CONFIRM: ("icd10",),
    Step.RULE_OUT: ("comment",),
    Step.OPEN_CASE: (),
    Step.REGISTER: (),  # the confirming institution defaults to the one referred to
}

#: the stages from which a step is still due: a result in one of them has no next step yet
OPEN_STAGES: tuple[str, ...] = tuple(dict.fromkeys(frm for frm, _to in TRANSITIONS.values()))

#: the next step due from each open stage, in words (the worklist's column)
NEXT: dict[str, str] = {
    Stage.AWAITING: "待转诊",
    Stage.REFERRED: "待确诊或排除",
    Stage.CONFIRMED: "待纳入大病救治或慢病管理",
}

#: the record of the result itself in the steps (not a transition)
RECORD = "record"


def step_label(name: str) -> str:
    """A recorded step's name in words (the record of the result itself included)."""
    return LABELS[Step(name)] if name in Step._value2member_map_ else "登记结果"


def steps_from(stage: str) -> list[Step]:
    return [s for s, (frm, _to) in TRANSITIONS.items() if frm == stage]


def role_allows(user: User) -> bool:
    """Whether the user may take follow-through steps at all (health and hospital writers)."""
    return access.can_write_health(user)


def step_allowed(*, user: User, result: ScreeningResult, step: Step | str) -> bool:
    """Whether `user` may take `step` on `result` now: role, region and stage."""
    try:
        step = Step(step)
    except ValueError:
        return False
    return (role_allows(user) and access.code_in_scope(user, result.region_code)
            and result.stage == TRANSITIONS[step][0])


def steps_allowed(*, user: User, result: ScreeningResult) -> list[str]:
    """The steps the result page offers this user (buttons), in the table's order."""
    return [s.value for s in TRANSITIONS if step_allowed(user=user, result=result, step=s)]


def require_step(*, user: User, result: ScreeningResult, step: str) -> Step:
    """The step, if this user may take it from the result's stage; else a named refusal."""
    try:
        s = Step(step)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, f"步骤“{step}”不存在", field="step") from None
    if not role_allows(user):
        access.require_health_writer(user)
    access.require_in_scope(user, result.region_code)
    frm, _to = TRANSITIONS[s]
    if result.stage != frm:
        raise DomainError(
            ErrorCode.SCREENING_STEP_NOT_ALLOWED,
            f"当前进展为“{Stage(result.stage).label}”，不能办理“{LABELS[s]}”"
            f"（须在“{Stage(frm).label}”时办理）", field="step")
    return s
