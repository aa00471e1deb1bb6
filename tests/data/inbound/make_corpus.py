"""Regenerate the inbound corpus: replies to a request as each mail program writes them.

    .venv/bin/python tests/data/inbound/make_corpus.py

Each `<case>.eml` is a message as delivered (CRLF line ends, the headers, charsets and
transfer encodings the program uses); `expected.json` says how it must be read and where it
must land. Two placeholders stand for what only a test run knows: the reply address KEY
`keykeykeykeykeykeykeykey` (24 characters, like a real KEY, whose MAC never checks) and the
request's Message-ID `<request@placeholder.invalid>`; tests/test_inbound_landing.py
replaces them with the real ones. The bytes are fixed (no dates or random boundaries), so
running this again changes nothing.
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

HERE = Path(__file__).parent
KEY = "keykeykeykeykeykeykeykey"
TO = f"reply+{KEY}@tracker.example.org"
REQUEST_ID = "<request@placeholder.invalid>"
SUBJECT = "[일자리분과] 모니터링 의견 후속조치 회신 요청 (1-4) - 기한 2022-02-28"
ORIGINAL = (
    "일자리정책과 선헤미 님께\n\n"
    "일자리분과 2022-01-15 회의에서 나온 모니터링 의견에 대하여 후속조치 계획(또는 결과)을 "
    "회신하여 주시기 바랍니다.\n회신 기한: 2022-02-28\n\n[1-4] 예산 추가 확보 노력 요망\n"
)


def b64(text: str, charset: str) -> str:
    """`text` encoded in `charset`, base64, 76-column lines (as Outlook writes it)."""
    return base64.encodebytes(text.replace("\n", "\r\n").encode(charset)).decode("ascii")


def qp(text: str) -> str:
    """`text` as UTF-8 quoted-printable (as Gmail writes it)."""
    data = text.replace("\n", "\r\n").encode("utf-8")
    return quopri.encodestring(data).decode("ascii")


def word(text: str, charset: str = "utf-8") -> str:
    """An RFC 2047 base64 encoded word."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode('ascii')}?="


def headers(**fields: str) -> str:
    return "".join(f"{name.replace('_', '-')}: {value}\n" for name, value in fields.items())


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def outlook_ko() -> bytes:
    """Korean Outlook 2016: ks_c_5601-1987, base64, 보낸 사람 block, 똠 in the reply."""
    reply = (
        "안녕하십니까, 일자리정책과 선헤미입니다.\n\n"
        "추경 예산 2천만원을 추가 확보하였습니다. 똠방각하 사업과 연계하여 추진하겠습니다.\n\n"
        "감사합니다.\n\n"
        "선헤미 드림\n일자리정책과 주무관 / 031-000-0000\n\n"
    )
    quote = (
        "보낸 사람: 모니터링 후속조치 사무국 [mailto:tracker@tracker.example.org] \n"
        "보낸 날짜: 2022년 1월 20일 목요일 오후 3:00\n"
        "받는 사람: 선헤미 <sun.hemi@example.org>\n"
        f"제목: {SUBJECT}\n\n" + ORIGINAL
    )
    html = ("<html><head><meta http-equiv=Content-Type content=\"text/html; "
            "charset=ks_c_5601-1987\"></head><body lang=KO><div class=WordSection1>"
            "<p class=MsoNormal>안녕하십니까, 일자리정책과 선헤미입니다.</p>"
            "<p class=MsoNormal>추경 예산 2천만원을 추가 확보하였습니다. 똠방각하 사업과 연계하여 "
            "추진하겠습니다.</p><p class=MsoNormal>감사합니다.</p>"
            "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal>"
            "<b>보낸 사람:</b> 모니터링 후속조치 사무국<br><b>보낸 날짜:</b> 2022년 1월 20일 "
            "목요일 오후 3:00<br><b>받는 사람:</b> 선헤미<br><b>제목:</b> 회신 요청</p></div>"
            "</div></body></html>")
    boundary = "_000_SL2P216MB12345678ABCDEFGHIJKL_"
    return crlf(headers(
        From=f"{word('선헤미', 'ks_c_5601-1987')} <sun.hemi@example.org>",
        To=f"\"{word('모니터링 후속조치 사무국', 'ks_c_5601-1987')}\" <{TO}>",
        Subject=word(f"RE: {SUBJECT}", "ks_c_5601-1987"),
        Thread_Topic=word("모니터링 의견 후속조치 회신 요청", "ks_c_5601-1987"),
        Thread_Index="AdgN3s+Q3mB0l1kKQ2iQb3pNvPe2Sg==",
        Date="Fri, 21 Jan 2022 01:12:45 +0000",
        Message_ID="<SL2P216MB1234567A1B2C3D4E5F6A7B8C9D0E1F2A3@SL2P216MB1234.KORP216.PROD.OUTLOOK.COM>",
        In_Reply_To=REQUEST_ID,
        References=REQUEST_ID,
        Accept_Language="ko-KR, en-US",
        Content_Language="ko-KR",
        X_MS_Has_Attach="",
        X_MS_TNEF_Correlator="",
        MIME_Version="1.0",
        Content_Type=f"multipart/alternative;\n\tboundary=\"{boundary}\"",
    ) + f"\n--{boundary}\nContent-Type: text/plain; charset=\"ks_c_5601-1987\"\n"
        f"Content-Transfer-Encoding: base64\n\n{b64(reply + quote, 'cp949')}\n"
        f"--{boundary}\nContent-Type: text/html; charset=\"ks_c_5601-1987\"\n"
        f"Content-Transfer-Encoding: base64\n\n{b64(html, 'cp949')}\n--{boundary}--\n")


