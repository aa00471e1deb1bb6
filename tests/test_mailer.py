"""Building and sending messages: header injection, Korean round trip, required headers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from notifications.compose import POLICY, Draft, Mailbox, header_text, make_message, to_bytes
from notifications.mailer import Mailer, SmtpConfig
from tests.smtp_server import TestServer, free_port, smtp_server_fixture  # noqa: F401

NOW = datetime(2022, 3, 2, 1, 0, tzinfo=UTC)
SENDER = Mailbox("모니터링 후속조치 사무국", "tracker@council.example.org")


def draft(**overrides: object) -> Draft:
    values: dict[str, object] = dict(sender=SENDER, to=Mailbox("김윤지", "kim@example.org"),
                                     subject="[일자리분과] 회신 요청 (1-1) - 기한 2022-02-23",
                                     text="본문", html="<p>본문</p>",
                                     reply_to="office@example.org")
    return Draft(**(values | overrides))  # type: ignore[arg-type]


def send(server: TestServer, message: bytes, recipients: list[str]) -> object:
    async def go() -> object:
        async with Mailer(SmtpConfig("127.0.0.1", server.port, timeout=5)) as mailer:
            return await mailer.send("tracker@council.example.org", recipients, message)

    return asyncio.run(go())


@pytest.mark.parametrize("evil", ["\r\nBcc: victim@evil.example", "\nBcc: victim@evil.example",
                                  "\u2028Bcc: victim@evil.example", "\rBcc: victim@evil.example"])
def test_line_breaks_in_name_or_subject_cannot_inject_headers(
    smtp_server: TestServer, evil: str
) -> None:
    message = make_message(draft(to=Mailbox(f"김윤지{evil}", "kim@example.org"),
                                 subject=f"회신 요청{evil}"), NOW)
    send(smtp_server, to_bytes(message), ["kim@example.org"])
    [received] = smtp_server.messages
    parsed = received.parsed()
    assert parsed.get_all("Bcc") is None
    assert len(parsed.get_all("Subject")) == 1
    assert received.recipients == ["kim@example.org"]
    assert b"\nBcc:" not in received.data


def test_the_policy_itself_refuses_line_breaks() -> None:
    message = make_message(draft(), NOW)
    with pytest.raises(ValueError):
        message["X-Note"] = "a\r\nBcc: victim@evil.example"
    assert header_text("a\r\n\u2028b\x00c") == "a b c"
    assert POLICY.linesep == "\r\n"


def test_korean_subject_and_names_survive_the_round_trip(smtp_server: TestServer) -> None:
    message = make_message(draft(cc=[Mailbox("이참조", "lee@example.org")]), NOW)
    raw = to_bytes(message)
    assert raw.isascii()  # encoded words and base64 bodies: no SMTPUTF8 needed
    send(smtp_server, raw, ["kim@example.org", "lee@example.org"])
    parsed = smtp_server.messages[0].parsed()
    assert parsed["Subject"] == "[일자리분과] 회신 요청 (1-1) - 기한 2022-02-23"
    assert parsed["From"].addresses[0].display_name == "모니터링 후속조치 사무국"
    assert parsed["To"].addresses[0].display_name == "김윤지"
    assert parsed["Cc"].addresses[0].display_name == "이참조"
    assert parsed.get_body(("plain",)).get_content().strip() == "본문"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>본문</p>"


def test_required_headers_and_threading() -> None:
    first, second = make_message(draft(), NOW), make_message(draft(in_reply_to="<req@x>"), NOW)
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Message-ID"].endswith("@council.example.org>")
    assert first["Date"] == "Wed, 02 Mar 2022 01:00:00 +0000"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["Reply-To"] == "office@example.org"
    assert first.get("In-Reply-To") is None
    assert second["In-Reply-To"] == second["References"] == "<req@x>"


def test_bad_address_is_refused_when_building() -> None:
    with pytest.raises(ValueError):
        make_message(draft(to=Mailbox("x", "a@example.org\r\nBcc: b@evil.example")), NOW)


def test_errors_are_classified_per_recipient(smtp_server: TestServer) -> None:
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 no such user"
    smtp_server.refuse["busy@example.org"] = "452 4.2.2 over quota"
    outcome = send(smtp_server, to_bytes(make_message(draft(), NOW)),
                   ["kim@example.org", "gone@example.org", "busy@example.org"])
    assert outcome.accepted == ["kim@example.org"]  # type: ignore[attr-defined]
    assert list(outcome.permanent) == ["gone@example.org"]  # type: ignore[attr-defined]
    assert list(outcome.temporary) == ["busy@example.org"]  # type: ignore[attr-defined]


def test_refused_connection_is_temporary() -> None:
    server = TestServer(port=free_port())  # never started
    outcome = send(server, to_bytes(make_message(draft(), NOW)), ["kim@example.org"])
    assert outcome.temporary and not outcome.permanent  # type: ignore[attr-defined]


def test_data_5xx_is_permanent_and_4xx_temporary(smtp_server: TestServer) -> None:
    smtp_server.data_replies.extend(["554 5.7.1 rejected", "451 4.3.0 later"])
    raw = to_bytes(make_message(draft(), NOW))
    assert send(smtp_server, raw, ["kim@example.org"]).permanent  # type: ignore[attr-defined]
    assert send(smtp_server, raw, ["kim@example.org"]).temporary  # type: ignore[attr-defined]
    assert send(smtp_server, raw, ["kim@example.org"]).delivered  # type: ignore[attr-defined]


def test_password_is_not_in_repr() -> None:
    assert "s3cret" not in repr(SmtpConfig("h", 25, "u", "s3cret"))
