"""The filled monitoring table (총괄평가), in the council's column order, as XLSX, CSV or HTML.

The export starts with the meeting's facts (title, 일 시, 장 소, 차기회의), so
importing an exported file gives back the same items and replies.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import Item, Meeting, Program
from templates import environment
from tracker.errors import UserError
from tracker.minutes import WEEKDAYS
from tracker.profiles import MONITORING
from tracker.queries import follow_up

HEADER = MONITORING.header  # the monitoring table's labels, as the importer reads them
FORMATS = ("xlsx", "csv", "html", "hwpx")


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
        title=meeting.title or f"{meeting.held_on.year}년 {meeting.committee.name} 회의록",
        facts=_facts(meeting),
        caption=f"{meeting.plan_year}년도 시행계획 총괄평가",
        header=HEADER,
        rows=_rows(items),
    )


def _meeting(session: Session, meeting_id: int | None) -> Meeting:
    query = select(Meeting).options(joinedload(Meeting.committee))
    if meeting_id is None:
        meeting = session.scalars(query.order_by(Meeting.held_on.desc(), Meeting.id.desc())).first()
        if meeting is None:
            raise UserError("가져온 회의록이 없습니다. 먼저 `tracker import 파일`을 실행하세요.")
        return meeting
    found = session.scalars(query.where(Meeting.id == meeting_id)).one_or_none()
    if found is None:
        raise UserError(f"회의 {meeting_id}번이 없습니다.")
    return found


def _facts(meeting: Meeting) -> list[tuple[str, str]]:
    day = meeting.held_on
    when = f"{day.year}년 {day.month}월 {day.day}일({WEEKDAYS[day.weekday()]})"
    facts = [("일 시", f"{when} {meeting.time_text or ''}".strip())]
    if meeting.place:
        facts.append(("장 소", meeting.place))
    if meeting.next_meeting_at:
        nxt = meeting.next_meeting_at
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
    program = items[0].program
    if program is None:
        strategy = items[0].strategy
        label = f"추진전략 {strategy.code}. {strategy.title}" if strategy else "추진전략"
        note = strategy.note or "" if strategy else ""
        return [label, "", "", "", "", note, "", "", opinions, reply_cell]
    return [
        str(program.sequence or ""), program.number, "중점" if program.priority else "-",
        program.category or "", program.name,
        program.department.name if program.department else "",
        program.team.name if program.team else "",
        program.contact.name if program.contact else "",
        opinions, reply_cell,
    ]


def write(table: FilledTable, path: Path, fmt: str) -> None:
    """Write `table` to `path` as `fmt` (xlsx, csv or html)."""
    writers = {"xlsx": write_xlsx, "csv": write_csv, "html": write_html, "hwpx": write_hwpx}
    if fmt not in writers:
        raise UserError(f"지원하지 않는 형식입니다: {fmt}. 가능한 형식: {', '.join(FORMATS)}")
    writers[fmt](table, path)


def write_csv(table: FilledTable, path: Path) -> None:
    """CSV in UTF-8 with a BOM, so Korean Excel opens it with the right characters."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(table.as_rows())


def write_html(table: FilledTable, path: Path) -> None:
    """A page that prints on A4 landscape, header repeated on every page."""
    html = environment().get_template("web/export_table.html").render(table=table)
    path.write_text(html, encoding="utf-8")


def write_hwpx(table: FilledTable, path: Path) -> None:
    """A Hancom document (landscape A4): the title, the meeting's facts, and the table."""
    from tracker.export_hwpx import write_table_hwpx

    facts = " · ".join(f"{label} {value}" for label, value in table.facts)
    write_table_hwpx(path, f"{table.title} — {table.caption} ({facts})", table.header, table.rows,
                     column_weights=[3, 4, 4, 4, 9, 7, 7, 4, 29, 29])


def write_xlsx(table: FilledTable, path: Path) -> None:
    """A workbook with wrapped text, column widths that fit the form, printing on A4 landscape."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "총괄평가"
    for row in table.as_rows():
        sheet.append(row)
    first = len(table.as_rows()) - len(table.rows) - 1  # 0-based index of the header row
    thin = Side(style="thin", color="555555")
    for r, cells in enumerate(sheet.iter_rows(min_row=first + 1), start=first + 1):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if r == first + 1:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="E8E8E8")
    sheet["A1"].font = Font(bold=True, size=14)
    for letter, width in zip("ABCDEFGHIJ", (6, 9, 10, 9, 24, 14, 14, 9, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=first + 2, column=1)
    sheet.print_title_rows = f"{first + 1}:{first + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    book.save(path)
