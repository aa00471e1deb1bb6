"""Finding the follow-up table in a document and reading its rows, by the table profiles.

Every table of the :class:`~tracker.document.Document` is scored against every
:mod:`~tracker.profiles` profile by its header (one or two header rows, merged cells
read at every column they cover); the best passing profile wins, and every table that
passes it is read, in document order. When none passes, the error names the tables
found and how close each came.

Every row below a header ends in exactly one of: an item row (:class:`TableEntry`), a
noted row (:class:`RowNote`: a group such as ``Ⅰ. 풍요로운 …``, a total or subtotal
``계``, a repeated header, a line continuing the row above), or a warning. A one-cell row
never ends a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tracker import opinions
from tracker.document import Cell, Document, Notice, Paragraph, Table
from tracker.errors import UserError
from tracker.profiles import (
    NUMBER_PATTERN,
    PROFILES,
    Profile,
    State,
    clean_number,
    squash,
    state_of,
)

MAX_HEADER_START = 12  # a title or notes may sit above the header inside the grid
_MARKS = {"○", "◯", "O", "o", "●", "◎", "⊙", "V", "v", "✓", "✔", "√", "■", "Y"}
_STRATEGY = re.compile(r"^추진\s*전략\s*([IVXⅠ-Ⅻ]+|\d+)\s*[.)]?\s*(.*)$")
_GROUP = re.compile(r"^([IVX]+|[Ⅰ-Ⅻ]+|\d+|[가나다라마바사아자차카타파하])\s*[.)]\s*(\S.*)$")
_ROMAN = re.compile(r"^([IVX]+|[Ⅰ-Ⅻ]+)\.?$")
_TOTALS = ("계", "합계", "총계", "총합계", "소계", "누계", "전체")
_TOTAL_PREFIXES = ("합계", "소계", "총계")
_COLUMN_SUFFIX = re.compile(r",?\s*\d+열$")


@dataclass
class TableEntry:
    """A row of a follow-up table: a program (or demand, or task) or a strategy."""

    where: str
    kind: str  # "program" | "strategy"
    number: str  # "1-7"; the strategy's code "I"; "2-3" for the third row of the second table
    name: str
    opinion_paragraphs: list[str] = field(default_factory=list)
    reply_paragraphs: list[str] = field(default_factory=list)
    sequence: int | None = None
    priority: bool = False
    category: str | None = None
    department: str | None = None
    team: str | None = None
    contact: str | None = None
    strategy: str | None = None  # the code of the strategy a program falls under
    note: str | None = None  # a strategy row's other cells
    status_text: str | None = None  # the 비고/status cell as written
    marks: list[str] = field(default_factory=list)  # labels of the ○ columns marked
    percent: str | None = None
    item_kind: str | None = None  # 시정요구사항, 건의사항 … (the table's heading)
    group: str | None = None  # the group row the item falls under
    split: bool = True  # each bullet of the opinion is its own item

    @property
    def opinion_text(self) -> str:
        """The opinion cell's paragraphs joined with line breaks."""
        return "\n".join(self.opinion_paragraphs)

    @property
    def reply_text(self) -> str:
        """The reply cell's paragraphs joined with line breaks."""
        return "\n".join(self.reply_paragraphs)

    @property
    def opinions(self) -> list[str]:
        """The item texts: the opinion's bullets (placeholders dropped), or the whole cell."""
        if self.split:
            bullets = opinions.bullets_of(self.opinion_paragraphs)
            return [b for b in bullets if not opinions.is_empty_mark(b)]
        text = _joined(self.opinion_paragraphs)
        return [] if opinions.is_empty_mark(text) else [text]

    @property
    def replies(self) -> list[str]:
        """One reply per opinion ("" where none): bullets paired in order when the counts
        match, otherwise the whole reply text for every opinion."""
        return self.replies_for(len(self.opinions))

    def replies_for(self, count: int) -> list[str]:
        """:attr:`replies` for `count` opinions (counted already by the caller)."""
        if not self.split:
            text = _joined(self.reply_paragraphs)
            return [""] * count if opinions.is_empty_mark(text) else [text] * count
        bullets = ["" if opinions.is_empty_mark(b) else b
                   for b in opinions.bullets_of(self.reply_paragraphs)]
        if len(bullets) == count:
            return bullets
        whole = " ".join(b for b in bullets if b)
        return [whole] * count

    @property
    def state(self) -> State | None:
        """The state the row's status cell or ○ columns give, or None when they give none."""
        if self.status_text and (found := state_of(self.status_text)):
            return found
        for label in self.marks:
            if found := state_of(label):
                return found
        return None


