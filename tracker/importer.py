"""Storing parsed minutes: committee, members, meeting, programs, items, existing replies.

Importing is idempotent: every row is found again by its natural key (committee
name, meeting date, plan year + program number, meeting + item key), so the same
file imported twice changes nothing. `import_preview` works in the caller's transaction:
a dry run imports and rolls back, and an error leaves nothing written. `import_in_batches`
(the CLI's and the console's import) commits in short batches so that other writers get
their turn, marks the meeting "가져오는 중" until its last batch, and is resumable: see its
docstring for what it promises.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

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
from tracker import audit, duedates, import_marks, opinions, readers
from tracker.clock import MINUTES_ZONE, from_local, local_date, utc_now
from tracker.departments import name_key
from tracker.document import Document, Notice
from tracker.errors import UserError
from tracker.minutes import Minutes, RowNote, TableEntry, parse_document

if TYPE_CHECKING:
    from tracker.database import Database

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


@dataclass
class ImportOptions:
    """What the user tells the importer that the file may not say."""

    committee: str | None = None
    held_on: date | None = None
    department: str | None = None  # the department answering for a table without one
    default_days: int = 30


@dataclass
class PlannedItem:
    """One item the import will create (or find again), as the preview shows it."""

    key: str  # "1-7#1", "전략I#1", "2-3#1"
    where: str  # the table row it came from: "140행", "표 2, 3행"
    kind: str  # "program" | "strategy"
    item_kind: str | None  # 시정요구사항, 건의사항 … (audit tables)
    number: str
    name: str
    department: str | None
    team: str | None
    contact: str | None
    text: str
    reply: str  # the answer written in the table ("" when none)
    status: str  # new | answered | accepted
    reply_kind: str | None  # 추진중 | 반영곤란
    due_date: date
    due_reason: str
    due_source: str
    needs_reply: bool
    fields: dict[str, str]  # what else the row said: group, percent, status word

    def as_json(self) -> dict[str, Any]:
        """The item as `import --dry-run --format json` prints it."""
        data = asdict(self)
        data["due_date"] = self.due_date.isoformat()
        return data


@dataclass
class Preview:
    """What importing a document would do: the contract of `import --dry-run` and the
    console's upload page. Every row of the table is in `items`, `rows` (kept out: group,
    total, repeated header, continued) or `warnings`."""

    source: str
    profile: str  # "monitoring" | "audit" | "status"
    minutes: Minutes
    items: list[PlannedItem]
    rows: list[RowNote]
    warnings: list[Notice]

    def meeting(self) -> dict[str, Any]:
        """The meeting facts, JSON-ready."""
        m = self.minutes
        return {
            "source": m.source, "table": self.profile, "committee": m.committee,
            "held_on": m.held_on.isoformat(), "sequence": m.sequence, "title": m.title,
            "time": m.time_text, "place": m.place, "plan_year": m.plan_year,
            "next_meeting_at": m.next_meeting_at.isoformat() if m.next_meeting_at else None,
            "next_meeting_place": m.next_meeting_place, "members": len(m.members),
        }

    def as_json(self) -> dict[str, Any]:
        """``{"meeting": {...}, "items": [...], "rows": [...], "warnings": [{"where", "message"}]}``."""
        return {
            "meeting": self.meeting(),
            "items": [item.as_json() for item in self.items],
            "rows": [{"where": r.where, "kind": r.kind, "text": r.text} for r in self.rows],
            "warnings": [{"where": w.where, "message": w.message} for w in self.warnings],
        }


def read_document(path: Path) -> Document:
    """The document in `path` (any supported kind); UserError when it cannot be read."""
    return readers.read_document(path)


def preview(document: Document, options: ImportOptions | None = None) -> Preview:
    """What importing `document` would create, without touching the database.

    Finds the follow-up table by its profile, the meeting facts, the items (one per
    opinion bullet, or per row for audit and status tables) with their due dates, states
    and answers, the rows kept out of the items and every warning. Raises UserError (one
    Korean sentence) when the document cannot be imported, e.g. no table of a known kind,
    or a fact missing that `options` does not give.
    """
    options = options or ImportOptions()
    minutes = parse_document(document, committee=options.committee, held_on=options.held_on,
                             department=options.department)
    return Preview(source=document.source, profile=minutes.profile, minutes=minutes,
                   items=plan_items(minutes, options.default_days), rows=list(minutes.notes),
                   warnings=list(minutes.warnings))


def plan_items(minutes: Minutes, default_days: int = 30) -> list[PlannedItem]:
    """The items of `minutes`, in table order, with due dates and states."""
    next_meeting = minutes.next_meeting_at.date() if minutes.next_meeting_at else None
    planned = []
    for entry in minutes.entries:
        prefix = entry.number if entry.kind == "program" else f"전략{entry.number}"
        state = entry.state
        texts = entry.opinions
        pairs = zip(texts, entry.replies_for(len(texts)), strict=True)
        for position, (text, reply) in enumerate(pairs, 1):
            due = duedates.due_date_for(text, minutes.held_on, next_meeting, default_days)
            status = state.status if state else ("answered" if reply else "new")
            planned.append(PlannedItem(
                key=f"{prefix}#{position}", where=entry.where, kind=entry.kind,
                item_kind=entry.item_kind, number=entry.number, name=entry.name,
                department=entry.department, team=entry.team, contact=entry.contact,
                text=text, reply=reply, status=status, reply_kind=state.kind if state else None,
                due_date=due.date, due_reason=due.reason, due_source=due.source,
                needs_reply=opinions.needs_reply(text), fields=_fields(entry),
            ))
    return planned


def _fields(entry: TableEntry) -> dict[str, str]:
    found = {"group": entry.group, "percent": entry.percent, "status": entry.status_text,
             "marks": ", ".join(entry.marks), "category": entry.category}
    return {k: v for k, v in found.items() if v}


def import_file(
    session: Session,
    path: Path,
    *,
    default_days: int = 30,
    committee: str | None = None,
    held_on: date | None = None,
    department: str | None = None,
) -> ImportReport:
    """Read `path` (any supported kind) and import it; UserError when the file is malformed."""
    options = ImportOptions(committee, held_on, department, default_days)
    return import_preview(session, preview(read_document(path), options))


def import_minutes(session: Session, minutes: Minutes, *, default_days: int = 30) -> ImportReport:
    """Store `minutes` in the session's transaction and report what changed."""
    return import_preview(session, Preview(
        minutes.source, minutes.profile, minutes, plan_items(minutes, default_days),
        list(minutes.notes), list(minutes.warnings)))


