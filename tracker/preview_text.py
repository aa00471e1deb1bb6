"""The import preview for the terminal: JSON, and readable lines (items, rows kept out,
warnings, what was or would be created)."""

from __future__ import annotations

import json

from tracker.importer import KIND_LABELS, ImportReport, Preview

STATUS = {"new": "새 의견", "answered": "답변 있음", "accepted": "완료"}
ROW_KINDS = {"group": "묶음 행", "total": "합계 행", "header": "머리글 반복", "continued": "이어진 행",
             "empty": "의견 없는 행"}
TABLES = {"monitoring": "모니터링 표", "audit": "감사 후속조치 표", "status": "추진현황 표"}
TEXT_WIDTH = 50


def as_json(plan: Preview) -> str:
    """``{"meeting": …, "items": […], "rows": […], "warnings": […]}`` as indented JSON."""
    return json.dumps(plan.as_json(), ensure_ascii=False, indent=2)


def lines(plan: Preview, report: ImportReport, *, dry_run: bool) -> list[str]:
    """The preview as lines for a person: meeting, one line per item, rows kept out,
    warnings, and the counts of what was (or would be) created and changed."""
    meeting = plan.meeting()
    out = [f"{meeting['committee']} {meeting['held_on']} ({plan.source}, "
           f"{TABLES.get(plan.profile, plan.profile)})"]
    if meeting["title"]:
        out.append(f"  제목: {meeting['title']}")
    out.append(f"  의견 {len(plan.items)}건:")
    for item in plan.items:
        state = STATUS.get(item.status, item.status)
        if item.reply_kind:
            state += f"({item.reply_kind})"
        text = item.text if len(item.text) <= TEXT_WIDTH else item.text[:TEXT_WIDTH] + "…"
        text = " ".join(text.split())
        out.append(f"    {item.where:>8} {item.key:<10} {item.department or '-'} · 기한 "
                   f"{item.due_date.isoformat()} · {state} · {text}")
    for row in plan.rows:
        out.append(f"  {ROW_KINDS.get(row.kind, row.kind)} {row.where}: {row.text[:TEXT_WIDTH]}")
    for warning in plan.warnings:
        out.append(f"  주의 {warning.where}: {warning.message}" if warning.where
                   else f"  주의: {warning.message}")
    verb = "만들어질 것" if dry_run else "만듦"
    created = ", ".join(f"{KIND_LABELS.get(k, k)} {n}" for k, n in report.created.items() if n)
    updated = ", ".join(f"{KIND_LABELS.get(k, k)} {n}" for k, n in report.updated.items() if n)
    out.append(f"  {verb}: {created or '없음'}")
    if updated:
        out.append(f"  {'바뀔 것' if dry_run else '바꿈'}: {updated}")
    if not report.changed:
        out.append("  이미 가져온 내용과 같습니다. 바뀐 것이 없습니다.")
    if dry_run:
        out.append("  (--dry-run: 저장하지 않았습니다)")
    return out
