"""CLI start-up and import benchmarks.

Run: python -m tests.bench.bench_cli   (from the checkout, with the project installed)
     python -m tests.bench.bench_cli --startup --before /tmp/old   (start-up only, beside an
     older checkout, e.g. `git worktree add /tmp/old COMMIT`, measured in the same rounds)
Prints each figure beside its baseline measured in the same run.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import machine, median_seconds, write_table_csv

SAMPLE = Path(__file__).parent.parent / "data" / "2022-01-15-jobs-subcommittee-minutes.txt"


PAIRS = 21  # alternating pairs; the medians of at least 15 are what the issue asks for


def tracker_executable() -> str:
    """The `tracker` script of this interpreter's environment (else the one on PATH)."""
    beside = Path(sys.executable).parent / "tracker"
    found = str(beside) if beside.exists() else shutil.which("tracker")
    if found is None:
        sys.exit("tracker is not installed")
    return found


def alternating_medians(commands: dict[str, list[str]], pairs: int = PAIRS) -> dict[str, float]:
    """The median wall-clock seconds of each command, run in turn `pairs` times.

    Alternating (A, B, A, B, ...) rather than A x n then B x n spreads a load change on a
    shared machine over every command alike, so the ratios stay fair.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for args in commands.values():  # one warm-up each: page cache, .pyc files
        subprocess.run(args, check=True, capture_output=True)
    for _ in range(pairs):
        for name, args in commands.items():
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


# Runs `tracker ARGS` from the checkout given as the first argument, with this interpreter:
# the same way for this checkout and an older one, so the two compare fairly in one run.
FROM_CHECKOUT = ("import sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'tracker'; "
                 "from tracker.cli import main; main()")
HERE = Path(__file__).resolve().parent.parent.parent


def from_checkout(root: Path, *args: str) -> list[str]:
    """The command running `tracker ARGS` from the source checkout `root`."""
    return [sys.executable, "-c", FROM_CHECKOUT, str(root), *args]


def startup(before: Path | None) -> None:
    """`tracker --help` and `tracker items --help` beside `python -c pass`, and, with
    `before` (an older checkout), the same commands run from it in the same rounds."""
    tracker = tracker_executable()
    commands = {
        "bare": [sys.executable, "-c", "pass"],
        "help": [tracker, "--help"],
        "items": [tracker, "items", "--help"],
    }
    if before is not None:
        commands["now: --help"] = from_checkout(HERE, "--help")
        commands["before: --help"] = from_checkout(before, "--help")
        commands["before: items --help"] = from_checkout(before, "items", "--help")
    medians = alternating_medians(commands)
    bare = medians.pop("bare")
    print(f"startup ({PAIRS} alternating rounds, medians; baseline {sys.executable} -c pass "
          f"{bare * 1000:.0f} ms)")
    labels = {"help": "tracker --help", "items": "tracker items --help"}
    for name, seconds in medians.items():
        print(f"  {labels.get(name, name)}: {seconds * 1000:.0f} ms, "
              f"ratio {seconds / bare:.1f}x (goal <= 4x)")


def import_times(root: Path, top: int = 12) -> None:
    """What `tracker --help` run from `root` imports, by cumulative time (-X importtime):
    the modules it loads itself (the interpreter's start-up, `site`, is left out)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *from_checkout(root, "--help")[1:]],
                          capture_output=True, text=True)
    rows = []  # (cumulative us, self us, name indented two spaces per nesting level)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative), int(own), name[1:].rstrip()))
    start = next(n for n, row in enumerate(rows) if row[2].strip() == "site")
    ours = rows[start + 1:]  # importtime lists a module after its imports: site's end here
    total = sum(own for _, own, _ in ours)
    print(f"python -X importtime, tracker --help from {root}: {len(ours)} modules, "
          f"{total / 1000:.1f} ms in all; the largest, by cumulative time:")
    for cumulative, own, name in sorted(ours, reverse=True)[:top]:
        print(f"  {cumulative / 1000:6.1f} ms (self {own / 1000:4.1f})  {name.strip()}")


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
    before = Path(sys.argv[sys.argv.index("--before") + 1]) if "--before" in sys.argv else None
    startup(before)
    for root in ([before] if before else []) + [HERE]:
        import_times(root)
    if "--startup" in sys.argv:
        return
    with tempfile.TemporaryDirectory() as tmp:
        import_sample(Path(tmp))
        import_table(Path(tmp))


if __name__ == "__main__":
    main()
