"""Hand-made records for the warning rules: stays with jkfp statements, imported settlement
records, category periods (written directly, as the rules read them)."""

from __future__ import annotations

import datetime as dt

from jkfp.registry.models import CategoryPeriod
from jkfp.settlement.models import ExternalSettlement, HospitalStay, Statement

# 宁夏's example income of 2023 (policies/monitoring/incomes.yaml): the base of 2024's rules
INCOME_2023_FEN = 17772_00
HALF_2024 = INCOME_2023_FEN // 2  # 50%: 888,600 fen


def period(*, household=None, person=None, category="lifted_out", start=dt.date(2021, 1, 1),
           end=None, end_way=""):
    subject = household or person.household
    return CategoryPeriod.objects.create(
        category=category, household=household, person=person, region_code=subject.region_code,
        start_date=start, end_date=end, end_way=end_way)


def stay(person, user, *, discharge, self_pay_fen, admission=None, status="current",
         diagnosis=""):
    admission = admission or discharge - dt.timedelta(days=3)
    s = HospitalStay.objects.create(
        person=person, region_code=person.region_code, county_code=person.region_code[:6],
        hospital_name="县人民医院", hospital_grade=2, location="county", admission_date=admission,
        discharge_date=discharge, total_fen=self_pay_fen * 3, in_policy_fen=self_pay_fen * 2,
        category="lifted_out", diagnosis_icd10=diagnosis, created_by=user)
    Statement.objects.create(
        stay=s, person=person, region_code=person.region_code, year=discharge.year,
        policy="test", reimbursed_fen=self_pay_fen * 2, self_pay_fen=self_pay_fen, detail={},
        created_by=user, status=status)
    return s


def imported(person, *, discharge, personal_fen, stay=None, visit="inpatient", voided=False):
    from django.utils import timezone

    return ExternalSettlement.objects.create(
        person=person, region_code=person.region_code, county_code=person.region_code[:6],
        visit_type=visit, admission_date=stay.admission_date if stay else discharge,
        discharge_date=discharge, total_fen=personal_fen * 2, personal_fen=personal_fen,
        stay=stay, voided_at=timezone.now() if voided else None)
