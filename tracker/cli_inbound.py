"""`tracker inbound`: receive replies by e-mail, three ways, one code path
(tracker.inbound.receiving): one message on standard input (a Postfix `pipe` transport or an
alias), an IMAP mailbox (`--imap`), or an LMTP server (`--lmtp`). Loaded by the root group
(tracker/cli.py) when the command runs.
"""

from __future__ import annotations

import sys

import click

from tracker.cli_app import App, pass_app
from tracker.cli_params import IntRange
from tracker.errors import UserError


@click.command()
@click.option("--recipient", "recipients", multiple=True, metavar="ADDRESS",
              help="봉투의 받는 주소 (Postfix pipe의 ${recipient}); 없으면 헤더에서 찾습니다.")
@click.option("--imap", is_flag=True, help="IMAP 메일함(imap_host…)을 계속 읽습니다.")
@click.option("--once", is_flag=True, help="--imap: 한 번만 읽고 끝냅니다.")
@click.option("--lmtp", is_flag=True, help="LMTP 서버로 메일을 받습니다.")
@click.option("--host", default="127.0.0.1", show_default=True, help="--lmtp: 받을 주소")
@click.option("--port", type=IntRange(1, 65535), default=2424, show_default=True,
              help="--lmtp: 받을 포트")
@pass_app
def inbound(app: App, recipients: tuple[str, ...], imap: bool, once: bool, lmtp: bool,
            host: str, port: int) -> None:
    """메일 회신을 받습니다: 표준 입력의 메일 한 통(기본), IMAP 메일함(--imap), LMTP(--lmtp).

    표준 입력일 때 종료 코드는 메일 서버가 이해하는 sysexits입니다: 0 저장했거나 일부러
    무시함, 67 모르는(또는 위조된) 주소, 75 일시 오류(메일 서버가 나중에 다시 전달).
    """
    from tracker.inbound import targets

    if imap and lmtp:
        raise UserError("--imap과 --lmtp 중 하나만 고르세요.")
    if not targets.enabled(app.settings):
        message = "메일 회신을 받으려면 inbound_address와 secret_key를 설정해야 합니다."
        if imap or lmtp:
            raise UserError(message)
        click.echo(f"오류: {message}", err=True)
        sys.exit(75)  # the MTA keeps the message until the setting is fixed
    if imap:
        _imap(app, once)
    elif lmtp:
        _lmtp(app, host, port)
    else:
        _stdin(app, recipients)


def _stdin(app: App, recipients: tuple[str, ...]) -> None:
    from tracker.clock import utc_now as utc_clock
    from tracker.inbound.receiving import EX_TEMPFAIL, receive

    raw = sys.stdin.buffer.read()
    try:
        database = app.database
    except UserError as exc:
        click.echo(f"오류: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    outcome = receive(database, app.settings, raw, utc_clock(), recipients)
    line = f"{outcome.result.value}: {outcome.state or ''} {outcome.detail}".strip()
    click.echo(line, err=outcome.exit_code != 0)
    sys.exit(outcome.exit_code)


def _imap(app: App, once: bool) -> None:
    from tracker.clock import utc_now as utc_clock
    from tracker.inbound import imap

    if not app.settings.imap_host:
        raise UserError("IMAP 서버(imap_host)를 설정해 주세요.")
    if once:
        count = imap.poll_once(app.database, app.settings, utc_clock)
        click.echo(f"IMAP에서 메일 {count}통을 읽었습니다.")
        return
    click.echo(f"IMAP 읽기 시작: {app.settings.imap_host} {app.settings.imap_folder} "
               "(Ctrl+C로 종료)")
    try:
        imap.run(app.database, app.settings, utc_clock)
    except KeyboardInterrupt:
        click.echo("IMAP 읽기 종료")


def _lmtp(app: App, host: str, port: int) -> None:
    from tracker.inbound import lmtp

    click.echo(f"LMTP 서버 시작: {host}:{port} (Ctrl+C로 종료)")
    lmtp.serve(app.database, app.settings, host, port)
