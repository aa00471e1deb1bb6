"""Importing straight from Hancom files gives what importing the pasted text gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Item
from tests.conftest import DATA
from tracker.database import Database, open_database
from tracker.errors import UserError
from tracker.importer import import_file

HWPX_MINUTES = DATA / "2022-01-15-jobs-subcommittee-minutes.hwpx"
REAL_FILES = sorted((DATA / "hwp").glob("*.hwp*"))


def imported_items(db: Database, path: Path) -> list[tuple]:
    with db.transaction() as session:
        import_file(session, path)
    with db.transaction() as session:
        items = session.scalars(select(Item).order_by(Item.key))
        return [(i.key, i.text, i.due_date, i.needs_reply, i.contact.name if i.contact else None)
                for i in items]


def test_hwpx_minutes_import_like_the_pasted_text(
    db: Database, sample: Path, tmp_path: Path
) -> None:
    from_text = imported_items(db, sample)
    from_hwpx = imported_items(open_database(str(tmp_path / "hwpx.db")), HWPX_MINUTES)
    assert from_hwpx == from_text
    assert len(from_hwpx) == 14
    seventh = next(i for i in from_hwpx if i[0] == "1-7#1")
    assert str(seventh[2]) == "2022-07-31"


def test_detected_by_content_not_name(db: Database, tmp_path: Path) -> None:
    renamed = Path(shutil.copy(HWPX_MINUTES, tmp_path / "회의록.txt"))
    assert len(imported_items(db, renamed)) == 14


def test_document_without_monitoring_table_names_its_tables(db: Database) -> None:
    path = DATA / "hwp" / "ulsan-namgu_ordinance-notice_no-manifest.hwpx"
    with pytest.raises(UserError, match=r"모니터링 표.*찾지 못했습니다. 찾은 표 \d+개 중 가까운 것: 표 \d+ \("):
        imported_items(db, path)


def test_distribution_document_is_refused_in_korean(db: Database) -> None:
    path = DATA / "hwp" / "gangnam-welfare_bid-notice_distribution.hwp"
    with pytest.raises(UserError, match="배포용 문서는 읽을 수 없습니다"):
        imported_items(db, path)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_no_real_file_crashes_the_importer(db: Database, path: Path) -> None:
    # None of the real public-sector files is minutes: each is refused with a message.
    with pytest.raises(UserError) as refused:
        imported_items(db, path)
    assert path.name in str(refused.value)
    with db.transaction() as session:
        assert session.scalars(select(Item)).first() is None
