"""The household list's parameters as the page shows them: the URLs of its sortable columns and
its filters in words (for an empty result)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _


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
