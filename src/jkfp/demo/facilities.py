"""Demo facilities and staff (DOMAIN.md §13): in each demo county a county hospital with its
clinical departments, a health centre in each township and a clinic in most villages, staffed
so that a few gaps show — a clinic whose village doctor left, a village served by a neighbour's
clinic, a township doctor on rotation, a department without a licensed doctor. Deterministic by
seed; the gaps are computed by `facilities.services` from what is written."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import transaction

from jkfp.accounts.models import User
from jkfp.facilities import services as fac
from jkfp.regions.models import Region

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "明华建国志强秀英桂兰玉梅海军文静丽娟小红永刚春生福"
DEPARTMENTS = ("内科", "外科", "妇产科", "儿科", "急诊科", "中医科")


def _name(rng) -> str:
    return SURNAMES[rng.integers(len(SURNAMES))] + "".join(
        GIVEN[i] for i in rng.integers(len(GIVEN), size=rng.integers(1, 3)))


def _date(rng, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers((end - start).days)))


def generate_facilities(*, seed: int, as_of: dt.date, users: dict[str, User]) -> int:
    """Write the demo facilities of the counties that have a demo health account; returns the
    number of institutions written. The gaps are computed once per county at the end (a
    refresh after each of the ~600 writes took 27 s of a 29 s demo load of 300 persons)."""
    with transaction.atomic(), fac.gaps_deferred():
        return _write(seed=seed, as_of=as_of, users=users)


def _write(*, seed: int, as_of: dt.date, users: dict[str, User]) -> int:
    rng = np.random.default_rng(seed + 913)
    n = 0
    for username in ("county_yc", "county_cz"):
        user = users.get(username)
        if user is None:
            continue
        county = user.region_code
        codes = list(Region.objects.filter(code__startswith=county).exclude(code=county)
                     .order_by("code").values_list("code", flat=True))
        towns = [c for c in codes if len(c) == 9]
        villages = [c for c in codes if len(c) == 12]
        start = dt.date(2019, 1, 1)
        hosp = fac.institution_create(user=user, kind="county_hospital", region_code=county,
                                      name=f"{Region.objects.get(code=county).name}人民医院",
                                      opened_on=dt.date(1985, 1, 1), grade=2,
                                      second_grade_capacity=True)
        n += 1
        for i, dname in enumerate(DEPARTMENTS):
            dept = fac.department_add(user=user, institution=hosp, name=dname, opened_on=start)
            if i < len(DEPARTMENTS) - 1:  # the last department has no licensed doctor yet
                doc = fac.staff_create(user=user, name=_name(rng), region_code=county,
                                       qualification="licensed_doctor")
                fac.post_add(user=user, staff=doc, institution=hosp, department=dept,
                             start_date=start)
        centres = {}
        for j, t in enumerate(towns):
            name = Region.objects.get(code=t).name
            centres[t] = fac.institution_create(
                user=user, kind="township_centre", region_code=t, name=f"{name}卫生院",
                opened_on=dt.date(1990, 1, 1), centre_standard="basic" if j % 3 else "recommended",
                tcm_corner=j % 4 != 1, fever_clinic=True)
            n += 1
            gp = fac.staff_create(user=user, name=_name(rng), region_code=county,
                                  qualification="general_practitioner" if j % 5 else "assistant_doctor")
            fac.post_add(user=user, staff=gp, institution=centres[t], start_date=start)
        for k, v in enumerate(villages):
            if k % 9 == 4:  # a small village served by its neighbour's clinic or by rotation
                continue
            clinic = fac.institution_create(user=user, kind="village_clinic", region_code=v,
                                            name=f"{Region.objects.get(code=v).name}卫生室",
                                            opened_on=dt.date(2005, 1, 1),
                                            standardised=k % 6 != 2)
            n += 1
            doc = fac.staff_create(user=user, name=_name(rng), region_code=county,
                                   qualification="village_doctor")
            post = fac.post_add(user=user, staff=doc, institution=clinic, start_date=start)
            if k % 11 == 7:  # the village doctor left this year: a gap opened
                fac.post_end(user=user, post=post,
                             end_date=_date(rng, dt.date(as_of.year, 1, 1), as_of))
            nxt = villages[k + 1] if k + 1 < len(villages) else None
            if nxt and villages.index(nxt) % 9 == 4 and nxt[:9] == v[:9] and k % 2 == 0:
                fac.coverage_add(user=user, institution=clinic, village_code=nxt,
                                 start_date=start)
        for k, v in enumerate(villages):
            if k % 9 == 4 and k % 2 == 1 and v[:9] in centres:
                doc = fac.staff_create(user=user, name=_name(rng), region_code=county,
                                       qualification="licensed_doctor")
                post = fac.post_add(user=user, staff=doc, institution=centres[v[:9]],
                                    start_date=start)
                fac.village_service_add(user=user, post=post, village_code=v, mode="rotation",
                                        start_date=start)
    return n
