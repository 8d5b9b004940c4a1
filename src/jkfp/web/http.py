"""Small request/response helpers shared by the pages: htmx detection, fast pagination and the
first rows of a worklist with how many there are in all."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

PER_PAGE = 50
COUNT_CAP = 10_000


def is_htmx(request) -> bool:
    """An htmx request that wants a fragment (not a history restore, which wants the page)."""
    return (request.headers.get("HX-Request") == "true"
            and not request.headers.get("HX-History-Restore-Request"))


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    has_next: bool
    params: dict

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    def _url(self, number: int) -> str:
        params = {k: v for k, v in self.params.items() if v not in ("", None) and k != "page"}
        if number > 1:
            params["page"] = number
        return "?" + urlencode(params) if params else "?"

    @property
    def first_url(self) -> str:
        return self._url(1)

    @property
    def keep(self) -> list[tuple[str, str]]:
        """The other parameters of the list (for a form that changes the page only)."""
        return [(k, v) for k, v in self.params.items() if v not in ("", None) and k != "page"]

    @property
    def next_url(self) -> str:
        return self._url(self.number + 1)

    @property
    def previous_url(self) -> str:
        return self._url(self.number - 1)


def paginate(qs, *, number: int | None, params: dict, per_page: int = PER_PAGE) -> Page:
    """One page of `qs` without COUNT(*): fetch one row more than a page to know if there is a
    next one (a county of a million persons stays fast). The total is `capped_count`."""
    number = max(1, number or 1)
    offset = (number - 1) * per_page
    rows = list(qs[offset:offset + per_page + 1])
    return Page(items=rows[:per_page], number=number, per_page=per_page,
                has_next=len(rows) > per_page, params=params)


def capped_count(qs, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows `qs` has, counting at most `cap` (True when there are more)."""
    n = qs.order_by()[:cap + 1].count()
    return min(n, cap), n > cap


@dataclass
class Head:
    """The first rows of a list that a page shows in full only up to a limit (a worklist, the
    latest imports): the rows, how many the list has (counted up to `COUNT_CAP`) and where the
    whole list is, so that the page says it shows only part of it (`web/_head_note.html`)."""
    items: list
    total: int
    more: bool          # more than `total` (the count stopped at its cap)
    url: str = ""       # the page with the whole list, its filters set; "" if there is none

    @property
    def capped(self) -> bool:
        return self.more or self.total > len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def head(qs, *, limit: int, url: str = "") -> Head:
    """The first `limit` rows of `qs`; the count only when there are more (one query else)."""
    rows = list(qs[:limit + 1])
    if len(rows) <= limit:
        return Head(items=rows, total=len(rows), more=False, url=url)
    total, more = capped_count(qs, COUNT_CAP)
    return Head(items=rows[:limit], total=total, more=more, url=url)
