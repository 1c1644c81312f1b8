"""An independent reader of notices, written from docs/formats.md ("Notices") alone.

It shares no code with kiosk/: the key line is decoded with base32 and SHA-256 as the spec
says, and Ed25519 is RFC 8032's verification written out in integers (section 5.1.7), so
the kiosk's own verifier and this one can disagree only if one of them breaks the spec.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date
from typing import Any

P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]


def _add(a: Point, b: Point) -> Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _x_of(y: int, sign: int) -> int | None:
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    return P - x if (x & 1) != sign else x


def _decode(encoded: bytes) -> Point | None:
    y = int.from_bytes(encoded, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _x_of(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


def _same(a: Point, b: Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


_GY = 4 * pow(5, P - 2, P) % P
_GX = _x_of(_GY, 0)
assert _GX is not None
BASE: Point = (_GX, _GY, 1, _GX * _GY % P)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 Ed25519 verification (cofactorless), from the RFC's description."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decode(public), _decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % Q
    return _same(_mul(s, BASE), _add(r, _mul(h, a)))


def signing_key_of_line(line: str) -> bytes:
    """The Ed25519 key of a 'tkpub2-' line: base32 of X25519 ‖ Ed25519 ‖ 4-byte checksum."""
    compact = line.strip().lower().replace("-", "")
    assert compact.startswith("tkpub2")
    body = compact[len("tkpub2") :].upper()
    data = base64.b32decode(body + "=" * (-len(body) % 8))
    assert len(data) == 68
    keys, check = data[:64], data[64:]
    assert hashlib.sha256(b"trivselskiosk/key-line/v2" + keys).digest()[:4] == check
    return keys[32:]


def read_notice(data: bytes, line: str, site: str, today: date) -> dict[str, Any] | str:
    """The notice's body if it is valid for `site` on `today`, else the reason it is not."""
    outer = json.loads(data)
    if outer.get("format") != "trivselskiosk-notice" or outer.get("version") != 1:
        return "format"
    body = base64.b64decode(outer["body"])
    signature = base64.b64decode(outer["signature"])
    if not ed25519_verify(
        signing_key_of_line(line), b"trivselskiosk/notice/v1\n" + body, signature
    ):
        return "signature"
    notice = json.loads(body)
    if notice["site"] != site:
        return "site"
    if (
        not date.fromisoformat(notice["valid_from"])
        <= today
        <= date.fromisoformat(notice["valid_until"])
    ):
        return "dates"
    return dict(notice)