def outlook_ko_original_message() -> bytes:
    """Older Korean Outlook: -----원본 메시지----- separator, 햏 in the reply, text only."""
    body = (
        "예산 추가 확보를 위해 햏정안전부 공모사업에 신청하였습니다.\n\n"
        "-----원본 메시지-----\n"
        "보낸 사람: 모니터링 후속조치 사무국 [mailto:tracker@tracker.example.org] \n"
        "보낸 날짜: 2022년 1월 20일 목요일 오후 3:00\n"
        "받는 사람: 선헤미\n"
        f"제목: {SUBJECT}\n\n" + ORIGINAL
    )
    return crlf(headers(
        From=f"\"{word('선헤미', 'ks_c_5601-1987')}\" <sun.hemi@example.org>",
        To=TO,
        Subject=word(f"RE: {SUBJECT}", "ks_c_5601-1987"),
        Date="Fri, 21 Jan 2022 10:30:00 +0900",
        Message_ID="<000001d80e6a$1a2b3c40$4e5f6a70$@example.org>",
        MIME_Version="1.0",
        Content_Type="text/plain;\n\tcharset=\"ks_c_5601-1987\"",
        Content_Transfer_Encoding="base64",
        X_Mailer="Microsoft Outlook 14.0",
        Thread_Index="AdgOahkBNHFzcVxjTbK2l0E8wCJXzw==",
        Content_Language="ko",
    ) + "\n" + b64(body, "cp949"))


def gmail_wrapped() -> bytes:
    """Gmail (Korean UI): the attribution wrapped over two lines in the text part."""
    text = (
        "안녕하세요. 선헤미입니다.\n\n"
        "2022년 하반기 추경으로 예산 추가 확보를 추진하고 있습니다.\n"
        "확정되면 다시 알려 드리겠습니다.\n\n"
        "2022년 1월 20일 (목) 오후 3:00, 모니터링 후속조치 사무국 <\n"
        "tracker@tracker.example.org>님이 작성:\n\n"
        + "".join(f"> {line}\n" if line else ">\n" for line in ORIGINAL.split("\n"))
    )
    html = (
        "<div dir=\"ltr\"><div>안녕하세요. 선헤미입니다.</div><div><br></div><div>2022년 하반기 "
        "추경으로 예산 추가 확보를 추진하고 있습니다.</div><div>확정되면 다시 알려 드리겠습니다."
        "</div></div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">2022년 "
        "1월 20일 (목) 오후 3:00, 모니터링 후속조치 사무국 &lt;<a href=\"mailto:tracker@tracker."
        "example.org\">tracker@tracker.example.org</a>&gt;님이 작성:<br></div><blockquote "
        "class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\">일자리정책과 선헤미 님께<br>"
        "</blockquote></div>"
    )
    boundary = "000000000000a1b2c3d4e5f60718"
    return crlf(headers(
        MIME_Version="1.0",
        References=REQUEST_ID,
        In_Reply_To=REQUEST_ID,
        From=f"{word('선헤미')} <sun.hemi@example.org>",
        Date="Fri, 21 Jan 2022 11:02:13 +0900",
        Message_ID="<CAH5aBcD3EfGhIjKlMnOpQrStUvWxYz0123456789abcdefg@mail.gmail.com>",
        Subject=f"Re: {word(SUBJECT)}",
        To=f"{word('모니터링 후속조치 사무국')} <{TO}>",
        Content_Type=f"multipart/alternative; boundary=\"{boundary}\"",
    ) + f"\n--{boundary}\nContent-Type: text/plain; charset=\"UTF-8\"\n"
        f"Content-Transfer-Encoding: quoted-printable\n\n{qp(text)}\n"
        f"--{boundary}\nContent-Type: text/html; charset=\"UTF-8\"\n"
        f"Content-Transfer-Encoding: quoted-printable\n\n{qp(html)}\n--{boundary}--\n")


