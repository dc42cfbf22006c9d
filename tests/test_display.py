"""Printed bounds are never stronger than the proved ones (certify/views/display.py)."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest

from certify.producer.exact import format_dyadic
from certify.views.display import decimal
from certify.views.display import exact_value as exact


def printed_value(text: str) -> Fraction:
    """Exact value of a decimal / scientific string (independent of views/display.py)."""
    mantissa, _, power = text.partition("e")
    return Fraction(mantissa) * Fraction(10) ** int(power or 0)


@pytest.mark.parametrize("seed", range(5))
def test_directed_rounding_brackets_the_exact_value(seed):
    rng = random.Random(seed)
    for _ in range(400):
        text = format_dyadic(rng.randrange(-10 ** 30, 10 ** 30), rng.randrange(-250, 40))
        q = exact(text)
        for digits in (1, 3, 7, 12):
            low, high = printed_value(decimal(text, digits, "down")), printed_value(decimal(text, digits, "up"))
            assert low <= q <= high, (text, digits)
            if q != 0:   # and as tight as the digits allow: one unit in the last place
                assert (high - low) <= abs(q) * Fraction(10) ** (2 - digits)
            nearest = printed_value(decimal(text, digits))
            assert low <= nearest <= high


def test_examples():
    assert decimal("1*2^-1", 3, "down") == "0.500"
    assert decimal("1*2^-2", 1, "down") == "0.2" and decimal("1*2^-2", 1, "up") == "0.3"
    assert decimal("-1*2^-2", 1, "down") == "-0.3"
    assert decimal("1*2^-100", 3) == "7.89e-31"
    assert decimal("0", 5, "up") == "0"
