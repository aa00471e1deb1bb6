"""The console's one paging rule, pure: which rows a page shows and where its links go.

A list that can grow is read one page at a time: the service counts the matching rows with
SQL COUNT, asks `paginate` which page to show, and reads only that page's rows (LIMIT and
OFFSET), so the time and memory of a page do not grow with the total. Every list of the
console shows PER_PAGE rows.

What a visitor types in `?page=` never fails: a missing, non-numeric or too small number
shows the first page, a number past the end (or LAST, "last") shows the last page (an
empty list has one, empty, page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

PER_PAGE = 50
# Longer than any real page number; a longer string of digits is not turned into an int.
_MAX_DIGITS = 9
_FAR = 1_000_000_000  # a page number past any end
LAST = "last"  # asks for the last page, whatever its number


@dataclass(frozen=True)
class Page:
    """One page of a list: its number (from 1), the rows per page and the total."""

    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        """How many rows come before this page's first row (the SQL OFFSET)."""
        return (self.number - 1) * self.per_page

    @property
    def limit(self) -> int:
        """How many rows this page reads at most (the SQL LIMIT)."""
        return self.per_page

    @property
    def first_row(self) -> int:
        """The 1-based position of the page's first row (0 for an empty list)."""
        return min(self.offset + 1, self.total)

    @property
    def last_row(self) -> int:
        """The 1-based position of the page's last row (0 for an empty list)."""
        return min(self.offset + self.per_page, self.total)

    @property
    def previous(self) -> int | None:
        """The previous page's number, or None on the first page."""
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        """The next page's number, or None on the last page."""
        return self.number + 1 if self.number < self.pages else None

    @property
    def summary(self) -> str:
        """The Korean line above a list: "전체 1,234건 중 51–100번째 (2/25쪽)"."""
        if self.total == 0:
            return "전체 0건"
        return (f"전체 {self.total:,}건 중 {self.first_row:,}–{self.last_row:,}번째 "
                f"({self.number:,}/{self.pages:,}쪽)")

    def nearby(self, width: int = 2) -> list[int]:
        """The page numbers shown as links around this one: up to `width` on each side."""
        low = max(1, self.number - width)
        high = min(self.pages, self.number + width)
        return list(range(low, high + 1))


T = TypeVar("T")


@dataclass(frozen=True)
class Paged(Generic[T]):
    """The rows of one page and where that page stands in the whole list."""

    rows: list[T]
    page: Page


def requested_page(text: str | int | None) -> int:
    """The page number a visitor asked for: a positive whole number; "abc", "-3", "0" and ""
    mean the first page; LAST and a string of digits too long to be a page mean past the
    end (paginate shows the last page)."""
    if isinstance(text, int):
        return max(text, 1)
    text = (text or "").strip()
    if text == LAST:
        return _FAR
    if not (text.isascii() and text.isdigit()):
        return 1
    if len(text) > _MAX_DIGITS:
        return _FAR  # too long to be real, still "past the end": paginate clamps it
    return max(int(text), 1)



def paginate(requested: str | int | None, total: int, per_page: int = PER_PAGE) -> Page:
    """The page to show of a list of `total` rows when `requested` was asked for: clamped
    to the first page below 1 (or not a number) and to the last page past the end."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    total = max(total, 0)
    pages = max(1, -(-total // per_page))
    return Page(number=min(requested_page(requested), pages), per_page=per_page, total=total)


def page_query(filters: Mapping[str, str], number: int, key: str = "page",
               default: int = 1) -> str:
    """The query string of page `number` with the list's current `filters` kept ("?meeting=3&page=2");
    empty filters are left out and the `default` page (the one shown without a page
    parameter) carries none. `key` names the page parameter (a page with two lists gives
    the second another name)."""
    kept = [(name, value) for name, value in filters.items() if value and name != key]
    if number != default:
        kept.append((key, str(number)))
    return "?" + urlencode(kept) if kept else "?"
