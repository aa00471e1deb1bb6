"""Pasted text (minutes copied from a word processor or a spreadsheet) as a Document.

A line without a TAB is a paragraph; consecutive lines with TABs are the rows of one
table, split on TABs, ``where`` the line ("12행").
"""

from __future__ import annotations

from tracker.document import Block, Cell, Document, Paragraph, Table
from tracker.readers.limits import GridBudget


def read_text(text: str, name: str) -> Document:
    """The decoded pasted *text* as a Document (kind "text")."""
    blocks: list[Block] = []
    budget = GridBudget(name)
    run: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "\t" in line:
            run.append((number, line.split("\t")))
            continue
        if run:
            blocks.append(_table(run, budget))
            run = []
        if line.strip():
            blocks.append(Paragraph(line, f"{number}행"))
    if run:
        blocks.append(_table(run, budget))
    return Document(source=name, kind="text", blocks=blocks)


def _table(run: list[tuple[int, list[str]]], budget: GridBudget) -> Table:
    width = max(len(cells) for _line, cells in run)
    budget.take(len(run), width, f"{run[0][0]}행")
    grid: list[list[Cell | None]] = []
    for r, (line, cells) in enumerate(run):
        padded = cells + [""] * (width - len(cells))
        grid.append([Cell([text] if text.strip() else [], r, c, where=f"{line}행")
                     for c, text in enumerate(padded)])
    return Table(grid, f"{run[0][0]}행")
