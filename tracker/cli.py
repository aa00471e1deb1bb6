"""The `tracker` command: one root group and the map of its commands.

Each command is defined in its own module (tracker/cli_*.py) and added to the group here, in
COMMANDS, the one place that names them. A module is imported only when its command runs or
its help is shown (click's "lazy group" pattern), so `tracker --help` imports click and this
file, not SQLAlchemy, the web or the mail stack. The command modules import tracker.cli_app,
never this file: the arrows point one way.

A user mistake (a UserError, a bad or missing value) is one Korean line on stderr, "오류: …",
and exit code 1; an unknown command or option exits 2 (tracker/cli_korean.py). No traceback.
"""

from __future__ import annotations

from typing import Any

import click

from tracker.cli_korean import Interrupted, KoreanContext, KoreanError, make_korean, translate
from tracker.cli_korean import unknown_command as unknown_command_error
from tracker.errors import UserError

# name -> ("module:attribute", short help). The short help is what `tracker --help` shows
# without importing the module; it is the first sentence of the command's docstring
# (tests/test_cli_structure.py checks that the two agree). Listed in `--help` in this order.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("tracker.cli_ops:init", "데이터베이스를 만들거나 최신 구조로 올립니다."),
    "import": ("tracker.cli_import:import_",
               "회의록·후속조치 표(붙여넣은 텍스트, CSV, XLSX, HWPX, HWP)를 가져옵니다."),
    "contacts": ("tracker.cli_contacts:contacts", "부서 담당자(이름, 이메일)를 관리합니다."),
    "items": ("tracker.cli_items:items", "의견 목록을 보여 줍니다."),
    "item": ("tracker.cli_items:item", "의견 하나를 보거나 고칩니다."),
    "overdue": ("tracker.cli_items:overdue",
                "기한이 지났는데 완료되지 않은 의견 (분과장용), 부서별로 오래된 순서."),
    "export": ("tracker.cli_items:export", "후속조치가 채워진 총괄평가표를 내보냅니다."),
    "send": ("tracker.cli_mail:send",
             "아직 요청하지 않은 의견의 회신 요청 메일을 담당자별로 한 통씩 보냅니다."),
    "remind": ("tracker.cli_mail:remind",
               "기한 안내·독촉 메일을 지금 한 번 계산해 대기열에 넣고 보냅니다."),
    "outbox": ("tracker.cli_mail:outbox", "보낼 메일 대기열(outbox)을 봅니다."),
    "worker": ("tracker.cli_mail:worker",
               "기한 안내(5분마다), 메일 발송(30초마다), 주간 요약(월 09:00)을 계속 실행합니다. 웹 없이."),
    "inbound": ("tracker.cli_inbound:inbound",
                "메일 회신을 받습니다: 표준 입력의 메일 한 통(기본), IMAP 메일함(--imap), LMTP(--lmtp)."),
    "mailcatcher": ("tracker.cli_mail:mailcatcher",
                    "개발용 메일 서버: 받은 메일을 보내지 않고 폴더에 .eml 파일로 저장합니다."),
    "serve": ("tracker.cli_web:serve",
              "웹 화면(회신 링크, 사무국 콘솔, 분과장 보기)을 띄웁니다."),
    "user": ("tracker.cli_web:user", "콘솔 사용자(사무국, 분과장, 관리자)를 관리합니다."),
    "status": ("tracker.cli_ops:status",
               "데이터베이스, 독촉 점검(sweep), 메일 대기열의 상태를 보여 줍니다."),
    "demo": ("tracker.cli_web:demo",
             "예제 회의록과 가짜 메일 서버로 전체 흐름을 바로 띄워 봅니다 (설정 불필요)."),
}


class TrackerGroup(click.Group):
    """The root group: commands loaded from COMMANDS on first use; every mistake, ours or
    click's, as one Korean line with our exit code; Korean help screens."""

    context_class = KoreanContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, in the order of COMMANDS."""
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command `cmd_name`, importing its module the first time it is asked for."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(make_korean(load_command(cmd_name)), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `tracker --help`, from COMMANDS: no command module is imported."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._listed(name).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):  # the Korean formatter titles it 명령
            formatter.write_dl(rows)

    def _listed(self, name: str) -> click.Command:
        # A loaded (or directly added) command as it is; else a stand-in with the map's help.
        if name in self.commands:
            return self.commands[name]
        return click.Command(name, help=COMMANDS[name][1])

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        """The command named by args[0]; an unknown name is refused with the nearest names."""
        name = args[0]
        if not name.startswith("-") and self.get_command(ctx, name) is None:
            raise unknown_command_error(name, self.list_commands(ctx), ctx)
        return super().resolve_command(ctx, args)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        """The root context; a mistake in the root's own options (`--db` without a value, an
        unknown option) is refused in Korean like any other."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            raise translate(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a UserError or one of click's refusals becomes one Korean line."""
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise KoreanError(exc.for_terminal()) from None
        except click.ClickException as exc:
            raise translate(exc) from None
        except (click.Abort, KeyboardInterrupt):
            raise Interrupted() from None


def load_command(name: str) -> click.Command:
    """Import the module of command `name` (from COMMANDS) and return the command it defines."""
    from importlib import import_module

    module_name, attribute = COMMANDS[name][0].split(":")
    command = getattr(import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{COMMANDS[name][0]} is not a click command")
    return command


@click.group("tracker", cls=TrackerGroup)
@click.option("--db", "database_url", metavar="URL|PATH", envvar="TRACKER_DATABASE_URL",
              help="데이터베이스 (기본: ./tracker.db, 또는 TRACKER_DATABASE_URL)")
@click.version_option(package_name="tracker", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """분과 모니터링 의견의 후속조치를 추적합니다.

    회의록을 가져오고(import), 의견별 기한과 담당자를 관리하고, 미회신 목록(overdue)과
    채워진 총괄평가표(export)를 만듭니다.
    """
    from tracker.cli_app import App
    from tracker.config import load_settings

    settings = load_settings()  # a UserError here is shown by TrackerGroup.invoke
    if database_url:
        from dataclasses import replace

        settings = replace(settings, database_url=database_url)
    ctx.obj = App(settings)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tracker")


if __name__ == "__main__":  # pragma: no cover
    main()
