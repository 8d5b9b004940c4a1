"""Screening adds its results and steps to the person's health timeline (health.timeline),
for health users only."""

import datetime as dt

import pytest

from jkfp.health.timeline import person_timeline
from jkfp.screening import followthrough

from .conftest import TODAY, record

pytestmark = pytest.mark.django_db


def test_results_and_steps_are_in_the_timeline(county, campaign, woman, civil):
    r = record(county, campaign, woman, result="suspected", finding="乳腺结节")
    followthrough.result_step(user=county, result=r, step="refer", on_date=dt.date(2024, 5, 9),
                         expected_version=r.version, referred_to="县医院", comment="转外科",
                         today=TODAY)
    mine = [(e.on, e.kind, e.title, e.detail) for e in person_timeline(user=county, person=woman)
            if e.kind == "screening"]
    assert mine == [(dt.date(2024, 5, 9), "screening", "筛查后续·转诊：2024年两癌筛查", "转外科"),
                    (dt.date(2024, 5, 6), "screening", "2024年两癌筛查：可疑", "乳腺结节")]
    with pytest.raises(Exception) as exc:
        person_timeline(user=civil, person=woman)
    assert exc.value.code == "permission"
