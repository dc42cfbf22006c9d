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


def _exact(x: arb) -> tuple[int, int]:
    """(m, e) with x = m 2^e exactly, for an exact arb (radius 0) such as a midpoint."""
    return tuple(int(v) for v in x.man_exp()) if not x.is_zero() else (0, 0)


def round_arb(x: arb, bits: int, direction: str) -> str:
    """A dyadic with at most `bits` significant bits that is <= every point of the
    ball x (direction 'down') or >= every point of x ('up').  The endpoint
    mid -+ rad is formed exactly in integers (whatever arb's working precision),
    then rounded outward.  Raises ArithmeticError if x is not finite."""
    if not x.is_finite():
        raise ArithmeticError("cannot round a non-finite ball")
    (m1, e1), (m2, e2) = _exact(x.mid()), _exact(x.rad())
    e = min(e1, e2)
    m = (m1 << (e1 - e)) + (-1 if direction == "down" else 1) * (m2 << (e2 - e))
    excess = m.bit_length() - bits if m else 0
    if excess > 0:
        # floor or ceiling of m / 2^excess, exactly (Python's >> floors)
        m = (m >> excess) if direction == "down" else -((-m) >> excess)
        e += excess
    return format_dyadic(m, e)
