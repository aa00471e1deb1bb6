"""`/dev/mail` (development only): the messages the mail catcher stored, and one message
with its text part (links clickable) and its HTML part (in a sandboxed frame).

Mounted only when WebOptions.dev_mail_dir is set (`tracker demo`, or `serve --dev-mail`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tracker.web import errors
from tracker.web.context import web
from tracker.web.rendering import page

router = APIRouter()
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$")
_URL = re.compile(r"https?://[^\s<>\"']+")
MESSAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HTML_PART_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                 "frame-ancestors 'self'; base-uri 'none'; sandbox allow-popups "
                 "allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation")


@dataclass(frozen=True)
class CaughtMail:
    """One stored message, as the list and the message page show it."""

    name: str
    received: datetime
    sender: str
    to: str
    subject: str
    text: str | None
    html: str | None

    @property
    def links(self) -> list[str]:
        """The web addresses in the text part, in order, without repeats."""
        return list(dict.fromkeys(_URL.findall(self.text or "")))


def read_mail(path: Path) -> CaughtMail:
    """The CaughtMail of one .eml file."""
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return CaughtMail(
        name=path.name,
        received=datetime.fromtimestamp(path.stat().st_mtime, UTC),
        sender=str(message.get("From", "")), to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        text=_part(message, "plain"), html=_part(message, "html"),
    )


def list_mail(folder: Path) -> list[CaughtMail]:
    """Every stored message in `folder`, newest first."""
    paths = [p for p in folder.glob("*.eml") if _NAME.match(p.name)] if folder.is_dir() else []
    return sorted((read_mail(p) for p in paths), key=lambda m: (m.received, m.name),
                  reverse=True)


def find_mail(folder: Path, name: str) -> CaughtMail | None:
    """The stored message called `name`, or None (names are checked: no paths)."""
    if not _NAME.match(name):
        return None
    path = folder / name
    return read_mail(path) if path.is_file() else None


@router.get("/dev/mail")
def mailbox(request: Request) -> Response:
    """The caught messages."""
    context = web(request)
    folder = context.options.dev_mail_dir
    assert folder is not None
    return page(context.env, "devmail_list.html", messages=list_mail(folder), user=None,
                title="받은 메일 (개발용)")


@router.get("/dev/mail/{name}")
def message(request: Request, name: str) -> Response:
    """One caught message."""
    context = web(request)
    assert context.options.dev_mail_dir is not None
    mail = find_mail(context.options.dev_mail_dir, name)
    if mail is None:
        return errors.not_found(context.env)
    response = page(context.env, "devmail_message.html", mail=mail, user=None,
                    title=mail.subject or "메일")
    response.headers["Content-Security-Policy"] = MESSAGE_CSP
    return response


@router.get("/dev/mail/{name}/html")
def html_part(request: Request, name: str) -> Response:
    """The HTML part of one message, to be shown in a sandboxed frame."""
    context = web(request)
    assert context.options.dev_mail_dir is not None
    mail = find_mail(context.options.dev_mail_dir, name)
    if mail is None or mail.html is None:
        return errors.not_found(context.env)
    return HTMLResponse(mail.html, headers={"Content-Security-Policy": HTML_PART_CSP,
                                            "X-Frame-Options": "SAMEORIGIN"})


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return None
    content = body.get_content()
    return content if isinstance(content, str) else None
