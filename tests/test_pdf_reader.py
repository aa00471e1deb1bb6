"""PDF: ruled tables with their merges and page breaks, paragraphs, and the refusals."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.corpus_builder import TableSpec, grid_texts, only_table
from tracker.document import Paragraph
from tracker.errors import UserError
from tracker.readers import read_document

PDF = Path(__file__).parent / "data" / "pdf"
SPECS: dict[str, TableSpec] = runpy.run_path(str(PDF / "make_pdfs.py"))["SPECS"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_committed_pdf_reads_back_as_its_spec(name: str) -> None:
    spec = SPECS[name]
    document = read_document(PDF / f"{name}.pdf")
    assert document.kind == "pdf"
    table = only_table(document)  # one table, though it runs over a page break
    assert grid_texts(table) == spec.texts(merges=True)
    paragraphs = [b.text for b in document.blocks if isinstance(b, Paragraph)]
    assert paragraphs == spec.above + spec.below


def test_page_break_repeats_the_header_which_is_dropped_with_a_warning() -> None:
    document = read_document(PDF / "monitoring-two-pages.pdf")
    assert [(w.where, w.message) for w in document.warnings] == [
        ("2쪽 표 2, 1행 1열", "쪽이 바뀌며 되풀이된 표 머리글 2행을 뺐습니다.")]
    table = only_table(document)
    long_cell = table.grid[2][4]
    assert long_cell is not None and len(long_cell.paragraphs) == 2  # wrapped lines joined
    assert long_cell.where == "1쪽 표 1, 3행 5열"
    department = table.grid[2][3]
    assert department is not None and department.row_span == 2


def test_scanned_pdf_is_refused_in_korean(tmp_path: Path) -> None:
    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 550, 300), outline="black")
    path = tmp_path / "스캔.pdf"
    image.save(path)
    with pytest.raises(UserError, match=r"^스캔.pdf: 스캔한 PDF로 보입니다\(글자 정보가 없음\)"):
        read_document(path)


def test_damaged_pdf_is_refused_in_korean(tmp_path: Path) -> None:
    path = tmp_path / "깨짐.pdf"
    path.write_bytes((PDF / "monitoring-two-pages.pdf").read_bytes()[:2000])
    with pytest.raises(UserError, match="^깨짐.pdf: PDF 파일이 손상되어 읽을 수 없습니다"):
        read_document(path)
