"""Amounts are yuan in plain decimal notation with at most two decimals, never negative: the
same refusal in the service, the page, the API and the CSV of `jkfp settle`."""

import datetime as dt
import io

import pytest

from jkfp.errors import ErrorCode, ValidationErrors
from jkfp.policy.cli import run_settle
from jkfp.settlement.models import HospitalStay

from ..apiclient import refused
from .test_services import settle

BAD = [
    "1e5",
    "1E+5",
    "1,000",
    "100元",
    "¥100",
    "-5",
    "-0.01",
    "12.345",
    "1.000",
    "",
    " ",
    "abc",
    "0x10",
    "NaN",
    "Infinity",
    "1 000",
    "１２３.４５６",
]


@pytest.mark.parametrize("amount", BAD)
def test_the_service_refuses_the_amount_naming_the_field(settler, household, amount):
    with pytest.raises(ValidationErrors) as exc:
        settle(settler, household.head, dt.date(2022, 3, 1), amount, "0")
    codes = {(e.field, str(e.code)) for e in exc.value.errors}
    assert ("total_cost", ErrorCode.AMOUNT_INVALID) in codes or (
        amount.strip() == "" and ("total_cost", "stay_required") in codes
    ), codes
    assert not HospitalStay.objects.exists()


def test_the_plain_forms_are_accepted(settler, household):
    st = settle(settler, household.head, dt.date(2022, 3, 1), " 1234.5 ", "1000")
    assert st.stay.total_fen == 123450 and st.stay.in_policy_fen == 100000


@pytest.mark.parametrize("amount", ["1e5", "1,000", "100元", "-5", "12.345"])
def test_the_page_refuses_the_amount(client, settler, household, amount):
    client.force_login(settler)
    r = client.post(
        f"/persons/{household.head_id}/stays/new/",
        {
            "hospital_name": "盐池县人民医院",
            "hospital_grade": "2",
            "location": "county",
            "admission_date": "2022-03-01",
            "discharge_date": "2022-03-05",
            "total_cost": amount,
            "in_policy_cost": "100",
        },
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert f"金额“{amount}”" in page
    assert not HospitalStay.objects.exists()


@pytest.mark.parametrize("amount", ["1e5", "1,000", "100元", "-5", "12.345"])
def test_the_api_refuses_the_amount(settler, household, api_as, amount):
    fields = refused(
        api_as(settler),
        "post",
        f"/persons/{household.head_id}/stays",
        {
            "hospital_name": "盐池县人民医院",
            "hospital_grade": 2,
            "location": "county",
            "admission_date": "2022-03-01",
            "discharge_date": "2022-03-05",
            "total_cost": amount,
            "in_policy_cost": "100",
        },
    )
    assert fields.get("total_cost") == ErrorCode.AMOUNT_INVALID, fields
    assert not HospitalStay.objects.exists()


def test_the_api_refuses_a_float(settler, household, api_as):
    fields = refused(
        api_as(settler),
        "post",
        f"/persons/{household.head_id}/stays",
        {
            "hospital_name": "盐池县人民医院",
            "hospital_grade": 2,
            "location": "county",
            "admission_date": "2022-03-01",
            "discharge_date": "2022-03-05",
            "total_cost": 100.5,
            "in_policy_cost": "100",
        },
    )
    assert fields.get("total_cost") == ErrorCode.AMOUNT_INVALID, fields


HEADER = (
    "stay_id,person_id,county_code,category,hospital_grade,location,referred,"
    "admission_date,discharge_date,total_cost,in_policy_cost\n"
)


@pytest.mark.parametrize("amount", ["1e5", '"1,000"', "100元", "-5", "12.345"])
def test_the_csv_refuses_the_amount_with_its_line_and_column(tmp_path, amount):
    stays = tmp_path / "stays.csv"
    stays.write_text(
        HEADER + f"a1,p1,640323,general,2,county,false,2022-03-01,2022-03-05,{amount},100\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    status = run_settle(stays, tmp_path / "out.csv", stdout=out, stderr=err)
    assert status == 1 and not (tmp_path / "out.csv").exists()
    text = err.getvalue()
    assert "第2行" in text and "total_cost" in text and "金额" in text, text
    assert "Traceback" not in text
