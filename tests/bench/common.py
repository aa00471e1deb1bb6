"""Helpers shared by the benchmarks: timing, generated data, the machine's description."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def machine() -> str:
    """One line naming the machine: CPU model, cores, memory, Python."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def median_seconds(run: Callable[[], object], repeat: int = 5) -> float:
    """The median wall-clock time of `repeat` calls of `run`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command_seconds(args: list[str], repeat: int = 7, env: dict[str, str] | None = None) -> float:
    """The median wall-clock time of running `args` as a process."""
    return median_seconds(
        lambda: subprocess.run(args, check=True, capture_output=True, env=env), repeat
    )


def write_table_csv(path: Path, rows: int) -> None:
    """A monitoring table of `rows` programs (two opinions each) with the meeting's facts on top."""
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["2024년 3차 일자리분과 회의록"])
        writer.writerow(["일 시", "2024년 5월 14일(화) 15:00 ~ 17:00"])
        writer.writerow(["차기회의 일시", "2024. 6. 18. 15:00"])
        writer.writerow(["2023년도 시행계획 총괄평가"])
        writer.writerow(["연번", "사업번호", "중점추진사업", "구분", "세부사업명", "담당부서", "담당팀",
                         "담당자", "실무분과 모니터링 의견", "사업부서 의견(후속조치)"])
        for n in range(rows):
            strategy, number = divmod(n, 1000)
            writer.writerow([
                n + 1, f"{strategy + 1}-{number + 1}", "중점" if n % 7 == 0 else "-", "지속",
                f"일자리 지원 사업 {n + 1}", f"부서{n % 40}", f"팀{n % 120}", f"담당{n % 300}",
                f"- 참여자 수를 2024년 {n % 12 + 1}월까지 보고해 줄 것을 요청함. "
                "- 예산 확보 노력이 필요함.",
                "",
            ])
