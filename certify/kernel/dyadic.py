"""Exact numbers of the certificate format: dyadic rationals m * 2^e as strings.

Canonical text of a dyadic q:
    "0"                      if q = 0
    "<m>"                    if q is an integer (decimal, optional '-')
    "<m>*2^<e>"              otherwise, with m odd and e < 0
Every string parses to exactly one rational and every dyadic has exactly one
canonical string, so certificates have canonical bytes.  Conversion to arb is
exact (an arb ball of radius 0).
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


def normalise(m: int, e: int) -> tuple[int, int]:
    """The canonical (m, e) of m * 2^e: m odd, or e = 0 when the value is an integer."""
    if m == 0:
        return 0, 0
    shift = (m & -m).bit_length() - 1  # number of trailing zero bits of m
    m, e = m >> shift, e + shift
    if e >= 0:
        return m << e, 0
    return m, e


def parse(text) -> tuple[int, int]:
    """(m, e) with value m * 2^e; raises DyadicError unless text is canonical."""
    if not isinstance(text, str) or len(text) > MAX_DIGITS:
        raise DyadicError(f"not a dyadic string: {str(text)[:40]!r}")
    match = _INTEGER.fullmatch(text)
    if match:
        return int(text), 0
    match = _DYADIC.fullmatch(text)
    if not match:
        raise DyadicError(f"not a canonical dyadic 'm*2^e' string: {text[:40]!r}")
    m, e = int(match.group(1)), int(match.group(2))
    if m % 2 == 0:
        raise DyadicError(f"mantissa must be odd in {text[:40]!r}")
    if -e > MAX_EXPONENT:
        raise DyadicError(f"exponent below -{MAX_EXPONENT} in {text[:40]!r}")
    return m, e


def format_dyadic(m: int, e: int) -> str:
    """Canonical text of m * 2^e."""
    m, e = normalise(m, e)
    return str(m) if e == 0 else f"{m}*2^{e}"


def to_arb(text) -> arb:
    """The exact value of a canonical dyadic string as an arb of radius 0."""
    m, e = parse(text)
    return arb((m, e))


def from_float(x: float) -> str:
    """Canonical text of a finite binary64 number (exact)."""
    num, den = float(x).as_integer_ratio()
    return format_dyadic(num, -(den.bit_length() - 1))


def round_arb(x: arb, bits: int, direction: str) -> str:
    """A dyadic with at most `bits` significant bits that is <= every point of the
    ball x (direction 'down') or >= every point of x ('up'). Raises if x is not finite."""
    if not x.is_finite():
        raise DyadicError("cannot round a non-finite ball")
    end = x.lower() if direction == "down" else x.upper()
    m, e = end.mid().man_exp() if not end.is_zero() else (0, 0)
    excess = m.bit_length() - bits if m else 0
    if excess > 0:
        # floor or ceiling of m / 2^excess, exactly (Python's >> floors)
        m = (m >> excess) if direction == "down" else -((-m) >> excess)
        e += excess
    return format_dyadic(m, e)
