"""The item commands of `tracker`: items, overdue, item show/update, export.

Loaded by the root group (tracker/cli.py) when a command runs or its help is shown. They call
the service modules (queries, workflow, audit, export) and print; no SQL here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tracker import cli_params as params
from tracker.cli_app import App, format_option, pass_app
from tracker.errors import UserError


@click.command()
@click.option("--department", help="부서 이름")
@click.option("--status", help="상태: new, requested, answered, returned, accepted")
@click.option("--overdue", is_flag=True, help="기한이 지난 미완료 의견만")
@click.option("--as-of", type=params.DAY, help="기준일 (기본: 오늘)")
@click.option("--meeting", "meeting_id", type=params.INTEGER, help="회의 번호")
@format_option
@pass_app
def items(app: App, department: str | None, status: str | None, overdue: bool,
          as_of: datetime | None, meeting_id: int | None, fmt: str) -> None:
    """의견 목록을 보여 줍니다."""
    from tracker import queries

    day = as_of.date() if as_of else app.today()
    with app.transaction() as session:
        views = queries.list_items(session, department=department, status=status,
                                   meeting_id=meeting_id, overdue_as_of=day if overdue else None)
    _print_items(views, fmt, with_overdue=overdue)


@click.command()
@click.option("--as-of", type=params.DAY, help="기준일 (기본: 오늘)")
@format_option
@pass_app
def overdue(app: App, as_of: datetime | None, fmt: str) -> None:
    """기한이 지났는데 완료되지 않은 의견 (분과장용), 부서별로 오래된 순서."""
    from tracker import queries

    day = as_of.date() if as_of else app.today()
    with app.transaction() as session:
        views = queries.overdue(session, day)
    if fmt == "table" and not views:
        click.echo(f"{day.isoformat()} 기준 기한이 지난 의견이 없습니다.")
        return
    _print_items(views, fmt, with_overdue=True, title=f"{day.isoformat()} 기준 기한 경과 의견")


@click.group()
def item() -> None:
    """의견 하나를 보거나 고칩니다."""


@item.command("show")
@click.argument("item_id", type=params.INTEGER)
@pass_app
def item_show(app: App, item_id: int) -> None:
    """의견 하나의 내용, 회신, 변경 이력을 보여 줍니다."""
    from tracker import queries, review, terminal

    with app.transaction() as session:
        shown = queries.view(queries.get_item(session, item_id))
        revisions = review.item_revisions(session, item_id)  # submitted only: drafts stay private
        history = review.item_history(session, item_id)
    terminal.show_item(shown, revisions, history, app.settings.timezone)


@item.command("update")
@click.argument("item_id", type=params.INTEGER)
@click.option("--due", type=params.DAY, help="새 기한 YYYY-MM-DD")
@click.option("--contact", help="담당자 이름 (또는 '부서/이름')")
@click.option("--needs-reply/--no-reply", default=None, help="회신이 필요한 의견인지")
@pass_app
def item_update(app: App, item_id: int, due: datetime | None, contact: str | None,
                needs_reply: bool | None) -> None:
    """의견의 기한, 담당자, 회신 필요 여부를 바꿉니다."""
    from tracker import queries, workflow

    if due is None and contact is None and needs_reply is None:
        raise UserError("바꿀 것을 하나 이상 주세요: --due, --contact, --needs-reply/--no-reply")
    with app.transaction() as session:
        if due is not None:
            workflow.set_due_date(session, item_id, due.date(), actor="cli")
        if contact is not None:
            workflow.set_contact(session, item_id, contact, actor="cli")
        if needs_reply is not None:
            workflow.set_needs_reply(session, item_id, needs_reply, actor="cli")
        shown = queries.view(queries.get_item(session, item_id))
    reply = "회신 필요" if shown.needs_reply else "회신 불필요"
    click.echo(f"의견 {shown.id}: 기한 {shown.due}, 담당 {shown.contact or '-'}, {reply}")


@click.command()
@click.option("--format", "fmt", type=params.Choice(["xlsx", "csv", "html", "hwpx"]), required=True,
              help="파일 형식")
@click.option("-o", "--output", type=params.File(must_exist=False), required=True,
              help="저장할 파일")
@click.option("--meeting", "meeting_id", type=params.INTEGER, help="회의 번호 (기본: 가장 최근 회의)")
@pass_app
def export(app: App, fmt: str, output: Path, meeting_id: int | None) -> None:
    """후속조치가 채워진 총괄평가표를 내보냅니다."""
    from tracker import export as exporter

    with app.transaction() as session:
        table = exporter.build_table(session, meeting_id)
    try:
        exporter.write(table, output, fmt)
    except OSError as exc:
        raise UserError(f"{output}에 쓸 수 없습니다: {exc.strerror}") from None
    click.echo(f"{output} 저장 ({len(table.rows)}행)")


def _print_items(views: list[Any], fmt: str, *, with_overdue: bool, title: str = "의견") -> None:
    from tracker import terminal

    records = [v.as_json(with_overdue=with_overdue) for v in views]
    columns = terminal.OVERDUE_COLUMNS if with_overdue else terminal.ITEM_COLUMNS
    terminal.print_records(records, fmt, columns, title=title)
