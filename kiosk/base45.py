"""Base45 (RFC 9285): bytes as text in the QR code's alphanumeric character set."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {char: value for value, char in enumerate(ALPHABET)}


def encode(data: bytes) -> str:
    """Encode bytes as base45 text (two bytes become three characters, a last byte two)."""
    chars: list[str] = []
    for start in range(0, len(data) - 1, 2):
        value = data[start] * 256 + data[start + 1]
        value, c = divmod(value, 45)
        e, d = divmod(value, 45)
        chars += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        chars += (ALPHABET[c], ALPHABET[d])
    return "".join(chars)


def decode(text: str) -> bytes:
    """Decode base45 text, raising ValueError for characters, lengths or values RFC 9285 forbids."""
    if len(text) % 3 == 1:
        raise ValueError(f"invalid base45 length {len(text)}: a group must have 2 or 3 characters")
    values: list[int] = []
    for position, char in enumerate(text):
        value = _VALUES.get(char)
        if value is None:
            raise ValueError(f"invalid base45 character {char!r} at position {position}")
        values.append(value)
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start : start + 3]
        if len(group) == 3:
            number = group[0] + group[1] * 45 + group[2] * 45 * 45
            if number > 0xFFFF:
                raise ValueError(
                    f"invalid base45 group {text[start : start + 3]!r} at position {start}: "
                    f"value {number} is above 65535"
                )
            out += number.to_bytes(2, "big")
        else:
            number = group[0] + group[1] * 45
            if number > 0xFF:
                raise ValueError(
                    f"invalid base45 group {text[start : start + 2]!r} at position {start}: "
                    f"value {number} is above 255"
                )
            out.append(number)
    return bytes(out)
