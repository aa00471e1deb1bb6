"""click's own messages in Korean, with tracker's exit codes.

A mistake (a UserError from a service, a bad or missing value, a file that is not there)
is one line on stderr, "오류: …", and exit code 1. A command line that tracker cannot read
at all (an unknown command or option, an extra argument) is one "오류: …" line too, with
exit code 2, so a script written for another version of tracker can tell the two apart.
Never a traceback, never click's English. The help screens get Korean headings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

MISTAKE = 1  # the input was understood and is wrong: fix the value
UNREADABLE = 2  # the command line is not one tracker knows: check the command's --help


class KoreanError(click.ClickException):
    """A mistake: one Korean line on stderr, "오류: …", and exit code 1."""

    exit_code = MISTAKE

    def show(self, file: Any = None) -> None:  # noqa: D102 - click's signature
        click.echo(f"오류: {self.message}", err=True)


class Unreadable(KoreanError):
    """A command line tracker cannot read: one Korean line, exit code 2."""

    exit_code = UNREADABLE


class Interrupted(click.ClickException):
    """Ctrl+C or an aborted prompt: a Korean line instead of click's "Aborted!"."""

    exit_code = 1

    def __init__(self) -> None:
        super().__init__("중단했습니다.")

    def show(self, file: Any = None) -> None:  # noqa: D102 - click's signature
        click.echo(self.message, err=True)


def unknown_command(name: str, known: Sequence[str], ctx: click.Context) -> Unreadable:
    """The error for `tracker NAME` when NAME is no command, with the nearest names."""
    return Unreadable(f"{name}(이)라는 명령은 없습니다{_maybe(name, known)}{_help(ctx)}")


def translate(exc: click.ClickException) -> click.ClickException:
    """`exc`, one of click's exceptions, as the Korean one-liner tracker shows.

    Our own KoreanError, and the "no arguments: show the help" signal, pass unchanged.
    """
    if isinstance(exc, KoreanError | Interrupted | click.exceptions.NoArgsIsHelpError):
        return exc
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.MissingParameter):
        return KoreanError(f"{_missing(exc)}{_help(ctx)}")
    if isinstance(exc, click.BadParameter):
        return KoreanError(f"{_name(exc.param, exc.param_hint)}: {_reason(exc)}")
    if isinstance(exc, click.NoSuchOption):
        return Unreadable(f"{exc.option_name} 옵션은 없습니다"
                           f"{_maybe(exc.option_name, exc.possibilities or [])}{_help(ctx)}")
    no_such_command = getattr(click.exceptions, "NoSuchCommand", None)  # click >= 8.4
    if no_such_command is not None and isinstance(exc, no_such_command):
        if ctx is None or not isinstance(ctx.command, click.Group):
            return Unreadable(f"{exc.command_name}(이)라는 명령은 없습니다")
        return unknown_command(exc.command_name, ctx.command.list_commands(ctx), ctx)
    if isinstance(exc, click.BadOptionUsage):
        if "requires" in exc.message:  # "Option '--x' requires an argument."
            return KoreanError(f"{exc.option_name} 옵션에 값을 주세요{_help(ctx)}")
        return Unreadable(f"{exc.option_name} 옵션을 이렇게 쓸 수 없습니다{_help(ctx)}")
    if isinstance(exc, click.UsageError):
        if "unexpected extra argument" in exc.message:  # "Got unexpected extra argument (b c)"
            extra = exc.message.partition("(")[2].rpartition(")")[0]
            return Unreadable(f"필요 없는 인자가 있습니다: {extra}{_help(ctx)}")
        return Unreadable(f"명령을 이렇게 쓸 수 없습니다{_help(ctx)}")
    if isinstance(exc, click.FileError):
        return KoreanError(f"파일을 열 수 없습니다: {exc.ui_filename}")
    return KoreanError(exc.message)


def _name(param: click.Parameter | None, hint: Any = None) -> str:
    # "--as-of" for an option, "FILE" for an argument: what the user typed or left out.
    if param is None:
        return str(hint or "값")
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name.upper()


def _missing(exc: click.MissingParameter) -> str:
    name = _name(exc.param, exc.param_hint)
    if isinstance(exc.param, click.Argument) or exc.param_type == "argument":
        return f"{name}을(를) 주세요"
    return f"{name} 옵션이 필요합니다"


def _reason(exc: click.BadParameter) -> str:
    # Our parameter types (tracker/cli_params.py) say it in Korean already; for any of
    # click's own that slipped through, say what kind of value is wanted, not click's English.
    if any("가" <= char <= "힣" for char in exc.message):
        return exc.message
    kind = exc.param.type if exc.param is not None else None
    if isinstance(kind, click.Choice):
        return f"다음 중 하나를 주세요: {', '.join(str(c) for c in kind.choices)}"
    if isinstance(kind, click.DateTime):
        return f"날짜를 {' 또는 '.join(kind.formats)} 형식으로 주세요"
    if isinstance(kind, click.types.IntParamType | click.IntRange):
        return "알맞은 정수를 주세요"
    if isinstance(kind, click.Path):
        return "경로를 확인해 주세요 (없거나 종류가 다릅니다)"
    return "값이 올바르지 않습니다"


def _maybe(name: str, known: Sequence[str]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(name, list(known), n=3)
    return f" (혹시 {', '.join(close)}?)" if close else ""


def _help(ctx: click.Context | None) -> str:
    return f". 도움말: {ctx.command_path} --help" if ctx is not None else ""


# --- help screens ----------------------------------------------------------------------------

HEADINGS = {"Options": "옵션", "Commands": "명령", "Arguments": "인자"}
PHRASES = {"Show this message and exit.": "이 도움말을 보여 줍니다.",
           "Show the version and exit.": "버전을 보여 줍니다."}
# click's marks after an option's help, "[default: table; required]"; no regular expression
# here: compiling one costs more start-up than the few string tests below.
_EXTRA_WORDS = {"default: ": "기본: ", "required": "필수", "env var: ": "환경 변수: "}


class KoreanFormatter(click.HelpFormatter):
    """click's help layout with Korean headings, usage line and the help option's text."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """The usage line, "사용법: tracker …"."""
        super().write_usage(prog, args, prefix="사용법: " if prefix is None else prefix)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        """A section under its Korean heading."""
        with super().section(HEADINGS.get(name, name)):
            yield

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        """The option rows, click's fixed phrases and [default: …] marks in Korean."""
        super().write_dl([(term, _korean_help(text)) for term, text in rows], col_max,
                         col_spacing)


def _korean_help(text: str) -> str:
    text = PHRASES.get(text, text)
    start = text.rfind("[")
    if start < 0 or not text.endswith("]"):
        return text
    marks = text[start:]
    for english, korean in _EXTRA_WORDS.items():
        marks = marks.replace(english, korean)
    return text[:start] + marks


class KoreanContext(click.Context):
    """A click context whose help screens are Korean."""

    formatter_class = KoreanFormatter


def make_korean(command: click.Command) -> click.Command:
    """`command` (and, for a group, its subcommands) with Korean help screens."""
    command.context_class = KoreanContext
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            make_korean(sub)
    return command
