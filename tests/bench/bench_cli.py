"""CLI start-up and import benchmarks.

Run: python -m tests.bench.bench_cli   (from the checkout, with the project installed)
     python -m tests.bench.bench_cli --startup --before /tmp/old   (start-up only, beside an
     older checkout, e.g. `git worktree add /tmp/old COMMIT`, measured in the same rounds)
Prints each figure beside its baseline measured in the same run.
"""

from __future__ import annotations

import os
import resource
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


def alternating_medians(commands: dict[str, list[str]],
                        pairs: int = PAIRS) -> dict[str, tuple[float, float]]:
    """Each command's median wall-clock seconds and median CPU seconds (user + system of the
    child), the commands run in turn `pairs` times.

    Alternating (A, B, A, B, ...) rather than A x n then B x n spreads a load change on a
    shared machine over every command alike, so the ratios stay fair. CPU time is reported
    too because it moves much less than wall-clock time when other jobs share the cores.
    """
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for args in commands.values():  # one warm-up each: page cache, .pyc files
        subprocess.run(args, check=True, capture_output=True)
    for _ in range(pairs):
        for name, args in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name]))
            for name in commands}


# Runs `tracker ARGS` from the checkout given as the first argument, with this interpreter:
# the same way for this checkout and an older one, so the two compare fairly in one run.
# The entry point is tracker.__main__:main since the fast `--help`; tracker.cli:main before.
ENTRY = ("try:\n    from tracker.__main__ import main\n"
         "except ImportError:\n    from tracker.cli import main\n"
         "main()")
FROM_CHECKOUT = "import sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'tracker'\n" + ENTRY
HERE = Path(__file__).resolve().parent.parent.parent


def from_checkout(root: Path, *args: str) -> list[str]:
    """The command running `tracker ARGS` from the source checkout `root`."""
    return [sys.executable, "-c", FROM_CHECKOUT, str(root), *args]


# The same without site's .pth files (-S, then `import site` without running it): the
# editable install's .pth hook (which imports pathlib, importlib.util and more into every
# start of this interpreter, `python -c pass` included) stays out, as in a regular install;
# the checkout and site-packages are put on the path by hand.
WITHOUT_SITE = ("import site, sys; sys.path[:0] = [sys.argv.pop(1), sys.argv.pop(1)]; "
                "sys.argv[0] = 'tracker'\n" + ENTRY)


def editable_install() -> bool:
    """Whether this environment holds tracker as an editable install (a .pth import hook)."""
    import sysconfig

    return any(Path(sysconfig.get_paths()["purelib"]).glob("__editable__*tracker*.pth"))


def without_site(root: Path, *args: str) -> list[str]:
    """`tracker ARGS` from `root` with `python -S` (see WITHOUT_SITE)."""
    import sysconfig

    return [sys.executable, "-S", "-c", WITHOUT_SITE, str(root),
            sysconfig.get_paths()["purelib"], *args]


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
    editable = editable_install()
    if editable:  # also the figures a regular install would see
        commands["bare -S"] = [sys.executable, "-S", "-c", "import site"]
        commands["now -S: --help"] = without_site(HERE, "--help")
        commands["now -S: items --help"] = without_site(HERE, "items", "--help")
        if before is not None:
            commands["before -S: --help"] = without_site(before, "--help")
    load = os.getloadavg()[0]
    medians = alternating_medians(commands)
    bare, bare_cpu = medians.pop("bare")
    bare_s, bare_s_cpu = medians.pop("bare -S", (1.0, 1.0))
    if editable:
        print("this is an editable install: its .pth hook runs in every start of the "
              "interpreter, `-c pass` included; the -S rows leave it out")
    print(f"load average (1 min) before: {load:.1f}")
    print(f"startup ({PAIRS} alternating rounds, medians; baseline {sys.executable} -c pass "
          f"{bare * 1000:.0f} ms wall, {bare_cpu * 1000:.0f} ms CPU)")
    labels = {"help": "tracker --help", "items": "tracker items --help"}
    for name, (seconds, cpu) in medians.items():
        if name == "now -S: --help":
            print(f"python -S -c 'import site' {bare_s * 1000:.0f} ms wall, {bare_s_cpu * 1000:.0f} ms CPU; "
                  "beside it, without site:")
        wall_base, cpu_base = (bare_s, bare_s_cpu) if "-S" in name else (bare, bare_cpu)
        print(f"  {labels.get(name, name)}: {seconds * 1000:.0f} ms wall, ratio "
              f"{seconds / wall_base:.1f}x (goal <= 4x); {cpu * 1000:.0f} ms CPU, ratio "
              f"{cpu / cpu_base:.1f}x")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


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