def outlook_web() -> bytes:
    """Outlook on the web: HTML only, a list in the reply, divRplyFwdMsg quote header."""
    html = (
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
        "<style type=\"text/css\" style=\"display:none;\"> P {margin-top:0;margin-bottom:0;} "
        "</style></head><body dir=\"ltr\"><div style=\"font-family: 맑은 고딕; font-size: 11pt;\">"
        "조치 결과를 알려 드립니다.</div><div><ul><li>1차 추경에 2천만원 반영</li>"
        "<li>국비 공모 신청 (3월)</li></ul></div><div>담당 선헤미</div>"
        "<div id=\"appendonsend\"></div><hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">"
        "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri, sans-serif\" "
        "style=\"font-size:11pt\" color=\"#000000\"><b>보낸 사람:</b> 모니터링 후속조치 사무국 "
        "&lt;tracker@tracker.example.org&gt;<br><b>보낸 날짜:</b> 2022년 1월 20일 목요일 오후 "
        "3:00<br><b>받는 사람:</b> 선헤미 &lt;sun.hemi@example.org&gt;<br><b>제목:</b> "
        f"{SUBJECT}</font><div>&nbsp;</div></div><div>일자리정책과 선헤미 님께<br>예산 추가 확보 "
        "노력 요망</div></body></html>"
    )
    return crlf(headers(
        From=f"{word('선헤미')} <sun.hemi@example.org>",
        To=f"{word('모니터링 후속조치 사무국')} <{TO}>",
        Subject=word(f"회신: {SUBJECT}"),
        Thread_Topic=word("모니터링 의견 후속조치 회신 요청"),
        Date="Fri, 21 Jan 2022 02:40:11 +0000",
        Message_ID="<PS1PR0601MB1234ABCD5678EF90@PS1PR0601MB1234.apcprd06.prod.outlook.com>",
        In_Reply_To=REQUEST_ID,
        References=REQUEST_ID,
        Content_Language="ko-KR",
        X_MS_Exchange_Organization_SCL="1",
        Authentication_Results="spf=pass (sender IP is 40.107.0.1) smtp.mailfrom=example.org; "
                               "dkim=pass (signature was verified) header.d=example.org;"
                               "dmarc=pass action=none header.from=example.org;",
        Content_Type="text/html; charset=\"utf-8\"",
        Content_Transfer_Encoding="base64",
        MIME_Version="1.0",
    ) + "\n" + b64(html, "utf-8"))


def naver() -> bytes:
    """Naver mail: HTML only, -----Original Message----- with From/To/Sent/Subject."""
    html = (
        "<div style=\"font-family:'나눔고딕',NanumGothic,sans-serif;font-size:10pt;\">"
        "<p>사무국 담당자님 안녕하세요.</p><p>예산 추가 확보 관련하여 <b>기획예산과와 협의 중</b>"
        "입니다.</p><p>&nbsp;</p><p>-----Original Message-----<br>From: \"모니터링 후속조치 "
        "사무국\"&lt;tracker@tracker.example.org&gt;<br>To: \"선헤미\"&lt;sunhemi@naver.com&gt;;"
        "<br>Cc: <br>Sent: 2022-01-20 (목) 15:00:00 (GMT+09:00)<br>Subject: "
        f"{SUBJECT}<br></p><p>일자리정책과 선헤미 님께</p></div>"
        "<img src=\"https://mail.naver.com/readReceipt/notify/?img=abc\" width=\"1\" height=\"1\">"
    )
    return crlf(headers(
        Date="Fri, 21 Jan 2022 13:05:09 +0900 (KST)",
        From=f"\"{word('선헤미')}\" <sunhemi@naver.com>",
        To=f"\"{word('모니터링 후속조치 사무국')}\" <{TO}>",
        Message_ID="<a1b2c3d4e5f6a7b8c9d0.sunhemi@cweb005.nm.nfra.io>",
        In_Reply_To=REQUEST_ID,
        References=REQUEST_ID,
        Subject=word(f"RE: {SUBJECT}"),
        MIME_Version="1.0",
        X_Originating_IP="[10.0.0.1]",
        Content_Type="text/html; charset=\"utf-8\"",
        Content_Transfer_Encoding="base64",
        X_Naver_ESV="JYt/K4JrhvEYaXhCM6wZM0KZK6ldpA==",
    ) + "\n" + b64(html, "utf-8"))


