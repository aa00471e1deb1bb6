"""Storing parsed minutes: committee, members, meeting, programs, items, existing replies.

Importing is idempotent: every row is found again by its natural key (committee
name, meeting date, plan year + program number, meeting + item key), so the same
file imported twice changes nothing. The caller owns the transaction: a dry run
imports and rolls back, and an error leaves nothing written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from db.models import (
    Attendance,
    Base,
    Committee,
    Contact,
    Department,
    Discussion,
    Item,
    ItemStatus,
    Meeting,
    Member,
    MemberRole,
    Program,
    Response,
    Strategy,
    Team,
)
from tracker import audit, duedates, opinions, sources
from tracker.minutes import Minutes, TableEntry, parse_rows

ACTOR = "import"
# New rows are flushed in batches of this many table entries: one flush for a whole
# 10,000-row table held every pending row and its flush plan in memory at once.
FLUSH_EVERY = 500
M = TypeVar("M", bound=Base)

KIND_LABELS = {
    "committee": "분과",
    "member": "위원",
    "attendance": "출석 기록",
    "meeting": "회의",
    "department": "부서",
    "team": "팀",
    "contact": "담당자",
    "strategy": "추진전략",
    "program": "사업",
    "discussion": "논의 내용",
    "item": "의견",
    "response": "기존 후속조치",
}


@dataclass
class ImportReport:
    """What an import created and changed, and what the user should look at."""

    source: str
    meeting_id: int = 0
    meeting_label: str = ""
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return bool(+self.created or +self.updated)


def import_file(
    session: Session,
    path: Path,
    *,
    default_days: int = 30,
    committee: str | None = None,
    held_on: date | None = None,
) -> ImportReport:
    """Read `path` (any supported kind) and import it; UserError when the file is malformed."""
    minutes = parse_rows(sources.read_rows(path), path.name, committee=committee, held_on=held_on)
    return import_minutes(session, minutes, default_days=default_days)


def import_minutes(session: Session, minutes: Minutes, *, default_days: int = 30) -> ImportReport:
    """Store `minutes` in the session's transaction and report what changed."""
    report = ImportReport(source=minutes.source, warnings=list(minutes.warnings))
    store = _Store(session, report)
    meeting = _meeting(store, minutes)
    report.meeting_id = meeting.id
    report.meeting_label = f"{minutes.committee} {minutes.held_on.isoformat()}"
    # A big table repeats few departments but many programs: load what exists once.
    store.preload(Program, select(Program).where(Program.plan_year == minutes.plan_year),
                  ("plan_year", "number"))
    store.preload(Item, select(Item).where(Item.meeting_id == meeting.id), ("meeting_id", "key"))
    strategies = {e.number: _strategy(store, e, minutes) for e in minutes.strategies}
    created: list[tuple[Item, str]] = []
    for number, entry in enumerate(minutes.entries, 1):
        program = None
        if entry.kind == "program":
            program = _program(store, entry, minutes, strategies.get(entry.strategy or ""))
            _discussion(store, meeting, program, minutes.discussions.get(entry.number))
        created += _items(store, meeting, entry, program, strategies.get(entry.number),
                          default_days)
        if number % FLUSH_EVERY == 0:
            _audit_created(store, created)
            created = []
    _audit_created(store, created)
    if report.changed:
        audit.record(session, ACTOR, "import", meeting_id=meeting.id, source=minutes.source,
                     created=dict(report.created), updated=dict(report.updated))
    return report


class _Store:
    """Find-or-create by natural key, counting what is created and updated.

    Rows found or created are cached by key; a preloaded model is looked up in
    the cache only, so a 10,000-row table costs a few queries, not 50,000.
    """

    def __init__(self, session: Session, report: ImportReport) -> None:
        self.session = session
        self.report = report
        self.cache: dict[tuple[type, tuple[Any, ...]], Any] = {}
        self.complete: set[type] = set()

    def preload(self, model: type[M], query: Select[M], fields: tuple[str, ...]) -> None:
        """Cache every row `query` returns; afterwards a miss for `model` means "not there"."""
        for row in self.session.scalars(query):
            self.cache[(model, tuple(getattr(row, f) for f in fields))] = row
        self.complete.add(model)

    def get(
        self, model: type[M], kind: str, key: dict[str, Any], *, flush: bool = True,
        **values: Any,
    ) -> M:
        """The row of `model` with `key`, created with `values` or updated to them.

        A created row is flushed (so it has an id) unless `flush` is False."""
        cache_key = (model, tuple(key.values()))
        row = self.cache.get(cache_key)
        if row is None and model not in self.complete:
            with self.session.no_autoflush:  # pending rows are flushed together, not per query
                row = self.session.scalars(select(model).filter_by(**key)).one_or_none()
        if row is None:
            row = model(**key, **values)
            self.session.add(row)
            if flush:
                self.session.flush()
            self.report.created[kind] += 1
        else:
            self._update(row, kind, values)
        self.cache[cache_key] = row
        return row

    def _update(self, row: Any, kind: str, values: dict[str, Any]) -> None:
        changed = {k: v for k, v in values.items() if v is not None and getattr(row, k) != v}
        for name, value in changed.items():
            setattr(row, name, value)
        if changed:
            self.report.updated[kind] += 1


