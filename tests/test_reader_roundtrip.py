"""Property: any table the corpus builder can describe reads back, in every format, to
the same grid of cell texts, with the paragraphs around it; nothing is lost silently."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.corpus_builder import KEEPS_MERGES, TableSpec, grid_texts, only_table, specs
from tracker.document import Paragraph
from tracker.readers import read_document

KINDS = ["text", "excel-text", "csv", "csv-cp949", "xlsx", "hwpx"]
FORMAT = {"text": "text", "excel-text": "text", "csv": "csv", "csv-cp949": "csv",
          "xlsx": "xlsx", "hwpx": "hwpx"}


def check_roundtrip(spec: TableSpec, kind: str, folder: Path) -> None:
    path = spec.write(kind, folder)
    assert path is not None
    document = read_document(path)
    assert document.kind == FORMAT[kind]
    assert grid_texts(only_table(document)) == spec.texts(KEEPS_MERGES[FORMAT[kind]])
    paragraphs = [" ".join(b.text.split()) for b in document.blocks if isinstance(b, Paragraph)]
    assert [p for p in paragraphs if p] == spec.above + spec.below
    if kind in ("text", "excel-text"):
        # every line not in the table or the paragraphs is accounted for by a warning
        furniture = len(spec.page_breaks) * 3  # page number, title, header rows
        removed = [w for w in document.warnings if "뺐습니다" in w.message]
        assert len(removed) == furniture


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "hwpx"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
def test_every_format_reads_back_the_same_grid(kind: str, spec: TableSpec) -> None:
    if kind == "text" and not spec.text_safe():
        return  # a pasted word-processor table cannot say where such cells break
    with tempfile.TemporaryDirectory() as folder:
        check_roundtrip(spec, kind, Path(folder))


# python-hwpx takes about a second to write a document: fewer examples
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
def test_hwpx_reads_back_the_same_grid(spec: TableSpec) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_roundtrip(spec, "hwpx", Path(folder))
