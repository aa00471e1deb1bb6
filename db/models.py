"""The tracker's tables, as SQLAlchemy 2.x typed ORM models.

One council subcommittee (Committee) holds meetings; each meeting's monitoring
table names programs (Program) owned by a department, team and contact; every
monitoring opinion is one Item; a department's follow-up is a Response (every
revision kept); every change is an AuditEvent (append-only).

Dates are Korean local dates (Asia/Seoul); timestamps are stored in UTC.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware (the default for timestamp columns)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base; metadata carries a naming convention so migrations are stable."""


Base.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC on every database and read back timezone-aware.

    SQLite has no time zones: without this, an aware Korean-time value would be stored as
    its local clock time and read back as if it were UTC, nine hours off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


class MemberRole(enum.StrEnum):
    """A committee member's role: 분과장, 총무/서기, or plain member."""

    CHAIR = "chair"
    SECRETARY = "secretary"
    MEMBER = "member"


class ItemStatus(enum.StrEnum):
    """Where an item stands in the follow-up workflow."""

    NEW = "new"  # imported, request not yet sent
    REQUESTED = "requested"  # department asked, no reply yet
    ANSWERED = "answered"  # department submitted a reply
    RETURNED = "returned"  # secretariat asked for a revision
    ACCEPTED = "accepted"  # secretariat accepted the reply


def _enum(cls: type[enum.Enum]) -> Enum:
    # Store the lower-case values ("new"), readable in SQL, as VARCHAR on every database.
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Committee(Base):
    """A subcommittee (분과) of the council, e.g. 일자리분과."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    members: Mapped[list[Member]] = relationship(back_populates="committee")
    meetings: Mapped[list[Meeting]] = relationship(back_populates="committee")


class Member(Base):
    """A person on the committee, with their role and sector (공공/민간)."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[MemberRole] = mapped_column(
        _enum(MemberRole), default=MemberRole.MEMBER
    )
    title: Mapped[str | None] = mapped_column(Text)  # as written, e.g. "민간분과장"

    committee: Mapped[Committee] = relationship(back_populates="members")


class Meeting(Base):
    """One meeting of a committee, identified by its date."""

    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("committee_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"))
    held_on: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int | None] = mapped_column(Integer)  # "1차" of its year
    title: Mapped[str | None] = mapped_column(Text)
    time_text: Mapped[str | None] = mapped_column(Text)  # "10:00 ~ 11:30"
    place: Mapped[str | None] = mapped_column(Text)
    plan_year: Mapped[int | None] = mapped_column(Integer)  # the plan year it evaluates
    next_meeting_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_meeting_place: Mapped[str | None] = mapped_column(Text)
    source_name: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    committee: Mapped[Committee] = relationship(back_populates="meetings")
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting")
    items: Mapped[list[Item]] = relationship(back_populates="meeting")


class Attendance(Base):
    """Whether a member attended a meeting (확인 O/X on the minutes)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    present: Mapped[bool] = mapped_column(Boolean)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship()


class Department(Base):
    """A city department (담당부서), e.g. 일자리정책과."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    teams: Mapped[list[Team]] = relationship(back_populates="department")
    contacts: Mapped[list[Contact]] = relationship(back_populates="department")


class Team(Base):
    """A team (담당팀) inside a department."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("department_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    name: Mapped[str] = mapped_column(String(100))

    department: Mapped[Department] = relationship(back_populates="teams")


class Contact(Base):
    """A person in a department who answers for programs (담당자)."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("department_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    # Set when the person no longer answers for the department: not offered for new
    # assignments; the items they answered keep them (and their history).
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    department: Mapped[Department] = relationship(back_populates="contacts")
    team: Mapped[Team | None] = relationship()


class Strategy(Base):
    """A strategy (추진전략) of a plan year, e.g. "I. 누구나 일할 수 있는 사회적 일자리 확대"."""

    __tablename__ = "strategy"
    __table_args__ = (UniqueConstraint("plan_year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))  # "I"
    title: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)  # text in the row's other cells


class Program(Base):
    """A city program (세부사업) of a plan year, known by its number (사업번호 "1-7")."""

    __tablename__ = "program"
    __table_args__ = (UniqueConstraint("plan_year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_year: Mapped[int] = mapped_column(Integer)
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategy.id"))
    number: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int | None] = mapped_column(Integer)  # 연번
    priority: Mapped[bool] = mapped_column(Boolean, default=False)  # 중점추진사업
    category: Mapped[str | None] = mapped_column(String(50))  # 구분: 지속, 신규, 공약…
    name: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))

    strategy: Mapped[Strategy | None] = relationship()
    department: Mapped[Department | None] = relationship()
    team: Mapped[Team | None] = relationship()
    contact: Mapped[Contact | None] = relationship()


