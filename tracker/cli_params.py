"""Parameter types of the `tracker` commands that refuse a bad value in Korean, naming it.

click's own types explain a bad value in English ("'2022-13-01' does not match the format
'%Y-%m-%d'."). These subclasses convert exactly as click's do and only reword the refusal,
so a command's body receives the same values. Every option and argument of every command
uses one of these (or a type that cannot fail, such as a plain string or a flag):
tests/test_cli_messages.py walks the commands and checks it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

# strftime directives as a person writes them in a format hint
_FORMAT_WORDS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH", "%M": "MM", "%S": "SS",
                 "%z": "+0900"}
_LOOKS_LIKE_A_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def format_hint(fmt: str) -> str:
    """'%Y-%m-%d' as a person reads it: 'YYYY-MM-DD'."""
    return re.sub(r"%[a-zA-Z]", lambda m: _FORMAT_WORDS.get(m.group(), m.group()), fmt)


class DateTime(click.DateTime):
    """click.DateTime whose refusal is Korean: an impossible date is called one, by its value."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """YYYY-MM-DD (or each accepted form, "|" between them) instead of strftime codes."""
        return "|".join(format_hint(f) for f in self.formats)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            hints = " 또는 ".join(format_hint(f) for f in self.formats)
            text = str(value)
            if _LOOKS_LIKE_A_DAY.fullmatch(text.split("T")[0]) and not _is_day(text.split("T")[0]):
                self.fail(f"{text}은(는) 없는 날짜입니다 ({hints})", param, ctx)
            self.fail(f"{text}은(는) 날짜 형식이 아닙니다. {hints}로 주세요 (예: 2022-03-01)",
                      param, ctx)


def _is_day(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True


class Choice(click.Choice):  # type: ignore[type-arg]  # click.Choice is generic only in stubs
    """click.Choice whose refusal is Korean and lists what is allowed."""

    def __init__(self, choices: Sequence[str], case_sensitive: bool = True) -> None:
        super().__init__(choices, case_sensitive)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            allowed = ", ".join(str(choice) for choice in self.choices)
            self.fail(f"{value}은(는) 쓸 수 없는 값입니다. 다음 중 하나: {allowed}", param, ctx)


class Integer(click.types.IntParamType):
    """A whole number; the refusal is Korean."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value}은(는) 정수가 아닙니다", param, ctx)


class IntRange(click.IntRange):
    """A whole number within bounds; the refusal is Korean and names the bounds."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            try:
                int(value)
            except (TypeError, ValueError):
                self.fail(f"{value}은(는) 정수가 아닙니다", param, ctx)
            bounds = [f"{self.min} 이상" if self.min is not None else "",
                      f"{self.max} 이하" if self.max is not None else ""]
            self.fail(f"{value}은(는) 범위 밖입니다 ({' '.join(b for b in bounds if b)})",
                      param, ctx)


class File(click.Path):
    """A path that must be an existing file (or, with `must_exist=False`, that may be
    created); the refusal is Korean and names the path."""

    def __init__(self, *, must_exist: bool = True) -> None:
        super().__init__(exists=must_exist, dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            path = Path(value)
            if path.is_dir():
                self.fail(f"{value}은(는) 파일이 아니라 폴더입니다", param, ctx)
            if self.exists and not path.exists():
                self.fail(f"파일이 없습니다: {value}", param, ctx)
            self.fail(f"파일을 읽을 수 없습니다: {value}", param, ctx)


class Folder(click.Path):
    """A path that is a folder or does not exist yet; the refusal is Korean."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value}은(는) 폴더가 아닙니다", param, ctx)


DAY = DateTime(["%Y-%m-%d"])
INTEGER = Integer()