def import_preview(session: Session, plan: Preview) -> ImportReport:
    """Store what `plan` previews in the session's transaction and report what changed
    (all or nothing: a dry run rolls it back). On SQLite the caller's transaction holds the
    write lock throughout; `import_in_batches` lets other writers in between."""
    minutes = plan.minutes
    report = _report(plan)
    store = _Store(session, report)
    meeting = _meeting(store, minutes)
    report.meeting_id = meeting.id
    # A big table repeats few departments but many programs: load what exists once.
    store.preload(Program, select(Program).where(Program.plan_year == minutes.plan_year),
                  ("plan_year", "number"))
    store.preload(Item, select(Item).where(Item.meeting_id == meeting.id), ("meeting_id", "key"))
    store.load_departments()
    _entries(store, meeting, minutes, minutes.entries, _planned_by_entry(plan))
    _audit_import(session, report, meeting.id, minutes)
    return report


# Table rows per transaction of import_in_batches: a few tenths of a second of writing.
BATCH_ENTRIES = 200
# After each batch on SQLite, the import steps aside this long: a writer of another process
# waiting in SQLite's busy handler (which sleeps up to 100 ms between tries) then finds the
# file free, instead of losing every race to the import's next BEGIN.
SQLITE_PAUSE_SECONDS = 0.12


def import_in_batches(database: Database, plan: Preview, *, batch: int = BATCH_ENTRIES,
                      pause: float | None = None,
                      now: Callable[[], datetime] = utc_now) -> ImportReport:
    """Store what `plan` previews in short transactions of `batch` table rows each, so the
    web app's writers (replies, console actions) get their turn during a long import.

    What is promised: the meeting is marked "가져오는 중" (tracker.import_marks) in the first
    transaction and unmarked in the last, together with the import's audit record, so a
    half-written meeting is never shown as complete and its items are not requested until
    the last batch is in. If the import fails midway (an error, a crash, a stopped
    process), every batch committed before stays, nothing of the failing batch does, and
    the meeting stays marked; importing the same file again finds what was written (rows
    are found again by their natural keys) and writes the rest: the import is resumable,
    and no row is lost or doubled. The report counts what this run wrote."""
    minutes = plan.minutes
    report = _report(plan)
    planned = _planned_by_entry(plan)
    if pause is None:
        pause = SQLITE_PAUSE_SECONDS if database.embedded else 0.0
    with database.transaction() as session:
        meeting = _meeting(_Store(session, report), minutes)
        report.meeting_id = meeting.id
        import_marks.mark(session, meeting.id, now())
    entries = minutes.entries
    try:
        for start in range(0, len(entries), batch):
            time.sleep(pause)
            chunk = entries[start:start + batch]
            with database.transaction() as session:
                store = _Store(session, report)
                found = session.get(Meeting, report.meeting_id)
                assert found is not None
                _preload_chunk(store, minutes, found.id, chunk, planned)
                _entries(store, found, minutes, chunk, planned)
        time.sleep(pause)
        with database.transaction() as session:
            _audit_import(session, report, report.meeting_id, minutes)
            import_marks.unmark(session, report.meeting_id)
    except UserError as error:  # say what became of the batches already in
        raise type(error)(f"{error.message} {STOPPED}", hint_cli=error.hint_cli) from error
    return report


