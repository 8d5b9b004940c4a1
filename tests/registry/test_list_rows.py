"""The household list's rows as the page shows them (listing.shown_rows, decision 51): links,
masked numbers, matched members, category badges and tags, computed before the template."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jkfp.categories import Category
from jkfp.registry import idnumber
from jkfp.registry.models import CategoryPeriod, Relation

from ..conftest import VILLAGE
from ..factories import HouseholdFactory, PersonFactory


def test_list_rows_show_links_masks_matches_badges_and_tags(users, client_as, regions):
    today = timezone.localdate()
    hh = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, with_head=False)
    head = PersonFactory(household=hh, relation=Relation.HEAD, name="王一")
    hh.head = head
    hh.save(update_fields=["head"])
    member = PersonFactory(household=hh, name="王二")
    other = PersonFactory(household=hh, name="李三")
    CategoryPeriod.objects.create(household=hh, category="lifted_out", region_code=VILLAGE,
                                  start_date=today - dt.timedelta(days=30))
    CategoryPeriod.objects.create(person=member, category="minimum_living", region_code=VILLAGE,
                                  start_date=today - dt.timedelta(days=10))
    CategoryPeriod.objects.create(person=other, category="extreme_poor", region_code=VILLAGE,
                                  start_date=today - dt.timedelta(days=400),
                                  end_date=today - dt.timedelta(days=1))  # ended: no badge
    ended = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, ended_on=today,
                             with_head=False)

    html = client_as(users["village"]).get("/households/", {"q": "王"}).content.decode()
    assert f'<a href="/households/{hh.pk}/" class="strong">{hh.household_number}</a>' in html
    # the head is the row's own; the other member that matched is listed with a link and a mask
    assert "匹配成员" in html and f'href="/persons/{member.pk}/">王二</a>' in html
    assert f'href="/persons/{head.pk}/"' not in html
    assert f'<span class="mono">{idnumber.mask(member.id_number)}</span>' in html
    assert f'<td class="mono">{idnumber.mask(head.id_number)}</td>' in html
    assert head.id_number not in html and member.id_number not in html
    assert "李三" not in html
    # current categories in the order of the catalogue, with their tone; the ended one absent
    order = [c.value for c in Category]
    badges = {"lifted_out": '<span class="badge badge-poverty">脱贫人口</span> ',
              "minimum_living": '<span class="badge badge-civil">低保对象</span> '}
    assert "".join(badges[c] for c in sorted(badges, key=order.index)) in html
    assert "特困" not in html.split("<tbody>")[1]
    assert '<td class="num">3</td>' in html
    assert 'tag-demo' in html  # the test regions are generated ones

    rows = client_as(users["village"]).get("/households/").content.decode()
    row = rows.split(f'/households/{ended.pk}/"')[1].split("</tr>")[0]
    assert '<span class="tag">已注销</span>' in row
    assert "<td>—" in row  # no head
    assert f'/households/{ended.pk}/"' in rows
