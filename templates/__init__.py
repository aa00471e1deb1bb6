"""The Jinja2 templates (email/ and web/) and the one environment that renders them."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def environment() -> Environment:
    """The shared Jinja2 environment: autoescape on for .html, undefined names are errors.
    Templates ship inside the package, so a loaded one is not checked for changes again."""
    return Environment(
        loader=PackageLoader("templates", ""),
        auto_reload=False,
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
