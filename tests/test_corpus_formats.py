"""The corpus in every file format: each document of tests/data/corpus written by the
corpus builder as pasted text, CSV, XLSX, HWPX and PDF imports to the same items, states,
due dates and warnings as its spec says; and any monitoring table the property test can
describe gives the same items from every format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.corpus_builder import TableSpec
from tests.test_corpus import SPECS, check, load, options
from tests.test_corpus_property import expected_items, grid, tables
from tracker.importer import ImportOptions, preview
from tracker.readers import read_document

FORMATS = ["text", "excel-text", "csv", "csv-cp949", "xlsx", "hwpx"]
PROPERTY_FORMATS = ["text", "excel-text", "csv", "xlsx", "hwpx"]
# Printing through Chromium takes seconds: a few documents are printed, chosen to cover
# a two-row merged header, a status table and an audit table.
PDF_SPECS = {"13-status-table-groups-marks", "16-two-row-header-like-the-sample",
             "11-settlement-review-merged-department"}


def table_spec(spec: dict[str, Any]) -> TableSpec | None:
    """The builder's form of a corpus document holding one table, or None."""
    blocks = spec["blocks"]
    tables = [i for i, b in enumerate(blocks) if not isinstance(b, str)]
    if len(tables) != 1:
        return None
    rows = blocks[tables[0]]
    depth = 2 if len(rows) > 2 and "^" in rows[1] else 1
    return TableSpec(header=rows[:depth], body=rows[depth:], above=blocks[:tables[0]],
                     below=blocks[tables[0] + 1:])


def _cp949(spec: TableSpec) -> bool:
    try:
        spec.to_csv("cp949")
    except UnicodeEncodeError:
        return False
    return True


def cases() -> list[Any]:
    found = []
    for path in SPECS:
        spec = table_spec(load(path))
        if spec is None:
            continue
        kinds = [*FORMATS, "pdf"] if path.stem in PDF_SPECS else FORMATS
        for kind in kinds:
            if kind == "text" and not spec.text_safe():
                continue  # the builder cannot paste this table unambiguously (see its docs)
            if kind == "csv-cp949" and not _cp949(spec):
                continue  # CP949 has no such character (•, ○ in some fonts): UTF-8 only
            found.append(pytest.param(path, kind, id=f"{path.stem}-{kind}"))
    return found


@pytest.mark.parametrize(("path", "kind"), cases())
def test_every_format_gives_what_the_spec_says(path: Path, kind: str, tmp_path: Path) -> None:
    spec = load(path)
    built = table_spec(spec)
    assert built is not None
    written = built.write(kind, tmp_path, path.stem)
    assert written is not None, "Chromium is needed to print the PDF"
    document = read_document(written)
    readers = frozenset(w.message for w in document.warnings)
    check(preview(document, options(spec)), spec["expected"], readers)


def test_most_of_the_corpus_is_written_in_every_format() -> None:
    assert len({p.stem for p in SPECS if table_spec(load(p))}) >= 12


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Blank rows are left out: the XLSX reader splits a sheet at a blank row and crops each
# part to its own columns, so a part cannot be laid under the header (a readers' issue).
@given(rows=tables(blank=False))
def test_any_described_table_gives_the_same_items_in_every_format(
    rows: list[tuple[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    body = grid(rows)
    spec = TableSpec(header=body[:1], body=body[1:],
                     above=["2022년 1차 복지분과 회의록", "일 시 : 2022. 3. 2.(수) 10:00",
                            "2021년도 시행계획 총괄평가"])
    folder = tmp_path_factory.mktemp("formats")
    want = expected_items(rows)
    for kind in PROPERTY_FORMATS:
        if kind == "text" and not spec.text_safe():
            continue
        written = spec.write(kind, folder)
        assert written is not None
        plan = preview(read_document(written), ImportOptions())
        assert [(i.key, i.text) for i in plan.items] == want, kind
        rows_read = len(plan.minutes.entries) + len(plan.rows) + len(plan.warnings)
        assert rows_read >= sum(1 for kind_, _ in rows if kind_ != "blank"), kind