class Discussion(Base):
    """The notes of a meeting's discussion of one program: background for the department."""

    __tablename__ = "discussion"
    __table_args__ = (UniqueConstraint("meeting_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    text: Mapped[str] = mapped_column(Text)

    program: Mapped[Program] = relationship()


class Item(Base):
    """One monitoring opinion (one bullet) that may need a department's follow-up."""

    __tablename__ = "item"
    __table_args__ = (
        # The importer's identity for an opinion: re-importing finds it again.
        UniqueConstraint("meeting_id", "key"),
        # `tracker overdue` and the chair's view: open items past their due date.
        Index("ix_item_status_due", "status", "due_date"),
        # One contact's items of a meeting: the reply page, and the latest due date that
        # sets a new reply link's expiry (links.issue_link).
        Index("ix_item_contact_meeting", "contact_id", "meeting_id"),
        # The reminder sweep: "WHERE next_reminder_at <= now" over open items only.
        Index(
            "ix_item_next_reminder",
            "next_reminder_at",
            postgresql_where=sql_text("next_reminder_at IS NOT NULL"),
            sqlite_where=sql_text("next_reminder_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    key: Mapped[str] = mapped_column(String(50))  # "1-7#1", "전략I#1"
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"))
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategy.id"))
    position: Mapped[int] = mapped_column(Integer)  # order within its program, from 1
    text: Mapped[str] = mapped_column(Text)
    needs_reply: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    due_date: Mapped[date] = mapped_column(Date)
    due_reason: Mapped[str] = mapped_column(String(200))  # the phrase, or "default"
    due_source: Mapped[str] = mapped_column(String(20))  # text | next_meeting | default | manual
    status: Mapped[ItemStatus] = mapped_column(
        _enum(ItemStatus), default=ItemStatus.NEW
    )
    requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The reminder sweep's bookkeeping: when this item is next looked at, and how far it got.
    next_reminder_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    overdue_notices: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    program: Mapped[Program | None] = relationship()
    strategy: Mapped[Strategy | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    responses: Mapped[list[Response]] = relationship(
        back_populates="item", order_by="Response.revision"
    )


class Response(Base):
    """One revision of a department's follow-up (사업부서 의견(후속조치)) to an item."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    revision: Mapped[int] = mapped_column(Integer)  # 1, 2, … per item
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(20))  # 반영 / 일부반영 / 추진중 / 반영곤란
    reason: Mapped[str | None] = mapped_column(Text)  # required for 반영곤란
    planned_on: Mapped[date | None] = mapped_column(Date)
    submitted: Mapped[bool] = mapped_column(Boolean, default=True)  # False: a draft
    author: Mapped[str] = mapped_column(String(100))  # contact name, "import", a user
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    via: Mapped[str | None] = mapped_column(String(20))  # "mail": a reply by e-mail (메일 회신)

    item: Mapped[Item] = relationship(back_populates="responses")


class UserRole(enum.StrEnum):
    """What a console user may do."""

    SECRETARIAT = "secretariat"  # import, assign, send, review
    CHAIR = "chair"  # read the overdue view and statistics
    ADMIN = "admin"  # everything, and user accounts


class User(Base):
    """A console user (secretariat, chair, admin); the password is stored as an argon2 hash."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[UserRole] = mapped_column(_enum(UserRole))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Raised by logging out, disabling the user or changing the password: every session
    # cookie carries the number it was made with, and an older number is logged out.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReplyDraft(Base):
    """What a department typed for an item and saved without submitting: one per item,
    overwritten by each save, removed by the submission. Private to the department (the
    console never shows it) and never numbered: revisions count submissions only."""

    __tablename__ = "reply_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    planned_on: Mapped[str | None] = mapped_column(String(20))  # as typed; checked on submission
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ReplyLink(Base):
    """A no-login reply link for one contact's items of one meeting; only the token's hash is kept."""

    __tablename__ = "reply_link"
    __table_args__ = (
        # links.issue_link revokes a contact's live links for a meeting before issuing one:
        # UPDATE reply_link … WHERE contact_id = ? AND meeting_id = ? AND revoked_at IS NULL
        Index("ix_reply_link_contact_meeting", "contact_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    contact: Mapped[Contact] = relationship()
    meeting: Mapped[Meeting] = relationship()


class OutboxState(enum.StrEnum):
    """Where an outgoing e-mail stands."""

    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a sender until lease_until
    SENT = "sent"
    FAILED = "failed"  # permanent failure, or its lifetime ran out


class OutboxMessage(Base):
    """An e-mail to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The sender's claim: "WHERE state = 'pending' AND next_attempt_at <= now ORDER BY …".
        Index("ix_outbox_state_next_attempt", "state", "next_attempt_at"),
        # A reminder threads under the contact's request (messages.request_message_id):
        # "WHERE contact_id = ? AND kind = 'request' ORDER BY id DESC".
        Index("ix_outbox_contact_kind", "contact_id", "kind", "id"),
        # A received reply or bounce names our message: "WHERE message_id = ?" (tracker.inbound).
        Index("ix_outbox_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(254))
    cc: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300))
    message: Mapped[bytes] = mapped_column(LargeBinary)  # the whole RFC 5322 message, built once
    item_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    state: Mapped[OutboxState] = mapped_column(_enum(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Recipients (to or cc) finished with (accepted, or refused for good): a retry skips them.
    done_recipients: Mapped[str] = mapped_column(Text, default="", server_default="")


# The JobRun (job, occasion) every completed reminder sweep stamps: the scheduler writes it,
# `tracker status` and /healthz read its age.
SWEEP_RUN = ("sweep", "latest")


class JobRun(Base):
    """A scheduled job's run for one occasion ("digest", "2022-W09"): the unique key makes a
    job that several workers fire run once per occasion."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "occasion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50))
    occasion: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditEvent(Base):
    """An append-only record of one change: who, when, what. Never updated or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_item", "item_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    detail: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_change(mapper: object, connection: object, target: AuditEvent) -> None:
    raise ValueError("audit events are append-only")


class InboundState(enum.StrEnum):
    """Where a received e-mail stands (tracker.inbound)."""

    RECEIVED = "received"  # stored, not yet looked at (or applying it failed: retried)
    APPLIED = "applied"  # became submitted replies of items
    WAITING = "waiting"  # waits for the secretariat (the reason says why)
    IGNORED = "ignored"  # kept, deliberately not applied (the reason says why)


class InboundMessage(Base):
    """A received e-mail, stored whole before anything else is done with it."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        # The console's mailbox: "WHERE state = ? ORDER BY id DESC".
        Index("ix_inbound_message_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)  # the dedup key
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # the message as delivered
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    recipient: Mapped[str] = mapped_column(String(254), default="")  # the address it came to
    text: Mapped[str] = mapped_column(Text, default="")  # the whole text
    reply: Mapped[str] = mapped_column(Text, default="")  # quotes and signature cut off
    link_id: Mapped[int | None] = mapped_column(ForeignKey("reply_link.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    state: Mapped[InboundState] = mapped_column(_enum(InboundState),
                                                default=InboundState.RECEIVED)
    reason: Mapped[str] = mapped_column(String(30), default="")  # a code: sender, auto_reply…
    detail: Mapped[str] = mapped_column(Text, default="")  # the reason in Korean
    item_ids: Mapped[str] = mapped_column(Text, default="")  # items it was applied to
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    contact: Mapped[Contact | None] = relationship()
    attachments: Mapped[list[InboundAttachment]] = relationship(
        back_populates="message", order_by="InboundAttachment.id")


class InboundAttachment(Base):
    """An attachment of a received e-mail; `data` is empty when it was refused."""

    __tablename__ = "inbound_attachment"
    __table_args__ = (Index("ix_inbound_attachment_message", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"))
    name: Mapped[str] = mapped_column(String(200))  # made safe (tracker.inbound.attachments)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    refused: Mapped[str | None] = mapped_column(Text)  # why it was not kept

    message: Mapped[InboundMessage] = relationship(back_populates="attachments")
