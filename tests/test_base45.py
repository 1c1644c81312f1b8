"""Base45 against RFC 9285's examples, its error cases, and a round trip over any bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import base45

RFC_VECTORS = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


@pytest.mark.parametrize(("raw", "text"), RFC_VECTORS)
def test_rfc_9285_examples(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GGW", "above 65535"),  # RFC 9285 section 6: 65536 is not a valid triple
        ("::", "above 255"),
        ("A", "invalid base45 length 1"),
        ("BB8A", "invalid base45 length 4"),
        ("bb8", "invalid base45 character 'b' at position 0"),
        ("BB~", "invalid base45 character '~' at position 2"),
    ],
)
def test_decode_rejects_what_the_rfc_forbids(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        base45.decode(text)


def test_alphabet_is_the_qr_alphanumeric_set() -> None:
    assert base45.ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@given(st.binary(max_size=300))
def test_round_trip(raw: bytes) -> None:
    text = base45.encode(raw)
    assert set(text) <= set(base45.ALPHABET)
    assert base45.decode(text) == raw


@given(st.text(max_size=40))
def test_decode_of_any_text_is_bytes_or_value_error(text: str) -> None:
    try:
        raw = base45.decode(text)
    except ValueError:
        return
    assert base45.encode(raw) == text
