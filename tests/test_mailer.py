"""Building and sending messages: header injection, Korean round trip (SMTPUTF8 only when
an address needs it and the server offers it), required headers."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage

import aiosmtplib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import OutboxMessage, OutboxState
from notifications import outbox, sender
from notifications.compose import (
    POLICY,
    Draft,
    Mailbox,
    build,
    header_text,
    make_message,
    to_bytes,
)
from notifications.mailer import NEEDS_SMTPUTF8, Mailer, Outcome, SmtpConfig
from tests.smtp_server import (  # noqa: F401
    TestServer,
    ascii_smtp_server_fixture,
    free_port,
    smtp_server_fixture,
)
from tracker.database import Database

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


# ---------------------------------------------------------------- build(): the fast writer

HOSTILE = ["김윤지\r\nBcc: victim@evil.example", "김\nBcc: v@evil.example", "김\u2028Bcc: v@e.x",
           "김\rBcc: v@evil.example", "\x00\x1b널\x7f", 'Kim, "Yunji" <boss@evil.example>',
           "=?utf-8?q?Bcc:_v@evil.example?=", "  앞뒤 공백  ", "Kim  Yunji", "Kim\tYunji",
           "Kim Yunji", "", "😀 이모지 " * 20, "가" * 200, "a" * 300, "x" * 70 + " 한글",
           "\\escaped\\ (comment) <a@b> ;:", "\u0085NEL\u2029PS"]


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def assert_same_message(new: bytes, old: bytes) -> None:
    """The two messages carry the same headers (Message-ID aside) and the same parts."""
    a, b = parsed(new), parsed(old)
    assert new.isascii() and all(len(line) <= 998 for line in new.split(b"\r\n"))
    assert b"\n" not in new.replace(b"\r\n", b"")
    assert list(a.keys()) == list(b.keys())
    addresses = ("From", "To", "Cc", "Reply-To")
    for name in a:
        if name == "Content-Type":  # the boundaries differ
            assert a.get_content_type() == b.get_content_type() == "multipart/alternative"
        elif name in addresses:  # where a long name is cut, the parser adds a space
            assert [(_squeezed(x.display_name), x.addr_spec) for x in a[name].addresses] == \
                [(_squeezed(x.display_name), x.addr_spec) for x in b[name].addresses]
        elif name != "Message-ID":
            assert str(a[name]) == str(b[name]), name
    for kind in ("plain", "html"):
        part_a, part_b = a.get_body((kind,)), b.get_body((kind,))
        assert part_a is not None and part_b is not None
        assert part_a.get_content() == part_b.get_content()
        # make_message leaves a MIME-Version in its first part (meaningless there).
        assert dict(part_a.items()) == {k: v for k, v in part_b.items() if k != "MIME-Version"}
    assert a.defects == [] and b.defects == []


def faithful(raw: bytes, d: Draft) -> bool:
    """The parsed message shows the draft's subject, names and addresses (neutralised):
    exactly when decoded by RFC 2047's rules (adjacent encoded words join), and up to
    whitespace by email.policy.default (its phrase parser keeps a space between words)."""
    message = parsed(raw)
    headers = [("From", [d.sender]), ("To", [d.to])] + ([("Cc", list(d.cc))] if d.cc else [])
    for name, boxes in headers:
        shown = [(_squeezed(a.display_name), a.addr_spec) for a in message[name].addresses]
        if shown != [(_squeezed(header_text(b.name)), b.address) for b in boxes]:
            return False
    rfc_to = str(make_header(decode_header(_raw_header(raw, "To"))))
    to_name = header_text(d.to.name)
    return (message["Subject"] == header_text(d.subject)
            and rfc_to == (f"{to_name} <{d.to.address}>" if to_name else d.to.address))


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _raw_header(raw: bytes, name: str) -> str:
    # The unfolded, undecoded value of header `name`.
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n ", " ")
    [line] = [h for h in head.split("\r\n") if h.startswith(f"{name}:")]
    return line.split(":", 1)[1].strip()


@pytest.mark.parametrize("evil", HOSTILE)
def test_build_equals_make_message_for_hostile_names_and_subjects(evil: str) -> None:
    d = draft(to=Mailbox(evil, "kim@example.org"), subject=f"회신 요청 {evil}",
              cc=[Mailbox(evil, "lee@example.org")], in_reply_to="<req.1@council.example.org>",
              text=f"본문\n{evil}\r\n끝", html=f"<p>{evil}</p>")
    built, old = build(d, NOW), to_bytes(make_message(d, NOW))
    assert faithful(built.data, d)
    if faithful(old, d):  # make_message lets a name that looks like an encoded word decode
        assert_same_message(built.data, old)
    message = parsed(built.data)
    assert message.get_all("Bcc") is None and len(message.get_all("Subject")) == 1
    assert message["Message-ID"] == built.message_id


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=80), subject=st.text(max_size=200), body=st.text(max_size=300))
def test_build_equals_make_message_for_any_text(name: str, subject: str, body: str) -> None:
    d = draft(to=Mailbox(name, "kim@example.org"), subject=subject, text=body, html=body)
    try:
        old = to_bytes(make_message(d, NOW))
    except (ValueError, UnicodeError):  # e.g. lone surrogates: both paths refuse
        with pytest.raises((ValueError, UnicodeError)):
            build(d, NOW)
        return
    new = build(d, NOW).data
    assert faithful(new, d)
    if faithful(old, d):
        assert_same_message(new, old)


def test_a_name_that_looks_like_an_encoded_word_stays_literal() -> None:
    d = draft(to=Mailbox("=?utf-8?q?Bcc:_v@evil.example?=", "kim@example.org"))
    assert parsed(build(d, NOW).data)["To"].addresses[0].display_name == \
        "=?utf-8?q?Bcc:_v@evil.example?="
    assert not faithful(to_bytes(make_message(d, NOW)), d)  # the email package decodes it


def test_build_keeps_every_cc_where_the_email_package_loses_one() -> None:
    # make_message folds the comma between two Cc mailboxes into an encoded word (a CPython
    # folding bug) when the first name is long and Korean: parsers then see one mailbox.
    d = draft(cc=[Mailbox("김윤지 Bcc: victim@evil.example", "lee@example.org"),
                  Mailbox("이참조", "park@example.org")])
    built = parsed(build(d, NOW).data)
    assert [a.addr_spec for a in built["Cc"].addresses] == ["lee@example.org", "park@example.org"]
    assert [a.display_name for a in built["Cc"].addresses] == ["김윤지 Bcc: victim@evil.example",
                                                                "이참조"]


def test_build_keeps_required_headers_and_refuses_what_make_message_refuses() -> None:
    plain = parsed(build(draft(automatic=False), NOW).data)
    assert plain["Auto-Submitted"] is None and plain["Reply-To"] == "office@example.org"
    first, second = build(draft(), NOW), build(draft(), NOW)
    assert first.message_id != second.message_id
    assert first.message_id.endswith("@council.example.org>")
    for bad in (Mailbox("x", "a@example.org\r\nBcc: b@evil.example"), Mailbox("x", "a, b@x.org"),
                Mailbox("x", "<a@x.org>")):
        with pytest.raises(ValueError):
            build(draft(to=bad), NOW)
    with pytest.raises(ValueError):
        build(draft(in_reply_to="<a@x>\r\nBcc: b@evil.example"), NOW)


def test_built_message_goes_through_a_real_server(smtp_server: TestServer) -> None:
    built = build(draft(to=Mailbox("김윤지\r\nBcc: victim@evil.example", "kim@example.org")), NOW)
    send(smtp_server, built.data, ["kim@example.org"])
    [received] = smtp_server.messages
    assert received.data.rstrip(b"\r\n") == built.data.rstrip(b"\r\n")
    assert received.parsed()["To"].addresses[0].display_name == "김윤지 Bcc: victim@evil.example"


# ---------------------------------------------------------------- SMTPUTF8 (RELIABILITY.md 11)

HANGUL_LOCAL = "담당자@예시.kr"  # only SMTPUTF8 can carry this local part
IDN = "jang@예시.kr"  # ASCII local part: the domain goes as punycode, no extension needed
IDN_PUNYCODE = "jang@xn--vv4b11d.kr"


@pytest.fixture(params=["offers SMTPUTF8", "ASCII only"])
def either_server(request: pytest.FixtureRequest) -> TestServer:
    """Each of the two real servers in turn: one offers SMTPUTF8, one does not."""
    name = "smtp_server" if request.param == "offers SMTPUTF8" else "ascii_smtp_server"
    server = request.getfixturevalue(name)
    assert isinstance(server, TestServer)
    return server


def offers_smtputf8(server: TestServer) -> bool:
    """What the server's EHLO reply says, asked directly (the premise of each test)."""
    async def ask() -> bool:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=server.port,
                                   start_tls=False) as client:
            await client.ehlo()
            return client.supports_extension("smtputf8")

    return asyncio.run(ask())


