"""The web commands of `tracker`: serve, user add, demo.

Loaded by the root group (tracker/cli.py) when a command runs or its help is shown. Each
command's docstring is its --help.
"""

from __future__ import annotations

import secrets
import socket
import tempfile
from dataclasses import replace
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker import cli_params as params
from tracker.cli_app import App, pass_app
from tracker.config import Settings

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from tracker.database import Database
    from tracker.web.context import WebOptions

DEMO_SAMPLE = "2022-01-15-jobs-subcommittee-minutes.txt"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="들을 주소")
@click.option("--port", default=8000, show_default=True, type=params.INTEGER, help="들을 포트")
@click.option("--no-scheduler", is_flag=True,
              help="독촉·발송 예약 작업을 돌리지 않습니다 (다른 프로세스가 돌릴 때).")
@click.option("--dev-mail", "dev_mail", type=params.Folder(),
              help="개발용: 이 폴더(메일 수집기)에 쌓인 메일을 /dev/mail 에서 보여 줍니다.")
@pass_app
def serve(app: App, host: str, port: int, no_scheduler: bool, dev_mail: Path | None) -> None:
    """웹 화면(회신 링크, 사무국 콘솔, 분과장 보기)을 띄웁니다.

    세션과 양식 서명에 쓰는 비밀 키는 설정 secret_key (TRACKER_SECRET_KEY)에서 읽습니다.
    """
    from tracker.links import check_secret_key
    from tracker.web.context import WebOptions

    listener = listen(host, port)
    secret = app.settings.secret_key
    check_secret_key(secret)  # reply links and sessions need one key across processes
    options = WebOptions(secret_key=secret, dev_mail_dir=dev_mail)
    run_web(app.settings, app.database, listener, options, scheduler=not no_scheduler)


