"""Exact conversions between binary64 numbers and dyadic rationals (TRUSTED).

Integer arithmetic on the 64-bit patterns only: no floating-point operation is
performed, so the results do not depend on the rounding mode, on flush-to-zero or
on denormals-are-zero (docs/fast-checks.md, "The floating-point environment").
The cost of each function is bounded by the size of its integer arguments, never
by their value (no stepping through floats).

    value(x)        (m, e) with x = m 2^e exactly, for finite x
    to_arb(x)       x as an exact arb ball (radius 0)
    ceil(m, e)      the least binary64 number >= m 2^e  (+inf if none is finite)
    floor(m, e)     the largest binary64 number <= m 2^e (-inf if none is finite)
"""
from __future__ import annotations

import struct

from flint import arb

_FRACTION = (1 << 52) - 1
_MAX_FINITE = 0x7FEFFFFFFFFFFFFF
_INF = 0x7FF0000000000000
_SIGN = 1 << 63


def to_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def value(x: float) -> tuple[int, int]:
    """(m, e) with x = m 2^e exactly; ArithmeticError if x is an infinity or NaN."""
    bits = to_bits(x)
    biased, fraction = (bits >> 52) & 0x7FF, bits & _FRACTION
    if biased == 0x7FF:
        raise ArithmeticError("not a finite binary64 number")
    m = fraction if biased == 0 else fraction | (1 << 52)     # subnormal: no hidden bit
    return (-m if bits & _SIGN else m), max(biased, 1) - 1075


def to_arb(x: float) -> arb:
    """The binary64 number x as an exact arb (libm is not involved, unlike arb(x))."""
    return arb(value(x))


def _magnitude_bits(m: int, e: int, upward: bool) -> int:
    """Bit pattern of the binary64 number next to m 2^e (m >= 0) in the direction
    `upward` (True: least >= m 2^e; False: largest <= m 2^e)."""
    if m == 0:
        return 0
    top = m.bit_length() - 1 + e               # 2^top <= m 2^e < 2^(top + 1)
    q = max(top - 52, -1074)                   # exponent of the last significand bit
    if e >= q:
        s = m << (e - q)
    else:
        s = m >> (q - e)
        if upward and (s << (q - e)) != m:
            s += 1
    if s >> 53:                                # the rounding carried into the next binade
        s, q = s >> 1, q + 1
    biased = q + 1075 if s >> 52 else 0        # s < 2^52 only for subnormals (q = -1074)
    if biased >= 0x7FF:
        return _INF if upward else _MAX_FINITE
    return (biased << 52) | (s & _FRACTION)


def ceil(m: int, e: int) -> float:
    """The least binary64 number >= m 2^e (+inf if it exceeds every finite one)."""
    if m < 0:
        return from_bits(_SIGN | _magnitude_bits(-m, e, upward=False))
    return from_bits(_magnitude_bits(m, e, upward=True))


def floor(m: int, e: int) -> float:
    """The largest binary64 number <= m 2^e (-inf if it is below every finite one)."""
    return from_bits(to_bits(ceil(-m, e)) ^ _SIGN)
