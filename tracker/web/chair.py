"""The chair's view `/chair`: overdue items by department, per-department statistics as an
SVG bar chart, and the filled monitoring table (HTML on the page; XLSX, CSV, HTML files)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tracker import export, queries, review
from tracker.errors import NotFound
from tracker.labels import SECRETARIAT_TURN
from tracker.queries import ItemView
from tracker.web import errors
from tracker.web.context import record_id, web
from tracker.web.rendering import page
from tracker.web.sessions import ConsoleUser, viewer

router = APIRouter()
Viewer = Annotated[ConsoleUser, Depends(viewer)]
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "hwpx": "application/hwp+zip",
}
# The exported HTML file carries its own <style>; it runs no script and loads nothing.
EXPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart, in SVG user units."""

    label: str
    value_text: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: title, bars, and the drawing's size.

    Each label sits on its own line above its bar, so the drawing is narrow (340 units) and
    shown about 1:1 on a 390 px phone: 14-unit text stays at least 12 px tall there.
    """

    title: str
    bars: list[Bar]
    height: int
    width: int = 340
    bar_area: int = 240
    row: int = 46
    bar_height: int = 18
    font_size: int = 14


def bar_chart(title: str, rows: list[tuple[str, float | None, str]], top: float) -> BarChart:
    """A chart of (label, value, value text) rows scaled so `top` fills the bar area. Pure."""
    chart = BarChart(title, [], 0)
    bars = [
        Bar(label, text, 22 + i * chart.row,
            0.0 if value is None or top <= 0 else round(chart.bar_area * min(value / top, 1), 1))
        for i, (label, value, text) in enumerate(rows)
    ]
    return BarChart(title, bars, 10 + len(bars) * chart.row)


def charts(stats: list[review.DepartmentStats]) -> list[BarChart]:
    """The response-rate chart and the median-days chart of the statistics."""
    rate = bar_chart("부서별 회신율", [
        (s.department, s.rate, f"{s.rate:.0%} ({s.answered}/{s.requested})") for s in stats
    ], 1.0)
    longest = max((s.median_days or 0 for s in stats), default=0)
    days = bar_chart("부서별 회신까지 걸린 날 (중앙값)", [
        (s.department, s.median_days, "-" if s.median_days is None else f"{s.median_days}일")
        for s in stats
    ], longest)
    return [rate, days]


def whose_turn(views: list[ItemView]) -> tuple[list[ItemView], list[ItemView]]:
    """The overdue list split by whose turn it is: the department's (회신 대기: not yet
    answered, or returned) and the secretariat's (검토 대기: answered, not reviewed). Pure."""
    secretariat = {s.value for s in SECRETARIAT_TURN}
    return ([v for v in views if v.status not in secretariat],
            [v for v in views if v.status in secretariat])


def by_department(views: list[ItemView]) -> list[tuple[str, list[ItemView]]]:
    """The overdue list cut into runs of one department, order kept. Pure."""
    groups: list[tuple[str, list[ItemView]]] = []
    for view in views:
        name = view.department or "(부서 없음)"
        if not groups or groups[-1][0] != name:
            groups.append((name, []))
        groups[-1][1].append(view)
    return groups


@router.get("/chair")
def chair(request: Request, user: Viewer, meeting: str = "") -> Response:
    """Overdue items, statistics and the filled table of one meeting (default: the latest)."""
    context = web(request)
    meeting_id = record_id(meeting)
    with context.database.reading() as session:
        late = queries.overdue(session, context.today())
        reminders = review.reminders(session, [v.id for v in late])
        stats = review.department_stats(session)
        meetings = review.meetings(session)
        try:
            table: export.FilledTable | None = export.build_table(session, meeting_id)
        except NotFound:
            table = None
    waiting, reviewing = whose_turn(late)
    return page(context.env, "chair.html", user=user, groups=by_department(waiting),
                reviewing=reviewing,
                reminders=reminders, stats=stats, charts=charts(stats), table=table,
                meetings=meetings, meeting=meeting_id, today=context.today(),
                title="분과장 보기")


@router.get("/chair/export.{fmt}")
def download(request: Request, fmt: str, user: Viewer, meeting: str = "") -> Response:
    """The filled table as a file: xlsx, csv or html."""
    context = web(request)
    if fmt not in MEDIA_TYPES:
        return errors.not_found(context.env)
    meeting_id = record_id(meeting)
    with context.database.reading() as session:
        table = export.build_table(session, meeting_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"table.{fmt}"
        export.write(table, path, fmt)
        content = path.read_bytes()
    name = f"총괄평가-{table.title}.{fmt}"
    # The HTML export opens in the browser as a print view; the others are downloads.
    disposition = "inline" if fmt == "html" else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename=\"table.{fmt}\"; "
                                      f"filename*=UTF-8''{quote(name)}"}
    if fmt == "html":
        headers["Content-Security-Policy"] = EXPORT_CSP
    return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)
