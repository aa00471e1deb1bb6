"""tracker.hwpdoc (python-hwpx) checked against tracker.owpml (our own zip+lxml reader)."""

from __future__ import annotations

import re
import runpy
import shutil
import zipfile
from pathlib import Path

import pytest
from hwpx import HwpxDocument
from hwpx.hwp5.cfb import build_compound_file
from hwpx.hwp5.package import convert, to_hwpx_bytes

from tracker import hwpdoc, owpml
from tracker.document import Block, Cell, Document, Paragraph, Table
from tracker.errors import UserError
from tracker.export_hwpx import write_table_hwpx
from tracker.sources import rows_of

DATA = Path(__file__).parent / "data"
HWP = DATA / "hwp"
GANGBUK = HWP / "gangbuk-gu_rfp_evaluation-tables.hwpx"
NESTED = HWP / "public-data-standard_nested-tables.hwpx"
NO_MANIFEST = HWP / "ulsan-namgu_ordinance-notice_no-manifest.hwpx"
MERGED_HEADERS = HWP / "gov-award_forms_merged-headers.hwp"
SIMPLE = HWP / "simple-table_uncompressed_no-summary.hwp"
DISTRIBUTION = HWP / "gangnam-welfare_bid-notice_distribution.hwp"
MINUTES_TXT = DATA / "2022-01-15-jobs-subcommittee-minutes.txt"
MINUTES = DATA / "2022-01-15-jobs-subcommittee-minutes.hwpx"

HWPX_FILES = [GANGBUK, NESTED, NO_MANIFEST, MINUTES]
READABLE_HWP = [MERGED_HEADERS, SIMPLE]
PROGRAMS = ["1-1", "1-2", "1-4", "1-5", "1-6", "1-7", "1-8", "1-9"]


def read_rows(path: Path) -> list[list[str]]:
    """The parser's rows of the file read through python-hwpx."""
    return rows_of(hwpdoc.read_document(path))


def block_rows(blocks: list[Block]) -> list[list[str]]:
    """The parser's rows of blocks (the oracle's)."""
    return rows_of(Document("oracle.hwpx", "hwpx", blocks))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def oracle_grids(blocks: list[Block]) -> list[list[list[str]]]:
    return [[[squash(c.text) if c else "" for c in row] for row in t.grid]
            for t, _ in owpml.iter_tables(blocks)]


def shapes(blocks: list[Block]) -> list[list[tuple[int, int, int, int]]]:
    return [[(c.row, c.col, c.row_span, c.col_span) for c in t.cells()]
            for t, _ in owpml.iter_tables(blocks)]


def counts(blocks: list[Block]) -> tuple[int, int, int]:
    """(tables, nested tables, merged cells)"""
    found = list(owpml.iter_tables(blocks))
    merged = sum(1 for t, _ in found for c in t.cells() if c.row_span * c.col_span > 1)
    return len(found), sum(1 for _, depth in found if depth), merged


def converted(path: Path) -> bytes:
    """The .hwp file as the HWPX package python-hwpx converts it to (for the oracle)."""
    return to_hwpx_bytes(convert(path.read_bytes()).files)


def with_flags(tmp_path: Path, flags: int) -> Path:
    """A copy of the simple .hwp whose FileHeader property word has *flags* set."""
    data = bytearray(SIMPLE.read_bytes())
    at = data.find(b"HWP Document File") + 36
    data[at] |= flags
    target = tmp_path / "flagged.hwp"
    target.write_bytes(bytes(data))
    return target


# --- python-hwpx against the oracle ------------------------------------------------


@pytest.mark.parametrize("path", HWPX_FILES, ids=lambda p: p.name)
def test_hwpx_grids_match_the_oracle_cell_for_cell(path: Path) -> None:
    ours = hwpdoc.read_blocks(path)
    oracle = owpml.read_blocks(path)
    assert [[[squash(t) for t in row] for row in grid] for grid in hwpdoc.tables(path)] == \
        oracle_grids(oracle)
    assert shapes(ours) == shapes(oracle)
    assert read_rows(path) == block_rows(oracle)


