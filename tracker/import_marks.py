"""Meetings whose import has not finished: marked while `importer.import_in_batches` writes
them, batch by batch, and unmarked by its last batch.

A long import commits in short batches so that other writers get their turn; in between,
the meeting is partly written. The mark says so: the console shows the meeting as
"가져오는 중", and requests are not sent for its items until it is complete (a department
never gets half a meeting). An import that stopped midway leaves the mark: importing the
same file again finds what was written and finishes the rest.

The mark is a JobRun row ("import", "meeting-<id>"), so no table of its own is needed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import JobRun

JOB = "import"
LABEL = "가져오는 중"


def _occasion(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def mark(session: Session, meeting_id: int, now: datetime) -> None:
    """Mark the meeting as being imported (in the caller's transaction); already marked
    (an earlier import stopped midway) stays marked."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(module.insert(JobRun).values(job=JOB, occasion=_occasion(meeting_id),
                                                 started_at=now)
                    .on_conflict_do_nothing(index_elements=["job", "occasion"]))


def unmark(session: Session, meeting_id: int) -> None:
    """The meeting's import is complete (call it in the transaction of its last batch)."""
    session.execute(delete(JobRun).where(JobRun.job == JOB,
                                         JobRun.occasion == _occasion(meeting_id)))


def being_imported(session: Session) -> set[int]:
    """The ids of the meetings whose import has not finished (few: read them all)."""
    found = session.scalars(select(JobRun.occasion).where(JobRun.job == JOB))
    return {int(occasion.rpartition("-")[2]) for occasion in found
            if occasion.rpartition("-")[2].isdigit()}
