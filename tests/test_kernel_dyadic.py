"""Contract of certify.kernel.dyadic: every canonical string parses to its exact value
(and converts to arb exactly), every other spelling is refused.  The truth is the
oracle's independent reading of docs/format.md (tests/oracle/numbers.py)."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest
from flint import arb, ctx

from certify.kernel import dyadic
from certify.producer.exact import format_dyadic, from_float, normalise
from oracle.numbers import dyadic as oracle_text
from oracle.numbers import strict_fraction

SEED = 20251202


def value(m: int, e: int) -> Fraction:
    return Fraction(m) * Fraction(2) ** e


def random_dyadics(rng, count):
    """Exact dyadic rationals over a wide range of sizes and exponents (and 0, +-1)."""
    out = [Fraction(0), Fraction(1), Fraction(-1), Fraction(1, 2), Fraction(-3, 4)]
    for _ in range(count):
        m = rng.choice([-1, 1]) * rng.randrange(1, 1 << rng.randrange(1, 300))
        e = rng.randrange(-2000, 60)
        out.append(value(m, e))
    return out


def test_canonical_strings_round_trip_exactly():
    rng = random.Random(SEED)
    for q in random_dyadics(rng, 1500):
        text = oracle_text(q)                       # the oracle's canonical spelling
        m, e = dyadic.parse(text)
        assert value(m, e) == q, text
        assert (m % 2 == 1 or m % 2 == -1) if e < 0 else e == 0
        x = dyadic.to_arb(text)
        assert x.rad() == 0 and x == arb((m, e))    # exact, whatever the working precision
        with ctx.workprec(64):                      # even when the precision is too low for m
            assert dyadic.to_arb(text).rad() == 0


def test_producer_writer_and_kernel_reader_are_inverse():
    """producer.exact writes exactly the oracle's canonical text, for every (m, e) spelling."""
    rng = random.Random(SEED + 1)
    for _ in range(1500):
        m = rng.choice([-1, 0, 1]) * rng.randrange(1, 1 << rng.randrange(1, 200))
        e = rng.randrange(-500, 80)
        q = value(m, e)
        text = format_dyadic(m, e)
        assert text == oracle_text(q)
        assert value(*dyadic.parse(text)) == q
        assert value(*normalise(m, e)) == q
    for x in (0.0, -0.0, 1.0, 0.1, -2.5e-300, 5e-324, 1.7976931348623157e308):
        assert value(*dyadic.parse(from_float(x))) == Fraction(x)


NONCANONICAL = ["+1", "01", "00", "-0", "1*2^0", "2*2^-3", "1*2^-0", "3*2^1", "3*2^+1",
                "1*2^-01", "1*2^3", "0.5", "1e0", "1E-3", " 1", "1 ", "", "-", "NaN", "nan",
                "inf", "-inf", "Infinity", "0x1", "1/2", "1_0", "--1", "\u0661", "\uff11",
                "1*2^-1*2^-1", "0*2^-1", "-0*2^-1", "1 * 2^-1", "1*2**-1", "1*2^-1\t", "1\n",
                "1*2^-1\n", "\n1", "-1*2^-0", "1*2^-", "*2^-1", "1*2^", "1*3^-1", "1*2^-1.5",
                "1" * 4001, "1*2^-" + "9" * 3999, "1*2^-100001", "1*2^-" + "1" * 11]


@pytest.mark.parametrize("text", NONCANONICAL, ids=[repr(t[:12]) for t in NONCANONICAL])
def test_every_noncanonical_spelling_is_refused(text):
    assert strict_fraction(text) is None           # the oracle agrees it is not canonical
    with pytest.raises(dyadic.DyadicError):
        dyadic.parse(text)
    with pytest.raises(dyadic.DyadicError):
        dyadic.to_arb(text)


@pytest.mark.parametrize("value_", [0, 1, -1, 0.5, None, True, b"1", ["1"], {"1": 1}])
def test_non_strings_are_refused(value_):
    with pytest.raises(dyadic.DyadicError):
        dyadic.parse(value_)


def test_other_spellings_of_the_same_value_are_refused():
    """Every value has exactly one accepted spelling: even mantissas, positive or zero
    exponents, leading zeros and signs are refused even though the value is right."""
    rng = random.Random(SEED + 2)
    for q in random_dyadics(rng, 300):
        text = oracle_text(q)
        spellings = [f"+{text}", f"0{text}", f"{text}*2^0", f"{text} "]
        if "*2^" in text:
            m, e = text.split("*2^")
            spellings += [f"{2 * int(m)}*2^{int(e) - 1}", f"{m}*2^-0{-int(e)}", f"{m}*2^+{-int(e)}"]
        elif q != 0:
            spellings += [f"{2 * q.numerator}*2^-1", f"{text}*2^-0", f"{text}.0"]
        for s in spellings:
            assert strict_fraction(s) is None, s            # same value, not canonical
            with pytest.raises(dyadic.DyadicError):
                dyadic.parse(s)


def test_limits_of_the_format_are_exact():
    """4000 characters and exponents down to -100000 are allowed; one more is not."""
    assert dyadic.parse("1" * 4000) == (int("1" * 4000), 0)
    assert dyadic.parse("-" + "9" * 3999) == (-int("9" * 3999), 0)
    assert dyadic.parse("1*2^-100000") == (1, -100000)
    assert dyadic.parse("-3*2^-99999") == (-3, -99999)
    for text in ("1" * 4001, "1*2^-100001", "1*2^-" + "9" * 10):
        with pytest.raises(dyadic.DyadicError):
            dyadic.parse(text)


def test_parse_agrees_with_the_oracle_on_random_strings():
    """Differential test on strings over the alphabet of the format: accepted exactly
    when the oracle reads a canonical dyadic, with the same value."""
    rng = random.Random(SEED + 3)
    alphabet = "0123456789-*^2 +.e"
    agreed = accepted = 0
    for _ in range(20000):
        if rng.random() < 0.5:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 9)))
        else:   # near-canonical: mutate one character of a canonical string
            text = list(oracle_text(random_dyadics(rng, 1)[-1]))
            i = rng.randrange(len(text))
            text[i] = rng.choice(alphabet)
            text = "".join(text)
        truth = strict_fraction(text)
        try:
            got = value(*dyadic.parse(text))
        except dyadic.DyadicError:
            got = None
        assert got == truth, text
        agreed += 1
        accepted += got is not None
    assert agreed == 20000 and accepted > 1000      # both sides are exercised