@pytest.mark.parametrize("path", READABLE_HWP, ids=lambda p: p.name)
def test_hwp_rows_match_the_oracle_on_the_converted_package(path: Path) -> None:
    oracle = owpml.read_blocks(converted(path))
    assert shapes(hwpdoc.read_blocks(path)) == shapes(oracle)
    assert read_rows(path) == block_rows(oracle)


@pytest.mark.parametrize(
    ("path", "expected"),
    [(GANGBUK, (44, 4, 120)), (NESTED, (8, 5, 21)), (NO_MANIFEST, (1, 0, 0)),
     (MERGED_HEADERS, (27, 1, 155)), (SIMPLE, (2, 0, 0))],
    ids=lambda v: v.name if isinstance(v, Path) else str(v),
)
def test_table_merge_and_nesting_counts(path: Path, expected: tuple[int, int, int]) -> None:
    assert counts(hwpdoc.read_blocks(path)) == expected


def test_gangbuk_evaluation_table_keeps_its_merged_header() -> None:
    grid = hwpdoc.tables(GANGBUK)[13]
    assert grid[0] == ["평가항목", "평 가 요 소", "", "", "", "", "비고"]
    assert grid[1][:2] == ["공고일 기준 5년간 실적", "10건이상"]
    assert grid[2][0] == ""  # covered by 공고일 기준 5년간 실적 (two rows)
    cells = {(c.row, c.col): (c.row_span, c.col_span)
             for c in list(owpml.iter_tables(hwpdoc.read_blocks(GANGBUK)))[13][0].cells()}
    assert cells[(0, 1)] == (1, 5)
    assert cells[(1, 0)] == (2, 1)


def test_nested_table_rows_follow_the_row_of_their_cell() -> None:
    rows = read_rows(NESTED)
    grids = hwpdoc.tables(NESTED)
    holder = rows.index(["5", "시군구코드", *rows[16][2:]])
    assert rows[holder + 1 : holder + 5] == grids[3]  # 4×4 구분/코드체계, nested in that row
    assert rows[holder + 5][:2] == ["6", "소재지도로명주소"]
    # a table nested two deep (6×16 노선번호) follows the 1×1 table that holds it
    inner = rows.index(grids[7][0])
    assert rows[inner - 1] == grids[6][0]
    assert rows[inner : inner + 6] == grids[7]


def test_no_manifest_package_reads_both_sections() -> None:
    rows = read_rows(NO_MANIFEST)
    assert rows[0] == ["입 법 예 고"]
    assert hwpdoc.tables(NO_MANIFEST)[0][0] == ["현 행", "개 정 안"]
    with zipfile.ZipFile(NO_MANIFEST) as package:
        assert owpml.section_names(package) == ["Contents/section0.xml", "Contents/section1.xml"]


def test_oracle_falls_back_to_sorted_sections_without_content_hpf(tmp_path: Path) -> None:
    target = tmp_path / "bare.hwpx"
    with zipfile.ZipFile(NO_MANIFEST) as source, zipfile.ZipFile(target, "w") as bare:
        for info in source.infolist():
            if info.filename not in ("Contents/content.hpf", "META-INF/container.xml"):
                bare.writestr(info, source.read(info.filename))
    with zipfile.ZipFile(target) as package:
        assert owpml.section_names(package) == ["Contents/section0.xml", "Contents/section1.xml"]
    assert block_rows(owpml.read_blocks(target)) == read_rows(NO_MANIFEST)


def test_simple_hwp_tables() -> None:
    assert hwpdoc.tables(SIMPLE) == [
        [["ABC 123", "DEF", "GHI"], ["LMN", "OPQ", "STR"], ["UVM", "123", "456"]],
        [["", ""]],
    ]


def test_merged_headers_hwp_has_a_three_row_header() -> None:
    grid = hwpdoc.tables(MERGED_HEADERS)[1]
    assert (len(grid), len(grid[0])) == (10, 14)
    assert grid[0][:5] == ["① 소속", "직위 (직급)", "성명 (단체명)", "추천 훈격", "② 수공 기간"]
    assert grid[2][9:12] == ["국세", "관세", "지방세"]


# --- the minutes built as .hwpx ------------------------------------------------------


def monitoring_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[1]: row for row in rows if len(row) == 10 and re.fullmatch(r"1-\d", row[1])}


