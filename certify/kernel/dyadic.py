"""Reading the exact numbers of the certificate format: dyadic rationals m * 2^e as strings.

Canonical text of a dyadic q:
    "0"                      if q = 0
    "<m>"                    if q is an integer (decimal, optional '-')
    "<m>*2^<e>"              otherwise, with m odd and e < 0
Every string parses to exactly one rational and every dyadic has exactly one
canonical string, so certificates have canonical bytes.  Conversion to arb is
exact (an arb ball of radius 0).  The kernel only reads; writing (floats and balls
-> canonical strings) is the producer's job (certify.producer.exact).
"""
from __future__ import annotations

import re

from flint import arb

_DYADIC = re.compile(r"(-?[1-9][0-9]*)\*2\^(-[1-9][0-9]{0,9})")
_INTEGER = re.compile(r"0|-?[1-9][0-9]*")
MAX_DIGITS = 4000       # refuse absurd mantissas before any arithmetic
MAX_EXPONENT = 100_000  # |e| bound: exact rational checks stay cheap


class DyadicError(ValueError):
    """A string that is not a canonical dyadic number."""


def brief(value, width: int = 40) -> str:
    """repr(value) cut to `width` characters, for error messages; never raises (an
    integer too long for the interpreter's int/str limit is described instead)."""
    if type(value) is int and value.bit_length() > 2000:
        return f"<an integer of {value.bit_length()} bits>"
    return repr(value)[:width]


def decimal_int(text: str) -> int:
    """int(text) for a string of decimal digits (optional '-'), in pieces of 600 digits,
    so that the result does not depend on the interpreter's limit on int/str
    conversions (sys.set_int_max_str_digits, at least 640)."""
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text)
    value = 0
    for start in range(0, len(digits), 600):
        piece = digits[start:start + 600]
        value = value * 10 ** len(piece) + int(piece)
    return sign * value


def parse(text) -> tuple[int, int]:
    """(m, e) with value m * 2^e; raises DyadicError unless text is canonical."""
    if not isinstance(text, str) or len(text) > MAX_DIGITS:
        raise DyadicError(f"not a dyadic string: {brief(text)}")
    match = _INTEGER.fullmatch(text)
    if match:
        return decimal_int(text), 0
    match = _DYADIC.fullmatch(text)
    if not match:
        raise DyadicError(f"not a canonical dyadic 'm*2^e' string: {text[:40]!r}")
    m, e = decimal_int(match.group(1)), int(match.group(2))
    if m % 2 == 0:
        raise DyadicError(f"mantissa must be odd in {text[:40]!r}")
    if -e > MAX_EXPONENT:
        raise DyadicError(f"exponent below -{MAX_EXPONENT} in {text[:40]!r}")
    return m, e


def to_arb(text) -> arb:
    """The exact value of a canonical dyadic string as an arb of radius 0."""
    m, e = parse(text)
    return arb((m, e))
