"""Text fields checked before the database sees them: one checker for every table, driven
by the model's own column lengths.

On every flush (SQLAlchemy's before_flush, registered by tracker.database) each new or
changed row's text values lose their NUL and other C0 control characters (tab, line feed
and carriage return stay), and a value longer than its column's String(n) is refused with
a UserError naming the field and the limit. SQLite would store the long value and
PostgreSQL would fail with a traceback; both now answer the same Korean sentence.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session

from tracker.errors import UserError

# C0 controls and DEL, except tab, line feed and carriage return (text keeps its lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What the user calls each field, for the message ("table.column": label).
LABELS = {
    "committee.name": "분과 이름", "member.name": "참석자 이름", "member.title": "참석자 직함",
    "department.name": "부서 이름", "team.name": "팀 이름", "contact.name": "담당자 이름",
    "contact.email": "담당자 이메일", "strategy.code": "전략 코드", "program.number": "사업번호",
    "program.category": "구분", "program.name": "세부사업명", "item.key": "의견 번호",
    "item.due_reason": "기한 근거", "response.kind": "회신 구분", "response.author": "작성자",
    "user_account.username": "사용자 이름", "user_account.email": "사용자 이메일",
    "audit_event.actor": "작업자", "job_run.occasion": "작업 회차",
}


def without_controls(text: str) -> str:
    """`text` without NUL and the other C0 control characters (tab and line ends kept). Pure."""
    return _CONTROL.sub("", text)


def check_row(row: Any) -> None:
    """Clean the loaded text values of `row` in place and check their lengths; UserError
    "〈field〉은(는) 최대 N자입니다 (M자)" for the first that is too long."""
    state = inspect(row)
    table = state.mapper.local_table.name
    for attribute in state.mapper.column_attrs:
        key = attribute.key
        value = state.dict.get(key)  # only what is loaded: never a lazy load inside a flush
        if not isinstance(value, str):
            continue
        clean = without_controls(value)
        if clean != value:
            setattr(row, key, clean)
        column = attribute.columns[0]
        limit = getattr(column.type, "length", None) if isinstance(column.type, String) else None
        if limit is not None and len(clean) > limit:
            label = LABELS.get(f"{table}.{column.name}", f"{table}.{column.name}")
            raise UserError(f"{label}은(는) 최대 {limit}자입니다 ({len(clean)}자): "
                            f"{clean[:40]}…")


def check_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """The before_flush listener: check_row for every new and changed row."""
    for row in (*session.new, *session.dirty):
        check_row(row)
