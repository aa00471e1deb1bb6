"""Pasted text: rows over several lines, quoted cells, wrapped headers, page furniture."""

from __future__ import annotations

from tracker.document import Document, Paragraph, Table
from tracker.readers.text import read_text


def read(*lines: str) -> Document:
    return read_text("\n".join(lines), "붙여넣기.txt")


def grid(table: Table) -> list[list[str | None]]:
    return [[cell.text if cell else None for cell in row] for row in table.grid]


def tables(document: Document) -> list[Table]:
    return list(document.tables())


def messages(document: Document) -> list[tuple[str, str]]:
    return [(n.where, n.message) for n in document.warnings]


def test_a_row_over_several_lines_keeps_its_cell_lines_as_paragraphs() -> None:
    document = read(
        "번호\t사업명\t의견\t조치결과",
        "1-1\t건강검진\t- 첫째 의견",
        "- 둘째 의견",
        "- 셋째 의견\t검토 중",
        "1-2\t방문보건\t- 잘 됨\t",
    )
    [table] = tables(document)
    assert grid(table) == [
        ["번호", "사업명", "의견", "조치결과"],
        ["1-1", "건강검진", "- 첫째 의견\n- 둘째 의견\n- 셋째 의견", "검토 중"],
        ["1-2", "방문보건", "- 잘 됨", ""],
    ]
    opinion = table.grid[1][2]
    assert opinion is not None and len(opinion.paragraphs) == 3 and opinion.where == "2행"
    assert table.grid[2][0] is not None and table.grid[2][0].where == "5행"
    assert document.warnings == []  # an ordinary wrapped row is not worth a warning


def test_spreadsheet_quoted_cells_with_line_breaks_and_quotes() -> None:
    document = read(
        "번호\t의견\t비고",
        '1\t"- 예산 확보\n- ""우수"" 사례 공유"\t완료',
        '2\t"한 줄"\t',
    )
    [table] = tables(document)
    assert grid(table) == [["번호", "의견", "비고"],
                           ["1", '- 예산 확보\n- "우수" 사례 공유', "완료"],
                           ["2", "한 줄", ""]]
    assert table.grid[2][0] is not None and table.grid[2][0].where == "4행"


def test_a_quote_inside_a_word_processor_cell_is_text() -> None:
    [table] = tables(read("번호\t의견", '1\t"우수" 사례로 선정', "2\t다음"))
    assert grid(table)[1] == ["1", '"우수" 사례로 선정']


def test_a_header_whose_cells_wrap_is_one_row() -> None:
    document = read(
        "2022년 제2차 보건의료분과 회의",
        "연번\t사업번호\t실무분과",
        "모니터링 의견\t사업부서",
        "의견(후속조치)",
        "1\t1-1\t- 의견\t- 답변",
        "2\t1-2\t- 의견 둘\t",
    )
    assert document.blocks[0] == Paragraph("2022년 제2차 보건의료분과 회의", "1행")
    [table] = tables(document)
    assert grid(table)[0] == ["연번", "사업번호", "실무분과\n모니터링 의견", "사업부서\n의견(후속조치)"]
    assert len(table.grid) == 3


def test_page_furniture_is_removed_with_a_warning_each() -> None:
    document = read(
        "2022년 제2차 보건의료분과 회의",
        "번호\t사업명\t의견",
        "1-1\t건강검진\t- 의견",
        "- 2 -",
        "2 / 5",
        "- 3/5 -",
        "",
        "2022년 제2차 보건의료분과 회의",
        "번 호\t사업명\t의견",
        "1-2\t방문보건\t- 의견 둘",
        "4쪽",
    )
    [table] = tables(document)
    assert grid(table) == [["번호", "사업명", "의견"], ["1-1", "건강검진", "- 의견"],
                           ["1-2", "방문보건", "- 의견 둘"]]
    assert [where for where, _ in messages(document)] == ["4행", "5행", "6행", "8행", "9행", "11행"]
    assert "쪽 번호 '- 2 -'" in messages(document)[0][1]
    assert "제목" in messages(document)[3][1] and "머리글" in messages(document)[4][1]


def test_a_line_without_tabs_between_rows_does_not_end_the_table() -> None:
    document = read(
        "번호\t사업명\t의견",
        "1-1\t건강검진\t- 첫째",
        "- 둘째",
        "1-2\t방문보건\t- 의견",
        "Ⅱ. 살기 좋은 도시",
        "2-1\t주거지원\t- 의견",
    )
    [table] = tables(document)
    assert grid(table) == [
        ["번호", "사업명", "의견"],
        ["1-1", "건강검진", "- 첫째\n- 둘째"],
        ["1-2", "방문보건", "- 의견"],
        ["Ⅱ. 살기 좋은 도시", None, None],
        ["2-1", "주거지원", "- 의견"],
    ]
    group = table.grid[3][0]
    assert group is not None and group.col_span == 3 and group.where == "5행"
    assert [where for where, _ in messages(document)] == ["3행", "5행"]


def test_a_line_after_an_empty_last_cell_starts_the_next_rows_first_cell() -> None:
    [table] = tables(read("구분\t사업명\t비고", "복지\t건강검진\t", "돌봄", "서비스\t방문보건\t"))
    assert grid(table)[2] == ["돌봄\n서비스", "방문보건", ""]


def test_text_between_two_tables_of_other_shapes_ends_the_first() -> None:
    document = read(
        "일 시\t2022. 5. 18.(수) 15:00\t\t",
        "장 소\t회의실\t\t",
        "회의 결과",
        "1. 보고사항",
        "번호\t사업명\t의견\t조치\t비고",
        "1-1\t건강검진\t- 의견\t\t",
        "붙임 자료는 별도 송부",
    )
    first, second = tables(document)
    assert grid(first) == [["일 시", "2022. 5. 18.(수) 15:00", "", ""], ["장 소", "회의실", "", ""]]
    assert len(second.grid) == 2 and second.where == "5행"
    paragraphs = [b for b in document.blocks if isinstance(b, Paragraph)]
    assert [(p.text, p.where) for p in paragraphs] == [
        ("회의 결과", "3행"), ("1. 보고사항", "4행"), ("붙임 자료는 별도 송부", "7행")]


def test_a_row_short_of_cells_is_padded_with_a_warning() -> None:
    document = read("번호\t사업명\t의견\t비고", "1-1\t건강검진", "1-2\t방문보건\t- 의견\t완료")
    [table] = tables(document)
    assert grid(table)[1] == ["1-1", "건강검진", "", ""]
    assert messages(document) == [("2행", "칸이 2개뿐이어서 나머지 칸을 비워 두었습니다 (표는 4칸).")]


def test_lines_right_under_the_table_with_the_same_marker_continue_its_last_cell() -> None:
    document = read("번호\t의견", "1-1\t- 첫째", "- 둘째", "", "이상으로 회의를 마칩니다.")
    [table] = tables(document)
    assert grid(table)[1] == ["1-1", "- 첫째\n- 둘째"]
    assert isinstance(document.blocks[-1], Paragraph)
    assert document.blocks[-1].where == "5행"
