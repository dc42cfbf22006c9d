"""Contract of certify.kernel.krawczyk: unique_zero_in_box says yes only when the map
has its zero in the interior of the box.  Affine maps g(x) = A x - b with rational A, b
have an exactly known zero x* = A^-1 b (oracle.linalg.solve); the box is placed so that
x* is inside, exactly on the edge, or outside.  Every yes is checked; the interval
Jacobian may be any ball around A; the preconditioner C is chosen freely (good, poor,
adversarial), and a poor C may only make the test fail."""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, arb_mat, ctx

from certify.kernel import krawczyk
from certify.kernel.fastfloat import approximate_inverse
from helpers import exact_arb
from oracle.linalg import solve

SEED = 5_550_001
OFFSETS = [0, Fraction(1, 2), Fraction(99, 100), 1, Fraction(101, 100), 2]   # |c - x*| / r


def random_system(rng, N):
    A = [[Fraction(rng.randrange(-2 ** 20, 2 ** 20), 2 ** 20) + (3 if i == j else 0) for j in range(N)]
         for i in range(N)]
    b = [Fraction(rng.randrange(-2 ** 20, 2 ** 20), 2 ** 20) for _ in range(N)]
    return A, b


def residual(A, b, c, prec=300):
    """Balls of g(c) = A c - b (c dyadic: the balls are exact up to the final rounding)."""
    with ctx.workprec(prec):
        return [sum((exact_arb(A[i][j]) * exact_arb(c[j]) for j in range(len(c))), arb(0)) - exact_arb(b[i])
                for i in range(len(c))]


def jacobian(A, rad: float) -> arb_mat:
    """Balls of radius `rad` around the exact A (the true Jacobian is a member)."""
    N = len(A)
    return arb_mat(N, N, [exact_arb(A[i][j]) + arb(0, rad) for i in range(N) for j in range(N)])


@pytest.mark.parametrize("rad", [0.0, 1e-9, 1e-3])
def test_yes_means_the_exact_zero_is_in_the_interior(rad):
    rng = random.Random(SEED + int(rad * 1e9))
    yes = {offset: 0 for offset in OFFSETS}
    for _ in range(60):
        N = rng.randint(1, 6)
        A, b = random_system(rng, N)
        x = solve(A, b)
        r_exp = rng.randint(-40, -8)
        r = Fraction(1, 2 ** -r_exp)
        for offset in OFFSETS:
            # c dyadic, c - x* = offset * r in one coordinate (the sup-norm distance)
            direction = [0] * N
            direction[rng.randrange(N)] = rng.choice([-1, 1])
            c = [xi + offset * r * di for xi, di in zip(x, direction)]
            c = [Fraction(round(ci * 2 ** (80 - r_exp)), 2 ** (80 - r_exp)) if ci.denominator & (ci.denominator - 1)
                 else ci for ci in c]                     # dyadic, within 2^-80 r of the target
            J = jacobian(A, rad)
            with ctx.workprec(128):
                C = approximate_inverse(J)
                proved = krawczyk.unique_zero_in_box(residual(A, b, c), J, C, arb((1, r_exp)))
            distance = max(abs(xi - ci) for xi, ci in zip(x, c))
            if proved:
                yes[offset] += 1
                assert distance < r, (offset, float(distance / r))
    assert yes[1] == yes[Fraction(101, 100)] == yes[2] == 0          # edge and outside: never
    assert yes[0] > 40 and yes[Fraction(1, 2)] > 30                 # not vacuous


@pytest.mark.parametrize("kind", ["identity", "random", "zero", "scaled", "transpose"])
def test_a_poor_preconditioner_can_only_make_the_test_fail(kind):
    rng = random.Random(SEED + len(kind))
    np_rng = np.random.default_rng(len(kind))
    for _ in range(40):
        N = rng.randint(1, 5)
        A, b = random_system(rng, N)
        x = solve(A, b)
        c = [xi + Fraction(3, 2 ** 12) for xi in x]          # the zero is OUTSIDE a 2^-12 box
        c = [Fraction(round(ci * 2 ** 90), 2 ** 90) for ci in c]
        M = {"identity": np.eye(N), "random": np_rng.normal(size=(N, N)), "zero": np.zeros((N, N)),
             "scaled": 1e6 * np.linalg.inv(np.array(A, dtype=float)),
             "transpose": np.linalg.inv(np.array(A, dtype=float)).T}[kind]
        C = arb_mat(N, N, M.ravel().tolist())
        with ctx.workprec(128):
            assert not krawczyk.unique_zero_in_box(residual(A, b, c), jacobian(A, 0.0), C, arb((1, -12)))


def test_krawczyk_radii_bound_the_operator_at_members():
    """R_i >= |(C y)_i| + r sum_j |(I - C J')_ij| for exact members J' of the ball J."""
    rng = random.Random(SEED + 99)
    for _ in range(50):
        N = rng.randint(1, 5)
        A, b = random_system(rng, N)
        rad = Fraction(1, 2 ** rng.randrange(5, 30))
        J = arb_mat(N, N, [exact_arb(A[i][j]) + arb(0, exact_arb(rad)) for i in range(N) for j in range(N)])
        C_float = np.linalg.inv(np.array(A, dtype=float))
        C = arb_mat(N, N, C_float.ravel().tolist())
        Cq = [[Fraction(float(v)) for v in row] for row in C_float]
        y = [Fraction(rng.randrange(-2 ** 20, 2 ** 20), 2 ** 30) for _ in range(N)]
        r = Fraction(1, 2 ** 10)
        with ctx.workprec(200):
            R = krawczyk.krawczyk_radii([exact_arb(v) for v in y], J, C, exact_arb(r))
        for _ in range(4):
            Jq = [[A[i][j] + rng.choice([-1, 1, 0]) * rad for j in range(N)] for i in range(N)]
            for i in range(N):
                Cy = sum(Cq[i][j] * y[j] for j in range(N))
                row = sum(abs((i == j) - sum(Cq[i][t] * Jq[t][j] for t in range(N))) for j in range(N))
                value = abs(Cy) + r * row
                with ctx.workprec(400):
                    assert R[i].upper() >= exact_arb(value)


def test_row_abs_sums_bound_every_member():
    rng = random.Random(SEED + 7)
    for _ in range(50):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        mid = [[Fraction(rng.randrange(-2 ** 20, 2 ** 20), 2 ** 18) for _ in range(cols)] for _ in range(rows)]
        rad = Fraction(1, 2 ** rng.randrange(2, 30))
        A = arb_mat(rows, cols, [exact_arb(v) + arb(0, exact_arb(rad)) for row in mid for v in row])
        sums = krawczyk.row_abs_sums(A)
        for i in range(rows):
            worst = sum(abs(v) + rad for v in mid[i])       # the largest member's row sum
            with ctx.workprec(400):
                assert sums[i].upper() >= exact_arb(worst)  # what R_i < r relies on
                assert sums[i].upper() <= exact_arb(worst) * (1 + arb(2) ** -26)   # and tight (30-bit magnitudes)


def test_identity():
    eye = krawczyk.identity(4)
    assert [[eye[i, j] == (1 if i == j else 0) for j in range(4)] for i in range(4)] == [[True] * 4] * 4
