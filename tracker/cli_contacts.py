"""The contact commands of `tracker`: contacts import/add/list.

Loaded by the root group (tracker/cli.py) when a command runs or its help is shown.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker import cli_params as params
from tracker.cli_app import App, format_option, pass_app


@click.group()
def contacts() -> None:
    """부서 담당자(이름, 이메일)를 관리합니다."""


@contacts.command("import")
@click.argument("file", type=params.File())
@pass_app
def contacts_import(app: App, file: Path) -> None:
    """CSV(department, team, name, email 또는 부서, 팀, 이름, 이메일)에서 담당자를 가져옵니다."""
    from tracker.contacts import import_contacts

    with app.transaction() as session:
        created, updated = import_contacts(session, file)
    click.echo(f"담당자 {created}명 추가, {updated}명 갱신")


@contacts.command("add")
@click.option("--department", required=True, help="부서")
@click.option("--name", required=True, help="이름")
@click.option("--email", required=True, help="이메일")
@click.option("--team", help="팀")
@pass_app
def contacts_add(app: App, department: str, name: str, email: str, team: str | None) -> None:
    """담당자를 추가하거나 이메일을 바꿉니다."""
    from tracker.contacts import add_contact, check_email

    with app.transaction() as session:
        _, created = add_contact(session, department, name, check_email(email, "--email"), team)
    click.echo(f"{department}/{name} <{email}> {'추가' if created else '갱신'}")


@contacts.command("list")
@format_option
@pass_app
def contacts_list(app: App, fmt: str) -> None:
    """담당자 목록."""
    from dataclasses import asdict

    from tracker.contacts import list_contacts

    with app.transaction() as session:
        rows = [asdict(r) for r in list_contacts(session)]
    from tracker import terminal

    terminal.print_records(rows, fmt, terminal.CONTACT_COLUMNS, title="담당자")
