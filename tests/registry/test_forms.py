"""Forms of the pages: a stale save gets a clear Chinese conflict message and keeps what the
user typed; bad input is refused with Chinese messages next to the field they name; nothing is
written on error."""

from __future__ import annotations

import datetime as dt
import re

from jkfp.registry import idnumber
from jkfp.registry.models import Household, HouseholdIncome, Person, SupportMeasure

from ..conftest import VILLAGE
from ..factories import make_id


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to the field with this id (the page's own markup)."""
    m = re.search(rf'id="{re.escape(field_id)}_error">(.*?)</p>', html, re.DOTALL)
    return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else ""


def test_stale_household_save_shows_conflict_and_keeps_input(users, household, client_as):
    a, b = client_as(users["village"]), client_as(users["township"])
    assert a.post(f"/households/{household.pk}/address/",
                  {"address": "甲的地址", "version": 1}).status_code == 302
    r = b.post(f"/households/{household.pk}/address/", {"address": "乙的地址", "version": 1})
    assert r.status_code == 409
    html = r.content.decode()
    assert "保存冲突" in html and "已被他人修改" in html
    assert "甲的地址" in html  # what is saved now, to compare
    assert 'value="乙的地址"' in html  # what the user typed is kept in the form
    assert 'name="version" value="2"' in html  # saving again is a deliberate overwrite
    assert Household.objects.get(pk=household.pk).address == "甲的地址"
    r = b.post(f"/households/{household.pk}/address/", {"address": "乙的地址", "version": 2})
    assert r.status_code == 302
    assert Household.objects.get(pk=household.pk).address == "乙的地址"


def test_stale_person_save_shows_conflict_htmx(users, member, client_as):
    c = client_as(users["village"])
    data = {"name": "张大明", "phone": "", "relation": "child", "work_ability": "able",
            "version": 1}
    assert c.post(f"/persons/{member.pk}/edit/", data).status_code == 302
    r = c.post(f"/persons/{member.pk}/edit/", {**data, "name": "张二明"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 409
    html = r.content.decode()
    assert "保存冲突" in html and 'value="张二明"' in html and "张大明" in html
    assert Person.objects.get(pk=member.pk).name == "张大明"


def test_masked_phone_left_as_shown_is_kept(users, member, client_as):
    c = client_as(users["village"])
    page = c.get(f"/persons/{member.pk}/").content.decode()
    assert f'value="{idnumber.mask_phone(member.phone)}"' in page
    c.post(f"/persons/{member.pk}/edit/", {
        "name": member.name, "phone": idnumber.mask_phone(member.phone), "relation": "child",
        "work_ability": "weak", "version": 1})
    p = Person.objects.get(pk=member.pk)
    assert p.phone == "13912345678" and p.work_ability == "weak"


def _register_data(**over):
    data = {
        "household_number": "NEW001", "village": VILLAGE, "address": "新村1号",
        "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "20",
        "members-0-id_number": make_id(), "members-0-name": "户主甲",
        "members-0-relation": "head", "members-0-work_ability": "able",
        "members-1-id_number": make_id(), "members-1-name": "成员乙",
        "members-1-relation": "spouse", "members-1-work_ability": "able",
    }
    data.update(over)
    return data


def test_register_household(users, client_as):
    c = client_as(users["village"])
    r = c.post("/households/new/", _register_data())
    hh = Household.objects.get(household_number="NEW001")
    assert r.status_code == 302 and r["Location"] == f"/households/{hh.pk}/"
    assert hh.members.count() == 2 and hh.head.name == "户主甲"


def test_register_errors_in_chinese_next_to_their_fields_nothing_written(users, client_as):
    c = client_as(users["village"])
    r = c.post("/households/new/", _register_data(**{
        "members-0-id_number": "130402198207290622",          # wrong check character
        "members-1-id_number": make_id(sex="F"),
        "members-1-sex": "M",                                    # contradicts the ID
        "members-1-relation": "head",                            # a second head
    }))
    assert r.status_code == 422
    html = r.content.decode()
    assert "校验位错误" in field_error(html, "id_members-0-id_number")
    assert "[id_checksum]" in html
    assert "性别与身份证号不一致" in field_error(html, "id_members-1-sex")
    assert "一名户主" in html
    # the summary names each field
    assert "第1名成员 身份证号" in html and "第2名成员 性别" in html
    assert not Household.objects.filter(household_number="NEW001").exists()
    assert Person.objects.count() == 0


def test_register_duplicate_id_no_head_unknown_village(users, household, client_as):
    c = client_as(users["village"])
    dup = household.head.id_number
    r = c.post("/households/new/", _register_data(**{
        "household_number": household.household_number,
        "members-0-id_number": dup, "members-0-relation": "child"}))
    assert r.status_code == 422
    html = r.content.decode()
    assert "已存在" in field_error(html, "id_household_number")
    assert "已登记在其他家庭户" in field_error(html, "id_members-0-id_number")
    assert "家庭户必须有一名户主" in field_error(html, "members")
    r = c.post("/households/new/", _register_data(village="640323101201"))  # not offered
    assert r.status_code == 422
    assert field_error(r.content.decode(), "id_village")
    assert Household.objects.count() == 1


def test_register_required_fields(users, client_as):
    c = client_as(users["village"])
    r = c.post("/households/new/", _register_data(**{
        "household_number": "", "members-0-name": ""}))
    html = r.content.decode()
    # a blank number is taken from the village's numbering rule (policies/registry/)
    assert 'id="id_household_number_error"' not in html
    assert "这个字段是必填项" in field_error(html, "id_members-0-name")


def test_add_member_with_bad_birth_date_errors_next_to_field(users, household, client_as):
    c = client_as(users["village"])
    number = make_id(birth=dt.date(1990, 1, 1))
    r = c.post(f"/households/{household.pk}/members/", {
        "m-id_number": number, "m-name": "新成员", "m-relation": "child",
        "m-birth_date": "1991-02-03", "m-work_ability": "able"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422
    assert "出生日期" in field_error(r.content.decode(), "id_m-birth_date")
    assert not Person.objects.filter(name="新成员").exists()
    r = c.post(f"/households/{household.pk}/members/", {
        "m-id_number": number.lower(), "m-name": "新成员", "m-relation": "child",
        "m-work_ability": "able"})
    assert r.status_code == 302
    assert Person.objects.get(name="新成员").id_number == number


def test_income_and_support_measure_forms(users, household, client_as):
    c = client_as(users["village"])
    r = c.post(f"/households/{household.pk}/incomes/", {"year": 2024, "total_yuan": "abc",
                                                        "members": 0})
    assert r.status_code == 422
    assert field_error(r.content.decode(), "id_total_yuan")
    assert field_error(r.content.decode(), "id_members")
    r = c.post(f"/households/{household.pk}/incomes/", {"year": 2024, "total_yuan": "12345.6",
                                                        "members": 3})
    assert r.status_code == 302
    assert HouseholdIncome.objects.get().per_capita_fen == 411520
    r = c.post(f"/households/{household.pk}/measures/", {"kind": "medical", "description": "",
                                                         "start_date": "2024-05-01"})
    assert r.status_code == 422 and not SupportMeasure.objects.exists()
    r = c.post(f"/households/{household.pk}/measures/", {
        "kind": "medical", "description": "家庭医生签约", "start_date": "2024-05-01"})
    assert r.status_code == 302 and SupportMeasure.objects.count() == 1


def test_record_death(users, member, client_as):
    c = client_as(users["village"])
    r = c.post(f"/persons/{member.pk}/death/", {"death_date": "1900-01-01", "version": 1})
    assert r.status_code == 422
    assert "死亡日期须在出生日期之后" in field_error(r.content.decode(), "id_death_date")
    r = c.post(f"/persons/{member.pk}/death/", {"death_date": "2024-01-02", "version": 1})
    assert r.status_code == 302
    assert not Person.objects.get(pk=member.pk).alive
