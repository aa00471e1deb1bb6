"""The document model every reader returns: paragraphs and tables, nothing about councils.

A reader (pasted text, CSV/XLSX, HWPX/HWP, PDF) knows one file format and turns it into a
:class:`Document`: its blocks in reading order, each a :class:`Paragraph` or a
:class:`Table`, and the warnings the reader had (page furniture removed, rows joined).
What the blocks mean (which table is the monitoring table, which row is a header) is
decided later by the table profiles; a reader never names a column of ours.

Every block and cell says where it came from (``where``: "12행" for a line of pasted text,
"표 2, 3행 4열" for a table cell of a word-processor file), so a warning can point the
user at the place to look.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: its text (line breaks inside it kept) and where it came from."""

    text: str
    where: str = ""


@dataclass
class Cell:
    """A table cell at its top-left grid position.

    ``paragraphs`` are the cell's own paragraphs (or lines), in order: a reader never
    joins them, so the bullets of an opinion stay apart. ``nested`` holds tables found
    inside the cell.
    """

    paragraphs: list[str]
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    where: str = ""
    nested: list[Table] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The cell's paragraphs joined with line breaks."""
        return "\n".join(self.paragraphs)


@dataclass
class Table:
    """A table as an n×m grid; a position covered by a merged cell holds None."""

    grid: list[list[Cell | None]]
    where: str = ""

    @property
    def n_rows(self) -> int:
        """The number of grid rows."""
        return len(self.grid)

    @property
    def n_cols(self) -> int:
        """The number of grid columns (0 for a table without rows)."""
        return len(self.grid[0]) if self.grid else 0

    def cells(self) -> Iterator[Cell]:
        """Every cell once (merged cells at their top-left position), row by row."""
        for row in self.grid:
            yield from (cell for cell in row if cell is not None)


Block = Paragraph | Table


@dataclass(frozen=True)
class Notice:
    """Something a reader changed or could not read, shown to the user in the preview."""

    where: str
    message: str


@dataclass
class Document:
    """A file's blocks in reading order, with the reader's warnings."""

    source: str  # the file's name, for messages
    kind: str  # "text", "csv", "xlsx", "hwpx", "hwp", "pdf"
    blocks: list[Block] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)

    def tables(self) -> Iterator[Table]:
        """Every table, nested ones after the table holding them, in document order."""
        for block in self.blocks:
            if isinstance(block, Table):
                yield from _walk(block)


def _walk(table: Table) -> Iterator[Table]:
    yield table
    for cell in table.cells():
        for nested in cell.nested:
            yield from _walk(nested)
