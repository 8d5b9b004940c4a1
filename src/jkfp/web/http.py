"""Small request/response helpers shared by the pages: htmx detection and fast pagination."""

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
