"""What the producer proposes (certify/producer/claims.py) and how it writes exact
numbers (certify/producer/exact.py).  Nothing here is trusted by the kernel; the
tests check the documented promises: round_arb rounds OUTWARD (checked exactly with
Fractions), classify uses one threshold, proposed claims sit just below the float
eigenvalue."""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, ctx

from certify.producer import NotCertified
from certify.producer.claims import (EIG_BITS, LOSS_BITS, SINGULAR_EIG, classify, eigen_claim,
                                     hessian_claims, loss_claims)
from certify.producer.exact import format_dyadic, from_float, normalise, round_arb
from oracle.numbers import frac

SEED = 9_100_003


def exact(x: arb) -> tuple[Fraction, Fraction]:
    """The exact endpoints of a ball (mid -+ rad, exact dyadics)."""
    def q(y):
        m, e = y.mid().man_exp() if not y.mid().is_zero() else (0, 0)
        return Fraction(int(m)) * Fraction(2) ** int(e)
    mid, rad = q(x.mid()), q(arb(x.rad()))
    return mid - rad, mid + rad


def significant_bits(text: str) -> int:
    """Bits of the odd part of the value's numerator (an integer 1610612736 = 3 * 2^29 has 2)."""
    m = abs(frac(text).numerator)
    return (m >> ((m & -m).bit_length() - 1)).bit_length() if m else 0


@pytest.mark.parametrize("bits", [1, 2, 24, 64])
def test_round_arb_is_outward_with_at_most_the_given_bits(bits):
    rng = random.Random(SEED + bits)
    for _ in range(1000):
        with ctx.workprec(rng.choice([53, 128, 300])):
            x = arb(rng.randrange(-10 ** 40, 10 ** 40)) / 7 * arb(2) ** rng.randrange(-300, 100)
            if rng.random() < 0.7:
                x += arb(0, abs(x.mid()) * arb(2) ** -rng.randrange(1, 200) + arb(2) ** -400)
        lo, hi = exact(x)
        down, up = round_arb(x, bits, "down"), round_arb(x, bits, "up")
        assert frac(down) <= lo and frac(up) >= hi                     # outward: never stronger
        assert significant_bits(down) <= bits and significant_bits(up) <= bits
        # and tight: within one unit in the last of `bits` places
        assert hi - frac(up) > -abs(hi) * Fraction(2, 2 ** bits) - Fraction(1, 2 ** 1000) or bits < 2
        assert frac(down) - lo > -abs(lo) * Fraction(2, 2 ** bits) - Fraction(1, 2 ** 1000) or bits < 2


def test_round_arb_refuses_non_finite_balls():
    for x in (arb("inf"), arb("nan"), arb(0, "inf")):
        with pytest.raises(ArithmeticError):
            round_arb(x, 24, "down")


def test_normalise_and_format_are_canonical():
    rng = random.Random(SEED)
    for _ in range(1000):
        m, e = rng.randrange(-10 ** 12, 10 ** 12), rng.randrange(-200, 50)
        m2, e2 = normalise(m, e)
        assert Fraction(m2) * Fraction(2) ** e2 == Fraction(m) * Fraction(2) ** e
        assert (m2 % 2 == 1 or m2 % 2 == -1) if e2 < 0 else e2 == 0
        assert frac(format_dyadic(m, e)) == Fraction(m) * Fraction(2) ** e
    assert from_float(-0.0) == "0" and from_float(0.75) == "3*2^-2" and from_float(6.0) == "6"


def test_classify_uses_one_threshold():
    eps = SINGULAR_EIG
    assert classify([1.0, 2.0]).kind == "local_minimum"
    assert classify([-1.0, 2.0]) == ("saddle", 1, -1.0)
    assert classify([-1.0, -2.0]).kind == "local_maximum"
    assert classify([eps / 2, 1.0]).kind == "degenerate"
    assert classify([-eps / 2, 1.0]).kind == "degenerate"
    assert classify([2 * eps, 1.0]).kind == "local_minimum"
    assert classify([np.nan, 1.0]).kind == "degenerate"
    assert classify([np.inf, 1.0]).kind == "degenerate"


def test_proposed_hessian_claims_are_just_below_the_float_eigenvalue():
    rng = np.random.default_rng(SEED)
    for _ in range(200):
        eigs = rng.uniform(1e-6, 3.0, size=int(rng.integers(1, 30)))
        kind, claims = hessian_claims(eigs)
        assert kind == "local_minimum"
        mu = frac(claims["hessian_min_eig_lower"])
        assert 0 < mu < Fraction(float(eigs.min())) and float(mu) > 0.999 * eigs.min()
        assert significant_bits(claims["hessian_min_eig_lower"]) <= EIG_BITS
        signs = np.where(rng.random(size=eigs.size) < 0.3, -1.0, 1.0)
        if (signs < 0).any() and (signs > 0).any():
            kind, claims = hessian_claims(signs * eigs)
            assert kind == "saddle" and claims["morse_index"] == int((signs < 0).sum())
            gap = frac(claims["hessian_min_abs_eig_lower"])
            assert 0 < gap < Fraction(float(eigs.min()))
    assert float(frac(eigen_claim([0.5]))) < 0.5


@pytest.mark.parametrize("eigs, words", [([1e-12, 1.0], "singular"), ([-1.0, -2.0], "local maximum")])
def test_uncertifiable_spectra_are_refused_with_the_reason(eigs, words):
    with pytest.raises(NotCertified, match=words):
        hessian_claims(np.array(eigs))


def test_loss_claims_bracket_the_ball():
    with ctx.workprec(200):
        F = arb(1) / 3 + arb(0, 2.0 ** -100)
    claims = loss_claims(F)
    lo, hi = exact(F)
    assert frac(claims["loss_lower"]) <= lo and frac(claims["loss_upper"]) >= hi
    assert significant_bits(claims["loss_lower"]) <= LOSS_BITS
