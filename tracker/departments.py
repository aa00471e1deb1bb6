"""Department (and contact) names spelled two ways are one: ``보건행정과`` = ``보건 행정과``,
``아동청소년과`` = ``아동·청소년과``.

A pure rule: the key of a name drops white space, middle dots and brackets, so two
spellings of one department share a key. The first spelling seen is the one kept.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Contact, Department

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


def find_department(session: Session, name: str) -> Department | None:
    """The stored department spelled `name` or another way with the same key (the first
    stored wins), or None."""
    key = name_key(name)
    rows = session.scalars(select(Department).order_by(Department.id))
    return next((row for row in rows if name_key(row.name) == key), None)


def find_contact(department: Department, name: str) -> Contact | None:
    """The department's contact spelled `name` or another way with the same key, or None."""
    key = name_key(name)
    return next((c for c in sorted(department.contacts, key=lambda c: c.id)
                 if name_key(c.name) == key), None)