def _joined(paragraphs: list[str]) -> str:
    return "\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


@dataclass(frozen=True)
class RowNote:
    """A row kept out of the items, and why: group, total, header, continued, or empty (an
    item row with nothing in its opinion column: its program is kept, no item is made)."""

    where: str
    kind: str
    text: str


@dataclass
class HeaderMatch:
    """How well a table's header fits a profile."""

    profile: Profile
    table: Table
    row: int  # the first header row
    depth: int  # header rows
    columns: dict[str, int]  # field name -> column
    score: int
    missing: list[str]  # labels of the required fields not found

    @property
    def passes(self) -> bool:
        """True when every required field has its column."""
        return not self.missing


@dataclass
class Reading:
    """What reading the document's follow-up tables found."""

    profile: Profile
    entries: list[TableEntry] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    tables: list[HeaderMatch] = field(default_factory=list)
    first_block: int = 0  # index of the first table read among document.blocks


# --- the grid ------------------------------------------------------------------------


def owners(table: Table, limit: int | None = None) -> list[list[Cell | None]]:
    """The grid (its first `limit` rows, or all) with every position covered by a merged
    cell pointing at that cell."""
    grid: list[list[Cell | None]] = [list(row) for row in table.grid[:limit]]
    for row in table.grid[:limit]:
        for cell in row:
            if cell is None or (cell.row_span == 1 and cell.col_span == 1):
                continue
            for r in range(cell.row, min(cell.row + cell.row_span, len(grid))):
                for c in range(cell.col, min(cell.col + cell.col_span, len(grid[r]))):
                    if grid[r][c] is None:
                        grid[r][c] = cell
    return grid


def _text(cell: Cell | None) -> str:
    return " ".join(" ".join(p.split()) for p in cell.paragraphs if p.strip()) if cell else ""


# --- finding the table -----------------------------------------------------------------


def match_header(table: Table, profile: Profile) -> HeaderMatch:
    """The best header of `table` for `profile` (one or two rows, from any of the first rows)."""
    grid = owners(table, MAX_HEADER_START + 2)
    best: HeaderMatch | None = None
    for start in range(min(len(grid), MAX_HEADER_START)):
        for depth in (1, 2):
            if start + depth > len(grid):
                break
            found = _match_at(table, grid, profile, start, depth)
            if best is None or (found.passes, found.score) > (best.passes, best.score):
                best = found
    return best or HeaderMatch(profile, table, 0, 1, {}, 0, [f.label for f in profile.required])


def _match_at(
    table: Table, grid: list[list[Cell | None]], profile: Profile, start: int, depth: int
) -> HeaderMatch:
    rows = grid[start:start + depth]
    candidates: list[tuple[int, int, int, str]] = []  # (score, field order, column, name)
    for column in range(len(rows[0])):
        labels = [squash(_text(row[column])) for row in rows if column < len(row)]
        labels.append("".join(dict.fromkeys(labels)))
        for order, fld in enumerate(profile.fields):
            score = max(fld.score(label) for label in labels)
            if score:
                candidates.append((score, -order, column, fld.name))
    columns: dict[str, int] = {}
    used: set[int] = set()
    total = 0
    for score, _, column, name in sorted(candidates, key=lambda c: (-c[0], -c[1], c[2])):
        if name in columns or column in used:
            continue
        columns[name], total = column, total + score
        used.add(column)
    if "number" not in columns and profile.number_fallback in columns:
        columns["number"] = columns.pop(profile.number_fallback)
    missing = [f.label for f in profile.required if f.name not in columns
               and not (f.name == "number" and profile.numbers_rows)]
    if profile.any_of and not any(name in columns for name in profile.any_of):
        missing.append(" 또는 ".join(f.label for f in profile.fields if f.name in profile.any_of))
    return HeaderMatch(profile, table, start, depth, columns, total, missing)