STOPPED = ("가져오기가 중간에 멈췄습니다: 이미 저장한 부분은 남아 있고 회의는 '가져오는 중'으로 "
           "표시됩니다. 고친 뒤 같은 파일을 다시 가져오면 이어서 마칩니다.")


def _report(plan: Preview) -> ImportReport:
    minutes = plan.minutes
    return ImportReport(source=minutes.source,
                        meeting_label=f"{minutes.committee} {minutes.held_on.isoformat()}",
                        warnings=[_warning_text(w) for w in plan.warnings])


def _planned_by_entry(plan: Preview) -> dict[str, list[PlannedItem]]:
    by_entry: dict[str, list[PlannedItem]] = {}
    for planned in plan.items:
        by_entry.setdefault(planned.key.rpartition("#")[0], []).append(planned)
    return by_entry


def _prefix(entry: TableEntry) -> str:
    return entry.number if entry.kind == "program" else f"전략{entry.number}"


def _preload_chunk(store: _Store, minutes: Minutes, meeting_id: int,
                   chunk: Sequence[TableEntry], planned: dict[str, list[PlannedItem]]) -> None:
    # Only this batch's programs and items: a batch costs the same early and late.
    scope = f"{meeting_id}-" if _row_is_program(minutes) else ""
    numbers = [scope + e.number for e in chunk if e.kind == "program"]
    keys = [p.key for e in chunk for p in planned.get(_prefix(e), [])]
    store.preload(Program, select(Program).where(Program.plan_year == minutes.plan_year,
                                                 Program.number.in_(numbers)),
                  ("plan_year", "number"))
    store.preload(Item, select(Item).where(Item.meeting_id == meeting_id, Item.key.in_(keys)),
                  ("meeting_id", "key"))
    store.load_departments()


def _entries(store: _Store, meeting: Meeting, minutes: Minutes,
             entries: Sequence[TableEntry], planned: dict[str, list[PlannedItem]]) -> None:
    # The table rows `entries`: their programs, discussions and items (strategies found or
    # made as they are needed), flushed every FLUSH_EVERY rows.
    strategies = {e.number: _strategy(store, e, minutes) for e in minutes.strategies}
    created: list[tuple[Item, PlannedItem]] = []
    scope = f"{meeting.id}-" if _row_is_program(minutes) else ""
    for number, entry in enumerate(entries, 1):
        program = None
        if entry.kind == "program":
            program = _program(store, entry, minutes, strategies.get(entry.strategy or ""), scope)
            _discussion(store, meeting, program, minutes.discussions.get(entry.number))
        created += _items(store, meeting, planned.get(_prefix(entry), []), program,
                          strategies.get(entry.number) if entry.kind == "strategy" else None)
        if number % FLUSH_EVERY == 0:
            _audit_created(store, created)
            created = []
    _audit_created(store, created)


def _audit_import(session: Session, report: ImportReport, meeting_id: int,
                  minutes: Minutes) -> None:
    if report.changed:
        audit.record(session, ACTOR, "import", meeting_id=meeting_id, source=minutes.source,
                     created=dict(report.created), updated=dict(report.updated))


def _row_is_program(minutes: Minutes) -> bool:
    return minutes.profile != "monitoring"


