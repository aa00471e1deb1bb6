"""Documents for tests, written as lists: a paragraph is a string, a table a list of rows.

In a table row, "<" means "merged with the cell to the left" and "^" "merged with the
cell above"; a line break inside a cell's text separates its paragraphs.
"""

from __future__ import annotations

from tracker.document import Block, Cell, Document, Paragraph, Table


def table(rows: list[list[str]], number: int = 1) -> Table:
    """A table from rows of texts, "<" and "^" marking merged positions."""
    width = max(len(r) for r in rows)
    grid: list[list[Cell | None]] = [[None] * width for _ in rows]
    owner: list[list[Cell | None]] = [[None] * width for _ in rows]
    for r, row in enumerate(rows):
        for c, text in enumerate(row + [""] * (width - len(row))):
            if text in ("<", "^"):
                cell = owner[r][c - 1] if text == "<" else owner[r - 1][c]
                assert cell is not None, f"nothing to merge with at {r},{c}"
                cell.col_span = max(cell.col_span, c - cell.col + 1)
                cell.row_span = max(cell.row_span, r - cell.row + 1)
                owner[r][c] = cell
            else:
                paragraphs = text.split("\n") if text else []
                cell = Cell(paragraphs, r, c, where=f"표 {number}, {r + 1}행 {c + 1}열")
                grid[r][c] = owner[r][c] = cell
    return Table(grid, where=f"표 {number}")


def document(*blocks: str | list[list[str]], source: str = "test.hwpx") -> Document:
    """A document of paragraphs (strings) and tables (lists of rows), in order."""
    found: list[Block] = []
    tables = 0
    for number, block in enumerate(blocks, 1):
        if isinstance(block, str):
            found.append(Paragraph(block, f"문단 {number}"))
        else:
            tables += 1
            found.append(table(block, tables))
    return Document(source=source, kind="hwpx", blocks=found)
