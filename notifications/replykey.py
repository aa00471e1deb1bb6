"""The reply address of a request: `reply+KEY@tracker.example.org` (issue 14: written here
on every request, reminder and 보완 요청; read back by tracker.inbound).

KEY names a contact's reply link (its id) and carries a MAC under the server secret, so a
forged or mistyped address is refused before anything is stored. It is 24 characters of
lower-case base32 (letters and 2-7): five bytes of link id and ten bytes of HMAC-SHA256
(80 bits), short enough for every mail server's local-part limit (64) and unchanged by servers
that fold addresses to lower case. Pure functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

ID_BYTES = 5
MAC_BYTES = 10
KEY_LENGTH = (ID_BYTES + MAC_BYTES) * 8 // 5  # 24 base32 characters, no padding
_PURPOSE = b"tracker-inbound-reply-address:"
_KEY = re.compile(rf"^[a-z2-7]{{{KEY_LENGTH}}}$")


def make_key(secret: str, link_id: int) -> str:
    """The KEY for the reply link `link_id` under `secret`."""
    payload = link_id.to_bytes(ID_BYTES, "big")
    return base64.b32encode(payload + _mac(secret, payload)).decode("ascii").lower()


def read_key(secret: str, key: str) -> int | None:
    """The link id named by `key` if its MAC is right under `secret`, else None (any
    malformed input is None; the comparison takes constant time)."""
    key = key.strip().lower()
    if not _KEY.match(key):
        return None
    data = base64.b32decode(key.upper())
    payload, mac = data[:ID_BYTES], data[ID_BYTES:]
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    return int.from_bytes(payload, "big")


def reply_address(inbound_address: str, separator: str, key: str) -> str:
    """`reply@host` with `key` added after the separator: `reply+KEY@host`."""
    local, _, domain = inbound_address.rpartition("@")
    return f"{local}{separator}{key}@{domain}"


def key_of(address: str, inbound_address: str, separator: str) -> str | None:
    """The KEY in `address` if it is the inbound address with a key after the separator
    (compared without regard to case), else None."""
    local, _, domain = address.strip().lower().rpartition("@")
    base_local, _, base_domain = inbound_address.strip().lower().rpartition("@")
    prefix = base_local + separator.lower()
    if domain != base_domain or not local.startswith(prefix):
        return None
    return local[len(prefix):] or None


def is_inbound(address: str, inbound_address: str, separator: str) -> bool:
    """Whether `address` is the inbound address itself or one of its keyed forms."""
    if address.strip().lower() == inbound_address.strip().lower():
        return True
    return key_of(address, inbound_address, separator) is not None


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), _PURPOSE + payload, hashlib.sha256).digest()[:MAC_BYTES]
