"""The Korean words users see for the tracker's codes: item states, reply kinds, outbox kinds
and states, due-date reasons, audit-log sentences, and times in the configured zone.

One place for the web app, the CLI and the e-mails, so a state is called the same
everywhere. Pure functions and tables only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from db.models import ItemStatus, OutboxState
from tracker.clock import as_utc

STATUS_LABELS = {
    ItemStatus.NEW: "미발송",
    ItemStatus.REQUESTED: "회신 대기",
    ItemStatus.ANSWERED: "검토 대기",
    ItemStatus.RETURNED: "보완 요청",
    ItemStatus.ACCEPTED: "완료",
}
# Whose turn it is on an open item: the department must answer, or the secretariat review.
DEPARTMENT_TURN = (ItemStatus.NEW, ItemStatus.REQUESTED, ItemStatus.RETURNED)
SECRETARIAT_TURN = (ItemStatus.ANSWERED,)

OUTBOX_KINDS = {
    "request": "회신 요청",
    "reminder": "기한 안내",
    "overdue": "기한 경과 독촉",
    "info": "참고 안내",
    "receipt": "접수 확인",
    "returned": "보완 요청",
    "failure": "발송 실패 알림",
    "digest": "주간 기한 경과 현황",
}
OUTBOX_STATES = {
    OutboxState.PENDING: "보낼 예정",
    OutboxState.SENDING: "보내는 중",
    OutboxState.SENT: "보냄",
    OutboxState.FAILED: "보내지 못함",
}
DUE_SOURCES = {
    "next_meeting": "다음 회의일",
    "default": "회의일로부터 기본 기한",
    "manual": "사무국이 정한 기한",
}
# Actors that are not people: the sentence then has no subject ("회신 요청 메일을 보냈습니다").
SYSTEM_ACTORS = {"mailer", "import", "cli", "scheduler", "test", ""}


def status_label(value: str) -> str:
    """The Korean name of an item state ("answered" → "검토 대기"); unknown values as given."""
    try:
        return STATUS_LABELS[ItemStatus(value)]
    except ValueError:
        return value


def outbox_kind_label(kind: str) -> str:
    """The Korean name of an outgoing e-mail's kind ("request" → "회신 요청")."""
    return OUTBOX_KINDS.get(kind, kind)


def outbox_state_label(state: str) -> str:
    """The Korean name of an outgoing e-mail's state ("failed" → "보내지 못함")."""
    try:
        return OUTBOX_STATES[OutboxState(state)]
    except ValueError:
        return state


def due_reason_label(source: str, reason: str) -> str:
    """Why an item is due when it is: "의견에 적힌 기한 (7월 말)", "다음 회의일", …"""
    if source == "text":
        return f"의견에 적힌 기한 ({reason})" if reason and reason != "default" else "의견에 적힌 기한"
    return DUE_SOURCES.get(source, reason if reason != "default" else "기본 기한")


def moment_text(moment: datetime | None, zone: str) -> str:
    """"2022-01-15 10:30 KST": the time in the configured zone, the zone named; "-" for None
    (naive values are UTC)."""
    if moment is None:
        return "-"
    local = as_utc(moment).astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or zone}"


# Particles that change with the last syllable of the word before them (받침 or not).
_PARTICLES = {"을": ("을", "를"), "를": ("을", "를"), "이": ("이", "가"), "가": ("이", "가"),
              "은": ("은", "는"), "는": ("은", "는"), "과": ("과", "와"), "와": ("과", "와"),
              "으로": ("으로", "로"), "로": ("으로", "로")}


def with_particle(word: str, particle: str) -> str:
    """`word` followed by the form of `particle` its last syllable takes: "관광과를",
    "복지정책과로", "서울시청으로", "서울로" (ㄹ takes 로). A word that does not end in a
    Hangul syllable (a closing quote, a digit) gets the usual "을(를)" pair. Pure."""
    after, without = _PARTICLES[particle]
    last = word.rstrip("'\"’”)")[-1:] if word else ""
    if not ("가" <= last <= "힣"):
        return f"{word}{after}({without})" if after != without else f"{word}{after}"
    final = (ord(last) - ord("가")) % 28
    if after == "으로":
        return word + ("로" if final in (0, 8) else "으로")  # 8: ㄹ
    return word + (after if final else without)


