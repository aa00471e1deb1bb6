"""Decoding the bytes of Korean mail.

Korean Outlook labels its mail `ks_c_5601-1987`, which Python (and the `email` package)
decode as EUC-KR: the 8,822 Hangul syllables that only CP949 (Microsoft's extension of
EUC-KR, what Windows actually writes) can encode, such as 똠 and 햏, become U+FFFD. Every
label of the EUC-KR family is therefore decoded as CP949, a superset. Text without a label,
or with a label that is wrong for its bytes, is tried as UTF-8, then as CP949; only bytes
neither can read are replaced, and that is reported.
"""

from __future__ import annotations

import codecs
import email.errors
import email.header
import unicodedata

# Labels Korean mail programs write for what is, in practice, CP949.
KOREAN_LABELS = frozenset({
    "ks_c_5601-1987", "ks_c_5601", "ks_c_5601_1987", "ksc5601", "ksc_5601", "ks_x_1001",
    "euc-kr", "euc_kr", "euckr", "x-euc-kr", "cp949", "ms949", "x-windows-949", "windows-949",
    "uhc", "korean", "iso-ir-149", "csksc56011987", "csEUCKR".lower(),
})
# Labels that say nothing about 8-bit bytes: such text is guessed.
VAGUE_LABELS = frozenset({"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default"})


def codec_for(label: str | None) -> str | None:
    """The Python codec to decode text labelled `label` with: "cp949" for the EUC-KR family,
    None when the label is missing, vague or unknown (the text must be guessed). Pure."""
    name = (label or "").strip().strip('"').lower()
    if name in KOREAN_LABELS:
        return "cp949"
    if name in VAGUE_LABELS:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_text(data: bytes, label: str | None = None) -> str:
    """`data` as text: with the label's codec (CP949 for the EUC-KR family) when it reads the
    bytes cleanly, else as UTF-8, else as CP949, else with the label's (or UTF-8's)
    replacement characters. Line ends become "\\n"; the result is NFC (Mac mail writes
    decomposed Hangul). Pure."""
    codec = codec_for(label)
    for candidate in dict.fromkeys(filter(None, (codec, "utf-8", "cp949"))):
        try:
            return _normal(data.decode(candidate))
        except UnicodeDecodeError:
            continue
    return _normal(data.decode(codec or "utf-8", errors="replace"))


def decode_header(value: str | email.header.Header | None) -> str:
    """A header's value as text: RFC 2047 encoded words decoded (the EUC-KR family as CP949),
    raw 8-bit bytes (which the parser keeps as surrogate escapes) guessed like a body, folding
    undone. Never raises. Pure."""
    if not value:
        return ""
    raw = value if isinstance(value, email.header.Header) else str(value)
    try:
        # A Header object is what the parser gives for raw 8-bit bytes ("unknown-8bit").
        parts = email.header.decode_header(raw)
    except (ValueError, email.errors.HeaderParseError):
        parts = [(str(raw), None)]
    pieces = []
    for chunk, label in parts:
        if isinstance(chunk, str):
            pieces.append(_unescape(chunk))
        else:
            pieces.append(decode_text(chunk, label))
    text = "".join(pieces)
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def _unescape(text: str) -> str:
    # The parser keeps undecodable header bytes as lone surrogates; read them as bytes again.
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    return decode_text(text.encode("utf-8", errors="surrogateescape"))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))

