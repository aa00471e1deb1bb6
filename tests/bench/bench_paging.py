"""Benchmark (not a test): one page of the console's items list as the total grows.

For each size, a SQLite database with the sample meeting and that many more items (spread
over 1,000 programs whose numbers sort differently as text and as numbers) is read:
- page: `queries.item_page` for page 1 and for the last page (COUNT, the natural-order
  ORDER BY with LIMIT/OFFSET, 50 items loaded), what `/console` does now;
- before: `queries.list_items`, every item loaded and sorted in Python, what `/console` did
  before it was paginated (only up to 20,000 items: it grows with the total);
- floor: a bare `SELECT id FROM item ORDER BY id LIMIT 50` on the same database.
Median of 5 (of 3 for `before`), peak Python memory of one call by tracemalloc.

Run from the project root: python -m tests.bench.bench_paging [SIZES]  (default 1000,100000)
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, text

from db import engine as db_engine
from db.models import Base, Item, Meeting, Program
from tests.bench.common import machine
from tests.conftest import SAMPLE
from tracker import queries
from tracker.database import Database
from tracker.importer import import_file


def database(folder: Path, items: int) -> Database:
    engine = db_engine.make_engine(f"sqlite:///{folder / f'{items}.db'}")
    Base.metadata.create_all(engine)
    db = Database(engine, db_engine.make_session_factory(engine))
    with db.transaction() as session:
        import_file(session, SAMPLE)
        meeting_id = session.scalars(select(Meeting.id)).one()
        session.execute(insert(Program), [
            {"plan_year": 2099, "number": f"{n // 10 + 1}-{n % 10 + 1}", "name": f"사업 {n}",
             "priority": False} for n in range(1000)])
        programs = list(session.scalars(select(Program.id).where(Program.plan_year == 2099)))
        session.execute(insert(Item), [
            {"meeting_id": meeting_id, "key": f"bench#{n}", "program_id": programs[n % 1000],
             "position": n // 1000 + 1, "text": f"의견 {n}: 참여자 수를 보고해 줄 것을 요청함.",
             "needs_reply": True, "due_date": date(2022, 2, 23), "due_reason": "default",
             "due_source": "default", "status": "new", "reminders_sent": 0,
             "overdue_notices": 0} for n in range(items)])
    return db


def measure(run: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """(median seconds, peak MiB of one call)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return sorted(times)[len(times) // 2], peak


def main() -> None:
    sizes = [int(n) for n in (sys.argv[1] if len(sys.argv) > 1 else "1000,100000").split(",")]
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            db = database(Path(folder), size)
            with db.reading() as session:
                def first() -> object:
                    return queries.item_page(session, "1")

                def last() -> object:
                    return queries.item_page(session, "last")

                def floor() -> object:
                    return session.execute(text("SELECT id FROM item ORDER BY id LIMIT 50")).all()

                def before() -> object:
                    return queries.list_items(session)

                shown = {name: measure(run) for name, run in
                         (("page 1", first), ("last page", last), ("floor", floor))}
                if size <= 20_000:
                    shown["before (all)"] = measure(before, 3)
            base = shown["floor"][0]
            print(f"{size + 14:,} items: " + "; ".join(
                f"{name} {seconds * 1000:.1f} ms ({seconds / base:,.0f}x floor, "
                f"{peak:.1f} MiB)" for name, (seconds, peak) in shown.items()))
            db.engine.dispose()


if __name__ == "__main__":
    main()