def test_minutes_hwpx_has_the_whole_monitoring_table() -> None:
    programs = monitoring_rows(read_rows(MINUTES))
    assert list(programs) == PROGRAMS
    opinion_16 = programs["1-6"][8]
    assert opinion_16.startswith("- 사회적경제 단위에 대한 데이터베이스 구축")
    assert opinion_16.endswith("점검을 통해 법적근거 마련 검토를 요청함.")
    assert programs["1-6"][9] == "- -"
    assert programs["1-1"][:8] == ["1", "1-1", "중점", "지속 보완",
                                   "복지일자리 인력확대를 위한 새일 공공일자리 연계",
                                   "일자리정책과", "일자리 정책팀", "김윤지"]


def test_minutes_merged_priority_cell_is_carried_down_in_rows_only() -> None:
    programs = monitoring_rows(read_rows(MINUTES))
    assert [programs[n][2] for n in PROGRAMS] == ["중점", "중점"] + ["-"] * 6
    grid = hwpdoc.tables(MINUTES)[1]
    assert [row[2] for row in grid[3:]] == ["중점", "중점", "-", "", "", "", "", ""]


def test_minutes_monitoring_header_is_one_table_with_two_header_rows() -> None:
    grids = hwpdoc.tables(MINUTES)
    assert len(grids) == 2
    assert (len(grids[1]), len(grids[1][0])) == (11, 10)
    assert grids[1][0] == ["연번", "사업번호", "중점추진사업", "구분", "세부사업명", "담당부서",
                           "담당팀", "담당자", "2021년도 시행계획 총괄평가", ""]
    assert grids[1][1] == [""] * 8 + ["실무분과 모니터링 의견", "사업부서 의견(후속조치)"]
    assert grids[1][2][0] == "추진전략 I. 누구나 일할 수 있는 사회적 일자리 확대"
    assert grids[1][2][1:5] == [""] * 4


def test_minutes_paragraphs_are_the_pasted_lines() -> None:
    pasted = [line.strip() for line in MINUTES_TXT.read_text(encoding="utf-8").splitlines()
              if "\t" not in line]
    rows = read_rows(MINUTES)
    paragraphs = [row[0] for row in rows if len(row) == 1]
    assert paragraphs[: len(pasted)] == pasted
    assert ["일 시", "2022년 1월 15일(금) 10:00 ~ 11:30", "", "", "", "", ""] in rows
    assert ["", "김경희", "O", "이미진", "X", "", ""] in rows


def test_minutes_script_rebuilds_the_committed_file(tmp_path: Path) -> None:
    script = runpy.run_path(str(DATA / "make_minutes_hwpx.py"))
    document = script["build"]()
    target = tmp_path / "minutes.hwpx"
    document.save_to_path(target)
    document.close()
    assert read_rows(target) == read_rows(MINUTES)


def test_describe_tables_names_the_headers() -> None:
    text = hwpdoc.describe_tables(MINUTES)
    assert text.startswith("표 1 (11×7: 일 시, 2022년 1월 15일(금) 10:0…")
    assert "표 2 (11×10: 연번, 사업번호, 중점추진사업, 구분, …)" in text
    assert "표 안의 표, 4×4: 구분, 코드체계" in hwpdoc.describe_tables(NESTED)
    assert hwpdoc.describe([Paragraph("본문")]) == "없음"
    assert hwpdoc.describe_tables(GANGBUK).endswith("외 34개")


# --- rows from the model (pure) ------------------------------------------------------


def cell(text: str, row: int, col: int, rs: int = 1, cs: int = 1,
         nested: list[Table] | None = None) -> Cell:
    return Cell(text.split("\n"), row, col, rs, cs, nested=nested or [])


def test_carry_down_only_under_the_priority_header() -> None:
    table = owpml.grid_from_cells([
        cell("사업번호", 0, 0, 2), cell("중점\u3000추진 사업", 0, 1, 2), cell("부서", 0, 2, 2),
        cell("1-1", 2, 0), cell("중점", 2, 1, 2), cell("일자리과", 2, 2, 2),
        cell("1-2", 3, 0),
    ], 4, 3)
    rows = block_rows([table])
    assert rows[1] == ["", "", ""]  # the header's own covered row stays empty
    assert rows[2:] == [["1-1", "중점", "일자리과"], ["1-2", "중점", ""]]