def daum() -> bytes:
    """Daum (Kakao) mail: euc-kr label, 8-bit body holding 햏 (CP949 only), 원본 메일 block."""
    html = (
        "<div>선헤미입니다. 예산 확보 결과 공유드립니다.<br><br>1. 1차 추경 반영 (2천만원)<br>"
        "2. 햏복일자리 사업과 통합 운영<br></div><br><br>"
        "<div>------- Original Message -------<br>보낸사람 : 모니터링 후속조치 사무국 "
        "&lt;tracker@tracker.example.org&gt;<br>받는사람 : 선헤미 &lt;sunhemi@daum.net&gt;<br>"
        f"날짜 : 2022년 1월 20일(목) 15:00:00<br>제목 : {SUBJECT}<br><br>일자리정책과 선헤미 님께"
        "</div>"
    )
    head = headers(
        Return_Path="<sunhemi@daum.net>",
        Date="Fri, 21 Jan 2022 14:10:00 +0900",
        From=f"{word('선헤미', 'euc-kr')} <sunhemi@daum.net>",
        To=f"<{TO}>",
        Subject=word(f"Re: {SUBJECT}", "euc-kr"),
        Message_ID="<20220121141000.Hm.0000000001abcdef@daum.net>",
        In_Reply_To=REQUEST_ID,
        X_Mailer="Daum Web Mailer v1.0",
        MIME_Version="1.0",
        Content_Type="text/html; charset=euc-kr",
        Content_Transfer_Encoding="8bit",
    )
    return crlf(head + "\n") + html.encode("cp949").replace(b"\n", b"\r\n") + b"\r\n"


def unlabelled_8bit() -> bytes:
    """An old mail program: no charset at all, raw CP949 bytes in the body and the subject."""
    head = (f"From: sun.hemi@example.org\nTo: {TO}\nDate: Fri, 21 Jan 2022 09:00:00 +0900\n"
            "Message-ID: <unlabelled.8bit.0001@example.org>\nSubject: ").encode("ascii")
    rest = "회신: 예산 확보\nMIME-Version: 1.0\n\n똠얌꿍 예산 확보 완료했습니다.\n".encode("cp949")
    return (head + rest).replace(b"\n", b"\r\n")


