"""The exceptions a user is allowed to see, each with its kind and HTTP status.

`UserError` is the base: the CLI prints its message on one line (no traceback) and exits
with 1; the web app's one handler renders the Korean error page with the class's status
and title. Raise the subclass that says what went wrong (NotFound, Invalid, Conflict,
Unavailable); a bare UserError is treated as Invalid.

Messages are Korean, name what is wrong (the file, the line, the value) and carry no
front-end hint: a hint that only makes sense in a terminal ("`tracker items`로 확인하세요")
goes in `hint_cli`, which only the CLI prints.
"""

from __future__ import annotations

from typing import ClassVar


class UserError(Exception):
    """A mistake in the user's input or request (the base of every error a user sees)."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "요청을 처리할 수 없습니다"

    def __init__(self, message: str, *, hint_cli: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint_cli = hint_cli

    def for_terminal(self) -> str:
        """The message followed by its CLI hint, if any (what the CLI prints after "오류:")."""
        return f"{self.message} {self.hint_cli}" if self.hint_cli else self.message


class Invalid(UserError):
    """The input is malformed or breaks a rule (a date, a choice, a missing field)."""

    status = 400
    title = "입력을 확인해 주세요"


class NotFound(UserError):
    """What the request names does not exist (an item, a contact, a meeting, a page)."""

    status = 404
    title = "페이지를 찾을 수 없습니다"


class Conflict(UserError):
    """The request clashes with the current state (already exists, already completed)."""

    status = 409
    title = "지금 상태에서는 할 수 없습니다"


class Unavailable(UserError):
    """Something the request needs is out of reach for now (the database is down or busy)."""

    status = 503
    title = "잠시 후 다시 시도해 주세요"
