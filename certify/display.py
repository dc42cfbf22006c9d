"""Decimal text of exact dyadic numbers for humans, rounded in a stated direction.

A printed lower bound must never exceed the proved one and a printed upper
bound must never fall below it: `decimal(text, digits, "down")` is the largest
decimal with `digits` significant digits that is <= the exact value, "up" the
smallest that is >=, "nearest" for values that are not bounds (a radius).
"""
from __future__ import annotations

from fractions import Fraction
import math

from .kernel import dyadic


def exact(text: str) -> Fraction:
    """The exact rational value of a canonical dyadic string."""
    m, e = dyadic.parse(text)
    return Fraction(m) * Fraction(2) ** e


def decimal(text: str, digits: int = 10, direction: str = "nearest") -> str:
    """`digits` significant decimal digits of the dyadic `text`, rounded in `direction`."""
    q = exact(text)
    if q == 0:
        return "0"
    exponent = math.floor(math.log10(abs(q)))
    # correct the float log10 estimate so that 10^exponent <= |q| < 10^(exponent+1)
    while Fraction(10) ** exponent > abs(q):
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= abs(q):
        exponent += 1
    scale = Fraction(10) ** (digits - 1 - exponent)
    scaled = q * scale
    if direction == "down":
        integer = math.floor(scaled)
    elif direction == "up":
        integer = math.ceil(scaled)
    else:
        integer = round(scaled)
    if abs(exponent) > 6 or exponent >= digits:
        return _sci(integer, digits, exponent)
    return _fixed(Fraction(integer) / scale, digits - 1 - exponent)


def _sci(integer: int, digits: int, exponent: int) -> str:
    """integer * 10^(exponent - digits + 1) in scientific notation, exactly."""
    sign, text = ("-" if integer < 0 else ""), str(abs(integer))
    if len(text) > digits:   # carry made one more digit (e.g. 9.99 -> 10.0)
        text, exponent = text[:digits], exponent + 1
    return f"{sign}{text[0]}.{text[1:]}e{exponent:+03d}" if digits > 1 else f"{sign}{text}e{exponent:+03d}"


def _fixed(value: Fraction, places: int) -> str:
    """Exact fixed-point text of a decimal fraction with `places` decimals."""
    integer = value * 10 ** places
    if places == 0:
        return str(integer.numerator)
    assert integer.denominator == 1
    sign, text = ("-" if integer < 0 else ""), str(abs(integer.numerator)).rjust(places + 1, "0")
    return f"{sign}{text[:-places]}.{text[-places:]}"