def subject_rewritten() -> bytes:
    """A new subject typed by the department, the reply address intact, no threading."""
    return crlf(headers(
        From="=?utf-8?B?7ISg7Zek66+4?= <sun.hemi@example.org>",
        To=TO,
        Subject=word("조치결과 보고드립니다 (예산 관련)"),
        Date="Mon, 24 Jan 2022 09:15:00 +0900",
        Message_ID="<rewritten-subject-0001@example.org>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64("예산 추가 확보 건은 2월 추경에 반영되었습니다.\n", "utf-8"))


def references_only() -> bytes:
    """Written to the plain inbound address (no KEY): only References names the request."""
    body = ("관련 예산은 2월 중 확정 예정입니다.\n\nOn Thu, Jan 20, 2022 at 3:00 PM 모니터링 "
            "후속조치 사무국 <tracker@tracker.example.org> wrote:\n> 일자리정책과 선헤미 님께\n")
    return crlf(headers(
        From="Sun Hemi <sun.hemi@example.org>",
        To="reply@tracker.example.org",
        Subject="Re: follow-up",
        Date="Mon, 24 Jan 2022 10:00:00 +0900",
        Message_ID="<references-only-0001@example.org>",
        References=f"<unrelated@elsewhere.example> {REQUEST_ID}",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64(body, "utf-8"))


def forged_mac() -> bytes:
    """A KEY of the right shape whose MAC is wrong."""
    return crlf(headers(
        From="sun.hemi@example.org",
        To="reply+mfrggzdfmztwq2lknnwg23tp@tracker.example.org",
        Subject="Re: forged",
        Date="Mon, 24 Jan 2022 10:00:00 +0900",
        Message_ID="<forged-0001@example.org>",
        Content_Type="text/plain; charset=utf-8",
    ) + "\n조작된 주소로 보낸 회신\n")


def foreign_sender() -> bytes:
    """The right address, but from a personal mailbox that is not the contact's."""
    return crlf(headers(
        From=f"{word('선헤미')} <hemi.personal@gmail.com>",
        To=TO,
        Subject=f"Re: {word(SUBJECT)}",
        Date="Mon, 24 Jan 2022 21:00:00 +0900",
        Message_ID="<CAforeign0001@mail.gmail.com>",
        In_Reply_To=REQUEST_ID,
        MIME_Version="1.0",
        Content_Type="text/plain; charset=UTF-8",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64("집에서 보냅니다. 예산은 확보되었습니다.\n", "utf-8"))


def dmarc_fail() -> bytes:
    """The contact's address in From, but the receiving server found DMARC failing."""
    return crlf(headers(
        Authentication_Results="mx.tracker.example.org; dkim=fail (bad signature) "
                               "header.d=example.org; spf=softfail; dmarc=fail header.from="
                               "example.org",
        From="sun.hemi@example.org",
        To=TO,
        Subject="Re: 회신",
        Date="Mon, 24 Jan 2022 22:00:00 +0900",
        Message_ID="<spoofed-0001@attacker.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=UTF-8",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64("반영 완료되었습니다.\n", "utf-8"))


def out_of_office() -> bytes:
    """Korean Outlook's automatic reply."""
    return crlf(headers(
        From=f"{word('선헤미', 'ks_c_5601-1987')} <sun.hemi@example.org>",
        To=TO,
        Subject=word(f"자동 회신: {SUBJECT}", "ks_c_5601-1987"),
        Date="Thu, 20 Jan 2022 06:00:05 +0000",
        Message_ID="<ooo-0001@SL2P216MB1234.KORP216.PROD.OUTLOOK.COM>",
        In_Reply_To=REQUEST_ID,
        Auto_Submitted="auto-replied",
        X_Auto_Response_Suppress="All",
        X_MS_Exchange_Inbox_Rules_Loop="sun.hemi@example.org",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=\"ks_c_5601-1987\"",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64("1월 24일까지 휴가입니다. 급한 일은 팀장님께 연락 바랍니다.\n", "cp949"))


def bounce() -> bytes:
    """Postfix's delivery status notification for a request that could not be delivered."""
    boundary = "2A6B3C4D5E.1642650000/mx.tracker.example.org"
    return crlf(headers(
        Return_Path="<>",
        From="MAILER-DAEMON@tracker.example.org (Mail Delivery System)",
        Subject="Undelivered Mail Returned to Sender",
        To="reply@tracker.example.org",
        Auto_Submitted="auto-replied",
        MIME_Version="1.0",
        Content_Type=f"multipart/report; report-type=delivery-status;\n\tboundary=\"{boundary}\"",
        Message_ID="<20220120060001.2A6B3C4D5E@mx.tracker.example.org>",
        Date="Thu, 20 Jan 2022 15:00:01 +0900 (KST)",
    ) + f"\nThis is a MIME-encapsulated message.\n\n--{boundary}\n"
        "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
        "I'm sorry to have to inform you that your message could not\nbe delivered to one or "
        "more recipients.\n\n<nobody@example.org>: host mx.example.org said: 550 5.1.1 "
        "<nobody@example.org>:\n    Recipient address rejected: User unknown\n\n"
        f"--{boundary}\nContent-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.tracker.example.org\nArrival-Date: Thu, 20 Jan 2022 15:00:00 "
        "+0900 (KST)\n\nFinal-Recipient: rfc822; nobody@example.org\nAction: failed\n"
        "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient\n"
        "    address rejected: User unknown\n\n"
        f"--{boundary}\nContent-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n\n"
        "From: tracker@tracker.example.org\nTo: nobody@example.org\n"
        f"Subject: =?utf-8?b?W+ydvOyekOumrOu2hOqzvF0=?=\nMessage-ID: {REQUEST_ID}\n\n"
        f"--{boundary}--\n")


def own_message() -> bytes:
    """One of our own messages come back (a loop through a forwarding rule)."""
    return crlf(headers(
        From="=?utf-8?b?66qo64uI7YSw66eBIO2bhOyGjeyhsOy5mCDsgqzrrLTqta0=?= "
             "<tracker@tracker.example.org>",
        To=TO,
        Subject=word(SUBJECT),
        Date="Thu, 20 Jan 2022 15:00:00 +0900",
        Message_ID="<own-loop-0001@tracker.example.org>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64(ORIGINAL, "utf-8"))


def hwpx_attachment() -> bytes:
    """A reply with the 조치결과 as HWPX (RFC 2231 Korean name), a PDF, and a refused .exe."""
    hwpx = (HERE.parent / "2022-01-15-jobs-subcommittee-minutes.hwpx").read_bytes()
    boundary = "----=_NextPart_000_0001_01D80E6A.1A2B3C40"
    hwpx_name = "2022 조치결과(일자리정책과).hwpx".encode()
    encoded = "".join(chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in ".-_") else f"%{b:02X}"
                      for b in hwpx_name)
    return crlf(headers(
        From=f"{word('선헤미', 'ks_c_5601-1987')} <sun.hemi@example.org>",
        To=TO,
        Subject=word(f"RE: {SUBJECT}", "ks_c_5601-1987"),
        Date="Tue, 25 Jan 2022 09:00:00 +0900",
        Message_ID="<000101d80e6a$attach$0001@example.org>",
        In_Reply_To=REQUEST_ID,
        MIME_Version="1.0",
        Content_Type=f"multipart/mixed;\n\tboundary=\"{boundary}\"",
    ) + f"\nThis is a multi-part message in MIME format.\n\n--{boundary}\n"
        "Content-Type: text/plain;\n\tcharset=\"ks_c_5601-1987\"\nContent-Transfer-Encoding: "
        f"base64\n\n{b64('조치결과를 첨부와 같이 제출합니다.', 'cp949')}\n"
        f"--{boundary}\nContent-Type: application/haansofthwpx\n"
        f"Content-Disposition: attachment;\n\tfilename*=UTF-8''{encoded}\n"
        f"Content-Transfer-Encoding: base64\n\n"
        f"{base64.encodebytes(hwpx).decode('ascii')}\n"
        f"--{boundary}\nContent-Type: application/pdf;\n\tname=\"{word('증빙.pdf')}\"\n"
        f"Content-Disposition: attachment;\n\tfilename=\"{word('증빙.pdf')}\"\n"
        f"Content-Transfer-Encoding: base64\n\n"
        f"{base64.encodebytes(b'%PDF-1.4 minimal').decode('ascii')}\n"
        f"--{boundary}\nContent-Type: application/octet-stream; name=\"../../setup.exe\"\n"
        "Content-Disposition: attachment; filename=\"../../setup.exe\"\n"
        "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n"
        f"--{boundary}--\n")


def multi_item() -> bytes:
    """Two programs answered in one mail, each paragraph opened by its program number."""
    body = (
        "안녕하세요. 두 사업 회신입니다.\n\n"
        "1-1. 근무기간 연장은 내년 예산 편성 시 검토하겠습니다.\n"
        "경력인정 관련 협의도 진행 중입니다.\n\n"
        "1-4 예산 추가 확보를 위해 추경을 요청하였습니다.\n\n"
        "감사합니다.\n"
        "-- \n김윤지 / 일자리정책과\n"
    )
    return crlf(headers(
        From="=?utf-8?B?6rmA7Jyk7KeA?= <kim.yunji@example.org>",
        To=TO,
        Subject=word(f"Re: {SUBJECT}"),
        Date="Tue, 25 Jan 2022 10:00:00 +0900",
        Message_ID="<multi-item-0001@example.org>",
        In_Reply_To=REQUEST_ID,
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8; format=flowed",
        Content_Transfer_Encoding="8bit",
    ) + "\n").replace(b"\r\n\r\n", b"\r\n\r\n", 1) + body.replace("\n", "\r\n").encode("utf-8")


CASES = {
    "outlook_ko": outlook_ko, "outlook_ko_original_message": outlook_ko_original_message,
    "gmail_wrapped": gmail_wrapped, "outlook_web": outlook_web, "naver": naver, "daum": daum,
    "unlabelled_8bit": unlabelled_8bit, "subject_rewritten": subject_rewritten,
    "references_only": references_only, "forged_mac": forged_mac,
    "foreign_sender": foreign_sender, "dmarc_fail": dmarc_fail, "out_of_office": out_of_office,
    "bounce": bounce, "own_message": own_message, "hwpx_attachment": hwpx_attachment,
    "multi_item": multi_item,
}

if __name__ == "__main__":
    for name, make in CASES.items():
        (HERE / f"{name}.eml").write_bytes(make())
    print(f"{len(CASES)} messages written to {HERE}")
