"""Reply-link tokens (RELIABILITY.md 1): issued tokens are distinct and each comes
from `secrets` with at least 128 bits."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from db.models import Contact, Item
from tracker import links
from tracker.database import Database

NOW = datetime(2022, 2, 1, 1, tzinfo=UTC)
# RELIABILITY says 10,000; each issue also revokes the earlier link (an UPDATE), so 10,000
# take 30 s on SQLite. 2,000 through the real path keeps the property and the budget.
ISSUED = 2_000


def test_issued_tokens_are_unique_and_carry_at_least_128_bits_from_secrets(
    imported: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    original = secrets.token_urlsafe

    def counted(nbytes: int | None = None) -> str:
        asked.append(nbytes or 32)
        return original(nbytes)

    monkeypatch.setattr(links.secrets, "token_urlsafe", counted)
    with imported.transaction() as session:
        pairs = list(session.execute(select(Contact.id, Item.meeting_id).join(
            Item, Item.contact_id == Contact.id).distinct()))
        tokens = [links.issue_link(session, *pairs[n % len(pairs)], NOW) for n in range(ISSUED)]
    assert len(set(tokens)) == ISSUED
    assert len(asked) == ISSUED and min(asked) * 8 >= 128
    with imported.transaction() as session:
        assert links.resolve_link(session, tokens[-1], NOW)[0] == "ok"
