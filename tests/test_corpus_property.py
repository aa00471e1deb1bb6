"""Any table the corpus can describe imports to the items it describes, and no row of it
disappears without a warning (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.document_factory import document
from tracker.importer import preview

HEADER = ["연번", "사업번호", "세부사업명", "담당부서", "담당자", "실무분과\n모니터링 의견",
          "사업부서 의견(후속조치)"]
WORDS = st.text(alphabet="가나다라마바사 검토확대요망필요", min_size=1, max_size=10).map(
    lambda t: " ".join(t.split())).filter(bool)
OPINION = st.tuples(WORDS, st.booleans()).map(
    lambda p: p[0] + (" 2022 - 2023 연장" if p[1] else ""))


@st.composite
def tables(draw: st.DrawFn, blank: bool = True) -> list[tuple[str, Any]]:
    """A monitoring table's body as (kind, value) rows: items, strategies, totals, notes,
    blank rows (unless `blank` is False), and lines continuing the item above."""
    rows: list[tuple[str, Any]] = []
    number = 0
    kinds = ["item", "item", "item", "strategy", "total", "note", "continued"]
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(kinds + (["blank"] if blank else [])))
        if kind == "continued" and (not rows or rows[-1][0] != "item"):
            kind = "item"
        if kind == "item":
            number += 1
            opinions = draw(st.lists(OPINION, min_size=0, max_size=3))
            department = draw(st.sampled_from(["복지정책과", "보건행정과", "교육과"]))
            rows.append(("item", (f"1-{number}", draw(WORDS), department, opinions)))
        elif kind == "strategy":
            rows.append(("strategy", draw(st.sampled_from(["Ⅰ", "Ⅱ", "Ⅲ"]))))
        elif kind in ("note", "continued"):
            rows.append((kind, draw(WORDS)))
        else:
            rows.append((kind, None))
    if not any(kind == "item" for kind, _ in rows):
        rows.append(("item", (f"1-{number + 1}", "사업", "교육과", ["요망"])))
    return rows


def grid(rows: list[tuple[str, Any]]) -> list[list[str]]:
    body = []
    for kind, value in rows:
        if kind == "item":
            number, name, department, opinions = value
            cell = "\n".join(f"- {o}" for o in opinions)
            body.append(["", number, name, department, "담당", cell, ""])
        elif kind == "strategy":
            body.append([f"추진전략 {value}. 전략", "<", "<", "<", "<", "", ""])
        elif kind == "total":
            body.append(["합계", "<", "<", "<", "<", "<", "<"])
        elif kind == "note":
            body.append([f"※ {value}", "<", "<", "<", "<", "<", "<"])
        elif kind == "continued":
            body.append(["", "", "", "", "", value, ""])
        else:
            body.append([""] * 7)
    return [HEADER, *body]


def expected_items(rows: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    items: list[tuple[str, list[str]]] = []
    for kind, value in rows:
        if kind == "item":
            items.append((value[0], list(value[3])))
        elif kind == "continued":
            texts = items[-1][1]
            if texts:
                texts[-1] = f"{texts[-1]} {value}"
            else:
                texts.append(value)
    return [(f"{number}#{i}", text) for number, texts in items
            for i, text in enumerate(texts, 1)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_row_ends_in_an_item_a_kept_row_or_a_warning(rows: list[tuple[str, Any]]) -> None:
    doc = document("2022년 1차 복지분과 회의록", "일 시 : 2022. 3. 2.(수) 10:00",
                   "2021년도 시행계획 총괄평가", grid(rows))
    plan = preview(doc)
    assert [(i.key, i.text) for i in plan.items] == expected_items(rows)
    accounted = ({e.where for e in plan.minutes.entries} | {r.where for r in plan.rows}
                 | {w.where for w in plan.warnings})
    for index, (kind, _) in enumerate(rows, start=2):
        if kind != "blank":
            assert f"표 1, {index}행" in accounted, (index, kind)
