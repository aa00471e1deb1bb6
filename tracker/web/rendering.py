"""Rendering the server-side pages: the shared Jinja2 environment plus the web's filters."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment
from markupsafe import Markup, escape

from templates import environment
from tracker import labels
from tracker.paging import page_query
from tracker.workflow import RESPONSE_KINDS

_URL = re.compile(r"https?://[^\s<>\"']+")


def make_environment(zone: str) -> Environment:
    """An overlay of the shared environment with filters for dates in `zone` and linkified text.

    The overlay gets its own filters, globals and template cache, so the shared
    environment (used by exports and e-mails) is left as it was.
    """
    env = environment().overlay(cache_size=400)
    env.filters = dict(env.filters)
    env.globals = dict(env.globals)
    env.filters["when"] = lambda moment: labels.moment_text(moment, zone)
    env.filters["day"] = format_day
    env.filters["status_label"] = labels.status_label
    env.filters["linkify"] = linkify
    env.filters["particle"] = labels.with_particle
    env.globals["response_kinds"] = RESPONSE_KINDS
    env.globals["page_query"] = page_query
    return env


def format_day(day: date | None) -> str:
    """"2022-01-15", or "-" for None."""
    return day.isoformat() if day else "-"


def linkify(text: str) -> Markup:
    """`text` escaped, with each http(s) address turned into a link."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        parts.append(str(escape(text[last:match.start()])))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


def page(env: Environment, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template `web/{name}` rendered with `context`, as an HTML response."""
    html = env.get_template(f"web/{name}").render(**context)
    return HTMLResponse(html, status_code=status)
