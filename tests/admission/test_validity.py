"""A category that has ended as a policy cannot be admitted any more (decision 40): the
categories' validity dates are data (policies/procedure/categories.yaml), strictly validated,
reported by the system check, enforced at proposal and at decision, and the propose form does
not offer an ended category."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from jkfp.admission import checks, selectors, services, validity
from jkfp.admission.models import ChangeRequest
from jkfp.categories import Category
from jkfp.errors import ErrorCode, ValidationErrors
from jkfp.registry.models import CategoryPeriod

from .clock import days_pass

pytestmark = pytest.mark.django_db
SHIPPED = Path(settings.JKFP_POLICIES_DIR) / validity.FILE


def test_the_shipped_file_names_every_category_and_ends_registered_poor_with_2020():
    table = validity.load(SHIPPED)
    assert set(table) == set(Category)
    assert all(v.source or v.example for v in table.values())
    poor = table[Category.REGISTERED_POOR]
    assert poor.until == dt.date(2020, 12, 31) and poor.admits_on(dt.date(2020, 12, 31))
    assert not poor.admits_on(dt.date(2021, 1, 1))
    assert Category.REGISTERED_POOR not in validity.admissible(on=dt.date(2026, 1, 1))
    assert Category.REGISTERED_POOR in validity.admissible(on=dt.date(2019, 1, 1))


def _propose(users, household, category, effective=None, action="admit", **kw):
    today = timezone.localdate()
    return services.change_request_propose(
        user=users["village"],
        action=action,
        category=category,
        household=household,
        reason="入户核实",
        effective_date=effective or today,
        channel="visit",
        home_visit_on=today,
        consent_on=today,
        **kw,
    )


@pytest.mark.parametrize("effective", [None, dt.date(2019, 6, 1)])
def test_registered_poor_is_refused_at_proposal_and_nothing_is_written(users, household, effective):
    with pytest.raises(ValidationErrors) as exc:
        _propose(users, household, "registered_poor", effective)
    errors = {e.code: e for e in exc.value.errors}
    assert errors[ErrorCode.CATEGORY_ENDED].field == "category"
    assert "已于2020-12-31停止认定" in errors[ErrorCode.CATEGORY_ENDED].message
    assert not ChangeRequest.objects.exists()


def _policies_with(tmp_path, settings, category: str, until: dt.date) -> None:
    root = tmp_path / "policies"
    shutil.copytree(settings.JKFP_POLICIES_DIR, root)
    path = root / validity.FILE
    text = path.read_text(encoding="utf-8")
    block = f"  {category}:\n    from: null\n    until: null\n"
    assert block in text
    path.write_text(
        text.replace(block, f"  {category}:\n    from: null\n    until: {until}\n"),
        encoding="utf-8",
    )
    settings.JKFP_POLICIES_DIR = str(root)


def test_a_category_ended_after_the_proposal_is_refused_at_decision(
    users, household, tmp_path, settings
):
    cr = _propose(users, household, "marginal")
    today = timezone.localdate()
    cr = services.change_request_post_notice(
        user=users["village"], request=cr, expected_version=cr.version, notice_start=today
    )
    cr = days_pass(cr.pk, 6)
    cr = services.change_request_township_review(
        user=users["township"],
        request=cr,
        expected_version=cr.version,
        approve=True,
        comment="属实",
    )
    _policies_with(tmp_path, settings, "marginal", today - dt.timedelta(days=1))
    with pytest.raises(ValidationErrors) as exc:
        services.change_request_county_decide(
            user=users["county"],
            request=cr,
            expected_version=cr.version,
            approve=True,
            comment="同意",
        )
    assert [e.code for e in exc.value.errors] == [ErrorCode.CATEGORY_ENDED]
    cr.refresh_from_db()
    assert cr.status == "township_approved"
    assert not CategoryPeriod.objects.filter(category="marginal").exists()


def test_an_exit_of_an_ended_category_is_still_possible(users, household):
    period = CategoryPeriod.objects.create(
        category="registered_poor",
        household=household,
        region_code=household.region_code,
        source="test",
        start_date=dt.date(2016, 1, 1),
    )
    cr = _propose(users, household, "registered_poor", action="exit", period=period)
    assert cr.status == "proposed"
    offered = selectors.proposable_categories(periods=[period])
    assert "registered_poor" in offered and "仅可办理退出" in offered["registered_poor"]
    assert "registered_poor" not in selectors.proposable_categories(periods=[])


def test_the_propose_form_does_not_offer_an_ended_category(users, household, client_as):
    page = client_as(users["village"]).get(f"/households/{household.pk}/").content.decode()
    form = page.split('id="id_category"', 1)[1].split("</select>", 1)[0]
    assert 'value="marginal"' in form and 'value="registered_poor"' not in form
    r = client_as(users["village"]).post(
        f"/households/{household.pk}/requests/",
        {
            "action": "admit",
            "category": "registered_poor",
            "channel": "visit",
            "reason": "x",
            "effective_date": timezone.localdate(),
            "home_visit_on": timezone.localdate(),
            "consent_on": timezone.localdate(),
        },
    )
    assert r.status_code == 422 and not ChangeRequest.objects.exists()


BAD = """description: 测试
categories:
  registered_poor:
    from: 2021-01-01
    until: 2020-12-31
    source: x
  lifted_out:
    from: 20140101
    until: null
    source: x
  marginal:
    from: null
    source: x
  sudden_hardship:
    from: null
    until: null
  unstable_lifted:
    from: null
    until: null
    example: true
  extreme_poor:
    from: null
    until: null
    source: x
    colour: red
  nonsense:
    from: null
    until: null
    source: x
"""


def test_a_bad_file_names_every_error_with_its_line(tmp_path, settings):
    path = tmp_path / "categories.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ValidationErrors) as exc:
        validity.load(path)
    messages = [e.message for e in exc.value.errors]
    text = "\n".join(messages)
    assert f"{path}:5：registered_poor.until：until 不能早于 from" in text
    assert "lifted_out.from：“20140101”须为日期" in text
    assert "marginal.until：缺少 until" in text
    assert "sudden_hardship：须注明来源" in text
    assert "unstable_lifted.note：示例值须有说明" in text
    assert f"{path}:25：extreme_poor.colour：未知的键“colour”" in text
    assert "nonsense：未知的类别“nonsense”" in text
    assert "缺少类别“minimum_living”" in text
    assert all(f"{path}:" in m for m in messages)
    # the system check reports it (jkfp check)
    root = tmp_path / "policies"
    shutil.copytree(Path(settings.JKFP_POLICIES_DIR), root)
    (root / validity.FILE).write_text(BAD, encoding="utf-8")
    settings.JKFP_POLICIES_DIR = str(root)
    found = checks.category_validity_file_valid(None)
    assert found and {e.id for e in found} == {"jkfp.E040"}
