"""Decimal text of exact dyadic numbers for humans, rounded in a stated direction.

A printed lower bound must never exceed the proved one and a printed upper
bound must never fall below it: `decimal(text, digits, "down")` is the largest
decimal with `digits` significant digits that is <= the exact value, "up" the
smallest that is >=, "nearest" for values that are not bounds (a radius).
Exact integer arithmetic throughout, no floats.
"""
from __future__ import annotations

from fractions import Fraction

from ..kernel import dyadic


def exact_value(text) -> Fraction | None:
    """The exact rational of a canonical dyadic string, or None if it is not one."""
    try:
        m, e = dyadic.parse(text)
    except dyadic.DyadicError:
        return None
    return Fraction(m) / (1 << -e) if e < 0 else Fraction(m << e)


def _floor_ceil(q: Fraction, direction: str) -> int:
    if direction == "nearest":
        return round(q)
    return (q.numerator // q.denominator if direction == "down"
            else -((-q.numerator) // q.denominator))


def round_decimal(q: Fraction, digits: int, direction: str) -> tuple[int, int]:
    """(N, p) with N * 10^p <= q (direction 'down') or >= q ('up') or nearest to q,
    N having about `digits` significant digits; exact integer arithmetic, no floats."""
    if direction not in ("down", "up", "nearest"):
        raise ValueError(direction)
    if q == 0:
        return 0, 0
    a = abs(q)
    # E = floor(log10 a), found exactly
    E = len(str(a.numerator)) - len(str(a.denominator))
    while Fraction(10) ** E > a:
        E -= 1
    while Fraction(10) ** (E + 1) <= a:
        E += 1
    p = E - digits + 1
    N = _floor_ceil(q / Fraction(10) ** p, direction)
    return N, p


def decimal_text(q: Fraction, digits: int, direction: str, latex: bool = False) -> str:
    """Decimal text of a bound of q rounded outward (see round_decimal)."""
    N, p = round_decimal(q, digits, direction)
    if N == 0:
        return "0"
    sign, mant = ("-" if N < 0 else ""), str(abs(N))
    exponent10 = p + len(mant) - 1          # value = sign * m.ant * 10^exponent10
    if -4 <= exponent10 < 6:
        if p >= 0:
            body = mant + "0" * p
        else:
            mant = mant.rjust(-p + 1, "0")
            body = mant[:p] + "." + mant[p:]
        return sign + body
    mant_text = mant[0] + ("." + mant[1:] if len(mant) > 1 else "")
    if latex:
        return f"{sign}{mant_text}\\times 10^{{{exponent10}}}"
    return f"{sign}{mant_text}e{exponent10}"


def decimal(text: str, digits: int = 10, direction: str = "nearest") -> str:
    """`digits` significant decimal digits of the dyadic string `text`, rounded in `direction`."""
    q = exact_value(text)
    if q is None:
        raise ValueError(f"not a canonical dyadic string: {str(text)[:40]!r}")
    return decimal_text(q, digits, direction)


def trimmed(text: str) -> str:
    """'6.00000' -> '6', '1.00000e12' -> '1e12' (trailing zeros of the mantissa only)."""
    mantissa, e, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def inward_range(lo: Fraction, hi: Fraction, digits: int = 6) -> tuple[str, str]:
    """Texts of [lo, hi] rounded INWARD (lo up, hi down): every printed number is in the
    range, as a statement 'for every k in ...' needs; trailing zeros dropped."""
    return trimmed(decimal_text(lo, digits, "up")), trimmed(decimal_text(hi, digits, "down"))
