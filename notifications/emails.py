"""Every e-mail the tracker sends, rendered from plain data: one small function per kind.

Each kind is three templates in templates/email/ (`<kind>_subject.txt`, `<kind>.txt`,
`<kind>.html`), compiled once per process. The functions here take dataclasses and return
a Rendered; they read no database and decide nothing. Whether to write, to whom and with
which link is decided in tracker/ (requests, reminders, receipts, digests); `prepare`
turns a decided Outgoing into the outbox row's bytes (built once, with `compose.build`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Template

from notifications.compose import Draft, Mailbox, build, header_text
from notifications.outbox import Queued
from templates import environment

SENDER_NAME = "모니터링 후속조치 사무국"


@dataclass(frozen=True)
class Line:
    """One item as an e-mail lists it."""

    program: str
    program_name: str
    text: str
    discussion: str | None
    due: str
    needs_reply: bool
    comment: str | None = None


@dataclass(frozen=True)
class Letter:
    """What every e-mail about a contact's items shows: greeting, meeting, items, footer."""

    greeting: str
    committee: str
    meeting_date: str
    programs: str  # "1-1, 1-2" for the subject
    due: str  # the latest due date of the items that need a reply
    lines: tuple[Line, ...]
    secretariat: str


@dataclass(frozen=True)
class LinkText:
    """A reply link as an e-mail shows it: the URL and the last day it works (local date)."""

    url: str
    expires: str


@dataclass(frozen=True)
class Rendered:
    """A rendered e-mail: one-line subject, text body, HTML body."""

    subject: str
    text: str
    html: str


@cache
def _templates(kind: str) -> tuple[Template, Template, Template]:
    env = environment()
    return (env.get_template(f"email/{kind}_subject.txt"), env.get_template(f"email/{kind}.txt"),
            env.get_template(f"email/{kind}.html"))


def render(kind: str, **context: Any) -> Rendered:
    """Render the three templates of `kind` with `context` (autoescaped HTML, strict names)."""
    subject_template, text_template, html_template = _templates(kind)
    context["subject"] = header_text(subject_template.render(context))
    return Rendered(subject=context["subject"], text=text_template.render(context),
                    html=html_template.render(context))


def _letter(letter: Letter) -> dict[str, Any]:
    return dict(greeting=letter.greeting, committee=letter.committee,
                meeting_date=letter.meeting_date, programs=letter.programs, due=letter.due,
                lines=letter.lines, secretariat=letter.secretariat)


def _link(link: LinkText) -> dict[str, str]:
    return dict(link=link.url, link_expires=link.expires)


def render_request(letter: Letter, link: LinkText) -> Rendered:
    """The request for a follow-up, with the contact's reply link."""
    return render("request", **_letter(letter), **_link(link))


def render_info(letter: Letter) -> Rendered:
    """The notice of items that need no reply (no link)."""
    return render("info", **_letter(letter))


def render_reminder(letter: Letter, link: LinkText, days_left: int) -> Rendered:
    """A reminder `days_left` days before the due date (0: the due day itself)."""
    return render("reminder", **_letter(letter), **_link(link), days_left=days_left)


def render_overdue(letter: Letter, link: LinkText, days_overdue: int) -> Rendered:
    """A notice that the items are `days_overdue` days past their due date."""
    return render("overdue", **_letter(letter), **_link(link), days_overdue=days_overdue)


def render_returned(letter: Letter, link: LinkText, comment: str) -> Rendered:
    """The secretariat's "보완 요청": `comment` and the link to revise the reply."""
    return render("returned", **_letter(letter), **_link(link), comment=comment)


@dataclass(frozen=True)
class Submitted:
    """One submitted reply as the receipt lists it: the item and what was sent."""

    program: str
    program_name: str
    opinion: str  # the item's text
    reply: str  # the follow-up as submitted
    kind: str | None  # 회신 구분: 반영 / 일부반영 / 추진중 / 반영곤란 (None: not given)
    reason: str | None  # the 반영곤란 reason, when given
    planned_on: str | None  # 완료 예정일 "2022-07-01", when given
    revision: int  # which submission of the item this is (1, 2, …)


def render_receipt(letter: Letter, received_at: str, submitted: Sequence[Submitted] = (),
                   link: LinkText | None = None) -> Rendered:
    """The receipt of one submission, received at `received_at` ("2022-03-02 10:00 KST"):
    for each item its opinion and what was submitted (text, 회신 구분, 반영곤란 사유 and
    완료 예정일 where given), and the reply link when there is one (the same link the
    contact used, to read or revise the replies)."""
    extra = _link(link) if link is not None else {"link": None}
    return render("receipt", **_letter(letter), received_at=received_at,
                  submitted=tuple(submitted), **extra)


@dataclass(frozen=True)
class DigestLine:
    """One overdue item in the chair's digest."""

    committee: str
    program: str
    program_name: str
    contact: str
    due: str
    days_overdue: int | None


@dataclass(frozen=True)
class DigestDepartment:
    """A department's overdue items and its response rate ("3/4 (75%)")."""

    name: str
    lines: tuple[DigestLine, ...]
    response_rate: str


def render_digest(as_of: str, departments: Sequence[DigestDepartment], secretariat: str) -> Rendered:
    """The chair's weekly digest of overdue items as of `as_of`."""
    return render("digest", greeting="분과장님께", committee="모니터링 후속조치",
                  secretariat=secretariat, as_of=as_of, departments=departments,
                  total=sum(len(d.lines) for d in departments))


def render_failure(secretariat: str, original_subject: str, recipient: str, attempts: int,
                   error: str, outbox_id: int) -> Rendered:
    """The alert to the secretariat about an e-mail that could not be delivered."""
    return render("failure", greeting="사무국 담당자님께", committee="모니터링 후속조치",
                  secretariat=secretariat, original_subject=original_subject,
                  recipient=recipient, attempts=attempts, error=error, outbox_id=outbox_id)


@dataclass(frozen=True)
class Outgoing:
    """A decided e-mail: what it says, to whom, and its outbox bookkeeping. `reply_to` is the
    one place a per-message Reply-To is set (empty: none)."""

    kind: str
    dedup_key: str
    to: Mailbox
    rendered: Rendered
    reply_to: str = ""
    cc: tuple[Mailbox, ...] = ()
    in_reply_to: str | None = None
    item_ids: tuple[int, ...] = ()
    contact_id: int | None = None
    link_id: int | None = None  # the reply link the message carries, if any


def prepare(outgoing: Outgoing, sender: Mailbox, now: datetime) -> Queued:
    """The outbox row of `outgoing`: its bytes built once (ValueError for an address that
    cannot be written). Pure apart from the fresh Message-ID and boundary."""
    draft = Draft(sender=sender, to=outgoing.to, subject=outgoing.rendered.subject,
                  text=outgoing.rendered.text, html=outgoing.rendered.html,
                  reply_to=outgoing.reply_to, cc=outgoing.cc, in_reply_to=outgoing.in_reply_to)
    built = build(draft, now)
    return Queued(dedup_key=outgoing.dedup_key[:300], kind=outgoing.kind,
                  recipient=outgoing.to.address, cc=tuple(c.address for c in outgoing.cc),
                  subject=outgoing.rendered.subject, message_id=built.message_id,
                  message=built.data, item_ids=outgoing.item_ids,
                  contact_id=outgoing.contact_id)


def sender_mailbox(mail_from: str) -> Mailbox:
    """The From of every e-mail: the secretariat's display name and `mail_from`."""
    return Mailbox(SENDER_NAME, mail_from)
