"""The health pages: scope matrix (outside → 404), department visibility, the forms calling the
services with their errors next to the fields, and the person page's health section."""

import datetime as dt

import openpyxl
import pytest

from jkfp.accounts.models import Department, PersonalDataAccess, Role
from jkfp.health import services
from jkfp.health.models import ChronicRegistration, SpecialCase

from ..conftest import VISIBLE
from ..factories import UserFactory
from .conftest import hold

pytestmark = pytest.mark.django_db
D = dt.date(2024, 3, 1)


@pytest.fixture
def seeded(records, regions):
    root = UserFactory(username="root", is_superuser=True, region_id=None)
    out = {}
    for name, hh in records.items():
        hold(hh, "extreme_poor", person=hh.head)
        case = services.special_case_create(user=root, person=hh.head, icd10="N18.5",
                                            found_via="department_list", found_on=D)
        reg = services.chronic_register(user=root, person=hh.head, icd10="I10", diagnosed_on=D,
                                        confirmed_by="县医院", registered_on=D)
        out[name] = (case, reg)
    return out


PAGES = ["health:case", "health:registration"]


def test_scope_matrix_of_every_page(users, seeded, client_as):
    from django.urls import reverse

    for level, user in users.items():
        c = client_as(user)
        assert c.get(reverse("health:home")).status_code == 200
        listed = c.get(reverse("health:case_list")).content.decode()
        for name, (case, reg) in seeded.items():
            want = 200 if name in VISIBLE[level] else 404
            assert c.get(reverse("health:case", args=[case.pk])).status_code == want
            assert c.get(reverse("health:registration", args=[reg.pk])).status_code == want
            assert c.get(reverse("health:person", args=[case.person_id])).status_code == want
            assert c.get(reverse("health:person_summary",
                                 args=[case.person_id])).status_code == want
            assert (f'href="/health/cases/{case.pk}/"' in listed) == (want == 200), (level, name)
            r = c.post(reverse("health:case_step", args=[case.pk]),
                       {"step": "close", "on_date": "2024-03-02", "version": 1,
                        "close_reason": "not_eligible"})
            assert r.status_code in ((404,) if want == 404 else (302, 403, 409, 422)), (level, name)


def test_civil_affairs_sees_only_the_coarse_status(seeded, make_user, client_as):
    from django.urls import reverse

    c = client_as(make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS))
    case, reg = seeded["inside"]
    assert c.get(reverse("health:home")).status_code == 403
    assert c.get(reverse("health:case_list")).status_code == 403
    assert c.get(reverse("health:case", args=[case.pk])).status_code == 403
    assert c.get(reverse("health:case_export")).status_code == 403
    page = c.get(reverse("health:person", args=[case.person_id])).content.decode()
    assert "患有大病" in page and "N18.5" not in page and "终末期肾病" not in page
    summary = c.get(reverse("health:person_summary", args=[case.person_id])).content.decode()
    assert "患有大病" in summary and "终末期肾病" not in summary
    assert "健康服务" not in c.get(reverse("home")).content.decode()


def test_health_user_sees_the_timeline_and_the_batch(seeded, users, client_as):
    from django.urls import reverse

    case, reg = seeded["inside"]
    page = client_as(users["county"]).get(reverse("health:person", args=[case.person_id]))
    html = page.content.decode()
    assert "大病集中救治一批" in html and "终末期肾病" in html
    assert "确诊高血压（I10）" in html and "大病专项救治·发现：终末期肾病" in html


def test_forms_show_the_service_errors_next_to_the_fields(users, patient, client_as):
    from django.urls import reverse

    c = client_as(users["village"])
    r = c.post(reverse("health:person_chronic_new", args=[patient.pk]),
               {"icd10": "K35", "diagnosed_on": "2024-03-01", "confirmed_by": "卫生院",
                "registered_on": "2024-03-01"})
    assert r.status_code == 422
    assert "不在" in r.content.decode() and ChronicRegistration.objects.count() == 0
    r = c.post(reverse("health:person_chronic_new", args=[patient.pk]),
               {"icd10": "I10", "diagnosed_on": "2024-03-01", "confirmed_by": "卫生院",
                "registered_on": "2024-03-01"})
    assert r.status_code == 302 and ChronicRegistration.objects.count() == 1
    r = c.post(reverse("health:person_case_new", args=[patient.pk]),
               {"icd10": "C34.9", "found_via": "village_report", "found_on": "2024-03-01"})
    assert r.status_code == 302
    case = SpecialCase.objects.get()
    assert r["Location"] == reverse("health:case", args=[case.pk])


def test_case_page_steps_and_stale_save(users, patient, client_as):
    from django.urls import reverse

    county = client_as(users["county"])
    case = services.special_case_create(user=users["county"], person=patient, icd10="C34.9",
                                        found_via="village_report", found_on=D)
    html = county.get(reverse("health:case", args=[case.pk])).content.decode()
    assert 'id="step-open_record"' in html and 'id="step-close"' in html
    assert 'id="step-mark_treated"' not in html
    url = reverse("health:case_step", args=[case.pk])
    r = county.post(url, {"step": "open_record", "on_date": "2024-03-02", "version": 1,
                          "hospital_name": "宁夏医科大学总医院"})
    assert r.status_code == 302
    r = county.post(url, {"step": "start_treatment", "on_date": "2024-03-02", "version": 1,
                          "treatment_plan": "化疗"})
    assert r.status_code == 409
    case.refresh_from_db()
    assert case.status == "opened"


def test_exports_are_logged_per_person(seeded, users, client_as):
    from django.urls import reverse

    c = client_as(users["county"])
    r = c.get(reverse("health:case_export"))
    assert r.status_code == 200
    import io
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    head = rows.index(next(r for r in rows if r and r[0] == "病例号"))
    data = rows[head + 1:]
    assert len(data) == len(VISIBLE["county"])
    assert all(row[4] == "终末期肾病" and "*" in row[2] for row in data)
    logged = set(PersonalDataAccess.objects.filter(user=users["county"], field="health",
                                                   channel="export")
                 .values_list("person_id", flat=True))
    assert logged == {seeded[n][0].person_id for n in VISIBLE["county"]}
    r = c.get(reverse("health:registration_export"))
    assert r.status_code == 200


def test_list_filters_are_choices_of_the_catalogue_and_the_users_regions(users, seeded,
                                                                          client_as):
    """The case and patient lists filter by a disease and a region chosen from lists (the
    catalogue's names, the user's own nodes), and a choice filters the rows."""
    from django.urls import reverse

    c = client_as(users["county"])
    page = c.get(reverse("health:case_list")).content.decode()
    disease = seeded["inside"][0].disease_code
    assert disease == "end_stage_renal_disease"  # N18.5
    assert '<option value="end_stage_renal_disease">终末期肾病</option>' in page
    assert '<option value="640323100">' in page and '<option value="1404">' not in page
    cases = {k: f'href="/health/cases/{case.pk}/"' for k, (case, _) in seeded.items()}
    one = c.get(reverse("health:case_list"), {"region": "640323100", "disease": disease})
    html = one.content.decode()
    assert cases["inside"] in html and cases["same_township"] in html
    assert cases["other_township"] not in html
    chronic = c.get(reverse("health:registration_list")).content.decode()
    assert '<option value="hypertension">高血压</option>' in chronic
    regs = {k: f'href="/health/chronic/{reg.pk}/"' for k, (_, reg) in seeded.items()}
    html = c.get(reverse("health:registration_list"),
                 {"region": "640323100", "disease": "hypertension"}).content.decode()
    assert regs["inside"] in html and regs["other_township"] not in html
