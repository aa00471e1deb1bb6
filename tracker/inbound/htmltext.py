"""HTML mail as plain text: paragraphs and line breaks kept, lists as "- " / "1. " lines,
table rows as lines of tab-separated cells, quoted blocks (<blockquote>) as "> " lines so the
quote stripper treats them like a text mail's quotation. Scripts, styles and the head are
dropped. Only the standard library's tolerant parser is used: any input gives some text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset({
    "p", "div", "section", "article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "ul", "ol", "dl", "dt", "dd", "pre", "address", "center", "form", "li",
    "blockquote", "hr",
})
HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line = ""
        self.hidden = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.cell = False

    # -- structure
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.flush(force=True)
        elif tag in ("ul", "ol"):
            self.flush()
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self.flush()
            self.line = self._bullet()
        elif tag in ("td", "th"):
            if self.cell:
                self.line += "\t"
            self.cell = True
        elif tag in BLOCKS:
            self.flush()
            self.pre += tag == "pre"
            self.quote += tag == "blockquote"
            if tag == "hr":
                self.lines.append(self._prefix() + "-" * 20)
            if tag == "tr":
                self.cell = False

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag in BLOCKS or tag in ("td", "th"):
            if tag in ("td", "th"):
                return
            self.flush()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.line += first
            for part in rest:
                self.flush(force=True)
                self.line = part
            return
        text = _SPACES.sub(" ", data)
        if not self.line.strip():
            text = text.lstrip()
        self.line += text

    # -- output
    def flush(self, force: bool = False) -> None:
        """End the current line; an empty one is kept only for an explicit <br>."""
        line = self.line.rstrip()
        if line.strip() or force:
            self.lines.append(self._prefix() + line)
        self.line = ""

    def _prefix(self) -> str:
        return "> " * self.quote

    def _bullet(self) -> str:
        if not self.lists:
            return "- "
        current = self.lists[-1]
        current[1] += 1
        indent = "  " * (len(self.lists) - 1)
        return f"{indent}{current[1]}. " if current[0] else f"{indent}- "


def html_to_text(html: str) -> str:
    """The text of an HTML mail body (see the module docstring); blank runs of more than one
    line are squeezed to one. Pure, never raises."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser.flush()
    text = "\n".join(line.rstrip() for line in parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
