"""The `tracker` command: one click group; each command's docstring is its --help.

Commands call the service modules (importer, queries, workflow, contacts,
export) and print; they issue no SQL of their own. A user mistake is a
UserError: one line on stderr, exit code 1, no traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from tracker.config import Settings, load_settings
from tracker.errors import UserError

if TYPE_CHECKING:  # SQLAlchemy loads only when a command needs the database: --help stays fast
    from sqlalchemy.orm import Session

OUTPUT_FORMATS = click.Choice(["table", "csv", "json"])


class UserFacingError(click.ClickException):
    """A UserError shown the Korean way: "오류: …" on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:  # noqa: D102 - click's signature
        click.echo(f"오류: {self.message}", err=True)


class TrackerGroup(click.Group):
    """A click group that turns UserError into a one-line message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise UserFacingError(str(exc)) from None


class App:
    """What every command needs: the settings and, opened on first use, the database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._database: Any = None

    @property
    def database(self) -> Any:
        """The configured database, schema brought up to date on first use."""
        if self._database is None:
            from tracker.database import open_database

            self._database = open_database(self.settings.database_url)
        return self._database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction, committed at the end of the block."""
        with self.database.transaction() as session:
            yield session

    def today(self) -> date:
        """Today's date in the configured time zone."""
        return datetime.now(ZoneInfo(self.settings.timezone)).date()


pass_app = click.make_pass_decorator(App)


@click.group(cls=TrackerGroup)
@click.option("--db", "database_url", metavar="URL|PATH", envvar="TRACKER_DATABASE_URL",
              help="데이터베이스 (기본: ./tracker.db, 또는 TRACKER_DATABASE_URL)")
@click.version_option(package_name="tracker")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """분과 모니터링 의견의 후속조치를 추적합니다.

    회의록을 가져오고(import), 의견별 기한과 담당자를 관리하고, 미회신 목록(overdue)과
    채워진 총괄평가표(export)를 만듭니다.
    """
    try:
        settings = load_settings()
    except UserError as exc:
        raise UserFacingError(str(exc)) from None
    if database_url:
        from dataclasses import replace

        settings = replace(settings, database_url=database_url)
    ctx.obj = App(settings)


@cli.command()
@pass_app
def init(app: App) -> None:
    """데이터베이스를 만들거나 최신 구조로 올립니다."""
    app.database  # noqa: B018 - opening it applies the migrations
    click.echo(f"데이터베이스 준비됨: {app.settings.database_url}")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="저장하지 않고 무엇이 만들어질지 보여 줍니다.")
@click.option("--committee", help="파일에 분과(위원회) 이름이 없을 때")
@click.option("--meeting-date", type=click.DateTime(["%Y-%m-%d"]),
              help="파일에 회의 날짜가 없을 때, YYYY-MM-DD")
@click.option("--department", help="표에 담당부서 열이 없을 때 (감사 후속조치 표 등) 답할 부서")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="미리보기 출력 형식")
@pass_app
def import_(app: App, file: Path, dry_run: bool, committee: str | None,
            meeting_date: datetime | None, department: str | None, fmt: str) -> None:
    """회의록·후속조치 표(붙여넣은 텍스트, CSV, XLSX, HWPX, HWP)를 가져옵니다.

    같은 파일을 다시 가져와도 중복되지 않습니다. 잘못된 파일은 아무것도 저장하지 않습니다.
    """
    from tracker import preview_text
    from tracker.importer import ImportOptions, import_preview, preview, read_document

    options = ImportOptions(committee, meeting_date.date() if meeting_date else None,
                            department, app.settings.default_due_days)
    plan = preview(read_document(file), options)
    if fmt == "json":
        if not dry_run:
            with app.transaction() as session:
                import_preview(session, plan)
        click.echo(preview_text.as_json(plan))
        return
    scope = app.database.rollback_only() if dry_run else app.transaction()
    with scope as session:
        report = import_preview(session, plan)
    for line in preview_text.lines(plan, report, dry_run=dry_run):
        click.echo(line)


def _format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--format", "fmt", type=OUTPUT_FORMATS, default="table",
                        show_default=True, help="출력 형식")(func)


@cli.command()
@click.option("--department", help="부서 이름")
@click.option("--status", help="상태: new, requested, answered, returned, accepted")
@click.option("--overdue", is_flag=True, help="기한이 지난 미완료 의견만")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="기준일 (기본: 오늘)")
@click.option("--meeting", "meeting_id", type=int, help="회의 번호")
@_format_option
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


@cli.command()
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="기준일 (기본: 오늘)")
@_format_option
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


@cli.group()
def item() -> None:
    """의견 하나를 보거나 고칩니다."""


@item.command("show")
@click.argument("item_id", type=int)
@pass_app
def item_show(app: App, item_id: int) -> None:
    """의견 하나의 내용, 회신, 변경 이력을 보여 줍니다."""
    from tracker import audit, queries

    with app.transaction() as session:
        record = queries.get_item(session, item_id)
        shown = queries.view(record)
        responses = [(r.revision, r.text, r.submitted, r.accepted_at) for r in record.responses]
        history = [(e.at, e.actor, e.action, e.detail) for e in audit.history(session, item_id)]
    from tracker import terminal

    terminal.show_item(shown, responses, history)


@item.command("update")
@click.argument("item_id", type=int)
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), help="새 기한 YYYY-MM-DD")
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


@cli.group()
def contacts() -> None:
    """부서 담당자(이름, 이메일)를 관리합니다."""


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def contacts_import(app: App, file: Path) -> None:
    """CSV(department, team, name, email 또는 부서, 팀, 이름, 이메일)에서 담당자를 가져옵니다."""
    from tracker.contacts import import_contacts

    with app.transaction() as session:
        created, updated = import_contacts(session, file)
    click.echo(f"담당자 {created}명 추가, {updated}명 갱신")


@contacts.command("add")
@click.option("--department", required=True, help="부서")
@click.option("--name", required=True, help="이름")
@click.option("--email", required=True, help="이메일")
@click.option("--team", help="팀")
@pass_app
def contacts_add(app: App, department: str, name: str, email: str, team: str | None) -> None:
    """담당자를 추가하거나 이메일을 바꿉니다."""
    from tracker.contacts import add_contact, check_email

    with app.transaction() as session:
        _, created = add_contact(session, department, name, check_email(email, "--email"), team)
    click.echo(f"{department}/{name} <{email}> {'추가' if created else '갱신'}")


@contacts.command("list")
@_format_option
@pass_app
def contacts_list(app: App, fmt: str) -> None:
    """담당자 목록."""
    from dataclasses import asdict

    from tracker.contacts import list_contacts

    with app.transaction() as session:
        rows = [asdict(r) for r in list_contacts(session)]
    from tracker import terminal

    terminal.print_records(rows, fmt, terminal.CONTACT_COLUMNS, title="담당자")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "html", "hwpx"]), required=True,
              help="파일 형식")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="저장할 파일")
@click.option("--meeting", "meeting_id", type=int, help="회의 번호 (기본: 가장 최근 회의)")
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tracker")


# The mail and web commands live in their own modules and register on `cli` when imported.
from tracker import cli_mail, cli_ops, cli_web  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    main()
