"""The `tracker` console script (and `python -m tracker`).

`tracker --help` alone is answered from tracker.cli_commands without importing click or
anything else; every other command line goes to the click group in tracker.cli.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run `tracker` with the command line in sys.argv."""
    if sys.argv[1:] == ["--help"]:
        from tracker.cli_commands import root_help

        sys.stdout.write(root_help())
        return
    from tracker.cli import main as run_click

    run_click()


if __name__ == "__main__":
    main()
