"""Printing records in the terminal: rich tables for people, CSV for spreadsheets."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from rich.console import Console
from rich.table import Table

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
STATUS = {"new": "미발송", "requested": "회신 대기", "answered": "회신됨",
          "returned": "보완 요청", "accepted": "완료"}


TEXT_PREVIEW = 60  # characters of an opinion shown in a table; JSON and CSV carry it whole
NARROW = {"id", "program", "position", "due", "days_overdue", "status", "needs_reply"}


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key == "text" and len(value) > TEXT_PREVIEW:
        return str(value)[:TEXT_PREVIEW] + "…"
    if key == "needs_reply":
        return "필요" if value else "불필요"
    if key == "status":
        return str(STATUS.get(value, value))
    return str(value)


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
    table = Table(title=f"{title} ({len(records)}건)", show_lines=True)
    for key, heading in columns:
        table.add_column(heading, overflow="fold", no_wrap=key in NARROW, min_width=len(heading) * 2,
                         ratio=1 if key == "text" else None)
    for record in records:
        table.add_row(*(_cell(key, record.get(key)) for key, _ in columns))
    Console().print(table)


def moment_text(moment: datetime, zone: tzinfo) -> str:
    """`moment` as the secretariat reads it: "2022-03-07 10:05 KST", in `zone` with the zone
    named, so a time printed in a terminal matches the web's (naive values are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def show_item(
    view: Any,
    responses: list[tuple[int, str, bool, datetime | None]],
    history: list[tuple[datetime, str, str, str]],
    zone: tzinfo = UTC,
) -> None:
    """Print one item with its replies and its audit history (times in `zone`, named)."""
    console = Console()
    program = f"{view.program} {view.program_name}" if view.program else f"추진전략 {view.strategy}"
    console.print(f"[bold]의견 {view.id}[/bold] — {view.committee} {view.meeting_date} · {program}")
    console.print(f"부서 {view.department or '-'} / {view.team or '-'} / 담당 {view.contact or '-'}")
    console.print(f"기한 {view.due} ({view.due_reason}) · {_cell('status', view.status)}"
                  f" · 회신 {_cell('needs_reply', view.needs_reply)}")
    console.print(f"\n{view.text}\n", markup=False)
    for revision, text, submitted, accepted in responses:
        state = "완료" if accepted else ("제출" if submitted else "임시 저장")
        console.print(f"회신 {revision}판 ({state}): ", end="")
        console.print(text, markup=False)
    if history:
        console.print("\n[bold]변경 이력[/bold]")
        for at, actor, action, detail in history:
            console.print(f"{moment_text(at, zone)} {actor} {action} ", end="")
            console.print(detail, markup=False)
