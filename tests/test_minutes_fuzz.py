"""Any rows in → minutes or a clear UserError, never a crash (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLE
from tracker.errors import UserError
from tracker.minutes import parse_rows

SAMPLE_ROWS = [line.split("\t") for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
cells = st.text(alphabet=st.sampled_from("가나다일시장소사업번호- .()0123456789년월일:/\t"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(cells, max_size=11), max_size=30))
def test_random_rows_never_crash(rows: list[list[str]]) -> None:
    try:
        parse_rows(rows, "fuzz.txt")
    except UserError as exc:
        assert str(exc).startswith("fuzz.txt")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_sample_never_crashes(data: st.DataObject) -> None:
    rows = [list(row) for row in SAMPLE_ROWS]
    for _ in range(data.draw(st.integers(1, 5))):
        r = data.draw(st.integers(0, len(rows) - 1))
        action = data.draw(st.sampled_from(["drop", "blank_cell", "garble", "duplicate"]))
        if action == "drop":
            rows.pop(r)
        elif action == "duplicate":
            rows.insert(r, list(rows[r]))
        elif rows[r]:
            c = data.draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = "" if action == "blank_cell" else data.draw(cells)
    try:
        minutes = parse_rows(rows, "sample.txt")
    except UserError as exc:
        assert str(exc).startswith("sample.txt")
    else:
        assert minutes.programs
