"""Masked ID numbers cannot be rebuilt (decision 39).

Rule: from everything a role without the reveal right sees of a person — every page, API answer,
export and history row — at least 1,000 ID numbers remain consistent. The tests below render
each view as a read-only county user, parse out what it shows of one person (ID fragments, the
birth date, its year and month, an age), and count by enumeration the 18-character numbers that
agree with all of it: the address code (taken as known: it is the county of the village, which
every page names), each date of birth left possible, the 3 sequence digits (their last one's
parity is the sex, which is shown) and the check character (which cuts the rest by 11).
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import io
import json
import re
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.utils import timezone

from jkfp.accounts import tokens
from jkfp.accounts.models import Department, Role
from jkfp.health import services as health_services
from jkfp.registry import idnumber
from jkfp.registry import services as registry_services
from jkfp.screening import services as screening_services
from jkfp.settlement import services as settlement_services

from ..conftest import VILLAGE
from ..factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
    make_id,
)

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1968, 3, 17)
MIN_CANDIDATES = 1000
WEIGHTS = idnumber.WEIGHTS


# ---------------------------------------------------------------- what a view shows
@dataclass
class Shown:
    """What one or more views show of the person's ID number and birth date."""

    chars: dict[int, str] = field(default_factory=dict)  # position → character shown
    full_date: bool = False
    year_month: bool = False
    ages: set[int] = field(default_factory=set)  # ages (on the day of the view) shown

    def merge(self, other: Shown) -> Shown:
        return Shown(
            {**self.chars, **other.chars},
            self.full_date or other.full_date,
            self.year_month or other.year_month,
            self.ages | other.ages,
        )


FRAGMENT = re.compile(r"(?<![0-9X*])[0-9X*]{18}(?![0-9X*])")


def shown_in(text: str, number: str, birth: dt.date, today: dt.date) -> Shown:
    """Parse a view's text: every 18-character fragment that agrees with the number where it
    shows a character (a mask of this person, or a full number), the birth date in the usual
    spellings, its year and month, and the person's age today."""
    shown = Shown()
    for frag in FRAGMENT.findall(text):
        chars = {i: c for i, c in enumerate(frag) if c != "*"}
        if all(number[i] == c for i, c in chars.items()):
            shown.chars.update(chars)
    y, m, d = birth.year, birth.month, birth.day
    dates = [
        f"{y}-{m:02d}-{d:02d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m:02d}月{d:02d}日",
        f"{y}-{m}-{d}",
        f"{y}.{m:02d}.{d:02d}",
    ]
    shown.full_date = any(s in text for s in dates)
    shown.year_month = any(
        s in text
        for s in (f"{y}-{m:02d}", f"{y}年{m}月", f"{y}年{m:02d}月", f"{y}/{m:02d}", f"{y}{m:02d}")
    )
    age = today.year - y - ((today.month, today.day) < (m, d))
    if re.search(rf"(?<!\d){age}\s*岁", text):
        shown.ages.add(age)
    return shown


# ---------------------------------------------------------------- counting the candidates
def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def candidate_dates(shown: Shown, birth: dt.date, today: dt.date) -> list[dt.date]:
    """The birth dates left possible. The year is taken as known (conservatively: an attacker
    guesses it from the household); month and day as far as the view shows them."""
    if shown.full_date:
        dates = [birth]
    else:
        days = 366 if calendar.isleap(birth.year) else 365
        dates = [dt.date(birth.year, 1, 1) + dt.timedelta(n) for n in range(days)]
        if shown.year_month:
            dates = [x for x in dates if x.month == birth.month]
    dates = [x for x in dates if x <= today and all(_age(x, today) == a for a in shown.ages)]
    return dates


def count_candidates(shown: Shown, number: str, birth: dt.date, sex: str, today: dt.date) -> int:
    """How many 18-character ID numbers agree with everything shown (the check digit counts)."""
    address = number[:6]  # known: the county of the village, shown on every page
    fixed = shown.chars
    base = sum(int(c) * w for c, w in zip(address, WEIGHTS[:6], strict=True))
    # the sequence digits (positions 14-16): their sums mod 11, as far as they are shown
    seq_sums = [0] * 11
    for s in range(1000):
        digits = f"{s:03d}"
        if int(digits[2]) % 2 != (1 if sex == "M" else 0):
            continue
        if any(fixed.get(14 + i, d) != d for i, d in enumerate(digits)):
            continue
        seq_sums[sum(int(d) * w for d, w in zip(digits, WEIGHTS[14:17], strict=True)) % 11] += 1
    total = 0
    for day in candidate_dates(shown, birth, today):
        ymd = f"{day:%Y%m%d}"
        if any(fixed.get(6 + i, d) != d for i, d in enumerate(ymd)):
            continue
        part = base + sum(int(d) * w for d, w in zip(ymd, WEIGHTS[6:14], strict=True))
        for r in range(11):
            if not seq_sums[r]:
                continue
            check = idnumber.CHECK_CHARS[(part + r) % 11]
            if fixed.get(17, check) == check:
                total += seq_sums[r]
    return total


