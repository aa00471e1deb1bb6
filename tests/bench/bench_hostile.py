"""Hostile files: how long reading takes to refuse them, and the peak memory it needs.

Run: python -m tests.bench.bench_hostile   (from the checkout, with the project installed)

Each file is read by `tracker.readers.read_document` in a fresh process (so the peak RSS
is that read's own); the baselines are the same process reading the real minutes as HWPX
and as pasted text, and a process that only imports the readers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.common import machine
from tests.test_guards import MINUTES_HWPX, rewrite_part, sheet_xml, small_xlsx
from tracker.readers.limits import MAX_XML_PART_BYTES

SAMPLE = Path(__file__).parent.parent / "data" / "2022-01-15-jobs-subcommittee-minutes.txt"
RUNS = 3

READ = """
import json, sys, time
from pathlib import Path
from tracker.errors import UserError
from tracker.readers import read_document
import tracker.hwpdoc, tracker.readers.sheets, tracker.readers.text
start = time.perf_counter()
outcome = "imported only"
if sys.argv[1] != "-":
    try:
        document = read_document(Path(sys.argv[1]))
        outcome = f"read: {sum(1 for _ in document.tables())} tables"
    except UserError as exc:
        outcome = "refused: " + str(exc)[:70]
seconds = time.perf_counter() - start
# VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec)
status = Path("/proc/self/status").read_text()
peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "outcome": outcome}))
"""


def files(folder: Path) -> dict[str, str]:
    """The files to read, by label ("-" reads nothing: the import-only baseline)."""
    xlsx = small_xlsx(folder / "small.xlsx")
    section = "Contents/section0.xml"
    return {
        "baseline: import only": "-",
        "baseline: minutes .txt (142 lines)": str(SAMPLE),
        "baseline: minutes .hwpx (2 tables)": str(MINUTES_HWPX),
        "XLSX merging A1:XFD1048576": str(rewrite_part(
            xlsx, folder / "merge.xlsx", "xl/worksheets/sheet1.xml",
            lambda t: sheet_xml(t, merge="A1:XFD1048576"))),
        "XLSX value at XFD1048576": str(rewrite_part(
            xlsx, folder / "far.xlsx", "xl/worksheets/sheet1.xml",
            lambda t: sheet_xml(t, cell=("XFD", "1048576")))),
        "XLSX dimension A1:XFD1048576 (read)": str(rewrite_part(
            xlsx, folder / "dimension.xlsx", "xl/worksheets/sheet1.xml",
            lambda t: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', t))),
        'HWPX rowCnt="200000"': str(rewrite_part(
            MINUTES_HWPX, folder / "rows.hwpx", section,
            lambda t: re.sub(r'rowCnt="\d+"', 'rowCnt="200000"', t, count=1))),
        'HWPX colSpan="100000"': str(rewrite_part(
            MINUTES_HWPX, folder / "span.hwpx", section,
            lambda t: re.sub(r'colSpan="\d+"', 'colSpan="100000"', t, count=1))),
        "HWPX section inflating to 64 MB": str(rewrite_part(
            MINUTES_HWPX, folder / "bomb.hwpx", section,
            lambda t: t.replace("?>", "?>" + " " * (MAX_XML_PART_BYTES + 1), 1))),
    }


def measure(path: str) -> dict[str, object]:
    """The best of RUNS fresh processes (time) with its peak RSS and outcome."""
    results = []
    for _ in range(RUNS):
        done = subprocess.run([sys.executable, "-c", READ, path], capture_output=True,
                              text=True, check=True)
        results.append(json.loads(done.stdout))
    return min(results, key=lambda r: float(r["seconds"]))


def main() -> None:
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        cases = files(Path(folder))
        sizes = {label: (Path(p).stat().st_size if p != "-" else 0) for label, p in cases.items()}
        print("| file | size | read time | peak RSS | outcome |\n|---|---|---|---|---|")
        for label, path in cases.items():
            result = measure(path)
            print(f"| {label} | {sizes[label] / 1024:,.1f} KB | {float(result['seconds']) * 1000:,.0f} ms "
                  f"| {float(result['peak_mb']):,.0f} MB | {result['outcome']} |")


if __name__ == "__main__":
    main()
