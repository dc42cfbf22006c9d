"""Contract of certify.kernel.pair, the one arb pair function of the kernel:
for every point of the input balls, the output balls contain the exact value
(mpmath at 60 digits, and the Gaussian expectation by quadrature); NotSmooth
exactly when sin t > 0 cannot be proved."""
from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import pytest
from flint import arb, ctx

from certify.kernel.pair import NotSmooth, f, sin_angle
from helpers import ball_contains, exact_arb, pair_cases
from oracle.formulas import f_by_quadrature, mp

SEED = 8_100_001


def points_of(centre: Fraction, radius: Fraction, rng) -> list:
    """Corners, centre and random dyadic points of [centre - radius, centre + radius]."""
    return [centre + t * radius for t in (-1, 1, 0, Fraction(rng.randrange(-1024, 1025), 1024),
                                          Fraction(rng.randrange(-1024, 1025), 1024))]


@pytest.mark.parametrize("prec", [53, 128])
def test_sin_angle_encloses_sine_and_angle_of_every_cosine_in_the_ball(prec):
    rng = random.Random(SEED + prec)
    for _ in range(200):
        c0 = Fraction(rng.randrange(-2 ** 20 + 1, 2 ** 20), 2 ** 20)
        r = Fraction(1, 2 ** rng.randrange(10, 60))
        with ctx.workprec(prec):
            ball = exact_arb(c0) + arb(0, exact_arb(r))
            try:
                s, t = sin_angle(ball)
            except NotSmooth:
                assert abs(c0) + r >= 1 - Fraction(1, 2 ** 19)      # only near +-1 may it refuse
                continue
        for c in points_of(c0, r, rng):
            with mpmath.workdps(60):
                cm = mp(c)
                assert ball_contains(s, mpmath.sqrt(1 - cm * cm)) and ball_contains(t, mpmath.acos(cm)), c


@pytest.mark.parametrize("c", [arb(1), arb(-1), arb(1) + arb(0, 2.0 ** -60), arb(-1) + arb(0, 2.0 ** -60),
                               arb(2), arb(0, 2)])
def test_sin_angle_refuses_balls_that_reach_a_parallel_pair(c):
    with pytest.raises(NotSmooth):
        sin_angle(c)


def test_sin_angle_near_parallel_is_proved_at_high_precision():
    """cos t = 1 - 2^-100 (t ~ 2^-49.5): sin t > 0 holds; the ball proves it at 300 bits."""
    with ctx.workprec(300):
        s, t = sin_angle(1 - arb(2) ** -100)
        assert s > 0 and s.rad() < s * arb(2) ** -100


@pytest.mark.parametrize("prec", [53, 200])
def test_f_contains_the_exact_value_at_every_point_of_the_balls(prec):
    """f(r, q, t) = (r + (pi - t) q) / (2 pi) on balls of r, q, t."""
    rng = random.Random(SEED + 7 * prec)
    for _ in range(100):
        centres = [Fraction(rng.randrange(1, 2 ** 30), 2 ** 28), Fraction(rng.randrange(-2 ** 30, 2 ** 30), 2 ** 28),
                   Fraction(rng.randrange(1, 2 ** 30), 2 ** 28)]
        radius = Fraction(1, 2 ** rng.randrange(8, 50))
        with ctx.workprec(prec):
            balls = [exact_arb(x) + arb(0, exact_arb(radius)) for x in centres]
            F = f(*balls)
        for _ in range(6):
            r, q, t = (x + Fraction(rng.choice([-1, 1, 0, rng.randrange(-1024, 1025) / 1024])) * radius
                       for x in centres)
            with mpmath.workdps(60):
                exact = (mp(r) + (mpmath.pi - mp(t)) * mp(q)) / (2 * mpmath.pi)
                assert ball_contains(F, exact)


def test_pair_function_contains_the_gaussian_expectation():
    """E[relu(u.x) relu(v.x)] by quadrature (no angle formula) lies in the ball of
    f(|u||v| sin t, u.v, t) computed from the pair's arb geometry (the kernel's way)."""
    for u, v in pair_cases():
        with ctx.workprec(128):
            ua, va = [arb(float(x)) for x in u], [arb(float(x)) for x in v]
            nu = sum((x * x for x in ua), arb(0)).sqrt()
            nv = sum((x * x for x in va), arb(0)).sqrt()
            q = sum((a * b for a, b in zip(ua, va)), arb(0))
            s, t = sin_angle(q / (nu * nv))
            F = f(nu * nv * s, q, t)
        exact = f_by_quadrature(u, v, dps=40)
        assert F.rad() < 1e-30
        assert abs(float(F.mid()) - float(exact)) < 1e-25 * max(1.0, float(nu.mid() * nv.mid()))


def test_f_of_orthogonal_unit_vectors_is_one_over_two_pi():
    with ctx.workprec(128):
        F = f(arb(1), arb(0), arb.pi() / 2)
    with mpmath.workdps(60):
        assert ball_contains(F, 1 / (2 * mpmath.pi))
    assert abs(float(f_by_quadrature([1, 0, 0], [0, 1, 0])) - 1 / (2 * math.pi)) < 1e-15