def audit_sentence(action: str, actor: str, detail: Mapping[str, Any]) -> str:
    """One audit event as a Korean sentence: "장보영 님이 회신을 제출했습니다 (1차, 반영)."."""
    who = "" if actor in SYSTEM_ACTORS else f"{actor} 님이 "
    make = _SENTENCES.get(action)
    if make is None:
        return f"{who}{action} 작업을 했습니다."
    return who + make(detail)


def repr_name(name: str) -> str:
    """A name in single quotes, as messages cite one: "'복지정책과'". Pure."""
    return f"'{name}'"


def _revision(detail: Mapping[str, Any]) -> str:
    parts = [f"{detail['revision']}차" if detail.get("revision") else "", detail.get("kind") or ""]
    shown = ", ".join(p for p in parts if p)
    return f" ({shown})" if shown else ""


def _was(detail: Mapping[str, Any]) -> str:
    old, new = detail.get("old"), detail.get("new")
    return f"{old or '없음'}에서 {new or '없음'}(으)로"


_SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "due_changed": lambda d: f"기한을 {_was(d)} 바꿨습니다.",
    "contact_changed": lambda d: f"담당자를 {_was(d)} 바꿨습니다.",
    "needs_reply_changed": lambda d: (
        "회신이 필요한 의견으로 표시했습니다." if d.get("new") else "회신이 필요 없는 의견으로 표시했습니다."),
    "response_submitted": lambda d: f"회신을 제출했습니다{_revision(d)}.",
    "draft_saved": lambda d: "회신을 임시 저장했습니다.",
    "accepted": lambda d: f"회신을 완료 처리했습니다{_revision(d)}.",
    "returned": lambda d: f"보완을 요청했습니다. 사유: {d.get('comment', '')}",
    "requested": lambda d: (f"회신 요청 메일을 {d['to']}(으)로 보냈습니다." if d.get("to")
                            else "회신 요청 대상으로 표시했습니다."),
    "request_resent": lambda d: f"회신 요청 메일을 {d.get('to') or '담당자'}에게 다시 보냈습니다.",
    "reminder_enqueued": lambda d: f"기한 안내 메일을 보냈습니다 ({d.get('occasion', '')}).",
    "created": lambda d: "회의록 가져오기로 의견을 만들었습니다.",
    "text_changed": lambda d: "회의록을 다시 가져와 의견 내용이 바뀌었습니다.",
    "response_imported": lambda d: "회의록에 적힌 후속조치를 회신으로 가져왔습니다.",
    "link_blocked": lambda d: "담당자의 회신 링크를 막았습니다.",
    "link_revoked": lambda d: "담당자의 회신 링크를 막았습니다.",
    "contact_added": lambda d: f"담당자 {d.get('contact', '')}을(를) 등록했습니다.",
    "contact_updated": lambda d: f"담당자 {d.get('contact', '')}의 정보를 고쳤습니다.",
    "contact_assigned": lambda d: (
        f"담당자를 {d.get('old')}에서 {with_particle(str(d.get('new', '')), '로')} 바꿔 지정했습니다."
        if d.get("old") else f"담당자를 {with_particle(str(d.get('new', '')), '로')} 지정했습니다."),
    "contact_retired": lambda d: f"담당자 {with_particle(str(d.get('contact', '')), '을')} 사용 중지했습니다.",
    "contact_restored": lambda d: (
        f"담당자 {with_particle(str(d.get('contact', '')), '을')} 다시 사용하게 했습니다."),
    "department_merged": lambda d: (
        f"부서 이름 {with_particle(repr_name(str(d.get('merged', ''))), '을')} "
        f"{with_particle(repr_name(str(d.get('kept', ''))), '로')} 합쳤습니다."),
    "user_added": lambda d: f"사용자 {d.get('username', '')}을(를) 만들었습니다.",
    "user_disabled": lambda d: f"사용자 {d.get('username', '')}을(를) 사용 중지했습니다.",
    "user_enabled": lambda d: f"사용자 {d.get('username', '')}을(를) 다시 사용하게 했습니다.",
    "password_reset": lambda d: f"사용자 {d.get('username', '')}의 암호를 바꿨습니다.",
    "confirmed": lambda d: f"'{d.get('what', '')}'을(를) 확인하고 실행했습니다.",
    "import": lambda d: f"회의록 {d.get('source', '')}을(를) 가져왔습니다.",
}
