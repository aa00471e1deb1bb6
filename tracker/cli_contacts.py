"""The contact commands of `tracker`: contacts import/add/list/retire/restore/unassigned/
assign/merge-departments, on the same services as the console's /console/contacts.

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


@contacts.command("retire")
@click.argument("contact")
@pass_app
def contacts_retire(app: App, contact: str) -> None:
    """담당자("부서/이름")를 사용 중지합니다. 맡은 의견의 이력은 그대로 남습니다."""
    from tracker.clock import utc_now
    from tracker.contacts import contact_named, retire_contact

    with app.transaction() as session:
        found = contact_named(session, contact)
        retire_contact(session, found.id, "cli", utc_now())
    click.echo(f"{contact} 사용 중지")


@contacts.command("restore")
@click.argument("contact")
@pass_app
def contacts_restore(app: App, contact: str) -> None:
    """사용 중지한 담당자("부서/이름")를 다시 사용하게 합니다."""
    from tracker.contacts import contact_named, restore_contact

    with app.transaction() as session:
        restore_contact(session, contact_named(session, contact).id, "cli")
    click.echo(f"{contact} 다시 사용")


@contacts.command("unassigned")
@pass_app
def contacts_unassigned(app: App) -> None:
    """담당자 지정이 필요한 의견(담당자가 없거나 사용 중지된 담당자의 의견)을 부서별로 보여 줍니다."""
    from tracker import terminal
    from tracker.assignments import unassigned

    with app.transaction() as session:
        groups = unassigned(session)
    if not groups:
        click.echo("회신이 필요한 의견에는 모두 담당자가 있습니다.")
    for group in groups:
        click.echo(terminal.visible(f"{group.department} ({len(group.items)}건)"))
        for item in group.items:
            click.echo(terminal.visible(f"  {item.id}  {item.program}  {item.text[:40]}"))


@contacts.command("assign")
@click.argument("contact")
@click.option("--item", "item_id", type=params.Integer(), help="이 의견 하나 (번호)")
@click.option("--department", help="이 부서의 담당자 지정이 필요한 의견 모두 (부서 이름)")
@pass_app
def contacts_assign(app: App, contact: str, item_id: int | None,
                    department: str | None) -> None:
    """의견 하나(--item) 또는 한 부서의 담당자 없는 의견 모두(--department)를 담당자("부서/이름")에게 맡깁니다."""
    from tracker import assignments
    from tracker.contacts import contact_named
    from tracker.departments import find_department
    from tracker.errors import Invalid, NotFound

    if (item_id is None) == (department is None):
        raise Invalid("--item이나 --department 가운데 하나를 적어 주세요.")
    with app.transaction() as session:
        person = contact_named(session, contact)
        if item_id is not None:
            assignments.assign(session, item_id, person.id, "cli")
            click.echo(f"의견 {item_id}: {contact}")
            return
        found = find_department(session, department or "")
        if found is None:
            raise NotFound(f"부서 {department!r}이(가) 없습니다.")
        count = assignments.assign_department(session, found.id, person.id, "cli")
    click.echo(f"{department} 의견 {count}건: {contact}")


@contacts.command("merge-departments")
@click.argument("kept")
@click.argument("merged")
@click.option("--yes", is_flag=True, help="묻지 않고 합칩니다.")
@pass_app
def contacts_merge(app: App, kept: str, merged: str, yes: bool) -> None:
    """부서 MERGED를 KEPT로 합칩니다: 담당자와 의견이 KEPT로 옮겨지고 MERGED라는 이름은 없어집니다."""
    from tracker.departments import department_spelled, merge_departments, merge_plan

    with app.transaction() as session:
        kept_id, merged_id = department_spelled(session, kept), department_spelled(session, merged)
        plan = merge_plan(session, kept_id, merged_id)
    click.echo(f"'{plan.merged}' → '{plan.kept}': 의견 {plan.items}건, 옮겨지는 담당자 "
               f"{len(plan.contacts_moved)}명, 하나로 합쳐지는 담당자 {len(plan.contacts_joined)}명")
    if not yes and not click.confirm("합칠까요?", default=False):
        click.echo("합치지 않았습니다.")
        return
    with app.transaction() as session:
        merge_departments(session, kept_id, merged_id, "cli")
    click.echo("합쳤습니다.")