@click.group()
def user() -> None:
    """콘솔 사용자(사무국, 분과장, 관리자)를 관리합니다."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=params.Choice(["secretariat", "chair", "admin"]),
              help="역할: secretariat(사무국), chair(분과장, 보기만), admin(관리자)")
@click.option("--email", help="사용자 이메일 (선택)")
@click.password_option("--password", prompt="암호", confirmation_prompt="암호 확인",
                       help="암호 (주지 않으면 물어봅니다)")
@pass_app
def user_add(app: App, username: str, role: str, email: str | None, password: str) -> None:
    """콘솔 사용자를 추가합니다. 암호는 argon2 해시로만 저장됩니다."""
    from tracker import accounts

    with app.transaction() as session:
        accounts.add_user(session, username, password, accounts.role(role), email)
    click.echo(f"사용자 {username} ({accounts.ROLE_LABELS[accounts.role(role)]}) 추가")


@click.command()
@click.option("--port", default=8000, show_default=True, type=params.INTEGER, help="웹 화면 포트")
@click.option("--host", default="127.0.0.1", show_default=True, help="웹 화면 주소")
def demo(port: int, host: str) -> None:
    """예제 회의록과 가짜 메일 서버로 전체 흐름을 바로 띄워 봅니다 (설정 불필요).

    임시 SQLite 데이터베이스에 예제 회의록을 가져오고, 담당자에게 example.org 주소를 붙이고,
    회신 요청 메일을 내부 메일 수집기로 보낸 뒤 웹 화면을 띄웁니다. 끝내려면 Ctrl+C.
    """
    listener = listen(host, port)  # a port in use is said before anything is printed
    with tempfile.TemporaryDirectory(prefix="tracker-demo-") as folder:
        _run_demo(Path(folder), host, port, listener)


def _run_demo(folder: Path, host: str, port: int, listener: socket.socket) -> None:
    from notifications.mailcatcher import MailCatcher
    from tracker.database import open_database
    from tracker.web.context import WebOptions

    catcher = MailCatcher(folder / "mail", port=free_port())
    settings = demo_settings(folder, host, port, catcher.port)
    database = open_database(settings.database_url)
    password = secrets.token_urlsafe(12)
    catcher.start()
    try:
        load_demo(database, settings, password)
        base = settings.base_url
        click.echo("데모를 띄웠습니다. 끝내려면 Ctrl+C.")
        click.echo(f"  분과장 보기:  {base}/chair")
        click.echo(f"  사무국 콘솔:  {base}/console   (사무국 demo / 분과장 chair, 암호 {password})")
        click.echo(f"  받은 메일:    {base}/dev/mail   (회신 링크는 메일 안에 있습니다)")
        click.echo(f"  회의록 가져오기: {base}/console/import   (사무국 로그인 뒤 파일을 올립니다)")
        options = WebOptions(secret_key=settings.secret_key, dev_mail_dir=catcher.directory)
        run_web(settings, database, listener, options, scheduler=True)
    finally:
        catcher.stop()


def demo_settings(folder: Path, host: str, port: int, smtp_port: int) -> Settings:
    """The settings of a demo in `folder`: its own database, the local mail catcher."""
    return replace(
        Settings(), database_url=f"sqlite:///{folder / 'demo.db'}",
        base_url=f"http://{host}:{port}", smtp_host="127.0.0.1", smtp_port=smtp_port,
        mail_from="tracker@example.org", secretariat_email="secretariat@example.org",
        chair_email="chair@example.com",
        secret_key=secrets.token_hex(32),  # one demo, one process: its own key
    )


def load_demo(database: Database, settings: Settings, password: str) -> None:
    """The sample minutes, an address per contact, a demo user, requests sent to the catcher."""
    from notifications import sender
    from tracker import accounts, contacts
    from tracker.clock import utc_now
    from tracker.importer import import_file
    from tracker.requests import request_contacts

    with as_file(files("tracker").joinpath("demo_data", DEMO_SAMPLE)) as sample, \
            database.transaction() as session:
        import_file(session, sample, default_days=settings.default_due_days)
    with database.transaction() as session:
        for n, row in enumerate(contacts.list_contacts(session)):
            domain = "example.org" if n % 2 == 0 else "example.com"
            contacts.add_contact(session, row.department, row.name, f"contact{row.id}@{domain}",
                                 actor="demo")
        accounts.add_user(session, "demo", password, accounts.role("secretariat"),
                          actor="demo")
        accounts.add_user(session, "chair", password, accounts.role("chair"), actor="demo")
    with database.transaction() as session:
        request_contacts(session, settings, utc_now(), actor="demo")
    sender.flush(database, settings, clock=utc_now)


def run_web(settings: Settings, database: Database, listener: socket.socket,
            options: WebOptions, *, scheduler: bool) -> None:
    """Serve the web app with uvicorn on `listener` (see listen(); its access log off: ours
    leaves tokens out), with the reminder and outbox scheduler in the background unless
    `scheduler` is False."""
    import uvicorn

    from tracker.logs import configure_logging
    from tracker.web.app import create_app

    configure_logging(settings.log_format)
    background = _start_scheduler(database, settings) if scheduler else None
    try:
        host, port = listener.getsockname()[:2]
        # X-Forwarded-For is read by the app, from trusted_proxies only (tracker.web.security).
        config = uvicorn.Config(create_app(settings, database, options=options), host=host,
                                port=port, access_log=False, log_level="info", proxy_headers=False)
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        if background is not None:
            from notifications import sender

            # uvicorn has stopped serving: the sender stops claiming and finishes what is in
            # flight (a few seconds); a second Ctrl+C exits at once.
            sender.install_stop_handlers()
            sender.request_stop()
            background.shutdown(wait=True)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for the web app, bound before anything else starts; a
    UserError naming the address when it is taken or not allowed."""
    import errno

    from tracker.errors import UserError

    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    try:
        listener.bind((host, port))
    except socket.gaierror:
        listener.close()
        raise UserError(f"웹 화면 주소를 찾을 수 없습니다: {host}") from None
    except OSError as exc:
        listener.close()
        reason = {errno.EADDRINUSE: "다른 프로그램이 이 포트를 쓰고 있습니다",
                  errno.EACCES: "이 포트를 열 권한이 없습니다"}.get(exc.errno or 0, exc.strerror)
        raise UserError(f"{host}:{port}에서 웹 화면을 열 수 없습니다: {reason}. "
                        "--port로 다른 포트를 주세요.") from None
    listener.set_inheritable(True)
    return listener


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_scheduler(database: Database, settings: Settings) -> BackgroundScheduler:
    from zoneinfo import ZoneInfo

    from apscheduler.schedulers.background import BackgroundScheduler

    from tracker import scheduler as jobs
    from tracker.clock import utc_now
    from tracker.inbound.jobs import add_job as add_inbound_job

    background = BackgroundScheduler(timezone=ZoneInfo(settings.timezone),
                                     job_defaults=jobs.JOB_DEFAULTS)
    jobs.make_scheduler(database, settings, background, clock=utc_now)
    add_inbound_job(background, database, settings, utc_now)  # replies by e-mail
    background.start()
    return background

