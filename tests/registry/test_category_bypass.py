"""Categories change only through the procedure that owns them (issue: any writer could grant
特困 or end a monitored household's period after 12 days through the API)."""

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.registry import services
from jkfp.registry.models import CategoryPeriod

pytestmark = pytest.mark.usefixtures("api_urlconf")


@pytest.mark.parametrize("level", ["village", "township", "county"])
def test_a_writer_cannot_grant_or_end_a_category_outside_the_procedure(level, users, household,
                                                                      api_as):
    client = api_as(users[level])
    r = client.post(f"/persons/{household.head_id}/categories",
                    {"category": "extreme_poor", "start_date": str(timezone.localdate()),
                     "reason": "直接授予"})
    assert r.status_code == 403 and r.json()["code"] == "category_by_procedure"
    assert not CategoryPeriod.objects.filter(person=household.head).exists()
    start = timezone.localdate() - dt.timedelta(days=12)
    period = services.category_period_add(user=users["county"], household=household,
                                          category="marginal", start_date=start)
    r = client.post(f"/category-periods/{period.pk}/end",
                    {"end_date": str(timezone.localdate()), "end_reason": "提前退出"})
    assert r.status_code == 403 and r.json()["code"] == "category_by_procedure"
    period.refresh_from_db()
    assert period.end_date is None


def test_an_administrator_corrects_with_a_reason_and_is_named_in_history(household, corrector):
    path = f"/households/{household.pk}/categories"
    r = corrector.post(path, {"category": "marginal", "start_date": "2024-01-01"})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = corrector.post(path, {"category": "marginal", "start_date": "2024-01-01",
                              "reason": "乡村振兴局名单漏录"})
    assert r.status_code == 201
    period = CategoryPeriod.objects.get(pk=r.json()["id"])
    assert period.reason == "更正：乡村振兴局名单漏录" and period.source == "correction"
    assert period.history.get().history_user.username == "ca_user"
