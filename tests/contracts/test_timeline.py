"""Contracts and follow-ups appear in the person's health timeline (health.timeline)."""

import datetime as dt

import pytest

from jkfp.health.timeline import person_timeline

from ..factories import FollowUpFactory

pytestmark = pytest.mark.django_db


def test_contract_and_followup_entries(township_user, contract, registration, doctor, patient):
    FollowUpFactory(registration=registration, member=doctor, visited_on=dt.date(2025, 3, 1),
                    systolic=152, diastolic=95, classification="not_controlled",
                    created_by=township_user)
    entries = person_timeline(user=township_user, person=patient)
    kinds = [(e.kind, e.title) for e in entries]
    assert ("contract", f"签约家庭医生：{contract.team.name}（{contract.year}年度，基础服务包）") in kinds
    visit = next(e for e in entries if e.kind == "followup")
    assert visit.on == dt.date(2025, 3, 1) and visit.title.startswith("随访（门诊）：高血压")
    assert "血压 152/95 mmHg" in visit.detail and "控制不满意" in visit.detail
    assert visit.link == ("health:registration", registration.pk)
