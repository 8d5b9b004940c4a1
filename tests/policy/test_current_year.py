"""Stays of the current years settle under regimes carried forward from the last published
ones, with every value marked as an example that the county must set."""

from datetime import date

import pytest

from jkfp.policy import Stay, settle_stay


def _stay(county: str, category: str, day: date) -> Stay:
    return Stay.create(stay_id="s", person_id="p", county_code=county, category=category,
                       hospital_grade=2, location="county", referred=True, admission_date=day,
                       discharge_date=date(day.year, day.month, day.day + 5),
                       total_cost="30000", in_policy_cost="25000")


@pytest.mark.parametrize("county, category, day, regime, carried_from", [
    ("640323", "minimum_living", date(2026, 3, 1), "yanchi-2026-2030@v1", "yanchi-2021-2025@v1"),
    ("140403", "lifted_out", date(2023, 3, 1), "changzhi-2021-2030@v1", "changzhi-2019-2020@v1"),
])
def test_a_stay_of_the_current_years_settles_on_example_values(policies, county, category, day,
                                                               regime, carried_from):
    st = settle_stay(_stay(county, category, day), policies=policies)
    assert st.regime_label == regime
    assert st.uses_examples
    used = [p for t in st.tiers for p in t.parameters] + list(st.regime_parameters)
    assert used and all(p.example for p in used)
    # the same amounts as the last day of the regime it carries forward
    last_year = {"yanchi-2021-2025@v1": date(2025, 3, 1),
                 "changzhi-2019-2020@v1": date(2020, 3, 1)}[carried_from]
    before = settle_stay(_stay(county, category, last_year), policies=policies)
    assert before.regime_label == carried_from
    assert [t.amount for t in st.tiers] == [t.amount for t in before.tiers]
