"""Printing records in the terminal: rich tables for people, CSV for spreadsheets."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# (key, heading) pairs: what each listing shows, in order.
ITEM_COLUMNS = [
    ("id", "번호"), ("program", "사업"), ("position", "#"), ("department", "부서"),
    ("contact", "담당자"), ("text", "의견"), ("due", "기한"), ("status", "상태"),
    ("needs_reply", "회신"),
]
OVERDUE_COLUMNS = [
    ("department", "부서"), ("id", "번호"), ("program", "사업"), ("contact", "담당자"),
    ("text", "의견"), ("due", "기한"), ("days_overdue", "경과일"), ("status", "상태"),
]
CONTACT_COLUMNS = [("department", "부서"), ("team", "팀"), ("name", "이름"), ("email", "이메일")]


TEXT_PREVIEW = 60  # characters of an opinion shown in a table; JSON and CSV carry it whole
NARROW = {"id", "program", "position", "due", "days_overdue", "status", "needs_reply"}


# Control characters (C0 but line feed and tab, DEL, C1) and the bidirectional overrides
# that can make a terminal show other text than the data holds.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(value: object) -> str:
    """`value` as text safe for a terminal: control and escape characters written as
    escapes ("\\x1b"), so data cannot move the cursor, recolour or hide what follows. Pure."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"),
                            str(value))


def data_text(value: object, style: str = "") -> Text:
    """`value` for Rich as plain text, never markup: "[/]" or "[link=…]" print as written."""
    return Text(visible(value), style=style)


def _cell(key: str, value: Any) -> Text:
    if value is None:
        return Text("-")
    if key == "text" and len(value) > TEXT_PREVIEW:
        return data_text(str(value)[:TEXT_PREVIEW] + "…")
    if key == "needs_reply":
        return Text("필요" if value else "불필요")
    if key == "status":
        from tracker.labels import status_label

        return data_text(status_label(value))
    return data_text(value)


def print_records(
    records: list[dict[str, Any]], fmt: str, columns: Sequence[tuple[str, str]], title: str
) -> None:
    """Print `records` as a rich table ("table"), CSV or JSON with every field ("csv", "json")."""
    if fmt == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        fields = list(records[0]) if records else [key for key, _ in columns]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
        return
    table = Table(title=data_text(f"{title} ({len(records)}건)"), show_lines=True)
    for key, heading in columns:
        table.add_column(heading, overflow="fold", no_wrap=key in NARROW, min_width=len(heading) * 2,
                         ratio=1 if key == "text" else None)
    for record in records:
        table.add_row(*(_cell(key, record.get(key)) for key, _ in columns))
    Console().print(table)


def show_item(view: Any, revisions: Sequence[Any], history: Sequence[Any], zone: str) -> None:
    """Print one item with its submitted replies (review.Revision) and its audit history
    (review.HistoryEntry) as Korean sentences, times in the configured `zone`, named."""
    from tracker.labels import moment_text

    console = Console(highlight=False, emoji=False)  # data is text: no markup, no :emoji:
    program = f"{view.program} {view.program_name}" if view.program else f"추진전략 {view.strategy}"
    console.print(f"[bold]의견 {view.id}[/bold] — {escape(visible(view.committee))} "
                  f"{view.meeting_date} · {escape(visible(program))}")
    console.print(visible(f"부서 {view.department or '-'} / {view.team or '-'} / "
                          f"담당 {view.contact or '-'}"), markup=False)
    console.print(visible(f"기한 {view.due} ({view.due_label}) · {_cell('status', view.status)}"
                          f" · 회신 {_cell('needs_reply', view.needs_reply)}"), markup=False)
    console.print(f"\n{visible(view.text)}\n", markup=False)
    for shown in revisions:
        state = "완료" if shown.accepted else "제출"
        kind = f", {shown.kind}" if shown.kind else ""
        console.print(f"회신 {shown.revision}차 ({state}{kind}, {moment_text(shown.created_at, zone)}): ",
                      end="", markup=False)
        console.print(visible(shown.text), markup=False)
    if history:
        console.print("\n[bold]변경 이력[/bold]")
        for entry in history:
            console.print(f"{moment_text(entry.at, zone)} {visible(entry.sentence)}",
                          markup=False)
