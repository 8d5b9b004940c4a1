"""The household search without full ID numbers in URLs (decision 39).

A URL is written into server and proxy logs and the browser history, so a search text that
carries most of an ID number (10 digits or more: a whole number, or the first digits of one
while it is typed) is sent by POST and replaced in the URL by a keyed hash (`qk`). The hash
names the text in the user's own session; it is an HMAC of the secret key, so it cannot be
computed or reversed by anyone reading a log. Short searches (a name, the last digits, a short
household number) stay in the URL as `q`, so that links, paging and the back button work.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.crypto import salted_hmac

from . import idnumber

SESSION_KEY = "jkfp_search_keys"
KEEP = 20  # the last searches by key a session remembers
FIELDS = ("q", "category", "region")
MIN_DIGITS_HIDDEN = 10


def hidden_in_url(q: str) -> bool:
    """Whether a search text must not travel in a URL: it carries 10 digits or more."""
    return sum(ch.isdigit() for ch in idnumber.normalize(q)) >= MIN_DIGITS_HIDDEN


def _key(text: str) -> str:
    return salted_hmac("jkfp.registry.search", text).hexdigest()[:24]


def url_params(session, post: QueryDict) -> QueryDict:
    """The parameters of the list's URL for a search sent by POST: `qk` instead of a long `q`."""
    params = QueryDict(mutable=True)
    for name in FIELDS:
        value = (post.get(name) or "").strip()
        if value:
            params[name] = value
    q = params.get("q", "")
    if q and hidden_in_url(q):
        key = _key(q)
        store = {k: v for k, v in session.get(SESSION_KEY, {}).items() if k != key}
        store[key] = q
        session[SESSION_KEY] = dict(list(store.items())[-KEEP:])
        del params["q"]
        params["qk"] = key
    return params


def search_data(session, params: QueryDict) -> tuple[QueryDict, str]:
    """The form data of a list URL (`qk` resolved from the session) and an error, if any."""
    data = params.copy()
    key = data.pop("qk", [""])[-1]
    if key:
        q = session.get(SESSION_KEY, {}).get(key)
        if q is None:
            return data, "这次查询已过期（完整身份证号不保存在网址中），请重新输入搜索内容"
        data["q"] = q
    elif hidden_in_url(data.get("q", "")):
        return data, "完整身份证号（或10位以上数字）请在搜索框中输入，不能放在网址中"
    return data, ""
