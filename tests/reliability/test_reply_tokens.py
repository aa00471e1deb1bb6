"""Reply-link tokens (RELIABILITY.md 1): 10,000 issued tokens are distinct, each comes from
`secrets` with at least 128 bits, and each is stored so that it resolves.

`issue_link` is `new_link` (the token and its row) between a revoking UPDATE, a SELECT of
the latest due date and a flush: about 1 ms a call on SQLite and 2 ms on PostgreSQL, so
10,000 calls would take 10 to 25 s. The 10,000 therefore come from `new_link` and are
stored in one flush; `issue_link` itself is checked on a few hundred, on the same path.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Contact, Item, ReplyLink
from tracker import links
from tracker.database import Database

NOW = datetime(2022, 2, 1, 1, tzinfo=UTC)
ISSUED = 10_000
THROUGH_ISSUE_LINK = 200


@pytest.fixture
def secrets_asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of bytes each `secrets.token_urlsafe` call asked for, in order."""
    asked: list[int] = []
    original = secrets.token_urlsafe

    def counted(nbytes: int | None = None) -> str:
        asked.append(nbytes or 32)  # None means secrets' default, 32 bytes
        return original(nbytes)

    monkeypatch.setattr(links.secrets, "token_urlsafe", counted)
    return asked


def contact_meeting_pairs(session: Session) -> list[tuple[int, int]]:
    """Every (contact, meeting) that has items in the imported sample."""
    return [(c, m) for c, m in session.execute(select(Contact.id, Item.meeting_id).join(
        Item, Item.contact_id == Contact.id).distinct().order_by(Contact.id))]


def test_10000_tokens_are_unique_carry_at_least_128_bits_from_secrets_and_resolve(
    imported: Database, secrets_asked: list[int]
) -> None:
    with imported.transaction() as session:
        pairs = contact_meeting_pairs(session)
        issued = [links.new_link(*pairs[n % len(pairs)], None, NOW) for n in range(ISSUED)]
        session.add_all(link for _, link in issued)  # one flush; token_hash is UNIQUE
    tokens = [token for token, _ in issued]
    assert len(set(tokens)) == ISSUED
    assert len(secrets_asked) == ISSUED and min(secrets_asked) * 8 >= 128
    with imported.reading() as session:
        assert session.scalar(select(func.count(func.distinct(ReplyLink.token_hash)))) == ISSUED
        for token, link in [*issued[::100], issued[-1]]:
            state, found = links.resolve_link(session, token, NOW)
            assert state == "ok" and found is not None and found.id == link.id


def test_issue_link_draws_from_secrets_and_only_the_newest_link_per_contact_works(
    imported: Database, secrets_asked: list[int]
) -> None:
    with imported.transaction() as session:
        pairs = contact_meeting_pairs(session)
        issued = [(pair, links.issue_link(session, *pair, NOW))
                  for pair in (pairs[n % len(pairs)] for n in range(THROUGH_ISSUE_LINK))]
    tokens = [token for _, token in issued]
    assert len(set(tokens)) == THROUGH_ISSUE_LINK
    assert len(secrets_asked) == THROUGH_ISSUE_LINK and min(secrets_asked) * 8 >= 128
    newest = set(dict(issued).values())
    with imported.reading() as session:
        states = {token: links.resolve_link(session, token, NOW)[0] for token in tokens}
    assert {t for t, state in states.items() if state == "ok"} == newest
    assert {state for t, state in states.items() if t not in newest} == {"revoked"}
