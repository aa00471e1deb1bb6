"""Department (and contact) names spelled two ways are one: ``보건행정과`` = ``보건 행정과``,
``아동청소년과`` = ``아동·청소년과``.

A pure rule: the key of a name drops white space, middle dots and brackets, so two
spellings of one department share a key. The first spelling seen is the one kept.
"""

from __future__ import annotations

import re

_IGNORED = re.compile(r"[\s·ㆍ•‧・∙.\-_()\[\]{}<>〈〉《》「」『』【】〔〕（）［］]+")


def name_key(name: str) -> str:
    """The key two spellings of one name share (spaces, middle dots, brackets dropped)."""
    return _IGNORED.sub("", name).casefold()


class Spellings:
    """The first spelling of every name key, and the other spellings met."""

    def __init__(self, known: list[str] | None = None) -> None:
        self.first: dict[str, str] = {}
        for name in known or []:
            self.first.setdefault(name_key(name), name)

    def canonical(self, name: str) -> str:
        """The spelling kept for `name`: the first one seen with its key (`name` itself if new)."""
        return self.first.setdefault(name_key(name), name)