def test_whitespace_is_normalised_in_every_cell() -> None:
    cells = [cell(" 성\u3000명\t", 0, 0), cell("가\xa0나\n다  라 ", 0, 1)]
    blocks: list[Block] = [Paragraph("\t제목\u3000 "), owpml.grid_from_cells(cells, 1, 2)]
    assert block_rows(blocks) == [["제목"], ["성 명", "가 나 다 라"]]


def test_nested_rows_come_right_after_their_row() -> None:
    inner = owpml.grid_from_cells([cell("안", 0, 0), cell("쪽", 0, 1)], 1, 2)
    outer = owpml.grid_from_cells(
        [cell("a", 0, 0), cell("b", 0, 1, nested=[inner]), cell("c", 1, 0), cell("d", 1, 1)], 2, 2)
    assert block_rows([outer]) == [["a", "b"], ["안", "쪽"], ["c", "d"]]


# --- sniffing and refusals -----------------------------------------------------------


def test_sniff_goes_by_content_not_name(tmp_path: Path) -> None:
    disguised = tmp_path / "minutes.txt"
    shutil.copy(NO_MANIFEST, disguised)
    assert hwpdoc.sniff(disguised) == "hwpx"
    binary = tmp_path / "report.dat"
    shutil.copy(SIMPLE, binary)
    assert hwpdoc.sniff(binary) == "hwp"
    assert hwpdoc.sniff(MINUTES_TXT) is None
    other_zip = tmp_path / "book.hwpx"
    with zipfile.ZipFile(other_zip, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    assert hwpdoc.sniff(other_zip) is None
    assert hwpdoc.sniff(tmp_path / "missing.hwpx") is None
    assert read_rows(disguised) == read_rows(NO_MANIFEST)


def test_distribution_hwp_is_refused() -> None:
    message = "배포용 문서는 읽을 수 없습니다. 한글에서 HWPX로 저장해 주세요."
    with pytest.raises(UserError, match=message):
        read_rows(DISTRIBUTION)


@pytest.mark.parametrize(
    ("flags", "message"), [(0x02, "암호가 걸린"), (0x04, "배포용"), (0x10, "보안")]
)
def test_protected_hwp_is_refused_by_its_header_flags(
    tmp_path: Path, flags: int, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        read_rows(with_flags(tmp_path, flags))


def test_truncated_hwpx_is_refused_as_damaged(tmp_path: Path) -> None:
    broken = tmp_path / "minutes.hwpx"
    data = NO_MANIFEST.read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    assert hwpdoc.sniff(broken) == "hwpx"
    with pytest.raises(UserError, match="minutes.hwpx 파일이 손상되어 읽을 수 없습니다"):
        read_rows(broken)


@pytest.mark.parametrize("cut", [4096, 10000])
def test_truncated_hwp_is_refused_as_damaged(tmp_path: Path, cut: int) -> None:
    broken = tmp_path / "forms.hwp"
    broken.write_bytes(MERGED_HEADERS.read_bytes()[:cut])
    with pytest.raises(UserError, match="forms.hwp 파일이 손상되어 읽을 수 없습니다"):
        hwpdoc.tables(broken)


def test_garbage_ole_is_refused_as_damaged(tmp_path: Path) -> None:
    broken = tmp_path / "garbage.hwp"
    broken.write_bytes(hwpdoc.OLE2_MAGIC + bytes(range(256)) * 20)
    with pytest.raises(UserError, match="손상되어 읽을 수 없습니다"):
        read_rows(broken)


def test_damaged_section_inside_a_valid_zip_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.hwpx"
    with zipfile.ZipFile(NO_MANIFEST) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, data[:100] if info.filename.endswith("section0.xml") else data)
    with pytest.raises(UserError, match="broken.hwpx"):
        read_rows(broken)


def test_ole_file_that_is_not_hwp_is_refused(tmp_path: Path) -> None:
    word = tmp_path / "minutes.hwp"
    word.write_bytes(build_compound_file([("WordDocument", b"\0" * 600)]))
    assert hwpdoc.sniff(word) == "hwp"
    with pytest.raises(UserError, match=r"minutes.hwp은\(는\) 읽을 수 있는 HWP 5.0"):
        read_rows(word)


def test_other_files_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="한글 문서"):
        read_rows(MINUTES_TXT)
    with pytest.raises(UserError, match="찾을 수 없습니다"):
        read_rows(tmp_path / "없는파일.hwpx")


