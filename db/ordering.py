"""Program numbers in their natural order, inside the database: "1-2" < "1-10" < "2-1".

The console pages through items in the minutes' table order with LIMIT and OFFSET, so the
database itself must sort program numbers as the tuples of whole numbers they are, the
order `tuple(int(p) for p in number.split("-"))` gives in Python: part by part, a shorter
number before a longer one that starts with it.

`number_order(column)` is that sort key. PostgreSQL sorts an array of numerics exactly so;
SQLite gets a function (registered on every connection by db.engine) that pads each run of
digits to a fixed width, so plain text order is the same order. Anything that is not a
digit only separates parts, on both.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_FUNCTION = "tracker_number_order"
_WIDTH = 20  # more digits than any program number part; numbers are never cut
_DIGITS = re.compile(r"\d+")


class number_order(FunctionElement[Any]):  # noqa: N801 - used like a SQL function
    """The natural sort key of a program-number column (see the module's docstring)."""

    inherit_cache = True
    type = String()


def padded(number: str | None) -> str | None:
    """SQLite's key: each run of digits zero-padded to a fixed width, joined by "-"
    ("1-10" → "000…1-000…10"); None stays None."""
    if number is None:
        return None
    return "-".join(part.zfill(_WIDTH) for part in _DIGITS.findall(number))


@compiles(number_order, "sqlite")
def _sqlite(element: number_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(number_order, "postgresql")
def _postgresql(element: number_order, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    # Every run of digits, in order, as numerics: '{1,10}' sorts before '{2}', and '{1}' before '{1,1}'.
    return (f"ARRAY(SELECT m[1]::numeric FROM regexp_matches({column}, '[0-9]+', 'g') "
            f"WITH ORDINALITY AS found(m, n) ORDER BY n)")
