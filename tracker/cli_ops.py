"""The operations commands of `tracker`: init, status.

Loaded by the root group (tracker/cli.py) when a command runs or its help is shown;
SQLAlchemy loads only inside the commands.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from tracker import cli_params as params
from tracker.cli_app import App, creates_database, missing_sqlite_file, pass_app
from tracker.errors import UserError

if TYPE_CHECKING:
    from tracker.status import Status

LEVEL_LABELS = {"ok": "정상", "warn": "주의", "fail": "장애"}


@click.command()
@pass_app
@creates_database
def init(app: App) -> None:
    """데이터베이스를 만들거나 최신 구조로 올립니다."""
    app.database  # noqa: B018 - opening it applies the migrations
    from tracker.database import safe_url

    click.echo(f"데이터베이스 준비됨: {safe_url(app.settings.database_url)}")


@click.command()
@click.option("--format", "fmt", type=params.Choice(["table", "json"]), default="table",
              show_default=True, help="출력 형식")
@pass_app
def status(app: App, fmt: str) -> None:
    """데이터베이스, 독촉 점검(sweep), 메일 대기열의 상태를 보여 줍니다.

    종료 코드: 0 정상 또는 주의, 3 장애 (데이터베이스에 연결할 수 없거나 마지막 독촉 점검이
    15분보다 오래됨). 모니터링 도구나 cron에서 그대로 쓸 수 있습니다.
    """
    report = read_status(app.settings.database_url)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_table(report)
    raise SystemExit(report.exit_code)


def read_status(url: str) -> Status:
    """system_status of the database at `url`, opened without migrating it (it connects on
    the first query, so an unreachable server is reported, not raised)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tracker.clock import utc_now as utc_clock
    from tracker.database import open_database
    from tracker.status import system_status, unreachable

    if missing_sqlite_file(url) is not None:
        return unreachable("sqlite", utc_clock(), "파일 없음")
    try:
        database = open_database(url, upgrade=False)
    except SQLAlchemyError as exc:
        raise UserError(f"데이터베이스 주소를 읽을 수 없습니다: {type(exc).__name__}") from None
    try:
        with database.reading() as session:
            return system_status(session, utc_clock())
    except SQLAlchemyError as exc:
        return unreachable(database.engine.dialect.name, utc_clock(), type(exc).__name__)
    finally:
        database.engine.dispose()


def print_table(report: Status) -> None:
    """The status as a few readable lines."""
    backlog = report.backlog
    reachable = "연결됨" if report.database_reachable else "연결 안 됨"
    sweep = ("기록 없음" if report.sweep_age_seconds is None
             else f"{report.sweep_age_seconds // 60}분 {report.sweep_age_seconds % 60}초 전")
    oldest = ("-" if backlog.oldest_pending_seconds is None
              else f"{backlog.oldest_pending_seconds // 60}분")
    click.echo(f"상태:          {LEVEL_LABELS[report.overall]} ({report.overall})")
    click.echo(f"데이터베이스:  {report.database_kind}, {reachable}")
    click.echo(f"마지막 독촉 점검: {sweep}")
    click.echo(f"메일 대기열:   대기 {backlog.pending}통 (가장 오래된 것 {oldest}), "
               f"기한 지난 발송 중 {backlog.expired_leases}통, "
               f"최근 7일 실패 {backlog.failed_recently}통")
    for reason in report.reasons:
        click.echo(f"  - {reason}")
