"""Configuration: one place, read once.

Each setting has a name, a default and a help text (SETTINGS below). Values come
from, in increasing precedence: the defaults, `tracker.toml` (in the current
directory, or the file named by TRACKER_CONFIG), and TRACKER_<NAME> environment
variables. The CLI's --db option overrides database_url.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notifications.addresses import address_problem
from tracker.errors import Invalid


@dataclass(frozen=True)
class Settings:
    """Every setting of the tracker, with its default."""

    database_url: str = "sqlite:///tracker.db"
    default_due_days: int = 30
    timezone: str = "Asia/Seoul"
    base_url: str = "http://localhost:8000"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_tls: bool = False
    mail_from: str = "tracker@example.org"
    secretariat_email: str = ""
    chair_email: str = ""
    secret_key: str = ""
    reply_link_days: int = 60
    work_start_hour: int = 9
    work_end_hour: int = 18
    reminder_days_before: str = "7,1"
    overdue_interval_days: int = 7
    overdue_notices_max: int = 4
    overdue_cc_department: bool = False
    outbox_lifetime_days: int = 5
    outbox_lease_seconds: int = 300
    smtp_connections: int = 4
    smtp_timeout_seconds: int = 30
    log_format: str = "text"
    # Replies by e-mail (tracker.inbound)
    inbound_address: str = ""
    inbound_separator: str = "+"
    inbound_same_department: bool = False
    imap_host: str = ""
    imap_port: int = 993
    imap_tls: bool = True
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_done_folder: str = ""
    imap_poll_seconds: int = 60
    upload_max_bytes: int = 20_000_000
    trusted_proxies: str = ""

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone (load_settings checked that it exists)."""
        return ZoneInfo(self.timezone)

    @property
    def reminder_days(self) -> tuple[int, ...]:
        """reminder_days_before as days, largest first ("7,1" → (7, 1); "" → none)."""
        return tuple(sorted({int(d) for d in self.reminder_days_before.split(",") if d.strip()},
                            reverse=True))

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict, safe to print: the SMTP password is masked."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for secret in ("smtp_password", "secret_key", "imap_password"):
            if values[secret]:
                values[secret] = "********"
        values["database_url"] = _masked_url(self.database_url)
        return values


def _masked_url(url: str) -> str:
    # "postgresql://user:secret@host/db" → "postgresql://user:********@host/db"
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1********@", url)


HELP: dict[str, str] = {
    "database_url": "데이터베이스 주소 (SQLite 파일 경로 또는 postgresql://…)",
    "default_due_days": "의견에 기한이 없고 차기 회의도 없을 때 회의일로부터의 기본 기한(일)",
    "timezone": "업무 시간대",
    "base_url": "회신 링크에 쓰이는 공개 주소",
    "smtp_host": "메일 서버 호스트",
    "smtp_port": "메일 서버 포트",
    "smtp_user": "메일 서버 로그인 사용자",
    "smtp_password": "메일 서버 로그인 암호 (출력되지 않음)",
    "smtp_starttls": "STARTTLS 사용 여부",
    "smtp_tls": "처음부터 TLS로 연결할지 여부",
    "mail_from": "보내는 사람 주소",
    "secretariat_email": "사무국 주소 (회신 받는 주소, 실패 알림)",
    "chair_email": "분과장 주소 (미회신 요약 메일)",
    "secret_key": "로그인 세션·양식 서명과 회신 링크를 만드는 비밀 키 (serve·worker에 필수, 16자 이상, 모든 프로세스에 같은 값; 출력되지 않음)",
    "reply_link_days": "회신 링크 유효 기간: 마지막 기한 뒤 며칠까지 (발급일로부터도 최소 이만큼)",
    "work_start_hour": "독촉 메일을 보내기 시작하는 시각 (업무 시간대 기준, 0-23)",
    "work_end_hour": "독촉 메일을 보내지 않기 시작하는 시각 (업무 시간대 기준, 1-24)",
    "reminder_days_before": "기한 며칠 전에 사전 안내를 보낼지, 쉼표로 구분 (예: 7,1)",
    "overdue_interval_days": "기한 경과 후 독촉 간격(일)",
    "overdue_notices_max": "기한 경과 독촉 최대 횟수",
    "overdue_cc_department": "기한 경과 독촉을 같은 부서의 다른 담당자에게 참조로 보낼지",
    "outbox_lifetime_days": "일시 오류로 못 보낸 메일을 재시도하는 기간(일); 지나면 실패 처리",
    "outbox_lease_seconds": "발송 작업자가 메일을 잡고 있는 시간(초); 지나면 다른 작업자가 다시 보냄",
    "smtp_connections": "메일 서버에 동시에 여는 연결 수",
    "smtp_timeout_seconds": "메일 서버 응답 대기 시간(초)",
    "log_format": "serve·worker 로그 형식: text(한 줄 글) 또는 json(한 줄에 JSON 객체 하나)",
    "inbound_address": "메일 회신을 받는 주소 (예: reply@tracker.example.org); 정하면 요청 메일마다 "
                       "Reply-To: reply+KEY@… 를 붙임 (secret_key 필요)",
    "inbound_separator": "받는 주소에서 KEY 앞에 붙는 구분 문자 (메일 서버 설정, 보통 +)",
    "inbound_same_department": "담당자 본인이 아니어도 같은 부서 담당자 주소에서 온 메일 회신을 반영할지",
    "imap_host": "메일 회신을 가져올 IMAP 서버 (tracker inbound --imap)",
    "imap_port": "IMAP 서버 포트",
    "imap_tls": "IMAP에 처음부터 TLS로 연결할지 (false면 평문, 루프백 시험용)",
    "imap_user": "IMAP 로그인 사용자",
    "imap_password": "IMAP 로그인 암호 (출력되지 않음)",
    "imap_folder": "메일 회신을 읽을 IMAP 폴더",
    "imap_done_folder": "저장한 메일을 옮길 IMAP 폴더 (비우면 옮기지 않고 읽음·깃발 표시)",
    "imap_poll_seconds": "IDLE을 지원하지 않는 서버를 다시 확인하는 간격(초)",
    "upload_max_bytes": "콘솔에 올리는 파일의 최대 크기(바이트); 다른 요청은 1 MB까지",
    "trusted_proxies": "X-Forwarded-For를 믿을 역방향 프록시 주소, 쉼표로 구분 (예: 127.0.0.1); "
                       "비우면 아무것도 믿지 않음",
}