def test_the_counter_finds_the_old_mask_rebuildable():
    """Today's mask before decision 39 (address code and last 4 shown, birth date beside it)
    leaves one number: the counter sees it, so the view tests below can fail."""
    number = make_id("640323", BIRTH, "F")
    old_mask = number[:6] + "*" * 8 + number[-4:]
    today = dt.date(2026, 12, 2)
    shown = shown_in(f"<td>{old_mask}</td><td>{BIRTH:%Y-%m-%d}</td>", number, BIRTH, today)
    assert count_candidates(shown, number, BIRTH, "F", today) == 1
    # the old mask with the birth year only: 365 dates, the check digit cuts them to about 33
    year_only = shown_in(f"{old_mask} {BIRTH.year}年", number, BIRTH, today)
    assert 20 < count_candidates(year_only, number, BIRTH, "F", today) < MIN_CANDIDATES
    # the new mask with the full birth date beside it: 50 sequences / 11
    new = shown_in(f"{idnumber.mask(number)} {BIRTH:%Y-%m-%d}", number, BIRTH, today)
    assert count_candidates(new, number, BIRTH, "F", today) < MIN_CANDIDATES
    # an age on the day of the view, beside the year, keeps only the dates before or after
    # the birthday (here: born by 2 December), which is why pages show the year and no age
    with_age = Shown(ages={_age(BIRTH, today)})
    assert count_candidates(with_age, number, BIRTH, "F", today) < count_candidates(
        Shown(), number, BIRTH, "F", today
    )


def test_the_new_mask_alone_leaves_more_than_3000():
    number = make_id("640323", BIRTH, "F")
    today = dt.date(2026, 12, 2)
    shown = shown_in(
        idnumber.mask(number) + " " + idnumber.birth_shown(BIRTH), number, BIRTH, today
    )
    assert shown.chars.keys() == {0, 1, 2, 3, 4, 5, 16, 17}
    n = count_candidates(shown, number, BIRTH, "F", today)
    assert 3000 < n < 3600  # 366 dates × 100 sequences / 11 (1968 is a leap year)


# ---------------------------------------------------------------- every view of the person
@pytest.fixture
def subject(regions, users):
    """A woman of VILLAGE with something in every app: a category, an income change in the
    history, a chronic registration, a special case, a contract, a screening result, a settled
    hospital stay."""
    county = users["county"]  # a county health approver, who writes
    hh = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, with_head=False)
    p = PersonFactory(
        household=hh,
        id_number=make_id("640323", BIRTH, "F"),
        name="马秀兰",
        relation="head",
        phone="13800001111",
    )
    hh.head = p
    hh.save()
    registry_services.category_period_add(
        user=county, category="minimum_living", household=hh, start_date=dt.date(2019, 1, 1)
    )
    registry_services.person_update(
        user=county,
        person=p,
        expected_version=p.version,
        name=p.name,
        phone="13800002222",
        relation=p.relation,
        work_ability=p.work_ability,
    )
    reg = ChronicRegistrationFactory(person=p, created_by=county)
    case = health_services.special_case_create(
        user=county,
        person=p,
        icd10="C16.9",
        found_via="hospital_stay",
        found_on=dt.date(2024, 4, 1),
    )
    ContractFactory(
        person=p,
        team=TeamFactory(created_by=county),
        created_by=county,
        year=timezone.localdate().year,
    )
    campaign = screening_services.campaign_create(
        user=county,
        name="两癌筛查",
        kind="two_cancers",
        region_code="640323",
        start_on=dt.date(2024, 3, 1),
        end_on=dt.date(2024, 12, 31),
    )
    result = screening_services.result_record(
        user=county,
        campaign=campaign,
        person=p,
        screened_on=dt.date(2024, 5, 6),
        result="negative",
        finding="",
        today=dt.date(2025, 1, 15),
    )
    statement = settlement_services.stay_settle(
        # stays are settled by hospital or medical-insurance staff (settlement decision 38)
        user=UserFactory(
            username="yb_masking",
            region_id="640323",
            role=Role.DATA_ENTRY,
            department=Department.MEDICAL_INSURANCE,
        ),
        person=p,
        hospital_name="盐池县人民医院",
        hospital_grade=2,
        location="county",
        referred=False,
        admission_date=dt.date(2023, 3, 1),
        discharge_date=dt.date(2023, 3, 10),
        total_cost="20000",
        in_policy_cost="18000",
    )
    return {
        "p": p,
        "hh": hh,
        "reg": reg,
        "case": case,
        "campaign": campaign,
        "result": result,
        "statement": statement,
    }