def _warning_text(notice: Notice) -> str:
    return f"{notice.where}: {notice.message}" if notice.where else notice.message


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
        self.departments: dict[str, Department] = {}  # name key -> row

    def load_departments(self) -> None:
        """Know every department by its name key, so two spellings find one row, and every
        team and contact by (department, name): three queries, however many rows follow."""
        query = select(Department).order_by(Department.id).options(
            selectinload(Department.teams), selectinload(Department.contacts))
        for row in self.session.scalars(query):
            self.departments.setdefault(name_key(row.name), row)
            for team in row.teams:
                self.cache[(Team, (row.id, team.name))] = team
            for contact in row.contacts:
                self.cache[(Contact, (row.id, contact.name))] = contact
        self.complete.update({Team, Contact})

    def department(self, name: str) -> Department:
        """The department spelled `name` or any other way with the same key; created if new."""
        key = name_key(name)
        if key not in self.departments:
            self.departments[key] = self.get(Department, "department", {"name": name})
        return self.departments[key]

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
        next_meeting_at=_stored_moment(minutes.next_meeting_at),
        next_meeting_place=minutes.next_meeting_place,
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
    store: _Store, entry: TableEntry, minutes: Minutes, strategy: Strategy | None, scope: str
) -> Program:
    assert minutes.plan_year is not None
    department = team = contact = None
    if entry.department:
        department = store.department(entry.department)
        if entry.team:
            team = store.get(Team, "team", {"department_id": department.id, "name": entry.team})
        if entry.contact:
            contact = _contact(store, department, entry.contact, team)
    # An audit or status table's rows are numbered within the document: their programs
    # belong to this meeting alone ("12-2-3" for row 3 of the second table of meeting 12).
    return store.get(
        Program, "program", {"plan_year": minutes.plan_year, "number": scope + entry.number},
        flush=False, strategy=strategy, sequence=entry.sequence, priority=entry.priority,
        category=entry.category, name=entry.name, department=department, team=team,
        contact=contact,
    )


def _contact(store: _Store, department: Department, name: str, team: Team | None) -> Contact:
    """The department's contact called `name` (spaces, dots, brackets aside), or a new one."""
    key = name_key(name)
    for known in department.contacts:
        if name_key(known.name) == key:
            return store.get(Contact, "contact",
                             {"department_id": department.id, "name": known.name},
                             team_id=team.id if team else None)
    return store.get(Contact, "contact", {"department_id": department.id, "name": name},
                     team_id=team.id if team else None)


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
    planned: list[PlannedItem],
    program: Program | None,
    strategy: Strategy | None,
) -> list[tuple[Item, PlannedItem]]:
    """Create the entry's new items (not yet flushed); returns them with their plan."""
    next_meeting = (local_date(meeting.next_meeting_at, MINUTES_ZONE)
                    if meeting.next_meeting_at else None)
    created = []
    for position, plan in enumerate(planned, 1):
        key = {"meeting_id": meeting.id, "key": plan.key}
        existing = store.cache.get((Item, tuple(key.values())))
        if existing is not None:
            _update_item_text(store, existing, plan.text, meeting.held_on, next_meeting,
                              plan.due_date, plan)
            continue
        item = store.get(
            Item, "item", key, flush=False, program=program, strategy=strategy,
            position=position, text=plan.text, needs_reply=plan.needs_reply,
            contact=program.contact if program else None, due_date=plan.due_date,
            due_reason=plan.due_reason, due_source=plan.due_source, status=ItemStatus.NEW,
        )
        created.append((item, plan))
    return created


def _audit_created(store: _Store, created: list[tuple[Item, PlannedItem]]) -> None:
    store.session.flush()  # one flush per batch gives the new items their ids for the log
    for item, plan in created:
        audit.record(store.session, ACTOR, "created", item_id=item.id, text=item.text,
                     due=item.due_date, due_reason=item.due_reason, needs_reply=item.needs_reply)
        if plan.status != "new":
            _existing_reply(store, item, plan)


def _update_item_text(
    store: _Store, item: Item, text: str, held_on: date, next_meeting: date | None,
    due: date, plan: PlannedItem,
) -> None:
    if item.text == text:
        return
    audit.record(store.session, ACTOR, "text_changed", item_id=item.id, old=item.text, new=text)
    item.text = text
    if item.due_source != "manual":
        item.due_date, item.due_reason, item.due_source = due, plan.due_reason, plan.due_source
    store.report.updated["item"] += 1


def _existing_reply(store: _Store, item: Item, plan: PlannedItem) -> None:
    """The answer written in the table, stored as the item's first response: accepted when
    the table says 완료, with its type when it says 추진중 or 추진불가/반영곤란."""
    text = plan.reply or plan.fields.get("status") or plan.fields.get("marks") or "-"
    response = Response(item_id=item.id, revision=1, text=text, author=ACTOR, submitted=True,
                        kind=plan.reply_kind)
    if plan.reply_kind == "반영곤란":
        response.reason = text
    if plan.status == "accepted":
        response.accepted_at = utc_now()
        item.status = ItemStatus.ACCEPTED
    else:
        item.status = ItemStatus.ANSWERED
    store.session.add(response)
    store.report.created["response"] += 1
    audit.record(store.session, ACTOR, "response_imported", item_id=item.id, text=text,
                 kind=plan.reply_kind, status=item.status.value)


def _stored_moment(written: datetime | None) -> datetime | None:
    # The minutes write Korean wall-clock time; the database keeps every moment as UTC.
    return None if written is None else from_local(written, MINUTES_ZONE)