def _meeting(store: _Store, minutes: Minutes) -> Meeting:
    committee = store.get(Committee, "committee", {"name": minutes.committee})
    meeting = store.get(
        Meeting, "meeting", {"committee_id": committee.id, "held_on": minutes.held_on},
        sequence=minutes.sequence, title=minutes.title, time_text=minutes.time_text,
        place=minutes.place, plan_year=minutes.plan_year,
        next_meeting_at=minutes.next_meeting_at, next_meeting_place=minutes.next_meeting_place,
        source_name=minutes.source,
    )
    for entry in minutes.members:
        member = store.get(Member, "member", {"committee_id": committee.id, "name": entry.name},
                           role=MemberRole(entry.role), title=entry.title)
        if entry.present is not None:
            store.get(Attendance, "attendance", {"meeting_id": meeting.id, "member_id": member.id},
                      present=entry.present)
    return meeting


def _strategy(store: _Store, entry: TableEntry, minutes: Minutes) -> Strategy:
    assert minutes.plan_year is not None
    return store.get(Strategy, "strategy", {"plan_year": minutes.plan_year, "code": entry.number},
                     title=entry.name, note=entry.note)


def _program(
    store: _Store, entry: TableEntry, minutes: Minutes, strategy: Strategy | None
) -> Program:
    assert minutes.plan_year is not None
    department = team = contact = None
    if entry.department:
        department = store.get(Department, "department", {"name": entry.department})
        if entry.team:
            team = store.get(Team, "team", {"department_id": department.id, "name": entry.team})
        if entry.contact:
            contact = store.get(Contact, "contact",
                                {"department_id": department.id, "name": entry.contact},
                                team_id=team.id if team else None)
    return store.get(
        Program, "program", {"plan_year": minutes.plan_year, "number": entry.number},
        flush=False, strategy=strategy, sequence=entry.sequence, priority=entry.priority,
        category=entry.category, name=entry.name, department=department, team=team,
        contact=contact,
    )


def _discussion(store: _Store, meeting: Meeting, program: Program, text: str | None) -> None:
    if not text:
        return
    if program.id is None:  # a new program has no discussion yet
        store.session.add(Discussion(meeting_id=meeting.id, program=program, text=text))
        store.report.created["discussion"] += 1
        return
    store.get(Discussion, "discussion", {"meeting_id": meeting.id, "program_id": program.id},
              text=text)


def _items(
    store: _Store,
    meeting: Meeting,
    entry: TableEntry,
    program: Program | None,
    strategy: Strategy | None,
    default_days: int,
) -> list[tuple[Item, str]]:
    """Create the entry's new items (not yet flushed); returns them with their imported reply."""
    prefix = entry.number if entry.kind == "program" else f"전략{entry.number}"
    next_meeting = meeting.next_meeting_at.date() if meeting.next_meeting_at else None
    created = []
    for position, (text, reply) in enumerate(zip(entry.opinions, entry.replies, strict=True), 1):
        key = {"meeting_id": meeting.id, "key": f"{prefix}#{position}"}
        existing = store.cache.get((Item, tuple(key.values())))
        if existing is not None:
            _update_item_text(store, existing, text, meeting.held_on, next_meeting, default_days)
            continue
        due = duedates.due_date_for(text, meeting.held_on, next_meeting, default_days)
        item = store.get(
            Item, "item", key, flush=False, program=program, strategy=strategy,
            position=position, text=text, needs_reply=opinions.needs_reply(text),
            contact=program.contact if program else None, due_date=due.date,
            due_reason=due.reason, due_source=due.source, status=ItemStatus.NEW,
        )
        created.append((item, reply))
    return created


def _audit_created(store: _Store, created: list[tuple[Item, str]]) -> None:
    store.session.flush()  # one flush per batch gives the new items their ids for the log
    for item, reply in created:
        audit.record(store.session, ACTOR, "created", item_id=item.id, text=item.text,
                     due=item.due_date, due_reason=item.due_reason, needs_reply=item.needs_reply)
        if reply:
            _existing_reply(store, item, reply)


def _update_item_text(
    store: _Store, item: Item, text: str, held_on: date, next_meeting: date | None, days: int
) -> None:
    if item.text == text:
        return
    audit.record(store.session, ACTOR, "text_changed", item_id=item.id, old=item.text, new=text)
    item.text = text
    if item.due_source != "manual":
        due = duedates.due_date_for(text, held_on, next_meeting, days)
        item.due_date, item.due_reason, item.due_source = due.date, due.reason, due.source
    store.report.updated["item"] += 1


def _existing_reply(store: _Store, item: Item, text: str) -> None:
    store.session.add(Response(item_id=item.id, revision=1, text=text, author=ACTOR, submitted=True))
    item.status = ItemStatus.ANSWERED
    store.report.created["response"] += 1
    audit.record(store.session, ACTOR, "response_imported", item_id=item.id, text=text)