def test_ascii_addresses_never_carry_smtputf8_even_when_it_is_offered(
    either_server: TestServer
) -> None:
    assert offers_smtputf8(either_server) == either_server.smtputf8
    raw = build(draft(cc=[Mailbox("이참조", "lee@example.org")]), NOW).data
    outcome = send(either_server, raw, ["kim@example.org", "lee@example.org"])
    assert isinstance(outcome, Outcome) and outcome.delivered
    [received] = either_server.messages
    assert received.recipients == ["kim@example.org", "lee@example.org"]
    assert "SMTPUTF8" not in received.mail_options
    assert received.parsed()["Subject"] == "[일자리분과] 회신 요청 (1-1) - 기한 2022-02-23"


def test_a_korean_local_part_goes_with_smtputf8_when_the_server_offers_it(
    smtp_server: TestServer
) -> None:
    assert offers_smtputf8(smtp_server)
    outcome = send(smtp_server, build(draft(), NOW).data, [HANGUL_LOCAL, "kim@example.org"])
    assert isinstance(outcome, Outcome) and outcome.delivered
    assert outcome.accepted == [HANGUL_LOCAL, "kim@example.org"]
    [received] = smtp_server.messages
    assert "SMTPUTF8" in received.mail_options
    assert received.recipients == [HANGUL_LOCAL, "kim@example.org"]