def find_tables(document: Document) -> tuple[Profile, list[HeaderMatch]]:
    """The profile of the document's follow-up tables and every table that passes it;
    UserError naming the tables found (and how close each came) when none passes."""
    tables = list(document.tables())
    matches = [[match_header(t, p) for p in PROFILES] for t in tables]
    passing = [m for row in matches for m in row if m.passes]
    if not passing:
        raise UserError(_not_found(document, matches))
    profile = max(passing, key=lambda m: m.score).profile
    chosen = [m for row in matches for m in row if m.passes and m.profile is profile]
    return profile, chosen


def _not_found(document: Document, matches: list[list[HeaderMatch]]) -> str:
    kinds = ", ".join(p.title for p in PROFILES)
    if not matches:
        hint = (" 붙여넣은 글에서는 칸이 탭으로 나뉘어 있어야 표로 읽힙니다 (한글·엑셀에서 복사하면"
                " 탭이 들어갑니다). PDF에서 복사한 글은 칸이 띄어쓰기로 바뀌므로 PDF 파일을 그대로"
                " 가져와 주세요." if document.kind == "text" else "")
        return f"{document.source}: 가져올 표({kinds})를 찾지 못했습니다. 문서에 표가 없습니다.{hint}"
    best = [(number, max(row, key=lambda m: m.score)) for number, row in enumerate(matches, 1)]
    best.sort(key=lambda pair: -pair[1].score)  # the closest tables first
    parts = [f"표 {number} ({m.table.n_rows}×{m.table.n_cols}, {m.profile.title}에 가장 가까움: "
             f"{m.score}점, 없는 열: {', '.join(m.missing)})" for number, m in best[:4]]
    more = f" 외 {len(best) - 4}개" if len(best) > 4 else ""
    return (f"{document.source}: 가져올 표({kinds})를 찾지 못했습니다. 찾은 표 {len(best)}개 중 "
            "가까운 것: " + "; ".join(parts) + more)


# --- reading the rows --------------------------------------------------------------------


@dataclass
class _State:
    reading: Reading
    source: str
    seen: dict[str, str] = field(default_factory=dict)  # number -> where first seen
    strategy: str | None = None
    group: str | None = None
    groups: int = 0
    carried: dict[str, str] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)  # table prefix -> rows numbered


def read_tables(document: Document) -> Reading:
    """Every item row of the document's follow-up tables, with the rows kept out and the
    warnings; UserError when no table passes or a value cannot be stored.

    A table without a header right after a table read (only paragraphs between, as
    when a one-cell line of pasted text splits a table) continues it: its rows are read
    by the same header, and the paragraphs between are read as one-cell rows."""
    profile, chosen = find_tables(document)
    reading = Reading(profile, tables=chosen)
    headings = _headings(document)
    state = _State(reading, document.source)
    by_table = {id(m.table): m for m in chosen}
    top = {id(b): i for i, b in enumerate(document.blocks)}
    reading.first_block = min((top.get(id(m.table), len(document.blocks)) for m in chosen),
                              default=0)
    several = len(chosen) > 1 and profile.row_is_program
    index = 0
    last: tuple[HeaderMatch, str | None, str] | None = None
    between: list[Paragraph] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            between.append(block)
            continue
        if last is not None and not _passes_any(block) and _fits(block, last[0]):
            continued = HeaderMatch(profile, block, 0, 0, last[0].columns, 0, [])
            for paragraph in between:
                _one_cell_row(paragraph, state)
            _read_table(continued, state, last[1], last[2])
            between = []
            continue
        if last is not None and id(block) not in by_table:
            _warn_if_items_left(block, state)
        last, between = None, []
        for table in _walk(block):
            match = by_table.get(id(table))
            if match is not None:
                index += 1
                kind = _item_kind(profile, headings.get(id(table), []), match)
                last = (match, kind, f"{index}-" if several else "")
                _read_table(match, state, kind, last[2])
    if not reading.entries:
        raise UserError(f"{document.source}: {profile.title}에 항목 행이 하나도 없습니다.")
    return reading


def _warn_if_items_left(table: Table, state: _State) -> None:
    """A table right after a read one that is neither a continuation nor a table of its own
    but holds numbered rows: those rows are not read, and the preview says so."""
    filled = ([t for t in map(_text, row) if t] for row in table.grid)
    numbered = [texts for texts in filled
                if len(texts) >= 2 and NUMBER_PATTERN.match(clean_number(texts[0]))]
    if numbered:
        state.reading.warnings.append(Notice(table.where, (
            f"머리글이 없고 위 표와 칸 수가 달라 읽지 않은 표가 있습니다 (번호가 있는 행 "
            f"{len(numbered)}개). 위 표에 이어지는 행이면 원본에서 칸을 맞춰 주세요.")))


