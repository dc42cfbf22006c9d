"""Interval arithmetic (mpmath.iv) and exact conversions for the independent checker.

    precision(bits)           context: mpmath.iv works at `bits` bits
    interval(lo, hi)          an iv interval containing [lo, hi] (exact rationals)
    lower(x), upper(x)        the exact endpoints of an iv interval (Fractions)
    on_grid(x, G)             integers (m, rad) with x inside [(m - rad) 2^-G, (m + rad) 2^-G]

Trusted: mpmath.iv returns, for every operation on intervals, an interval that
contains the exact result for all points of the operands (outward rounding of
both endpoints).  Everything else here is exact integer arithmetic on the
endpoints, which mpmath stores as sign, integer mantissa and binary exponent.
A non-finite endpoint raises ArithmeticError (never treated as a bound).
"""
from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction

from mpmath import iv
from mpmath import libmp


@contextmanager
def precision(bits: int):
    """Run the enclosed code with mpmath.iv at `bits` bits (restored afterwards)."""
    saved = iv.prec
    iv.prec = bits
    try:
        yield
    finally:
        iv.prec = saved


def _endpoint(value: Fraction, rounding: str):
    return libmp.from_rational(value.numerator, value.denominator, iv.prec, rounding)


def interval(lo, hi=None):
    """An iv interval containing the exact rationals [lo, hi] (hi = lo by default)."""
    lo = Fraction(lo)
    hi = lo if hi is None else Fraction(hi)
    if lo > hi:
        raise ArithmeticError("empty interval")
    return iv.make_mpf((_endpoint(lo, libmp.round_floor), _endpoint(hi, libmp.round_ceiling)))


def _raw(x):
    """(lower, upper) raw mpf endpoints of an iv interval or of a number iv accepts."""
    x = x if isinstance(x, iv.mpf) else iv.mpf(x)
    return x._mpi_


def _finite(raw) -> tuple[int, int]:
    """(signed mantissa, exponent) of a raw mpf; ArithmeticError if not finite."""
    sign, man, exp, _ = raw
    man = int(man)
    if man == 0:
        if raw != libmp.fzero:
            raise ArithmeticError("non-finite interval endpoint")
        return 0, 0
    return (-man if sign else man), int(exp)


def _fraction(raw) -> Fraction:
    man, exp = _finite(raw)
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def lower(x) -> Fraction:
    return _fraction(_raw(x)[0])


def upper(x) -> Fraction:
    return _fraction(_raw(x)[1])


def magnitude(x) -> Fraction:
    """max |y| over the interval x."""
    return max(abs(lower(x)), abs(upper(x)))


def _scaled_floor(raw, G: int) -> int:
    man, exp = _finite(raw)
    shift = exp + G
    return man << shift if shift >= 0 else man >> -shift        # >> floors


def _scaled_ceil(raw, G: int) -> int:
    man, exp = _finite(raw)
    shift = exp + G
    return man << shift if shift >= 0 else -((-man) >> -shift)


def on_grid(x, G: int) -> tuple[int, int]:
    """Integers (m, rad), rad >= 0, with every point of x in [(m - rad) 2^-G, (m + rad) 2^-G].

    lo 2^G >= floor(lo 2^G) = a and hi 2^G <= ceil(hi 2^G) = b exactly, and
    [a, b] lies within rad of m = floor((a + b) / 2)."""
    lo_raw, hi_raw = _raw(x)
    a, b = _scaled_floor(lo_raw, G), _scaled_ceil(hi_raw, G)
    m = (a + b) // 2
    return m, max(b - m, m - a)


def fraction_on_grid(q: Fraction, G: int) -> tuple[int, int]:
    """(m, rad) as on_grid, for an exact rational q: m = round(q 2^G), rad <= 1."""
    scaled = q * (1 << G) if G >= 0 else q / (1 << -G)
    m = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return m, (0 if scaled == m else 1)
