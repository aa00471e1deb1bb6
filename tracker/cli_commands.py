"""The commands of `tracker`, and the root help screen written without click.

COMMANDS is the one place that names the commands (tracker/cli.py builds the click group
from it). `tracker --help` is answered from this module alone by tracker/__main__.py, so the
most typed command costs one small import instead of click's (issue 15); the click group
shows the same screen through `root_help`, so the two cannot drift apart.

Widths are counted in terminal columns: a Hangul syllable takes two, so a line of Korean
help never runs past the terminal's edge and wraps between words, not inside one.
"""

from __future__ import annotations

import os
import sys
from unicodedata import east_asian_width

# name -> ("module:attribute", short help). The short help is what `tracker --help` shows
# without importing the module; it is the first sentence of the command's docstring
# (tests/test_cli_structure.py checks that the two agree). Listed in `--help` in this order.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("tracker.cli_ops:init", "데이터베이스를 만들거나 최신 구조로 올립니다."),
    "import": ("tracker.cli_import:import_",
               "회의록·후속조치 표(붙여넣은 텍스트, CSV, XLSX, HWPX, HWP)를 가져옵니다."),
    "contacts": ("tracker.cli_contacts:contacts", "부서 담당자(이름, 이메일)를 관리합니다."),
    "items": ("tracker.cli_items:items", "의견 목록을 보여 줍니다."),
    "item": ("tracker.cli_items:item", "의견 하나를 보거나 고칩니다."),
    "overdue": ("tracker.cli_items:overdue",
                "기한이 지났는데 완료되지 않은 의견 (분과장용), 부서별로 오래된 순서."),
    "export": ("tracker.cli_items:export", "후속조치가 채워진 총괄평가표를 내보냅니다."),
    "send": ("tracker.cli_mail:send",
             "아직 요청하지 않은 의견의 회신 요청 메일을 담당자별로 한 통씩 보냅니다."),
    "remind": ("tracker.cli_mail:remind",
               "기한 안내·독촉 메일을 지금 한 번 계산해 대기열에 넣고 보냅니다."),
    "outbox": ("tracker.cli_mail:outbox", "보낼 메일 대기열(outbox)을 봅니다."),
    "worker": ("tracker.cli_mail:worker",
               "기한 안내(5분마다), 메일 발송(30초마다), 주간 요약(월 09:00)을 계속 실행합니다. 웹 없이."),
    "inbound": ("tracker.cli_inbound:inbound",
                "메일 회신을 받습니다: 표준 입력의 메일 한 통(기본), IMAP 메일함(--imap), LMTP(--lmtp)."),
    "mailcatcher": ("tracker.cli_mail:mailcatcher",
                    "개발용 메일 서버: 받은 메일을 보내지 않고 폴더에 .eml 파일로 저장합니다."),
    "serve": ("tracker.cli_web:serve",
              "웹 화면(회신 링크, 사무국 콘솔, 분과장 보기)을 띄웁니다."),
    "user": ("tracker.cli_web:user", "콘솔 사용자(사무국, 분과장, 관리자)를 관리합니다."),
    "status": ("tracker.cli_ops:status",
               "데이터베이스, 독촉 점검(sweep), 메일 대기열의 상태를 보여 줍니다."),
    "demo": ("tracker.cli_web:demo",
             "예제 회의록과 가짜 메일 서버로 전체 흐름을 바로 띄워 봅니다 (설정 불필요)."),
}

DESCRIPTION = ("분과 모니터링 의견의 후속조치를 추적합니다.\n\n"
               "회의록을 가져오고(import), 의견별 기한과 담당자를 관리하고, 미회신 목록(overdue)과 "
               "채워진 총괄평가표(export)를 만듭니다.")
DATABASE_HELP = "데이터베이스 (기본: ./tracker.db, 또는 TRACKER_DATABASE_URL)"
# The root's options as `tracker --help` lists them (tests check them against the click group).
OPTIONS = (("--db URL|PATH", DATABASE_HELP), ("--version", "버전을 보여 줍니다."),
           ("--help", "이 도움말을 보여 줍니다."))
USAGE = "사용법: tracker [OPTIONS] COMMAND [ARGS]..."
MAX_WIDTH = 80


def root_help(width: int | None = None) -> str:
    """The text of `tracker --help`: usage, description, options and every command with its
    short help, wrapped to `width` columns (the terminal's, at most 80, when not given)."""
    width = terminal_width() if width is None else width
    lines = [USAGE, ""]
    for paragraph in DESCRIPTION.split("\n\n"):
        lines += ["  " + line for line in wrap(paragraph, width - 2)] + [""]
    lines += ["옵션:", *rows(OPTIONS, width), "", "명령:"]
    lines += rows([(name, short) for name, (_, short) in COMMANDS.items()], width)
    return "\n".join(lines) + "\n"


def rows(pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]], width: int) -> list[str]:
    """Two columns, "  term  text", the text wrapped under itself."""
    column = 2 + max(columns(term) for term, _ in pairs) + 2
    lines = []
    for term, text in pairs:
        wrapped = wrap(text, max(width - column, 20))
        lines.append("  " + term + " " * (column - 2 - columns(term)) + wrapped[0])
        lines += [" " * column + line for line in wrapped[1:]]
    return lines


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` columns, broken at spaces (a word longer than the
    line stands alone)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and columns(line) + 1 + columns(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line]


def columns(text: str) -> int:
    """How many terminal columns `text` takes: East Asian wide and full-width characters two."""
    return sum(2 if east_asian_width(char) in "WF" else 1 for char in text)


def terminal_width() -> int:
    """The width help is written to: the terminal's (or $COLUMNS), at most 80, else 80."""
    try:
        available = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        available = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else MAX_WIDTH
    return max(min(available, MAX_WIDTH), 40)
