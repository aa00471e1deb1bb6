"""Benchmark (not a test): the reminder sweep over 10k, 100k and 1M items, SQLite and
PostgreSQL: a sweep that finds nothing due, and one that enqueues the reminders of 10,000
due items, beside the bare indexed `SELECT … WHERE next_reminder_at <= :now` in the same run.

Run from the project root (PostgreSQL optional, its database is emptied first):
  /work/venv/bin/python -m tests.bench.bench_sweep [--pg postgresql://root@/tracker_bench]
      [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, select, text

from db.models import Item
from tests.bench import sweep_data
from tests.bench.common import machine, median_seconds
from tracker import reminders
from tracker.config import Settings
from tracker.database import Database, open_database

DUE = 10_000


def bare_query(engine: Engine) -> int:
    """The sweep's due-row query, alone: rows with next_reminder_at <= now."""
    query = (select(Item.id, Item.next_reminder_at, Item.contact_id, Item.meeting_id,
                    Item.due_date).where(Item.next_reminder_at <= sweep_data.NOW)
             .order_by(Item.next_reminder_at, Item.id).limit(500))
    with engine.connect() as connection:
        return len(connection.execute(query).all())


def explain(engine: Engine) -> str:
    """The plan of the due-row query (one line)."""
    due = sweep_data.NOW.astimezone(sweep_data.KST).strftime("%Y-%m-%d %H:%M:%S")
    sql = ("SELECT id FROM item WHERE next_reminder_at <= :now "
           "ORDER BY next_reminder_at, id LIMIT 500")
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.execute(text(prefix + sql), {"now": due}).all()
    return " | ".join(str(row[-1]) for row in rows)


def one_size(url: str, items: int, settings: Settings) -> None:
    """Populate `items`, then time both sweeps and the bare query; print one line each."""
    database = open_database(url)
    start = time.perf_counter()
    sweep_data.populate(database.engine, items)
    filled = time.perf_counter() - start
    name = database.engine.dialect.name
    nothing = median_seconds(lambda: reminders.sweep(database, settings, sweep_data.NOW), 7)
    bare = median_seconds(lambda: bare_query(database.engine), 7)
    print(f"{name:<10} {items:>9,} items (insert {filled:5.1f} s): sweep, nothing due "
          f"{nothing * 1000:6.2f} ms; bare query {bare * 1000:6.2f} ms; ratio {nothing / bare:.1f}x")
    print(f"{'':<10} plan: {explain(database.engine)}")
    sweep_due(database, settings, items)
    database.engine.dispose()


def sweep_due(database: Database, settings: Settings, items: int) -> None:
    """Time a sweep that enqueues the reminders of DUE items (1,000 e-mails)."""
    sweep_data.make_due(database.engine, DUE)
    bare = median_seconds(lambda: bare_query(database.engine), 7)
    start = time.perf_counter()
    report = reminders.sweep(database, settings, sweep_data.NOW)
    seconds = time.perf_counter() - start
    assert report.items == DUE, report
    print(f"{'':<10} {items:>9,} items, {DUE:,} due: sweep {seconds:5.2f} s "
          f"({report.enqueued:,} e-mails, {DUE / seconds:,.0f} items/s); "
          f"bare query of the first 500 due {bare * 1000:.2f} ms")
    floor, count = irreducible(database, settings)
    print(f"{'':<10} irreducible work for the same {count:,} e-mails (build their bytes + one "
          f"executemany of their outbox rows): {floor:5.2f} s; sweep / irreducible "
          f"{seconds / floor:.1f}x (goal ≤ 3x)")


def irreducible(database: Database, settings: Settings) -> tuple[float, int]:
    """Seconds to build the bytes of the e-mails the sweep queued (from their subject, text
    and HTML, read back untimed) and insert the same outbox rows with one executemany (rolled
    back); and how many e-mails."""
    from email import message_from_bytes, policy

    from sqlalchemy import insert

    from db.models import OutboxMessage
    from notifications.compose import Draft, Mailbox, build

    with database.reading() as session:  # plain rows: the session is rolled back after
        rows = session.execute(select(*OutboxMessage.__table__.c).where(
            OutboxMessage.kind.in_(["reminder", "overdue"]))).all()
    drafts = []
    for row in rows:
        parsed = message_from_bytes(row.message, policy=policy.default)
        text, html = (parsed.get_body((kind,)).get_content()  # type: ignore[union-attr]
                      for kind in ("plain", "html"))
        name = parsed["To"].addresses[0].display_name
        drafts.append((row, Draft(sender=Mailbox("모니터링 후속조치 사무국", settings.mail_from),
                                  to=Mailbox(name, row.recipient), subject=row.subject,
                                  text=text, html=html, reply_to=settings.secretariat_email,
                                  in_reply_to=parsed["In-Reply-To"])))
    start = time.perf_counter()
    values = []
    for row, draft in drafts:
        built = build(draft, sweep_data.NOW)
        values.append(dict(
            dedup_key="floor:" + row.dedup_key, kind=row.kind, recipient=row.recipient, cc="",
            subject=row.subject, message_id=built.message_id, message=built.data,
            item_ids=row.item_ids, contact_id=row.contact_id, state=row.state, attempts=0,
            next_attempt_at=row.next_attempt_at, expires_at=row.expires_at,
            created_at=row.created_at, done_recipients=""))
    with database.rollback_only() as session:
        session.execute(insert(OutboxMessage.__table__), values)  # type: ignore[arg-type]
    return time.perf_counter() - start, len(drafts)


def main() -> None:
    """Every size on SQLite, then on PostgreSQL when --pg is given."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    settings = Settings(mail_from="tracker@council.example.org",
                        secretariat_email="office@example.org",
                        base_url="https://tracker.example.org/")
    print(f"machine: {machine()}")
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for items in sizes:
            one_size(f"sqlite:///{Path(tmp) / f'sweep{items}.db'}", items, settings)
    for items in sizes if args.pg else []:
        sweep_data.reset_postgresql(args.pg)
        one_size(args.pg, items, settings)


if __name__ == "__main__":
    main()