def test_any_python_hwpx_failure_becomes_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(source: object) -> HwpxDocument:
        raise RuntimeError("unexpected\ninternal state")

    monkeypatch.setattr(HwpxDocument, "open", staticmethod(fail))
    expected = r"^ulsan.*읽지 못했습니다 \(RuntimeError: unexpected internal state\)"
    with pytest.raises(UserError, match=expected):
        read_rows(NO_MANIFEST)


# --- export --------------------------------------------------------------------------


def test_write_table_hwpx_reads_back_with_both_readers(tmp_path: Path) -> None:
    target = tmp_path / "후속조치.hwpx"
    header = ["사업번호", "세부사업명", "실무분과 모니터링 의견", "사업부서 의견(후속조치)"]
    request = "참여기업 수를 성과지표에 추가해 줄 것을 요청함. "
    long_opinion = "- 예산 추가 확보 노력 요망\n- " + request * 8
    rows = [["1-4", "수원형 청년내일채움공제", long_opinion, "검토 중"],
            ["1-5", "새희망 일자리", "- 잘 운영되고 있음", ""],
            ["1-6", "사회적경제지원센터 운영 활성화", "", "- -"]]
    write_table_hwpx(target, "2022년 1차 모니터링 후속조치", header, rows, merges=[(2, 2, 3, 2)],
                     column_weights=[1, 3, 8, 4])

    assert hwpdoc.sniff(target) == "hwpx"
    expected = [header] + [[hwpdoc.clean(t) for t in row] for row in rows]
    expected[3][2] = ""  # covered by the merged cell above
    assert hwpdoc.tables(target) == [expected]
    assert block_rows(owpml.read_blocks(target)) == read_rows(target)
    assert read_rows(target)[0] == ["2022년 1차 모니터링 후속조치"]
    merged = [c for t, _ in owpml.iter_tables(owpml.read_blocks(target)) for c in t.cells()
              if c.row_span > 1]
    assert [(c.row, c.col, c.row_span) for c in merged] == [(2, 2, 2)]
    with zipfile.ZipFile(target) as package:
        section = package.read("Contents/section0.xml").decode()
        assert package.infolist()[0].filename == "mimetype"
    assert 'landscape="NARROWLY"' in section  # Hancom's word for landscape
    assert 'repeatHeader="1"' in section


def test_write_table_hwpx_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="머리글"):
        write_table_hwpx(tmp_path / "a.hwpx", "제목", [], [])
    with pytest.raises(UserError, match="칸 수"):
        write_table_hwpx(tmp_path / "a.hwpx", "제목", ["a"], [["1", "2"]])
    with pytest.raises(UserError, match="병합 범위"):
        write_table_hwpx(tmp_path / "a.hwpx", "제목", ["a"], [["1"]], merges=[(0, 0, 2, 0)])
    assert not (tmp_path / "a.hwpx").exists()


# --- the document model --------------------------------------------------------------


def test_cells_keep_their_paragraphs_and_say_where_they_are() -> None:
    document = hwpdoc.read_document(MINUTES)
    assert (document.source, document.kind) == (MINUTES.name, "hwpx")
    monitoring = list(document.tables())[1]
    opinion = monitoring.grid[3][8]
    assert opinion is not None
    assert [p[:7] for p in opinion.paragraphs] == ["- 해당 직종", "- 타 지역의"]
    assert opinion.where == "표 2, 4행 9열"
    assert monitoring.where == "표 2"
    priority = monitoring.grid[5][2]
    assert priority is not None and (priority.text, priority.row_span) == ("-", 6)
    assert all(monitoring.grid[r][2] is None for r in range(6, 11))
    title = next(b for b in document.blocks if isinstance(b, Paragraph) and b.text.strip())
    assert (title.text, title.where) == ("2022년 1차 일자리분과 회의록", "3번째 문단")
