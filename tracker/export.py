"""The filled monitoring table (총괄평가), in the council's column order, as XLSX, CSV or HTML.

The export starts with the meeting's facts (title, 일 시, 장 소, 차기회의), so
importing an exported file gives back the same items and replies.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import Item, ItemStatus, Meeting, Program, Response
from templates import environment
from tracker.clock import MINUTES_ZONE
from tracker.errors import Invalid, NotFound
from tracker.labels import STATUS_LABELS
from tracker.minutes import WEEKDAYS
from tracker.profiles import MONITORING
from tracker.queries import follow_up

# The whole answer after the council's columns: the importer reads the form's columns and
# passes over these.
ANSWER_HEADER = ["회신 구분", "반영곤란 사유", "완료 예정일", "처리 상태"]
HEADER = MONITORING.header + ANSWER_HEADER  # the monitoring table's labels, as the importer reads them
FORMATS = ("xlsx", "csv", "html", "hwpx")
STRATEGY_SPAN = 5  # a strategy row's label spans the first five columns, as on the form
# Characters no export may carry: C0 controls but TAB and LF, DEL (they break XLSX and HWPX
# XML, and confuse a spreadsheet); CR is turned into LF first.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class FilledTable:
    """The monitoring table of one meeting with the follow-up column filled."""

    title: str
    facts: list[tuple[str, str]]
    caption: str
    header: list[str]
    rows: list[list[str]]

    def as_rows(self) -> list[list[str]]:
        """Everything as rows of cells: title, facts, caption, header, table."""
        return [[self.title], *[[k, v] for k, v in self.facts], [], [self.caption],
                self.header, *self.rows]


def build_table(session: Session, meeting_id: int | None = None) -> FilledTable:
    """The filled table of the meeting `meeting_id` (default: the latest meeting)."""
    meeting = _meeting(session, meeting_id)
    items = session.scalars(
        select(Item).where(Item.meeting_id == meeting.id).options(
            joinedload(Item.program).joinedload(Program.department),
            joinedload(Item.program).joinedload(Program.team),
            joinedload(Item.program).joinedload(Program.contact),
            joinedload(Item.strategy), selectinload(Item.responses),
        )
    ).unique().all()
    return FilledTable(
        title=clean(meeting.title or f"{meeting.held_on.year}년 {meeting.committee.name} 회의록"),
        facts=[(label, clean(value)) for label, value in _facts(meeting)],
        caption=f"{meeting.plan_year}년도 시행계획 총괄평가",
        header=HEADER,
        rows=[[clean(cell) for cell in row] for row in _rows(items)],
    )


def _meeting(session: Session, meeting_id: int | None) -> Meeting:
    query = select(Meeting).options(joinedload(Meeting.committee))
    if meeting_id is None:
        meeting = session.scalars(query.order_by(Meeting.held_on.desc(), Meeting.id.desc())).first()
        if meeting is None:
            raise NotFound("가져온 회의록이 없습니다.",
                           hint_cli="먼저 `tracker import 파일`을 실행하세요.")
        return meeting
    found = session.scalars(query.where(Meeting.id == meeting_id)).one_or_none()
    if found is None:
        raise NotFound(f"회의 {meeting_id}번이 없습니다.")
    return found


def _facts(meeting: Meeting) -> list[tuple[str, str]]:
    day = meeting.held_on
    when = f"{day.year}년 {day.month}월 {day.day}일({WEEKDAYS[day.weekday()]})"
    facts = [("일 시", f"{when} {meeting.time_text or ''}".strip())]
    if meeting.place:
        facts.append(("장 소", meeting.place))
    if meeting.next_meeting_at:
        nxt = meeting.next_meeting_at.astimezone(MINUTES_ZONE)  # as the minutes wrote it
        facts.append(("차기회의 일시", f"{nxt.year}. {nxt.month}. {nxt.day}. {nxt:%H:%M}"))
    if meeting.next_meeting_place:
        facts.append(("차기회의 장소", meeting.next_meeting_place))
    return facts


def _rows(items: Sequence[Item]) -> list[list[str]]:
    groups: dict[tuple[object, ...], list[Item]] = {}
    for item in sorted(items, key=_order):
        groups.setdefault(_order(item)[:2], []).append(item)
    return [_row(group) for group in groups.values()]


def _order(item: Item) -> tuple[object, ...]:
    if item.program is not None:
        number = tuple(int(p) for p in item.program.number.split("-"))
        strategy = item.program.strategy.code if item.program.strategy else ""
        return (strategy, (1, number), item.position)
    code = item.strategy.code if item.strategy else ""
    return (code, (0, ()), item.position)


def _row(items: list[Item]) -> list[str]:
    opinions = "\n".join(f"- {item.text}" for item in items)
    replies = [follow_up(item) for item in items]
    texts = [r.text if r else "" for r in replies]
    reply_cell = "\n".join(f"- {t}" if t else "-" for t in texts) if any(texts) else ""
    answer = _answer_cells(items, replies)
    program = items[0].program
    if program is None:
        strategy = items[0].strategy
        label = f"추진전략 {strategy.code}. {strategy.title}" if strategy else "추진전략"
        note = strategy.note or "" if strategy else ""
        return [label, "", "", "", "", note, "", "", opinions, reply_cell, *answer]
    return [
        str(program.sequence or ""), program.number, "중점" if program.priority else "-",
        program.category or "", program.name,
        program.department.name if program.department else "",
        program.team.name if program.team else "",
        program.contact.name if program.contact else "",
        opinions, reply_cell, *answer,
    ]


def _answer_cells(items: list[Item], replies: list[Response | None]) -> list[str]:
    # One line per opinion, in the opinions' order ("- " bullets when the row has several).
    columns: list[list[str]] = [[], [], [], []]
    for item, reply in zip(items, replies, strict=True):
        values = [reply.kind or "" if reply else "", reply.reason or "" if reply else "",
                  reply.planned_on.isoformat() if reply and reply.planned_on else "",
                  state_text(item)]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return [_lines(column) for column in columns]


def _lines(values: list[str]) -> str:
    if not any(values):
        return ""
    if len(values) == 1:
        return values[0]
    return "\n".join(f"- {v}" if v else "-" for v in values)


def state_text(item: Item) -> str:
    """Where the item's answer stands, in Korean: 회신 대기, 검토 대기 (a reply not yet
    reviewed), 보완 요청 (returned), 완료, or 회신 불필요."""
    if not item.needs_reply and item.status != ItemStatus.ACCEPTED:
        return "회신 불필요"
    return STATUS_LABELS[item.status]


def clean(text: str) -> str:
    """`text` without the control characters an export cannot carry (CR becomes LF). Pure."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def guard_formula(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula
    (= + - @, TAB, CR) gets a leading apostrophe. Pure."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def write(table: FilledTable, path: Path, fmt: str) -> None:
    """Write `table` to `path` as `fmt` (xlsx, csv or html)."""
    writers = {"xlsx": write_xlsx, "csv": write_csv, "html": write_html, "hwpx": write_hwpx}
    if fmt not in writers:
        raise Invalid(f"지원하지 않는 형식입니다: {fmt}. 가능한 형식: {', '.join(FORMATS)}")
    writers[fmt](table, path)


