"""CLI start-up and import benchmarks.

Run: python -m tests.bench.bench_cli   (from the checkout, with the project installed)
Prints each figure beside its baseline measured in the same run.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tests.bench.common import command_seconds, machine, median_seconds, write_table_csv

SAMPLE = Path(__file__).parent.parent / "data" / "2022-01-15-jobs-subcommittee-minutes.txt"


def startup() -> None:
    beside = Path(sys.executable).parent / "tracker"
    tracker = str(beside) if beside.exists() else shutil.which("tracker")
    if tracker is None:
        sys.exit("tracker is not installed")
    cli = command_seconds([tracker, "--help"])
    bare = command_seconds([sys.executable, "-c", "pass"])
    print(f"startup: tracker --help {cli * 1000:.0f} ms, python -c pass {bare * 1000:.0f} ms, "
          f"ratio {cli / bare:.1f}x (goal <= 4x)")


def import_sample(workdir: Path) -> None:
    from tracker.database import open_database
    from tracker.importer import import_file
    from tracker.minutes import parse_rows
    from tracker.sources import read_rows

    counter = iter(range(1000))

    def one_import() -> None:
        database = open_database(str(workdir / f"sample{next(counter)}.db"))
        with database.transaction() as session:
            import_file(session, SAMPLE)
        database.engine.dispose()

    full = median_seconds(one_import)
    parse = median_seconds(lambda: parse_rows(read_rows(SAMPLE), SAMPLE.name))
    print(f"import sample minutes: {full * 1000:.0f} ms into a new SQLite file "
          f"(schema creation included); parsing alone {parse * 1000:.1f} ms")


def import_table(workdir: Path, rows: int = 10_000) -> None:
    import csv

    from tracker.database import open_database
    from tracker.importer import import_file

    path = workdir / "table.csv"
    write_table_csv(path, rows)
    database = open_database(str(workdir / "table.db"))
    with database.transaction() as session:
        seconds = median_seconds(lambda: import_file(session, path), repeat=1)
    again = median_seconds(lambda: _reimport(database, path), repeat=1)
    read = median_seconds(lambda: list(csv.reader(path.open(encoding="utf-8-sig"))), repeat=3)
    print(f"import {rows:,}-row table ({2 * rows:,} items): {seconds:.2f} s "
          f"({2 * rows / seconds:,.0f} items/s); re-import (no change) {again:.2f} s; "
          f"baseline csv.reader of the file {read * 1000:.0f} ms")


def _reimport(database, path: Path) -> None:  # type: ignore[no-untyped-def]
    from tracker.importer import import_file

    with database.transaction() as session:
        import_file(session, path)


def main() -> None:
    print(f"machine: {machine()}")
    startup()
    with tempfile.TemporaryDirectory() as tmp:
        import_sample(Path(tmp))
        import_table(Path(tmp))


if __name__ == "__main__":
    main()
