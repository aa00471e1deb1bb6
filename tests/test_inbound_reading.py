"""Reading received replies: the corpus of real mail programs' messages (tests/data/inbound),
and the rules each program's quirks exercise, one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications import replykey
from tracker.inbound.attachments import MAX_BYTES, judge, safe_name
from tracker.inbound.charsets import decode_header, decode_text
from tracker.inbound.htmltext import html_to_text
from tracker.inbound.quotes import strip_reply
from tracker.inbound.reading import read_message
from tracker.inbound.sections import split_by_program

CORPUS = Path(__file__).parent / "data" / "inbound"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_corpus_message_is_read_as_its_program_wrote_it(case: str) -> None:
    expected = EXPECTED[case]
    message = read_message((CORPUS / f"{case}.eml").read_bytes())
    assert message.sender == expected["sender"]
    assert message.subject == expected["subject"]
    assert "\ufffd" not in message.text + message.subject
    if "reply" in expected:
        assert message.reply == expected["reply"]
    for fragment in expected.get("text_contains", []):
        assert fragment in message.text  # the full text is kept beside the cleaned one
    assert (message.auto_reply is not None) == expected.get("auto_reply", False)
    assert (message.bounce is not None) == ("bounce" in expected)
    assert message.auth_failure == expected.get("auth_failure")
    wanted = expected.get("attachments", [])
    assert [(a.name, a.refused is None) for a in message.attachments] == \
        [(a["name"], a["kept"]) for a in wanted]


def test_every_corpus_file_has_an_expectation() -> None:
    assert {p.stem for p in CORPUS.glob("*.eml")} == set(EXPECTED)


def test_bounce_names_the_failed_message_recipient_and_reason() -> None:
    bounce = read_message((CORPUS / "bounce.eml").read_bytes()).bounce
    assert bounce is not None
    assert bounce.original_message_id == "<request@placeholder.invalid>"
    assert bounce.recipient == "nobody@example.org"
    assert "5.1.1" in bounce.reason and "User unknown" in bounce.reason


def test_multi_item_sections_by_program_number() -> None:
    message = read_message((CORPUS / "multi_item.eml").read_bytes())
    preamble, sections = split_by_program(message.reply, {"1-1", "1-4"})
    assert preamble == "안녕하세요. 두 사업 회신입니다."
    assert sections == EXPECTED["multi_item"]["sections"]


# ------------------------------------------------------------------ charsets


@pytest.mark.parametrize("label", ["ks_c_5601-1987", "KS_C_5601-1987", "euc-kr", "EUC-KR",
                                   "cp949", None, "us-ascii", "x-unknown"])
def test_cp949_only_syllables_survive_every_korean_label(label: str | None) -> None:
    text = "똠방각하 햏자 뷁 쀍 ― 반영"
    assert decode_text(text.encode("cp949"), label) == text


def test_python_alone_loses_them_which_is_why_this_exists() -> None:
    assert "\ufffd" in "똠".encode("cp949").decode("euc-kr", errors="replace")


def test_utf8_mislabelled_as_euc_kr_is_still_read() -> None:
    assert decode_text("회신드립니다".encode(), "euc-kr") == "회신드립니다"


def test_decomposed_hangul_from_mac_mail_is_composed() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "조치결과.hwpx")
    assert decode_text(decomposed.encode()) == "조치결과.hwpx"
    assert safe_name(decomposed, "application/hwp+zip", 1) == "조치결과.hwpx"


def test_encoded_word_header_in_ks_c_5601() -> None:
    import base64

    word = base64.b64encode("똠 회신".encode("cp949")).decode()
    assert decode_header(f"RE: =?ks_c_5601-1987?B?{word}?=") == "RE: 똠 회신"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_decoding_never_raises_and_utf8_round_trips(text: str) -> None:
    assert decode_text(text.encode("utf-8")) == decode_text(text.encode("utf-8"), "utf-8")


@given(st.binary(max_size=300), st.sampled_from(["euc-kr", "utf-8", "latin-1", "bogus", None]))
def test_any_bytes_any_label_give_text(data: bytes, label: str | None) -> None:
    assert isinstance(decode_text(data, label), str)


# ------------------------------------------------------------------ quotes


@pytest.mark.parametrize("attribution", [
    "2022년 1월 20일 (목) 오후 3:00, 홍길동 <hong@example.org>님이 작성:",
    "2022년 1월 20일 (목) 오후 3:00, 홍길동 <hong@example.org>님이\n작성:",
    "2022년 1월 20일 (목) 오후 3:00, 모니터링 후속조치 사무국 <\ntracker@tracker.example.org>님이 작성:",
    "2022. 1. 20. 오후 3:00, 홍길동 <hong@example.org> 작성:",
    "On Thu, Jan 20, 2022 at 3:00 PM 홍길동 <hong@example.org> wrote:",
    "On Thu, Jan 20, 2022 at 3:00 PM 홍길동 <\nhong@example.org> wrote:",
    "-----원본 메시지-----\n보낸 사람: 사무국",
    "-----Original Message-----\nFrom: 사무국",
    "------- Original Message -------",
    "--------- 원본 메일 ---------",
    "보낸 사람: 사무국 <a@b.org>\n보낸 날짜: 2022년 1월 20일 목요일 오후 3:00",
    "보낸사람 : 사무국\n받는사람 : 홍길동",
    "From: 사무국 <a@b.org>\nSent: Thursday, January 20, 2022 3:00 PM",
    "________________________________\n보낸 사람: 사무국\n제목: 회신 요청",
    "---------- Forwarded message ---------",
])
def test_each_programs_quote_marker_cuts_the_quotation(attribution: str) -> None:
    text = f"반영하였습니다.\n둘째 줄\n\n{attribution}\n\n> 원래 요청\n원래 요청 본문"
    assert strip_reply(text) == "반영하였습니다.\n둘째 줄"


@pytest.mark.parametrize("signature", ["-- \n홍길동", "iPhone에서 보냄", "Galaxy에서 보냄",
                                       "Sent from my iPhone", "Android용 Outlook 받기"])
def test_signature_is_cut(signature: str) -> None:
    assert strip_reply(f"반영 완료\n\n{signature}") == "반영 완료"


def test_a_from_line_alone_in_the_reply_is_not_a_quote() -> None:
    text = "From: 2022년 예산부터 반영합니다.\n추가 설명입니다."
    assert strip_reply(text) == text


def test_inline_quoted_lines_are_dropped_answers_kept() -> None:
    text = "> 예산 추가 확보 노력 요망\n추경에 반영했습니다.\n> 다른 질문\n검토 중입니다."
    assert strip_reply(text) == "추경에 반영했습니다.\n검토 중입니다."


@given(st.lists(st.text(alphabet="가나다라마바사 반영조치12.", min_size=1, max_size=30),
                min_size=1, max_size=8))
def test_text_without_markers_is_kept_whole(lines: list[str]) -> None:
    text = "\n".join(line.strip() for line in lines if line.strip())
    assert strip_reply(text) == text.strip()


# ------------------------------------------------------------------ HTML


def test_html_lists_breaks_and_quotes() -> None:
    html = ("<div>조치 결과<br>두 번째 줄</div><ol><li>첫째</li><li>둘째<ul><li>세부</li></ul></li>"
            "</ol><table><tr><td>1-1</td><td>반영</td></tr></table><blockquote>원문</blockquote>"
            "<script>alert(1)</script><style>p{}</style>")
    assert html_to_text(html) == ("조치 결과\n두 번째 줄\n1. 첫째\n2. 둘째\n  - 세부\n1-1\t반영\n> 원문")


def test_broken_html_still_gives_text() -> None:
    assert html_to_text("<div><p>반영<b>완료</div></p><li>항목") == "반영완료\n- 항목"


# ------------------------------------------------------------------ attachments


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\kim\\조치결과.hwp", "조치결과.hwp"),
    ("..hidden.pdf", "hidden.pdf"),
    ("a\x00b<c>.pdf", "a_b_c_.pdf"),
    ("결과\u202egpj.exe", "결과_gpj.exe"),
    ("", "첨부3.hwpx"),
    ("가" * 300 + ".hwpx", "가" * 115 + ".hwpx"),
])
def test_safe_names(raw: str, safe: str) -> None:
    assert safe_name(raw, "application/hwp+zip", 3) == safe


def test_size_count_and_type_limits() -> None:
    assert judge("a.hwp", "application/x-hwp", 10, 0, 0).refused is None
    assert judge("a.png", "image/png", 10, 0, 0).refused is None
    assert "형식" in (judge("a.exe", "application/octet-stream", 10, 0, 0).refused or "")
    assert "너무 큼" in (judge("a.pdf", "application/pdf", MAX_BYTES + 1, 0, 0).refused or "")
    assert "너무 많음" in (judge("a.pdf", "application/pdf", 1, 20, 0).refused or "")


# ------------------------------------------------------------------ reply address


def test_reply_key_round_trip_and_shape() -> None:
    key = replykey.make_key("secret", 12345)
    assert len(key) == 24 and key == key.lower() and key.isalnum()
    assert replykey.read_key("secret", key) == 12345
    assert replykey.read_key("secret", key.upper()) == 12345  # servers that fold case
    assert replykey.read_key("other secret", key) is None


@given(st.integers(min_value=1, max_value=2**40 - 1), st.integers(min_value=0, max_value=23))
def test_any_changed_character_breaks_the_key(link_id: int, position: int) -> None:
    key = replykey.make_key("s3cret", link_id)
    changed = key[:position] + ("a" if key[position] != "a" else "b") + key[position + 1:]
    assert replykey.read_key("s3cret", changed) is None


@pytest.mark.parametrize("bad", ["", "short", "x" * 24, "0" * 24, "키" * 24, "a" * 200])
def test_malformed_keys_are_refused(bad: str) -> None:
    assert replykey.read_key("secret", bad) is None


def test_reply_address_and_separator() -> None:
    address = replykey.reply_address("reply@tracker.example.org", "+", "abc")
    assert address == "reply+abc@tracker.example.org"
    assert replykey.key_of("REPLY+ABC@Tracker.Example.org", "reply@tracker.example.org", "+") \
        == "abc"
    assert replykey.key_of("reply-abc@tracker.example.org", "reply@tracker.example.org", "-") \
        == "abc"
    assert replykey.key_of("reply+abc@elsewhere.org", "reply@tracker.example.org", "+") is None