def _is_total(text: str) -> bool:
    """A total or subtotal label: 계, 합계, 소계 …, or one that starts with 합계/소계/총계."""
    label = squash(text)
    return label in _TOTALS or label.startswith(_TOTAL_PREFIXES)


def _passes_any(table: Table) -> bool:
    return any(match_header(table, p).passes for p in PROFILES)


def _fits(table: Table, previous: HeaderMatch) -> bool:
    return table.n_cols > max(previous.columns.values(), default=0)


def _one_cell_row(paragraph: Paragraph, state: _State) -> None:
    """A paragraph between a table and its continuation: a group, a total, or a warning."""
    text = " ".join(paragraph.text.split())
    reading = state.reading
    if _is_total(text):
        reading.notes.append(RowNote(paragraph.where, "total", text))
    elif (strategy := _STRATEGY.match(text)) or (group := _GROUP.match(text)):
        found = strategy or group
        assert found is not None
        code, title = found.group(1), found.group(2).strip()
        if reading.profile.name == "monitoring":
            reading.entries.append(TableEntry(where=paragraph.where, kind="strategy",
                                              number=code, name=title))
            state.strategy = code
        else:
            state.groups += 1
            state.group = f"{code}. {title}"
            reading.notes.append(RowNote(paragraph.where, "group", text))
    else:
        reading.warnings.append(Notice(paragraph.where, (
            f"표 안의 한 칸짜리 줄을 항목으로 읽지 않았습니다: {text[:40]!r}. "
            "앞 행에 이어지는 내용이면 원본의 칸을 확인해 주세요.")))


def _headings(document: Document) -> dict[int, list[str]]:
    """For every table, the paragraphs between it and the table before it."""
    found: dict[int, list[str]] = {}
    since: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            since.append(block.text)
            continue
        for table in _walk(block):
            found[id(table)] = since
        since = []
    return found


def _walk(table: Table) -> Iterator[Table]:
    yield table
    for cell in table.cells():
        for nested in cell.nested:
            yield from _walk(nested)


def _item_kind(profile: Profile, paragraphs: list[str], match: HeaderMatch) -> str | None:
    if not profile.item_kinds:
        return None
    for text in reversed(paragraphs):
        label = squash(text)
        for kind in profile.item_kinds:
            if kind in label or kind.removesuffix("사항") in label:
                return kind
    column = match.columns.get("opinion")
    if column is not None:
        grid = owners(match.table, match.row + match.depth)
        header = squash(_text(grid[match.row + match.depth - 1][column]))
        for kind in profile.item_kinds:
            if kind in header:
                return kind
    return None


def _read_table(match: HeaderMatch, state: _State, kind: str | None, prefix: str) -> None:
    grid = owners(match.table)
    for r in range(match.row + match.depth, len(grid)):
        _read_row(match, grid, r, state, kind, prefix)


def _row_where(match: HeaderMatch, grid: list[list[Cell | None]], r: int) -> str:
    cell = next((c for c in grid[r] if c is not None and c.where), None)
    if cell is None:
        return f"{match.table.where} {r + 1}행".strip()
    return _COLUMN_SUFFIX.sub("", cell.where).strip()


def _values(
    match: HeaderMatch, grid: list[list[Cell | None]], r: int
) -> tuple[dict[str, Cell | None], list[str]]:
    """The cell of each field at row `r` (None where a merged cell from above covers it,
    unless the field carries down), and the texts of the row's own cells."""
    values: dict[str, Cell | None] = {}
    for name, column in match.columns.items():
        cell = grid[r][column] if column < len(grid[r]) else None
        fld = match.profile.field(name)
        # A merged cell belongs to the field of the column it starts in; only a field that
        # carries down repeats the cell of the row above.
        if cell is not None and (cell.row != r or cell.col != column) and not (
                fld and (fld.carry_down or fld.carry_merged) and cell.col == column):
            cell = None
        values[name] = cell
    seen: set[int] = set()
    texts = []
    for c in grid[r]:
        if c is not None and c.row == r and id(c) not in seen:
            seen.add(id(c))
            texts.append(_text(c))
    return values, [t for t in texts if t]