def load_settings(environ: dict[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Settings from the defaults, tracker.toml and TRACKER_* variables; Invalid on a bad value."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = _read_toml(_config_path(environ, cwd or Path.cwd()))
    for f in fields(Settings):
        env_value = environ.get(f"TRACKER_{f.name.upper()}")
        if env_value is not None:
            values[f.name] = env_value
    return _checked(Settings(**{name: _coerce(name, value) for name, value in values.items()}))


def _config_path(environ: dict[str, str], cwd: Path) -> Path | None:
    named = environ.get("TRACKER_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise Invalid(f"설정 파일이 없습니다: {path}")
        return path
    default = cwd / "tracker.toml"
    return default if default.is_file() else None


def _read_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    import tomllib  # only when there is a file: most runs have none, and start-up counts

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"설정 파일 {path}을 읽을 수 없습니다: {exc}") from None
    table = data.get("tracker", data)
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise Invalid(f"설정 파일 {path}에 알 수 없는 항목이 있습니다: {', '.join(unknown)}")
    return dict(table)


CHOICES: dict[str, tuple[str, ...]] = {"log_format": ("text", "json")}
# The smallest and largest value of each bounded number (None: no upper bound).
RANGES: dict[str, tuple[int, int | None]] = {
    "default_due_days": (1, None), "smtp_port": (1, 65535), "reply_link_days": (1, None),
    "work_start_hour": (0, 23), "work_end_hour": (1, 24), "overdue_interval_days": (1, None),
    "overdue_notices_max": (0, None), "outbox_lifetime_days": (1, None),
    "outbox_lease_seconds": (1, None), "smtp_connections": (1, None),
    "smtp_timeout_seconds": (1, None),
}


# Addresses every message is written with (From, Reply-To, the reply+KEY domain): one the
# mail parser refuses would stop all mail, so it is refused here, at start. (A bad
# chair_email only sets the weekly digest aside, with the reason: tracker.digest.)
ADDRESS_SETTINGS = ("mail_from", "secretariat_email", "inbound_address")


def _checked(settings: Settings) -> Settings:
    # Every value is checked here, once, so no later use can fail on a bad setting.
    for name in ADDRESS_SETTINGS:
        value = getattr(settings, name).strip()
        problem = address_problem(value) if value or name == "mail_from" else None
        if problem:
            raise Invalid(f"설정 {name}의 주소를 쓸 수 없습니다: {value!r} ({problem})")
    for name, (low, high) in RANGES.items():
        value = getattr(settings, name)
        if value < low or (high is not None and value > high):
            bound = f"{low} 이상" if high is None else f"{low}~{high}"
            raise Invalid(f"설정 {name}은(는) {bound}이어야 합니다: {value!r}")
    if settings.work_start_hour >= settings.work_end_hour:
        raise Invalid("설정 work_start_hour는 work_end_hour보다 빨라야 합니다: "
                      f"{settings.work_start_hour} ≥ {settings.work_end_hour}")
    try:
        settings.zone  # noqa: B018 - looking the zone up is the check
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"설정 timezone은(는) Asia/Seoul 같은 시간대 이름이어야 합니다: "
                      f"{settings.timezone!r}") from None
    try:
        settings.reminder_days  # noqa: B018 - parsing is the check
    except ValueError:
        raise Invalid("설정 reminder_days_before는 7,1처럼 쉼표로 구분한 일수여야 합니다: "
                      f"{settings.reminder_days_before!r}") from None
    if any(day < 0 for day in settings.reminder_days):
        raise Invalid("설정 reminder_days_before의 일수는 0 이상이어야 합니다: "
                      f"{settings.reminder_days_before!r}")
    return settings


def _coerce(name: str, value: Any) -> Any:
    kind = Settings.__dataclass_fields__[name].type
    if name in CHOICES and str(value) not in CHOICES[name]:
        raise Invalid(f"설정 {name}은(는) {', '.join(CHOICES[name])} 중 하나여야 합니다: {value!r}")
    if kind == "bool":
        return _to_bool(name, value)
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise Invalid(f"설정 {name}은(는) 정수여야 합니다: {value!r}") from None
    return str(value)


def _to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise Invalid(f"설정 {name}은(는) true 또는 false여야 합니다: {value!r}")
