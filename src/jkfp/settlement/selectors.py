"""Scoped reads of stays and statements: health and money records of persons, so they follow
the same region-prefix rule as the registry (DESIGN.md rule 3)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.registry.models import Person

from .models import Statement


def statement_scope(*, user: User) -> QuerySet[Statement]:
    return scoped(Statement.objects.select_related("stay", "person", "created_by"), user)


def statement_get(*, user: User, pk: int) -> Statement:
    try:
        return statement_scope(user=user).get(pk=pk)
    except (Statement.DoesNotExist, ValueError, TypeError):
        raise Http404("无此结算单或不在您的管辖区域内") from None


def person_statements(*, user: User, person: Person) -> QuerySet[Statement]:
    """A person's statements, newest stay first. `person` must come from a scoped selector."""
    return statement_scope(user=user).filter(person=person).order_by(
        "-stay__admission_date", "-id")