def _read_row(
    match: HeaderMatch, grid: list[list[Cell | None]], r: int, state: _State,
    kind: str | None, prefix: str,
) -> None:
    values, filled = _values(match, grid, r)
    if not filled:
        return
    where = _row_where(match, grid, r)
    reading, profile = state.reading, match.profile
    text = {name: _text(cell) for name, cell in values.items()}
    number = text["number"] = clean_number(text.get("number", ""))
    first = filled[0]
    if "number" not in match.columns and _unnumbered_item(filled, text, profile):
        text["number"] = _next_number(state, prefix, where)
        _item(match, values, text, where, state, kind, prefix)
    elif NUMBER_PATTERN.match(number):  # most rows: checked first (a header has no number)
        _item(match, values, text, where, state, kind, prefix)
    elif _is_repeated_header(filled, profile):
        reading.notes.append(RowNote(where, "header", " ".join(filled)))
    elif _is_total(first):
        reading.notes.append(RowNote(where, "total", " ".join(filled)))
    elif (strategy := _STRATEGY.match(first)) or (group := _group(first, number, text)):
        code, title = (strategy.group(1), strategy.group(2)) if strategy else group  # type: ignore[misc]
        _group_row(match, grid, values, where, state, code, title.strip(), filled)
    elif not number and not text.get("name") and _continues(values, profile):
        _continue(values, where, state)
    else:
        shown = number or first
        label = profile.field("number").label if profile.field("number") else "번호"  # type: ignore[union-attr]
        reading.warnings.append(Notice(where,
            f"표의 행을 읽지 않았습니다: {label}가 '1-7' 꼴이 아닙니다 ({shown[:40]!r}). "
            "번호를 고치거나 이 행을 확인해 주세요."))


def _unnumbered_item(filled: list[str], text: dict[str, str], profile: Profile) -> bool:
    """In a table without a number column: a row with its item text that is not a
    repeated header, a total or a one-cell group heading."""
    return bool(text.get(profile.text_field)) and not (
        _is_repeated_header(filled, profile) or _is_total(filled[0])
        or (len(filled) == 1 and _GROUP.match(filled[0])))


def _next_number(state: _State, prefix: str, where: str) -> str:
    """The next row number of the table `prefix`; the first one is noted in the preview."""
    count = state.counted[prefix] = state.counted.get(prefix, 0) + 1
    if count == 1:
        state.reading.warnings.append(Notice(where, (
            "표에 연번 열이 없어 항목 행에 위에서부터 1, 2, 3 … 번호를 붙였습니다. "
            "다시 가져올 때 행 순서가 바뀌면 다른 항목으로 읽힙니다.")))
    return str(count)


def _group(first: str, number: str, text: dict[str, str]) -> tuple[str, str] | None:
    if match := _GROUP.match(first):
        return match.group(1), match.group(2)
    if match := _ROMAN.match(number):
        return match.group(1), text.get("name", "")
    return None


def _is_repeated_header(filled: list[str], profile: Profile) -> bool:
    return len(filled) >= 2 and all(
        any(f.score(squash(t)) for f in profile.fields) or squash(t).endswith(("총괄평가", "추진상황"))
        for t in filled
    )


def _continues(values: dict[str, Cell | None], profile: Profile) -> bool:
    return any(values.get(name) is not None and _text(values[name])
               for name in ("opinion", "reply"))


def _continue(values: dict[str, Cell | None], where: str, state: _State) -> None:
    # A row broken across a page, or pasted lines: its cells continue the previous row.
    reading = state.reading
    if not reading.entries:
        reading.warnings.append(Notice(where, "이어지는 내용으로 보이지만 앞에 항목 행이 없어 읽지 않았습니다."))
        return
    entry = reading.entries[-1]
    entry.opinion_paragraphs += _paragraphs(values.get("opinion"))
    entry.reply_paragraphs += _paragraphs(values.get("reply"))
    reading.notes.append(RowNote(where, "continued", f"{entry.number} 행에 이어 붙임"))


def _paragraphs(cell: Cell | None) -> list[str]:
    return [p for p in cell.paragraphs if p.strip()] if cell else []


