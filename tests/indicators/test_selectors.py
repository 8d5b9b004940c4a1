"""`selectors.Row` as the pages show it: numerator and denominator grouped by thousands, and in
yuan where the indicator sums the statements' money (its units weigh fen)."""

from jkfp.indicators import definitions
from jkfp.indicators.selectors import Row


def _row(indicator_id: str, numerator: int, denominator: int) -> Row:
    ind = definitions.current().indicators[indicator_id]
    return Row(indicator=ind, region_code="640323", region_name="盐池县", period="2026",
               numerator=numerator, denominator=denominator)


def test_amounts_are_shown_in_yuan_not_bare_fen():
    r = _row("self_pay_share_poor", 861_658, 1_737_349)
    assert r.indicator.in_fen
    assert r.fraction == "8,616.58 / 17,373.49元"
    assert r.shown == "49.60%"  # the ratio itself is unit-free
    assert _row("inpatient_coverage_ratio_poor", 5, 100_000_000).fraction == "0.05 / 1,000,000.00元"


def test_counts_are_grouped_by_thousands():
    r = _row("contract_coverage_poor", 458_410, 717_785)
    assert not r.indicator.in_fen
    assert r.fraction == "458,410 / 717,785"
    assert _row("facility_gaps", 0, 0).fraction == "0 / 0"

