"""Who may import: the department owning the list, at county level, reviewer or approver."""

from __future__ import annotations

import pytest

from jkfp.accounts.access import IMPORT_OWNERS, can_import
from jkfp.accounts.models import Department, Role
from jkfp.errors import DomainError, ErrorCode
from jkfp.exchange import services

from .files import xlsx

REGIONS = {"county": "640323", "township": "640323100", "city": "6403"}


def test_permission_matrix():
    """Every kind × department × role × level (unsaved accounts: the rule reads no table)."""
    from jkfp.accounts.models import User

    allowed = set()
    for kind in IMPORT_OWNERS:
        for department in Department:
            for role in Role:
                for level, region in REGIONS.items():
                    user = User(username="x", region_id=region, role=role, department=department)
                    if can_import(user, kind):
                        allowed.add((kind, department.value, role.value, level))
    assert allowed == {
        (kind, owner, role, "county")
        for kind, owner in IMPORT_OWNERS.items()
        for role in (Role.REVIEWER, Role.APPROVER)
    }
    assert can_import(User(username="root", is_superuser=True), "monitoring")


def test_a_refused_user_gets_permission_and_nothing_is_stored(make_user):
    health = make_user("640323", Role.APPROVER, Department.HEALTH)
    with pytest.raises(DomainError) as exc:
        services.batch_check(
            user=health,
            kind="civil_affairs",
            data=xlsx(["姓名", "身份证号", "类别", "开始日期"], [["a", "b", "c", "d"]]),
            file_name="x.xlsx",
        )
    assert exc.value.code == ErrorCode.PERMISSION
    from jkfp.exchange.models import Batch

    assert not Batch.objects.exists()


def test_another_county_does_not_see_the_batch(civil, make_user, people):
    from django.http import Http404

    from jkfp.exchange import selectors

    head = people["head"]
    batch = services.batch_check(
        user=civil,
        kind="civil_affairs",
        data=xlsx(
            ["姓名", "身份证号", "类别", "开始日期"],
            [[head.name, head.id_number, "低保", "2023-01-01"]],
        ),
        file_name="x.xlsx",
    )
    other = make_user("140403", Role.REVIEWER, Department.CIVIL_AFFAIRS)
    with pytest.raises(Http404):
        selectors.batch_get(user=other, pk=batch.pk)
    with pytest.raises(Http404):
        services.batch_apply(user=other, batch=batch)