def _group_row(
    match: HeaderMatch, grid: list[list[Cell | None]], values: dict[str, Cell | None],
    where: str, state: _State,
    code: str, title: str, filled: list[str],
) -> None:
    reading, profile = state.reading, match.profile
    if profile.name == "monitoring":
        used = {id(values.get("opinion")), id(values.get("reply"))}
        row_cells = [c for c in grid[_row_index(match, values)] if c is not None]
        rest = list(dict.fromkeys(_text(c) for c in row_cells
                                  if id(c) not in used and _text(c) and _text(c) != filled[0]))
        reading.entries.append(TableEntry(
            where=where, kind="strategy", number=code, name=title,
            opinion_paragraphs=_paragraphs(values.get("opinion")),
            reply_paragraphs=_paragraphs(values.get("reply")), note=" ".join(rest) or None))
        state.strategy = code
        if not reading.entries[-1].opinions:
            reading.notes.append(RowNote(where, "group", " ".join(filled)))
        return
    state.groups += 1
    state.group = f"{code}. {title}".strip()
    reading.notes.append(RowNote(where, "group", " ".join(filled)))


def _row_index(match: HeaderMatch, values: dict[str, Cell | None]) -> int:
    rows = [c.row for c in values.values() if c is not None]
    return min(rows) if rows else match.row


_ENTRY_FIELDS = ("department", "team", "contact", "category")


def _item(
    match: HeaderMatch, values: dict[str, Cell | None], text: dict[str, str], where: str,
    state: _State, kind: str | None, prefix: str,
) -> None:
    profile, reading = match.profile, state.reading
    number = text["number"]
    if profile.restart_per_group and state.groups:
        number = f"{state.groups}-{number}"
    number = prefix + number
    for fld in profile.fields:
        if fld.carry_down:
            if text.get(fld.name):
                state.carried[fld.name] = text[fld.name]
            elif fld.name in state.carried:
                text[fld.name] = state.carried[fld.name]
    if number in state.seen:
        message = (f"{match.profile.field('number').label} {number}가 "  # type: ignore[union-attr]
                   f"{state.seen[number]}에도 있습니다. 한 번만 적어 주세요.")
        if profile.name == "monitoring":
            raise UserError(f"{state.source} {where}: {message}")
        reading.warnings.append(Notice(where, message + " 이 행을 읽지 않았습니다."))
        return
    state.seen[number] = where
    if "department" in match.columns and not text.get("department") and (
            text.get("contact") or text.get("team")):
        who = " ".join(filter(None, (text.get("team"), text.get("contact"))))
        reading.warnings.append(Notice(where, (
            f"{number}: 담당부서가 비어 있어 담당({who})을 등록하지 않았습니다. 원본에 부서를 "
            "적거나, 가져온 뒤 콘솔의 담당자 화면에서 지정해 주세요.")))
    opinion = _paragraphs(values.get(profile.text_field))
    name = text.get("name") or (opinion[0] if opinion else "")
    sequence = text.get("sequence", "")
    marks = [profile.field(n).label for n in match.columns  # type: ignore[union-attr]
             if n.startswith("mark:") and text.get(n, "").strip() in _MARKS]
    entry = TableEntry(
        where=where, kind="program", number=number, name=name,
        opinion_paragraphs=opinion, reply_paragraphs=_paragraphs(values.get("reply")),
        sequence=int(sequence) if sequence.isascii() and sequence.isdigit() else None,
        priority="중점" in text.get("priority", ""),
        status_text=text.get("status") or None, marks=marks,
        percent=text.get("percent") or None, item_kind=kind, group=state.group,
        strategy=state.strategy, split=profile.split_bullets,
        **{f: text.get(f) or None for f in _ENTRY_FIELDS},
    )
    if profile.row_is_program and len(entry.name) > 300:
        entry.name = entry.name[:299] + "…"
    _check_lengths(entry, profile, state.source)
    reading.entries.append(entry)
    if not entry.opinions:
        reading.notes.append(RowNote(where, "empty", f"{number} {entry.name}"[:80]))


def _check_lengths(entry: TableEntry, profile: Profile, source: str) -> None:
    for fld in profile.fields:
        limit = fld.max_length
        value = getattr(entry, fld.name, None)
        if limit is None or not isinstance(value, str):
            continue
        if len(value) > limit:
            raise UserError(
                f"{source} {entry.where}: {fld.label} 칸이 너무 깁니다 "
                f"({len(value)}자, 최대 {limit}자). 칸이 밀리지 않았는지 확인해 주세요."
            )
