"""Scoped reads of stays and statements: health and money records of persons, so they follow
the same region-prefix rule as the registry (DESIGN.md rule 3)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.registry.models import Person

from .differences import FUNDS
from .models import ExternalSettlement, HospitalStay, Statement, StatementStatus

#: the platform's funds and the funds of ours each is compared with (differences.FUNDS), for
#: other apps (the demo's platform records) through this public module
PLATFORM_FUNDS = FUNDS


def statement_scope(*, user: User) -> QuerySet[Statement]:
    return scoped(Statement.objects.select_related("stay", "person", "created_by"), user)


def statement_get(*, user: User, pk: int) -> Statement:
    try:
        return statement_scope(user=user).get(pk=pk)
    except (Statement.DoesNotExist, ValueError, TypeError):
        raise Http404("无此结算单或不在您的管辖区域内") from None


def stay_get(*, user: User, pk: int) -> HospitalStay:
    try:
        return scoped(HospitalStay.objects.select_related("person"), user).get(pk=pk)
    except (HospitalStay.DoesNotExist, ValueError, TypeError):
        raise Http404("无此住院记录或不在您的管辖区域内") from None


def person_statements(*, user: User, person: Person) -> QuerySet[Statement]:
    """A person's statements, newest stay first, every version of a stay (current, superseded,
    reversed) newest first. `person` must come from a scoped selector."""
    return statement_scope(user=user).filter(person=person).order_by(
        "-stay__admission_date", "-id")


def stay_versions(*, user: User, statement: Statement) -> list[Statement]:
    """Every statement of the statement's stay, the first first (the version chain)."""
    return list(statement_scope(user=user).filter(stay_id=statement.stay_id).order_by("id"))


def current_statement_of(*, user: User, statement: Statement) -> Statement | None:
    """The stay's current statement (None when the stay's settlement was reversed)."""
    return statement_scope(user=user).filter(stay_id=statement.stay_id,
                                             status=StatementStatus.CURRENT).first()


def same_operation(*, user: User, statement: Statement) -> list[Statement]:
    """The other statements written by the same settlement, correction or reversal: the stays
    of the year that were settled again because of it."""
    if statement.operation is None:
        return []
    return list(statement_scope(user=user).filter(operation=statement.operation)
                .exclude(pk=statement.pk).order_by("stay__admission_date"))


@dataclass(frozen=True)
class DiffRow:
    key: str
    name: str
    before_fen: int
    after_fen: int

    @property
    def change_fen(self) -> int:
        return self.after_fen - self.before_fen


@dataclass(frozen=True)
class Difference:
    previous: Statement
    rows: list[DiffRow]  # one per tier, then the reimbursed total and the self-pay


def statement_difference(*, statement: Statement) -> Difference | None:
    """What changed from the statement this one superseded, per tier, to the fen."""
    previous = statement.supersedes.order_by("-id").first()
    if previous is None:
        return None
    names = {t["id"]: t["name"] for t in previous.detail.get("tiers", [])}
    names.update({t["id"]: t["name"] for t in statement.detail.get("tiers", [])})
    order = [t["id"] for t in statement.detail.get("tiers", [])]
    order += [k for k in previous.tier_amounts if k not in order]
    rows = [DiffRow(k, names.get(k, k), previous.tier_amounts.get(k, 0),
                    statement.tier_amounts.get(k, 0)) for k in order]
    rows.append(DiffRow("reimbursed", "报销合计", previous.reimbursed_fen,
                        statement.reimbursed_fen))
    rows.append(DiffRow("self_pay", "个人自付", previous.self_pay_fen, statement.self_pay_fen))
    return Difference(previous, rows)


def person_external_settlements(*, user: User, person: Person):
    """A person's records from the insurance platform (imported, not voided), newest first.
    `person` must come from a scoped selector."""
    return scoped(ExternalSettlement.objects.filter(person=person, voided_at__isnull=True),
                  user).order_by("-discharge_date", "-id")
