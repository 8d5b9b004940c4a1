"""The household list's parameters as the page shows them: the URLs of its sortable columns and
its filters in words (for an empty result)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from . import idnumber


def sort_urls(params: dict, current: str) -> dict[str, str]:
    """For each sortable column, the list's URL sorted by it (the other way if it is already)."""
    out = {}
    for key in ("number", "village", "head"):
        nxt = f"-{key}" if current == key else key
        p = {k: v for k, v in params.items() if k not in ("page", "sort") and v}
        p["sort"] = nxt
        out[key] = "?" + urlencode(p)
    return out


def filter_text(form, data: dict) -> str:
    """What the list was asked for, in words (for an empty result: say what found nothing)."""
    parts = []
    if data.get("region"):
        label = dict(form.fields["region"].choices).get(data["region"], "")
        parts.append(_("区划“%(r)s”") % {"r": str(label).strip("\u3000")})
    if data.get("category"):
        label = dict(form.fields["category"].choices).get(data["category"], "")
        parts.append(_("类别“%(c)s”") % {"c": label})
    if data.get("q"):
        parts.append(_("搜索“%(q)s”") % {"q": data["q"]})
    return "、".join(parts)


@dataclass(frozen=True)
class ShownRow:
    """One row of the household list as the page shows it, computed once in Python (decision
    51): the template's per-row `{% url %}`, filters and label lookups cost a quarter of the
    page. Masked numbers only: the list is the same for every role (decision 39)."""

    url: str
    number: str
    ended: bool
    head: str            # the head's name, "" when the household has none
    head_id_masked: str
    matches: list[tuple[str, str, str]]  # other members that matched: (url, name, masked ID)
    village: str
    demo: bool
    members: int
    badges: list[tuple[str, str]]        # current categories: (tone, label)


def shown_rows(rows) -> list[ShownRow]:
    """The list page's rows (`selectors.household_rows`) with their links, masked numbers and
    category badges, as `registry/_household_results.html` used to compute them row by row."""
    from jkfp.web.templatetags.jkfp_ui import category_label, category_tone

    hh_url = _url_of("registry:household")
    person_url = _url_of("registry:person")
    badges: dict[str, tuple[str, str]] = {}
    out = []
    for row in rows:
        h = row.household
        for c in row.categories:
            if c not in badges:
                badges[c] = (category_tone(c), category_label(c))
        out.append(ShownRow(
            url=hh_url(h.pk), number=h.household_number, ended=bool(h.ended_on),
            head=h.head.name if h.head else "",
            head_id_masked=idnumber.mask(h.head.id_number or "") if h.head else "",
            matches=[(person_url(m.pk), m.name, idnumber.mask(m.id_number or ""))
                     for m in row.matches if m.pk != h.head_id],
            village=h.village.name, demo=h.village.is_generated, members=row.members,
            badges=[badges[c] for c in row.categories]))
    return out


def _url_of(name: str):
    """`pk → reverse(name, args=[pk])` with one reverse per page (the pattern ends in <pk>/)."""
    marker = 918273645
    template = reverse(name, args=[marker])
    head, tail = template.split(str(marker))
    return lambda pk: f"{head}{int(pk)}{tail}"
