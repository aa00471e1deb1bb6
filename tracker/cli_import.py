"""The import command of `tracker`: minutes into items.

Loaded by the root group (tracker/cli.py) when the command runs or its help is shown.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from tracker import cli_params as params
from tracker.cli_app import App, creates_database, pass_app


@click.command("import")
@click.argument("file", type=params.File())
@click.option("--dry-run", is_flag=True, help="저장하지 않고 무엇이 만들어질지 보여 줍니다.")
@click.option("--committee", help="파일에 분과(위원회) 이름이 없을 때")
@click.option("--meeting-date", type=params.DAY,
              help="파일에 회의 날짜가 없을 때, YYYY-MM-DD")
@click.option("--department", help="표에 담당부서 열이 없을 때 (감사 후속조치 표 등) 답할 부서")
@click.option("--format", "fmt", type=params.Choice(["table", "json"]), default="table",
              show_default=True, help="미리보기 출력 형식")
@pass_app
@creates_database
def import_(app: App, file: Path, dry_run: bool, committee: str | None,
            meeting_date: datetime | None, department: str | None, fmt: str) -> None:
    """회의록·후속조치 표(붙여넣은 텍스트, CSV, XLSX, HWPX, HWP)를 가져옵니다.

    같은 파일을 다시 가져와도 중복되지 않습니다. 잘못된 파일은 아무것도 저장하지 않습니다.
    """
    from tracker import preview_text
    from tracker.importer import (
        ImportOptions,
        import_in_batches,
        import_preview,
        preview,
        read_document,
    )

    options = ImportOptions(committee, meeting_date.date() if meeting_date else None,
                            department, app.settings.default_due_days)
    plan = preview(read_document(file), options)
    if fmt == "json":
        if not dry_run:
            import_in_batches(app.database, plan)
        click.echo(preview_text.as_json(plan))
        return
    if dry_run:
        with app.database.rollback_only() as session:
            report = import_preview(session, plan)
    else:
        report = import_in_batches(app.database, plan)
    for line in preview_text.lines(plan, report, dry_run=dry_run):
        click.echo(line)