def _views(s) -> dict[str, str]:
    p, hh = s["p"], s["hh"]
    c, camp, api = s["case"].pk, s["campaign"].pk, "/api/v1"
    return {
        "household list": f"/households/?q={p.name}",
        "household page": f"/households/{hh.pk}/",
        "person page": f"/persons/{p.pk}/",
        "person health": f"/persons/{p.pk}/health/",
        "person health summary": f"/persons/{p.pk}/health/summary/",
        "person statements": f"/persons/{p.pk}/statements/",
        "statement": f"/statements/{s['statement'].pk}/",
        "case list": "/health/cases/",
        "case page": f"/health/cases/{c}/",
        "chronic list": "/health/chronic/",
        "chronic page": f"/health/chronic/{s['reg'].pk}/",
        "contract list": "/contracts/list/",
        "person contracts": f"/contracts/persons/{p.pk}/",
        "screening targets": f"/screening/{camp}/targets/",
        "screening result": f"/screening/results/{s['result'].pk}/",
        "registry export": f"/households/export.xlsx?q={p.name}",
        "case export": "/health/cases/export.xlsx",
        "chronic export": "/health/chronic/export.xlsx",
        "contract export": "/contracts/list/export.xlsx",
        "screening targets export": f"/screening/{camp}/targets/export/",
        "api person": f"{api}/persons/{p.pk}",
        "api person list": f"{api}/persons?q={p.name}",
        "api person history": f"{api}/persons/{p.pk}/history",
        "api household": f"{api}/households/{hh.pk}",
        "api household list": f"{api}/households?q={p.name}",
        "api household history": f"{api}/households/{hh.pk}/history",
        "api person health": f"{api}/persons/{p.pk}/health",
        "api case": f"{api}/health/cases/{c}",
        "api registration": f"{api}/health/registrations/{s['reg'].pk}",
        "api contracts": f"{api}/family-doctor/contracts",
        "api targets": f"{api}/screening/campaigns/{camp}/targets",
        "api result": f"{api}/screening/results/{s['result'].pk}",
        "api statements": f"{api}/persons/{p.pk}/statements",
        "api statement": f"{api}/statements/{s['statement'].pk}",
    }


#: parts of a page loaded into it (htmx) and answers about one person that do not repeat the
#: name (they still count: what they show joins the rest)
FRAGMENTS = {
    "person health summary",
    "person statements",
    "api statements",
    "api statement",
    "api person health",
}


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        cells = []
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += [
                    v.isoformat() if isinstance(v, dt.date | dt.datetime) else str(v)
                    for v in row
                    if v is not None
                ]
        return "\n".join(cells)
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(json.loads(body), ensure_ascii=False)
    return html.unescape(body.decode())


@pytest.fixture
def read_only(make_user, client_as):
    """A county read-only user of the health department (sees health details, no reveal)."""
    user = make_user("640323", Role.READONLY, Department.HEALTH, username="ro_county")
    _, raw = tokens.api_token_issue(user=user)
    return client_as(user), raw


def _shown_by_every_view(subject, read_only) -> dict[str, Shown]:
    page_client, raw = read_only
    p, today = subject["p"], timezone.localdate()
    out = {}
    for name, url in _views(subject).items():
        if url.startswith("/api/"):
            r = page_client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")
        else:
            r = page_client.get(url)
        assert r.status_code == 200, (name, r.status_code)
        text = _text(r)
        if name not in FRAGMENTS:
            assert p.name in text, name  # the view does show the person
        assert p.id_number not in text, name
        out[name] = shown_in(text, p.id_number, p.birth_date, today)
    return out


def test_no_view_lets_a_read_only_user_rebuild_the_number(subject, read_only):
    p, today = subject["p"], timezone.localdate()
    seen = _shown_by_every_view(subject, read_only)
    for name, shown in seen.items():
        n = count_candidates(shown, p.id_number, p.birth_date, p.sex, today)
        assert n >= MIN_CANDIDATES, (name, n, shown)
    # and all of them together (an attacker who opens every page, answer and file)
    together = Shown()
    for shown in seen.values():
        together = together.merge(shown)
    assert together.chars  # the views do show the masked number
    assert count_candidates(together, p.id_number, p.birth_date, p.sex, today) >= MIN_CANDIDATES