def write_csv(table: FilledTable, path: Path) -> None:
    """CSV in UTF-8 with a BOM, so Korean Excel opens it with the right characters."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([[guard_formula(cell) for cell in row]
                                   for row in table.as_rows()])


def write_html(table: FilledTable, path: Path) -> None:
    """A page that prints on A4 landscape, header repeated on every page."""
    html = environment().get_template("web/export_table.html").render(table=table)
    path.write_text(html, encoding="utf-8")


def write_hwpx(table: FilledTable, path: Path) -> None:
    """A Hancom document (landscape A4): the title, the meeting's facts, and the table."""
    from tracker.export_hwpx import write_table_hwpx

    # One paragraph per fact, "일 시 : …", as minutes write them: the file reads back in.
    facts = [f"{label} : {value}" for label, value in table.facts]
    merges = [(number, 0, number, STRATEGY_SPAN - 1)
              for number, row in enumerate(table.rows, start=1) if is_strategy(row)]
    write_table_hwpx(path, table.title, table.header, table.rows, lines=[table.caption, *facts],
                     merges=merges, column_weights=[3, 4, 4, 4, 9, 7, 7, 4, 24, 24, 5, 8, 6, 6])


def is_strategy(row: list[str]) -> bool:
    """Whether a table row is a strategy row (추진전략 …) rather than a program's."""
    return bool(row) and row[0].startswith("추진전략")


XLSX_FONT = "맑은 고딕"  # Malgun Gothic: the Korean font every council PC has


def write_xlsx(table: FilledTable, path: Path) -> None:
    """A workbook with wrapped text, column widths that fit the form, printing on A4 landscape."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "총괄평가"
    for r, row in enumerate(table.as_rows(), start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"  # every cell is text: "=HYPERLINK(…)" in a reply stays words
            cell.font = Font(name=XLSX_FONT)
    first = len(table.as_rows()) - len(table.rows) - 1  # 0-based index of the header row
    thin = Side(style="thin", color="555555")
    for r, cells in enumerate(sheet.iter_rows(min_row=first + 1), start=first + 1):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if r == first + 1:
                cell.font = Font(name=XLSX_FONT, bold=True)
                cell.fill = PatternFill("solid", fgColor="E8E8E8")
    for r, row in enumerate(table.rows, start=first + 2):
        if is_strategy(row):
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=STRATEGY_SPAN)
            sheet.cell(row=r, column=1).font = Font(name=XLSX_FONT, bold=True)
    sheet["A1"].font = Font(name=XLSX_FONT, bold=True, size=14)
    widths = (6, 9, 10, 9, 24, 14, 14, 9, 50, 50, 10, 24, 12, 11)
    for letter, width in zip("ABCDEFGHIJKLMN", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=first + 2, column=1)
    sheet.print_title_rows = f"{first + 1}:{first + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    book.save(path)