def test_without_smtputf8_a_korean_local_part_fails_for_good_and_the_others_get_it(
    ascii_smtp_server: TestServer
) -> None:
    assert not offers_smtputf8(ascii_smtp_server)
    raw = build(draft(), NOW).data
    outcome = send(ascii_smtp_server, raw, [HANGUL_LOCAL, "kim@example.org"])
    assert isinstance(outcome, Outcome)
    assert outcome.accepted == ["kim@example.org"] and not outcome.temporary
    assert outcome.permanent == {HANGUL_LOCAL: NEEDS_SMTPUTF8}
    assert "SMTPUTF8" in NEEDS_SMTPUTF8 and "한글" in NEEDS_SMTPUTF8
    [received] = ascii_smtp_server.messages
    assert received.recipients == ["kim@example.org"]
    assert "SMTPUTF8" not in received.mail_options
    alone = send(ascii_smtp_server, raw, [HANGUL_LOCAL])  # nothing left to send
    assert alone == Outcome(permanent={HANGUL_LOCAL: NEEDS_SMTPUTF8})
    assert len(ascii_smtp_server.messages) == 1


def test_an_international_domain_goes_as_punycode_without_smtputf8(
    either_server: TestServer
) -> None:
    built = build(draft(to=Mailbox("장보영", IDN)), NOW)
    outcome = send(either_server, built.data, [IDN])  # the outbox keeps the address as given
    assert isinstance(outcome, Outcome) and outcome.accepted == [IDN] and outcome.delivered
    [received] = either_server.messages
    assert received.recipients == [IDN_PUNYCODE]
    assert "SMTPUTF8" not in received.mail_options
    to = received.parsed()["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("장보영", IDN_PUNYCODE)


def test_build_refuses_a_korean_local_part_an_ascii_header_cannot_hold() -> None:
    box = Mailbox("담당자", HANGUL_LOCAL)
    with pytest.raises(ValueError):
        build(draft(to=box), NOW)
    with pytest.raises(ValueError):
        build(draft(cc=[box]), NOW)


def test_the_refusal_without_smtputf8_is_recorded_and_the_secretariat_told(
    db: Database, ascii_smtp_server: TestServer
) -> None:
    # build() cannot write this address in a header (above); the envelope is what counts here.
    with db.transaction() as session:
        outbox.enqueue(session, dedup_key="utf8", kind="request", recipient=HANGUL_LOCAL,
                       subject="회신 요청", message=build(draft(), NOW), now=NOW,
                       lifetime=timedelta(days=5))
    report = sender.flush(db, ascii_smtp_server.settings(), clock=lambda: NOW)
    assert report.failed == 1 and report.last_error == f"{HANGUL_LOCAL}: {NEEDS_SMTPUTF8}"
    with db.reading() as session:
        row = session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedup_key == "utf8")).one()
        assert row.state == OutboxState.FAILED and row.last_error == report.last_error
    [alert] = ascii_smtp_server.messages
    assert alert.recipients == ["office@example.org"]
    body = alert.parsed().get_body(("plain",))
    assert body is not None and NEEDS_SMTPUTF8 in body.get_content()
