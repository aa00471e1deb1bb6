"""Benchmark (not a test): peak RSS (`/usr/bin/time -v`) of tracker commands, beside
`tracker --help` measured in the same run.

- `tracker send` delivering 1,000 and 10,000 queued messages to Postfix smtp-sink (or the
  aiosmtpd sink when Postfix is not installed), TRACKER_SMTP_HOST/PORT pointing at it;
- `tracker remind` (a sweep enqueuing 10,000 due items' reminders, then sending them) over
  100k and 1M generated items;
- `tracker import` of a generated 10,000-row table.

Run from the project root: /work/venv/bin/python -m tests.bench.bench_memory [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench import bench_outbox, sweep_data
from tests.bench.common import machine, write_table_csv
from tests.smtp_server import free_port
from tracker.database import open_database

TIME = "/usr/bin/time"


def tracker_path() -> str:
    """The tracker script of this environment."""
    beside = Path(sys.executable).parent / "tracker"
    found = str(beside) if beside.exists() else shutil.which("tracker")
    if found is None:
        sys.exit("tracker is not installed")
    return found


def peak_mb(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Peak RSS in MB and wall seconds of running `args` under /usr/bin/time -v."""
    done = subprocess.run([TIME, "-v", *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed: {done.stderr[-2000:]}")
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    assert wall is not None
    hours, minutes, seconds = wall.groups()
    return kb / 1024, int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def queued(path: Path, n: int) -> str:
    """A migrated SQLite database at `path` with `n` ~2 KB messages in the outbox."""
    url = f"sqlite:///{path}"
    database = open_database(url)
    bench_outbox.enqueue_all(database, n, lambda d: bench_outbox.build(d, bench_outbox.NOW))
    database.engine.dispose()
    return url


def items(path: Path, n: int) -> str:
    """A migrated SQLite database at `path` with `n` items, 10,000 of them due."""
    url = f"sqlite:///{path}"
    database = open_database(url)
    sweep_data.populate(database.engine, n)
    sweep_data.make_due(database.engine, 10_000)
    database.engine.dispose()
    return url


def report(label: str, mb: float, seconds: float, base: float) -> None:
    """One result line."""
    print(f"{label:<44} peak RSS {mb:6.1f} MB ({mb - base:+6.1f} MB over --help), {seconds:6.1f} s")


def main() -> None:
    """Every command, with --help first as the baseline."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--messages", default="1000,10000")
    args = parser.parse_args()
    tracker, port = tracker_path(), free_port()
    print(f"machine: {machine()}")
    postfix = shutil.which(bench_outbox.SMTP_SINK) is not None
    sink = (bench_outbox.start_smtp_sink if postfix else bench_outbox.start_aiosmtpd)(port)
    env = dict(os.environ, TRACKER_SMTP_HOST="127.0.0.1", TRACKER_SMTP_PORT=str(port),
               TRACKER_MAIL_FROM=bench_outbox.FROM, TRACKER_BASE_URL="https://tracker.example.org/")
    try:
        base, seconds = peak_mb([tracker, "--help"], env)
        report("tracker --help (baseline)", base, seconds, base)
        with tempfile.TemporaryDirectory() as tmp:
            run_all(Path(tmp), tracker, env, base, args)
    finally:
        bench_outbox.stop(sink)
    print(f"sink: {'Postfix smtp-sink' if postfix else 'aiosmtpd Sink'}")


def run_all(workdir: Path, tracker: str, env: dict[str, str], base: float,
            args: argparse.Namespace) -> None:
    """send, remind and import, each on its own database."""
    for n in (int(s) for s in args.messages.split(",")):
        url = queued(workdir / f"send{n}.db", n)
        mb, seconds = peak_mb([tracker, "--db", url, "send"], env)
        report(f"tracker send, {n:,} queued messages", mb, seconds, base)
    for n in (int(s) for s in args.sizes.split(",")):
        url = items(workdir / f"remind{n}.db", n)
        mb, seconds = peak_mb([tracker, "--db", url, "remind", "--as-of", "2024-06-12T10:00"], env)
        report(f"tracker remind, {n:,} items (10,000 due)", mb, seconds, base)
        (workdir / f"remind{n}.db").unlink()
    table = workdir / "table.csv"
    write_table_csv(table, 10_000)
    mb, seconds = peak_mb([tracker, "--db", f"sqlite:///{workdir / 'import.db'}", "import",
                           str(table)], env)
    report("tracker import, 10,000-row table", mb, seconds, base)


if __name__ == "__main__":
    main()
