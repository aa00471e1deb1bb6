"""Reply-link tokens (RELIABILITY.md 1): 10,000 tokens are distinct, each carries 256 bits
derived with HMAC-SHA256 from a key that comes from `secrets` (or from `secret_key`), and
each is stored (as its hash) so that it resolves.

A token is derived from the server key and the link's id (links.token_for), so the same
link can be written into every e-mail about the same items without the database holding
it. The 10,000 links are made in one batch by `links.current_links`, the path requests and
reminders take.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from db.models import Contact, Department, Item, ReplyLink
from tracker import links
from tracker.database import Database

NOW = datetime(2022, 2, 1, 1, tzinfo=UTC)
ISSUED = 10_000
THROUGH_ISSUE_LINK = 200


@pytest.fixture
def secrets_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of bytes each `secrets.token_bytes` call for a process key asked for."""
    asked: list[int] = []
    original = secrets.token_bytes

    def counted(nbytes: int | None = None) -> bytes:
        asked.append(nbytes or 32)
        return original(nbytes)

    monkeypatch.setattr(links.secrets, "token_bytes", counted)
    links._process_key.cache_clear()
    yield asked
    links._process_key.cache_clear()


def contact_meeting_pairs(session: Session) -> list[tuple[int, int]]:
    """Every (contact, meeting) that has items in the imported sample."""
    return [(c, m) for c, m in session.execute(select(Contact.id, Item.meeting_id).join(
        Item, Item.contact_id == Contact.id).distinct().order_by(Contact.id))]


def many_contacts(session: Session, n: int) -> list[tuple[int, int]]:
    """`n` new contacts, each with one item of the sample's meeting: (contact, meeting) pairs."""
    item = session.scalars(select(Item).limit(1)).one()
    department = session.scalars(select(Department).limit(1)).one()
    session.execute(insert(Contact), [dict(department_id=department.id, name=f"담당{n}",
                                           email=f"c{n}@example.org") for n in range(n)])
    ids = session.scalars(select(Contact.id).where(Contact.name.like("담당%"))).all()
    session.execute(insert(Item), [dict(
        meeting_id=item.meeting_id, key=f"t{c}", position=1, text="의견", contact_id=c,
        due_date=item.due_date, due_reason="default", due_source="default") for c in ids])
    return [(c, item.meeting_id) for c in ids]


def test_10000_tokens_are_unique_carry_256_bits_from_secrets_and_resolve(
    imported: Database, secrets_asked: list[int]
) -> None:
    key = links.link_secret("")  # no secret_key: a key of this process, from secrets
    assert secrets_asked == [32]
    with imported.transaction() as session:
        pairs = many_contacts(session, ISSUED)
        issued = links.current_links(session, pairs, NOW, 60, key)
    tokens = [ref.token for ref in issued.values()]
    assert len(set(tokens)) == ISSUED
    assert all(links.token_for(key, ref.id) == ref.token for ref in issued.values())
    assert links.token_for(key, 1) != links.token_for(secrets.token_bytes(32), 1)
    with imported.reading() as session:
        assert session.scalar(select(func.count(func.distinct(ReplyLink.token_hash)))) == ISSUED
        for ref in [*list(issued.values())[::100]]:
            state, found = links.resolve_link(session, ref.token, NOW)
            assert state == "ok" and found is not None and found.id == ref.id


def test_issue_link_makes_a_new_link_and_only_the_newest_link_per_contact_works(
    imported: Database,
) -> None:
    with imported.transaction() as session:
        pairs = contact_meeting_pairs(session)
        issued = [(pair, links.issue_link(session, *pair, NOW))
                  for pair in (pairs[n % len(pairs)] for n in range(THROUGH_ISSUE_LINK))]
    tokens = [token for _, token in issued]
    assert len(set(tokens)) == THROUGH_ISSUE_LINK
    newest = set(dict(issued).values())
    with imported.reading() as session:
        states = {token: links.resolve_link(session, token, NOW)[0] for token in tokens}
    assert {t for t, state in states.items() if state == "ok"} == newest
    assert {state for t, state in states.items() if t not in newest} == {"revoked"}


def test_the_link_stays_for_later_mail_and_a_new_key_replaces_it(imported: Database) -> None:
    key, other = b"k" * 32, b"o" * 32
    with imported.transaction() as session:
        pair = contact_meeting_pairs(session)[0]
        first = links.current_link(session, *pair, NOW, 60, key)
        again = links.current_link(session, *pair, NOW, 60, key)
        assert again == first  # the same link for the next e-mail
        replaced = links.current_link(session, *pair, NOW, 60, other)
    assert replaced.id != first.id
    with imported.reading() as session:
        assert links.resolve_link(session, first.token, NOW)[0] == "revoked"
        assert links.resolve_link(session, replaced.token, NOW)[0] == "ok"
