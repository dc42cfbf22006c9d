"""Writing exact numbers: floats and arb balls -> canonical dyadic strings (docs/format.md).

The inverse of certify.kernel.dyadic.parse; nothing here is trusted (the kernel
re-reads every string it is given).
"""
from __future__ import annotations

from flint import arb


def normalise(m: int, e: int) -> tuple[int, int]:
    """The canonical (m, e) of m * 2^e: m odd, or e = 0 when the value is an integer."""
    if m == 0:
        return 0, 0
    shift = (m & -m).bit_length() - 1  # number of trailing zero bits of m
    m, e = m >> shift, e + shift
    if e >= 0:
        return m << e, 0
    return m, e


def format_dyadic(m: int, e: int) -> str:
    """Canonical text of m * 2^e."""
    m, e = normalise(m, e)
    return str(m) if e == 0 else f"{m}*2^{e}"


def from_float(x: float) -> str:
    """Canonical text of a finite binary64 number (exact)."""
    num, den = float(x).as_integer_ratio()
    return format_dyadic(num, -(den.bit_length() - 1))


def round_arb(x: arb, bits: int, direction: str) -> str:
    """A dyadic with at most `bits` significant bits that is <= every point of the
    ball x (direction 'down') or >= every point of x ('up'). Raises if x is not finite."""
    if not x.is_finite():
        raise ArithmeticError("cannot round a non-finite ball")
    end = x.lower() if direction == "down" else x.upper()
    m, e = end.mid().man_exp() if not end.is_zero() else (0, 0)
    excess = m.bit_length() - bits if m else 0
    if excess > 0:
        # floor or ceiling of m / 2^excess, exactly (Python's >> floors)
        m = (m >> excess) if direction == "down" else -((-m) >> excess)
        e += excess
    return format_dyadic(m, e)
