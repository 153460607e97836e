"""A link's token is accepted only as the exact text the ledger made: every other spelling of
the same bytes (padding, the standard alphabet's `+/`, unused low bits, anything added) is
refused, as are altered tokens."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.adapters.overview_links import id_of, token_of

KEY = bytes(range(32))
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# An id whose token has both '-' and '_' in its first part.
LINK_ID = (b"\xfb\xef\xbe" + b"\xff" * 13).hex()


def other_spellings(token: str) -> list[str]:
    """Texts a lenient base64 decoder reads as the same bytes as `token`."""
    first, second = token.split(".")
    last = second[-1]
    # 16 bytes take 22 characters, whose last carries 2 bits of data and 4 unused ones.
    unused_bits = ALPHABET[ALPHABET.index(last) ^ 1]
    return [
        token + "=",
        token + "==",
        f"{first}==.{second}==",
        f"{first}==.{second}",
        token.replace("-", "+").replace("_", "/"),
        token.replace("-", "+"),
        token.replace("_", "/"),
        f"{first}.{second[:-1]}{unused_bits}",
        token + "A",
        token + ".",
        token + " ",
        token + "\n",
        " " + token,
        f"{first}.{second[:10]}\n{second[10:]}",
        f"{first}.{second[:10]}*{second[10:]}",
    ]


def test_the_exact_token_names_its_link() -> None:
    token = token_of(KEY, LINK_ID)
    assert "-" in token
    assert "_" in token
    assert id_of(KEY, token) == LINK_ID


@pytest.mark.parametrize("index", range(len(other_spellings(token_of(KEY, LINK_ID)))))
def test_another_spelling_of_the_same_bytes_names_nothing(index: int) -> None:
    token = token_of(KEY, LINK_ID)
    spelling = other_spellings(token)[index]
    assert spelling != token
    # The lenient decoder does read the same bytes: that is what made these dangerous.
    first = spelling.strip().partition(".")[0]
    if "*" not in spelling and not spelling.endswith("."):
        assert base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)) == bytes.fromhex(LINK_ID)

    assert id_of(KEY, spelling) is None


@given(st.binary(min_size=16, max_size=16), st.text(max_size=4))
def test_only_the_made_token_is_accepted(raw: bytes, extra: str) -> None:
    token = token_of(KEY, raw.hex())
    assert id_of(KEY, token) == raw.hex()
    if extra:
        assert id_of(KEY, token + extra) is None
        assert id_of(KEY, extra + token) is None
