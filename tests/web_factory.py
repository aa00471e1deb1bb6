"""Factories for the web tests: an app client with a controlled clock, reply links,
console users, and a snapshot of every table (to prove GET and HEAD change nothing)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from starlette.testclient import TestClient

from db.models import Base, Contact, Item
from tracker import accounts, contacts
from tracker.config import Settings
from tracker.database import Database
from tracker.links import issue_link
from tracker.web.app import create_app
from tracker.web.context import WebOptions

# The sample meeting was held 2022-01-15; most items are due 2022-02-23.
CURRENT_TIME = datetime(2022, 2, 1, 1, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
SETTINGS = Settings(base_url="https://tracker.example.org", secretariat_email="sec@example.org",
                    mail_from="tracker@example.org")


class Clock:
    """A settable clock for create_app."""

    def __init__(self, now: datetime = CURRENT_TIME) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def make_client(db: Database, *, clock: Clock | None = None, address: str = "198.51.100.7",
                settings: Settings = SETTINGS, **options: Any) -> TestClient:
    """A TestClient of a fresh app on `db`, seen as coming from `address`."""
    web_options = replace(WebOptions(secret_key="test-secret"), **options)
    app = create_app(settings, db, clock or Clock(), web_options)
    return TestClient(app, base_url="https://tracker.example.org", client=(address, 50000),
                      follow_redirects=False)


def give_emails(db: Database) -> None:
    """Give every contact of the sample an address at example.org."""
    with db.transaction() as session:
        for row in contacts.list_contacts(session):
            contacts.add_contact(session, row.department, row.name,
                                 f"contact{row.id}@example.org", actor="test")


def issue(db: Database, contact_name: str, now: datetime = CURRENT_TIME,
          valid_days: int = 60) -> str:
    """A fresh reply token for the contact's items of the (only) meeting."""
    with db.transaction() as session:
        contact = session.scalars(select(Contact).where(Contact.name == contact_name)).one()
        meeting_id = session.scalars(
            select(Item.meeting_id).where(Item.contact_id == contact.id)).first()
        assert meeting_id is not None
        return issue_link(session, contact.id, meeting_id, now, valid_days)


def item_ids(db: Database, contact_name: str) -> list[int]:
    """The ids of the contact's items that need a reply."""
    with db.transaction() as session:
        return list(session.scalars(
            select(Item.id).join(Contact, Item.contact_id == Contact.id)
            .where(Contact.name == contact_name, Item.needs_reply.is_(True))
            .order_by(Item.id)))


def add_user(db: Database, username: str, role: str) -> None:
    """A console user with PASSWORD."""
    with db.transaction() as session:
        accounts.add_user(session, username, PASSWORD, accounts.role(role), actor="test")


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log `client` in through the form."""
    form = client.get("/console/login")
    response = client.post("/console/login", data={
        "username": username, "password": password, "csrf": csrf_of(form.text)})
    assert response.status_code == 303, response.text


def csrf_of(html: str) -> str:
    """The first CSRF token of a page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with db.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(
                text(f'SELECT * FROM "{table.name}" ORDER BY 1'))]
            for table in Base.metadata.sorted_tables
        }
