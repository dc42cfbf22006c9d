"""Exact dyadic numbers, parsed and printed independently of certify.kernel.dyadic
(docs/format.md: "0", "<m>" or "<m>*2^<e>" with m odd and e < 0)."""
from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

_INT = re.compile(r"(0|-?[1-9][0-9]*)")
_DY = re.compile(r"(-?[1-9][0-9]*)\*2\^(-[1-9][0-9]*)")
MAX_LENGTH = 4000          # docs/format.md: longer strings are refused
MAX_EXPONENT = 100_000     # docs/format.md: |e| <= 100000


def strict_fraction(text) -> Fraction | None:
    """Value of a canonical dyadic string per docs/format.md, else None."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH or not text.isascii():
        return None
    if _INT.fullmatch(text):
        return Fraction(int(text))
    match = _DY.fullmatch(text)
    if not match:
        return None
    m, e = int(match.group(1)), int(match.group(2))
    if m % 2 == 0 or -e > MAX_EXPONENT:
        return None
    return Fraction(m, 2 ** -e)


def frac(text: str) -> Fraction:
    q = strict_fraction(text)
    assert q is not None, f"test bug: {text!r} is not a canonical dyadic"
    return q


def dyadic(q) -> str:
    """Canonical text of a dyadic rational (Fraction, int or finite float)."""
    q = Fraction(q)
    den = q.denominator
    assert den & (den - 1) == 0, f"{q} is not dyadic"
    if den == 1:
        return str(q.numerator)
    e = den.bit_length() - 1
    m = q.numerator
    assert m % 2 == 1 or m % 2 == -1
    return f"{m}*2^-{e}"


def shifted_text(text: str, delta) -> str:
    """Exact text of value(text) + delta (delta a float or Fraction, added exactly)."""
    return dyadic(frac(text) + Fraction(delta))


def scaled_text(text: str, factor) -> str:
    return dyadic(frac(text) * Fraction(factor))


def to_float_matrix(rows) -> np.ndarray:
    return np.array([[float(frac(x)) for x in row] for row in rows])


def to_fractions(rows) -> list:
    return [[frac(x) for x in row] for row in rows]
