"""The mail commands of `tracker`: send, remind, outbox, worker, mailcatcher.

They call the notifications services and print; no SQL here. Loaded by the root group
(tracker/cli.py) when a command runs or its help is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from tracker import cli_params as params
from tracker.cli_app import App, pass_app
from tracker.errors import UserError


@click.command()
@click.option("--contact", help="이 담당자에게만 (이름 또는 '부서/이름')")
@click.option("--department", help="이 부서에만")
@click.option("--dry-run", is_flag=True, help="보내지 않고 누구에게 무엇이 갈지 보여 줍니다.")
@pass_app
def send(app: App, contact: str | None, department: str | None, dry_run: bool) -> None:
    """아직 요청하지 않은 의견의 회신 요청 메일을 담당자별로 한 통씩 보냅니다.

    이메일이 없는 담당자는 목록으로 알려 주고 건너뜁니다. 메일 서버에 연결할 수 없으면
    메일은 대기열에 남고, 나중에 `tracker worker`나 `tracker send`가 다시 보냅니다.
    """
    from tracker.clock import utc_now as utc_clock
    from tracker.requests import request_contacts

    scope = app.database.rollback_only() if dry_run else app.transaction()
    with scope as session:
        report = request_contacts(session, app.settings, utc_clock(), contact=contact,
                                  department=department, actor="cli")
    for who, address, count, info in report.enqueued:
        kind = "참고 안내" if info else "회신 요청"
        click.echo(f"  {who} <{address}>: 의견 {count}건 ({kind})")
    for who, count in report.no_email:
        click.echo(f"  건너뜀: {who} (이메일 없음, 의견 {count}건) → `tracker contacts add`", err=True)
    for who, address, why in report.bad_email:
        click.echo(f"  건너뜀: {who} <{address}> (주소 오류: {why}) → 주소를 고친 뒤 다시 보내 "
                   "주세요. `tracker outbox --status failed`에 남겼습니다.", err=True)
    if report.no_contact:
        click.echo(f"  건너뜀: 담당자가 없는 의견 {len(report.no_contact)}건", err=True)
    if dry_run:
        click.echo(f"(--dry-run: 메일 {len(report.enqueued)}통을 보내지 않았습니다)")
        return
    if not report.enqueued:
        click.echo("새로 보낼 요청이 없습니다.")
    _deliver(app)


def _deliver(app: App) -> None:
    from rich.progress import Progress

    from notifications import outbox, sender
    from tracker.clock import utc_now

    with app.transaction() as session:
        pending = outbox.count(session, "pending")
    # Ctrl+C or SIGTERM: finish the messages in flight and record them; twice: exit now.
    with sender.stopping_on_signals(), Progress(transient=True) as progress:
        task = progress.add_task("메일 발송", total=pending or None)
        report = sender.flush(app.database, app.settings, clock=utc_now,
                              on_progress=lambda n: progress.advance(task, n))
    click.echo(f"발송 {report.sent}통, 재시도 대기 {report.retried}통, 실패 {report.failed}통")
    if sender.STOP.is_set():
        click.echo("중단했습니다: 보내던 메일은 결과를 기록했고, 나머지는 대기열에 남아 "
                   "다음 `tracker send`나 `tracker worker`가 보냅니다.", err=True)
        raise SystemExit(130)
    if report.retried:
        click.echo(f"메일 서버({app.settings.smtp_host}:{app.settings.smtp_port})에 보내지 못해 "
                   f"{report.retried}통을 대기열에 두었습니다: {report.last_error}\n"
                   "서버가 살아나면 `tracker worker` 또는 `tracker send`가 다시 보냅니다.")


@click.command()
@click.option("--as-of", type=params.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="이 시각(업무 시간대)으로 계산 (기본: 지금). 날짜만 주면 10:00")
@pass_app
def remind(app: App, as_of: datetime | None) -> None:
    """기한 안내·독촉 메일을 지금 한 번 계산해 대기열에 넣고 보냅니다."""
    from notifications import sender
    from tracker import reminders

    now = _moment(app, as_of)
    report = reminders.sweep(app.database, app.settings, now)
    click.echo(f"의견 {report.items}건 확인, 안내 메일 {report.enqueued}통, "
               f"늦어서 건너뛴 안내 {report.skipped}건, 오류 {report.errors}건")
    if report.items == 0:
        click.echo("(업무 시간 밖이거나 보낼 때가 된 의견이 없습니다)")
    flushed = sender.flush(app.database, app.settings, clock=lambda: now)
    click.echo(f"발송 {flushed.sent}통, 재시도 대기 {flushed.retried}통, 실패 {flushed.failed}통")


def _moment(app: App, as_of: datetime | None) -> datetime:
    from tracker.clock import utc_now as utc_clock

    if as_of is None:
        return utc_clock()
    zone = ZoneInfo(app.settings.timezone)
    if as_of.time() == time():
        as_of = as_of.replace(hour=10)
    return as_of.replace(tzinfo=zone)


@click.group(invoke_without_command=True)
@click.option("--status", type=params.Choice(["pending", "sending", "sent", "failed"]),
              help="이 상태만")
@click.pass_context
def outbox(ctx: click.Context, status: str | None) -> None:
    """보낼 메일 대기열(outbox)을 봅니다."""
    if ctx.invoked_subcommand is not None:
        return
    from notifications import outbox as store
    from tracker.labels import outbox_kind_label, outbox_state_label
    from tracker.terminal import visible

    app = ctx.find_object(App)
    assert app is not None
    with app.transaction() as session:
        rows = [(r.id, r.state.value, r.kind, r.recipient, r.attempts, r.subject, r.last_error)
                for r in store.list_messages(session, status)]
    if not rows:
        click.echo("대기열에 메일이 없습니다.")
    for row_id, state, kind, to, attempts, subject, error in rows:
        click.echo(f"{row_id:>5} {outbox_state_label(state):<6} {outbox_kind_label(kind):<8} "
                   f"{visible(to):<30} 시도 {attempts} {visible(subject)}")
        if error and state != "sent":
            click.echo(f"      오류: {visible(error)}")


@outbox.command("retry")
@click.argument("row_id", type=params.INTEGER)
@pass_app
def outbox_retry(app: App, row_id: int) -> None:
    """실패했거나 대기 중인 메일을 지금 다시 보냅니다."""
    from notifications import outbox as store
    from tracker.clock import utc_now
    from tracker.letters import outbox_lifetime

    with app.transaction() as session:
        row = store.retry_now(session, row_id, utc_now(), outbox_lifetime(app.settings))
    if row is None:
        raise UserError(f"메일 {row_id}번이 없거나 이미 보냈거나 보내는 중입니다.")
    _deliver(app)


@click.command()
@click.option("--sweep-seconds", type=params.IntRange(min=1), hidden=True,
              help="시험용: 독촉 점검 간격(초)")
@click.option("--flush-seconds", type=params.IntRange(min=1), hidden=True,
              help="시험용: 메일 발송 간격(초)")
@click.option("--digest-seconds", type=params.IntRange(min=1), hidden=True,
              help="시험용: 주간 요약을 월요일 09:00 대신 이 간격(초)으로 시도")
@click.option("--clock-start", type=params.DateTime(["%Y-%m-%dT%H:%M:%S%z"]), hidden=True,
              help="시험용: 작업자의 시계를 이 시각에서 시작 (예: 2022-03-07T09:05:00+0900)")
@pass_app
def worker(app: App, sweep_seconds: int | None, flush_seconds: int | None,
           digest_seconds: int | None, clock_start: datetime | None) -> None:
    """기한 안내(5분마다), 메일 발송(30초마다), 주간 요약(월 09:00)을 계속 실행합니다. 웹 없이.

    여러 대를 함께 돌려도 메일은 한 번씩만 나갑니다 (PostgreSQL 권장). SIGTERM이나 Ctrl+C로
    끝내면 새 메일을 잡지 않고 보내던 메일만 몇 초 안에 마치고 기록한 뒤 끝납니다 (두 번
    누르면 바로 끝남).
    """
    from notifications.sender import install_stop_handlers
    from tracker.clock import utc_now as utc_clock
    from tracker.inbound.jobs import add_job as add_inbound_job
    from tracker.links import check_secret_key
    from tracker.logs import configure_logging
    from tracker.scheduler import make_scheduler

    check_secret_key(app.settings.secret_key)  # the reply links e-mails carry derive from it
    configure_logging(log_format=app.settings.log_format)
    clock = utc_clock if clock_start is None else _shifted_clock(clock_start)
    scheduler = make_scheduler(app.database, app.settings, clock=clock)
    add_inbound_job(scheduler, app.database, app.settings, clock)  # replies by e-mail
    for job_id, seconds in (("reminder-sweep", sweep_seconds), ("outbox-flush", flush_seconds),
                            ("weekly-digest", digest_seconds)):
        if seconds is not None:
            scheduler.reschedule_job(job_id, trigger="interval", seconds=seconds)
    click.echo(f"작업자 시작: 메일 서버 {app.settings.smtp_host}:{app.settings.smtp_port} "
               "(Ctrl+C로 종료)")
    # The running flush sees the stop and returns; shutdown(wait=False) ends start() here and
    # the interpreter waits for the job thread (at most sender.STOP_GRACE_SECONDS more).
    install_stop_handlers(on_stop=lambda: scheduler.shutdown(wait=False))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("작업자 종료")


def _shifted_clock(start: datetime) -> Callable[[], datetime]:
    """A UTC clock that reads `start` now and runs at the real pace from there."""
    from tracker.clock import utc_now as utc_clock

    offset = start - utc_clock()
    return lambda: utc_clock() + offset


@click.command()
@click.option("--port", default=1025, show_default=True, type=params.INTEGER, help="받을 포트")
@click.option("--host", default="127.0.0.1", show_default=True, help="받을 주소")
@click.option("--dir", "directory", type=params.Folder(),
              default=Path("mail"), show_default=True, help=".eml 파일을 저장할 폴더")
def mailcatcher(port: int, host: str, directory: Path) -> None:
    """개발용 메일 서버: 받은 메일을 보내지 않고 폴더에 .eml 파일로 저장합니다."""
    import threading

    from notifications.mailcatcher import MailCatcher

    try:
        catcher = MailCatcher(directory, host, port)
        catcher.start()
    except OSError as exc:
        raise UserError(f"{host}:{port}에서 메일을 받을 수 없습니다: {exc.strerror}") from None
    click.echo(f"메일 수신 중: {host}:{port} → {directory}/ (Ctrl+C로 종료)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        catcher.stop()
