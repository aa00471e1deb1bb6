"""The corpus: documents of many shapes (tests/data/corpus/*.json), each with what must come
out of it: the kind of table, the meeting facts, every item (text, department, due date,
state, answer), the rows kept out of the items, and the warnings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.document_factory import document
from tracker.document import Document
from tracker.importer import ImportOptions, Preview, preview

CORPUS = Path(__file__).parent / "data" / "corpus"
SPECS = sorted(CORPUS.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec


def options(spec: dict[str, Any]) -> ImportOptions:
    given = spec["options"]
    held_on = date.fromisoformat(given["meeting_date"]) if "meeting_date" in given else None
    return ImportOptions(committee=given.get("committee"), held_on=held_on,
                         department=given.get("department"))


def spec_document(spec: dict[str, Any], name: str) -> Document:
    return document(*spec["blocks"], source=name)


def check(plan: Preview, expected: dict[str, Any], readers: frozenset[str] = frozenset()) -> None:
    """`plan` gives what `expected` says; `readers` are the reader's own warnings (page
    furniture, joined lines), which differ from format to format and are not compared."""
    assert plan.profile == expected["table"]
    meeting = plan.meeting()
    assert {k: meeting[k] for k in expected["meeting"]} == expected["meeting"]
    keys = ("key", "text", "department", "due_date", "status", "reply", "reply_kind", "item_kind")
    got = [{k: v for k, v in item.as_json().items() if k in keys} for item in plan.items]
    want = [{k: v for k, v in item.items()} for item in expected["items"]]
    for item, wanted in zip(got, want, strict=False):
        if "item_kind" not in wanted:
            item.pop("item_kind")
    assert got == want
    assert [row.kind for row in plan.rows if row.kind != "header"] == expected["rows"]
    messages = [w.message for w in plan.warnings if w.message not in readers]
    for needle in expected["warnings"]:
        assert sum(needle in m for m in messages) == 1, (needle, messages)
    assert len(messages) == len(expected["warnings"]), messages


def test_the_corpus_is_big_enough() -> None:
    kinds = [load(path)["expected"]["table"] for path in SPECS]
    assert len(kinds) >= 15 and kinds.count("audit") >= 2 and kinds.count("status") >= 1


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_document_gives_what_its_spec_says(path: Path) -> None:
    spec = load(path)
    check(preview(spec_document(spec, path.stem + ".hwpx"), options(spec)), spec["expected"])
