"""/dev/mail: off unless enabled; lists the caught messages and opens one with its links
clickable; file names cannot reach outside the mail folder. Headers on every kind of page."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.web_factory import make_client
from tracker.database import Database


def caught(folder: Path) -> str:
    message = EmailMessage()
    message["From"] = "tracker@example.org"
    message["To"] = "김윤지 <contact1@example.org>"
    message["Subject"] = "[일자리분과] 후속조치 회신 요청"
    message.set_content("아래 링크에서 회신해 주세요.\nhttps://tracker.example.org/r/abc_DEF-123\n")
    message.add_alternative('<p><a href="https://tracker.example.org/r/abc_DEF-123">회신</a></p>'
                            '<script>alert(1)</script>', subtype="html")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "20220201-1.eml").write_bytes(bytes(message))
    return "20220201-1.eml"


def test_dev_mail_is_off_by_default(db: Database) -> None:
    assert make_client(db).get("/dev/mail").status_code == 404


def test_dev_mail_lists_and_opens_messages(db: Database, tmp_path: Path) -> None:
    name = caught(tmp_path / "mail")
    client = make_client(db, dev_mail_dir=tmp_path / "mail")
    listing = client.get("/dev/mail")
    assert listing.status_code == 200 and "후속조치 회신 요청" in listing.text
    page = client.get(f"/dev/mail/{name}")
    assert page.status_code == 200
    assert '<a href="https://tracker.example.org/r/abc_DEF-123">' in page.text
    assert "frame-src 'self'" in page.headers["content-security-policy"]
    html = client.get(f"/dev/mail/{name}/html")
    assert "sandbox" in html.headers["content-security-policy"]
    assert "script-src" not in html.headers["content-security-policy"]


@pytest.mark.parametrize("name", ["..%2F..%2Fetc%2Fpasswd", "missing.eml", ".hidden.eml"])
def test_dev_mail_names_stay_inside_the_folder(db: Database, tmp_path: Path, name: str) -> None:
    caught(tmp_path / "mail")
    client = make_client(db, dev_mail_dir=tmp_path / "mail")
    assert client.get(f"/dev/mail/{name}").status_code == 404


@pytest.mark.parametrize("path", ["/console/login", "/nowhere", "/static/site.css", "/r/x"])
def test_every_page_has_the_security_headers(db: Database, path: str) -> None:
    page = make_client(db).get(path)
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
