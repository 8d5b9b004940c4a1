"""API of the indicator figures, under /api/v1/indicators/: the figures of a region and
period, the sub-regions' figures of one indicator, the persons behind a number (masked,
scoped). A region outside the user's scope answers 404."""

from __future__ import annotations

from ninja import Router, Schema

from jkfp.api.common import responses

from . import selectors
from .periods import parse

router = Router(tags=["指标"])


class FigureOut(Schema):
    indicator: str
    name: str
    region_code: str
    region_name: str
    period: str
    numerator: int
    denominator: int
    value: float | None
    target: float | None
    meets: bool | None
    example: bool


class PersonOut(Schema):
    person_id: int
    name: str
    id_masked: str
    region_code: str
    in_numerator: bool


def _out(r: selectors.Row) -> dict:
    return {"indicator": r.indicator.id, "name": r.indicator.name, "region_code": r.region_code,
            "region_name": r.region_name, "period": r.period, "numerator": r.numerator,
            "denominator": r.denominator, "value": r.value, "target": r.indicator.target,
            "meets": r.meets, "example": r.indicator.example}


@router.get("/figures", response=responses({200: list[FigureOut]}),
            summary="某区划某期间的全部指标（期间：2022、2022Q3、2022-07）")
def figures(request, region: str, period: str):
    rows = selectors.figures_of(user=request.auth, region_code=region,
                                period=parse(period).code)
    return [_out(r) for r in rows]


@router.get("/figures/{indicator}/children", response=responses({200: list[FigureOut]}),
            summary="某指标各下级区划的值（由差到好排名）")
def children(request, indicator: str, region: str, period: str):
    rows = selectors.children_of(user=request.auth, region_code=region,
                                 period=parse(period).code, indicator=indicator)
    return [_out(r) for r in rows]


@router.get("/figures/{indicator}/persons", response=responses({200: list[PersonOut]}),
            summary="数字背后的人员（分母中未计入分子者；身份证号脱敏）")
def persons(request, indicator: str, region: str, period: str, all: bool = False):
    rows, _total = selectors.persons_behind(user=request.auth, indicator=indicator,
                                            region_code=region, period=parse(period).code,
                                            missing_only=not all)
    return [r.__dict__ for r in rows]
