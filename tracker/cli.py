"""The `tracker` command: one root group and the map of its commands.

Each command is defined in its own module (tracker/cli_*.py) and added to the group here from
tracker.cli_commands.COMMANDS, the one place that names them. A module is imported only when its
command runs or its help is shown (click's "lazy group" pattern), so `tracker items --help`
imports click, this file and tracker/cli_items.py, not SQLAlchemy, the web or the mail
stack; `tracker --help` alone does not even import click (tracker/__main__.py). The command
modules import tracker.cli_app, never this file: the arrows point one way.

A user mistake (a UserError, a bad or missing value) is one Korean line on stderr, "오류: …",
and exit code 1; an unknown command or option exits 2 (tracker/cli_korean.py). No traceback.
"""

from __future__ import annotations

from typing import Any

import click

from tracker.cli_commands import COMMANDS, DATABASE_HELP, DESCRIPTION, root_help
from tracker.cli_korean import Interrupted, KoreanContext, KoreanError, make_korean, translate
from tracker.cli_korean import unknown_command as unknown_command_error
from tracker.errors import UserError


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

    def get_help(self, ctx: click.Context) -> str:
        """The root help screen: tracker.cli_commands.root_help, the text the fast path of
        tracker/__main__.py prints for `tracker --help` without importing click."""
        return root_help(ctx.terminal_width).rstrip("\n")

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


@click.group("tracker", cls=TrackerGroup, help=DESCRIPTION)
@click.option("--db", "database_url", metavar="URL|PATH", envvar="TRACKER_DATABASE_URL",
              help=DATABASE_HELP)
@click.version_option(package_name="tracker", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    # The help screen is tracker.cli_commands.DESCRIPTION, shared with the fast `--help`.
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
