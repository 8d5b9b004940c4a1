"""Doubtful rows wait for a person: two namesakes born on the same day in one village are never
linked automatically; a person links the row to one of them (who and when recorded), and the
apply leaves waiting rows alone (and exits 0 from the command)."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.errors import DomainError, ErrorCode
from jkfp.exchange import services
from jkfp.exchange.models import BatchRow, RowStatus
from jkfp.registry.models import CategoryPeriod
from tests.conftest import VILLAGE
from tests.factories import HouseholdFactory, PersonFactory, make_id

from .files import xlsx

HEADER = ["姓名", "身份证号", "类别", "开始日期"]
BORN = dt.date(1970, 5, 17)


@pytest.fixture
def namesakes(regions):
    a = PersonFactory(
        household=HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, with_head=False),
        name="王建国",
        id_number=make_id("640323", BORN, "M"),
    )
    b = PersonFactory(
        household=HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, with_head=False),
        name="王建国",
        id_number=make_id("640323", BORN, "M"),
    )
    return a, b


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def _neither(number: str) -> str:
    """The same county and birth date, a sequence neither namesake has, a bad check
    character: only name, birth date and village are left to link by."""
    from jkfp.registry.idnumber import check_char

    first17 = number[:14] + "999"
    good = check_char(first17)
    return first17 + ("0" if good != "0" else "1")


def test_namesakes_go_to_review_and_a_person_decides(civil, namesakes):
    a, b = namesakes
    data = xlsx(HEADER, [["王建国", _neither(a.id_number), "低保", "2023-01-01"]])
    batch = services.batch_check(user=civil, kind="civil_affairs", data=data, file_name="x.xlsx")
    assert batch.summary["doubtful"] == 1 and batch.summary["created"] == 0
    row = BatchRow.objects.get(batch=batch)
    assert row.person_id is None
    assert {c["person_id"] for c in row.candidates} == {a.pk, b.pk}
    # the apply leaves the waiting row alone
    summary = services.batch_apply(user=civil, batch=batch)
    assert summary["doubtful"] == 1 and summary["periods_opened"] == 0
    assert not CategoryPeriod.objects.filter(category="minimum_living").exists()
    with pytest.raises(DomainError) as exc:  # only a candidate may be chosen
        services.batch_row_decide(
            user=civil, batch=batch, line=row.line, decision="link", person_id=999999
        )
    assert exc.value.code == ErrorCode.INVALID
    row = services.batch_row_decide(
        user=civil, batch=batch, line=row.line, decision="link", person_id=b.pk
    )
    assert (row.status, row.decided_by, row.person_id) == (RowStatus.CREATED, civil, b.pk)
    assert row.decided_at is not None
    summary = services.batch_apply(user=civil, batch=batch)
    assert summary["created"] == 1 and summary["doubtful"] == 0
    p = CategoryPeriod.objects.get(category="minimum_living")
    assert p.person_id == b.pk and p.source == "import"
    # a row already applied is not decided again
    with pytest.raises(DomainError) as exc:
        services.batch_row_decide(user=civil, batch=batch, line=row.line, decision="ignore")
    assert exc.value.code == ErrorCode.IMPORT_BATCH_STATE


def test_ignore_and_not_in_registry(civil, namesakes):
    a, _ = namesakes
    data = xlsx(HEADER, [["王建国", _neither(a.id_number), "低保", "2023-01-01"]])
    batch = services.batch_check(user=civil, kind="civil_affairs", data=data, file_name="x.xlsx")
    line = BatchRow.objects.get(batch=batch).line
    row = services.batch_row_decide(user=civil, batch=batch, line=line, decision="new")
    assert row.status == RowStatus.IGNORED  # a civil-affairs list creates no person
    batch.refresh_from_db()
    assert batch.summary["ignored"] == 1 and batch.summary["doubtful"] == 0


def test_wrong_check_digit_never_overwrites_the_good_id(civil, people):
    head = people["head"]
    data = xlsx(HEADER, [[head.name, _wrong_check(head.id_number), "低保", "2023-01-01"]])
    batch = services.batch_check(user=civil, kind="civil_affairs", data=data, file_name="x.xlsx")
    row = BatchRow.objects.get(batch=batch)
    assert row.link_status in ("linked", "doubtful", "conflict"), row.candidates
    if row.status == RowStatus.DOUBTFUL:  # the person decides when the score is not high
        services.batch_row_decide(
            user=civil, batch=batch, line=row.line, decision="link", person_id=head.pk
        )
    services.batch_apply(user=civil, batch=batch)
    head.refresh_from_db()
    assert CategoryPeriod.objects.get(category="minimum_living").person_id == head.pk
    assert head.id_number != _wrong_check(head.id_number)
