"""The sample minutes' eight contacts, with example.org addresses for the mail tests."""

from __future__ import annotations

from tracker.contacts import add_contact
from tracker.database import Database

# (department, name, address, program numbers)
CONTACTS = [
    ("일자리정책과", "김윤지", "kim.yunji@example.org", ["1-1"]),
    ("관광과", "장보영", "jang.boyoung@example.org", ["1-2"]),
    ("일자리정책과", "선헤미", "sun.hemi@example.org", ["1-4"]),
    ("일자리정책과", "어수정", "eo.sujeong@example.org", ["1-5"]),
    ("지역경제과", "강여지", "kang.yeoji@example.org", ["1-6"]),
    ("일자리정책과", "임양수", "lim.yangsu@example.org", ["1-7"]),
    ("일자리정책과", "손지현", "son.jihyun@example.org", ["1-8"]),  # praise only: info e-mail
    ("노동정책과", "조미화", "jo.mihwa@example.org", ["1-9"]),
]


def give_emails(db: Database, skip: tuple[str, ...] = ()) -> None:
    """Give every sample contact (except the names in `skip`) their address."""
    with db.transaction() as session:
        for department, name, address, _ in CONTACTS:
            if name not in skip:
                add_contact(session, department, name, address, actor="test")
