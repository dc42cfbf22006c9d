"""Contract of certify.kernel.posdef: min_eigenvalue_exceeds(H, mu, Q) says yes only
when EVERY symmetric member of the interval matrix H has lambda_min > mu, whatever
the (freely chosen) congruence Q.  Every yes is checked exactly (oracle.linalg:
exact LDL^T pivots) at the extreme members of H; the Gershgorin discs are checked to
contain the exact rows of members."""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, arb_mat, ctx

from certify.kernel import posdef
from certify.kernel.fastfloat import approximate_eigenvectors
from helpers import exact_arb, interval_cases, interval_matrix, symmetric_with_spectrum
from oracle.linalg import is_positive_definite

SEED = 6_600_011


def members(A, rad: Fraction, rng, count=6):
    """Symmetric members of A +- rad: the two diagonal extremes and random sign patterns."""
    N = len(A)
    out = [[[A[i][j] + (s * rad if i == j else 0) for j in range(N)] for i in range(N)] for s in (-1, 1)]
    for _ in range(count):
        E = [[0] * N for _ in range(N)]
        for i in range(N):
            for j in range(i, N):
                E[i][j] = E[j][i] = rng.choice([-1, 1, 0, Fraction(rng.randrange(-8, 9), 8)]) * rad
        out.append([[A[i][j] + E[i][j] for j in range(N)] for i in range(N)])
    return out


@pytest.mark.parametrize("rad_exp", [None, -40, -12])
def test_yes_means_every_member_has_lambda_min_above_mu(rad_exp):
    yes = 0
    mu = Fraction(1, 2 ** 10)
    for rng, prng, N, rad in interval_cases(SEED, rad_exp, 60, 7):
        # lambda_min of the midpoint placed near mu + N rad: borderline on purpose
        delta = float(prng.choice([-1e-3, -1e-9, 0.0, 1e-9, 1e-3, 0.5]))
        eig = np.concatenate([[float(mu + N * rad) + delta], rng.uniform(0.5, 2.0, size=N - 1)])
        A = symmetric_with_spectrum(rng, eig)
        H = interval_matrix(A, rad)
        with ctx.workprec(53):
            proved = posdef.min_eigenvalue_exceeds(H, exact_arb(mu), approximate_eigenvectors(H))
        if proved:
            yes += 1
            for X in members(A, rad, prng):
                assert is_positive_definite(X, mu), (N, delta)
    assert yes > 15


@pytest.mark.parametrize("kind", ["identity", "random", "zero", "permutation"])
def test_a_poor_congruence_can_only_make_the_test_fail(kind):
    """Q is not trusted: with any Q, an indefinite matrix is never declared PD."""
    rng = np.random.default_rng(SEED + len(kind))
    for _ in range(40):
        N = int(rng.integers(2, 7))
        A = symmetric_with_spectrum(rng, np.concatenate([[-0.01], rng.uniform(0.5, 2, size=N - 1)]))
        assert not is_positive_definite(A, 0)
        M = {"identity": np.eye(N), "random": rng.normal(size=(N, N)), "zero": np.zeros((N, N)),
             "permutation": np.eye(N)[rng.permutation(N)]}[kind]
        with ctx.workprec(53):
            assert not posdef.min_eigenvalue_exceeds(interval_matrix(A, Fraction(0)), arb(2) ** -30,
                                                     arb_mat(N, N, M.ravel().tolist()))


def test_gershgorin_discs_contain_the_rows_of_every_member():
    prng = random.Random(SEED + 3)
    rng = np.random.default_rng(SEED + 3)
    for _ in range(40):
        N = int(rng.integers(1, 6))
        A = [[Fraction(float(x)) for x in row] for row in rng.normal(size=(N, N))]   # not symmetric
        rad = Fraction(1, 2 ** prng.randrange(3, 40))
        B = arb_mat(N, N, [exact_arb(A[i][j]) + arb(0, exact_arb(rad)) for i in range(N) for j in range(N)])
        discs = posdef.gershgorin_discs(B)
        margins = posdef.gershgorin_margins(B)
        for _ in range(5):
            X = [[A[i][j] + prng.choice([-1, 1, 0]) * rad for j in range(N)] for i in range(N)]
            for i, (centre, radius) in enumerate(discs):
                with ctx.workprec(300):
                    assert centre.contains(exact_arb(X[i][i]))
                    off = sum(abs(X[i][j]) for j in range(N) if j != i)
                    assert radius.upper() >= exact_arb(off) if off else radius >= 0
                    # the margin is a lower bound of X_ii - sum |X_ij|
                    assert margins[i].lower() <= exact_arb(X[i][i] - off)


def test_shifted_subtracts_mu_on_the_diagonal_only():
    H = arb_mat([[1, 2], [3, 4]])
    S = posdef.shifted(H, arb(5))
    assert [[S[i, j] == v for j, v in enumerate(row)] for i, row in enumerate([[-4, 2], [3, -1]])] == [[True] * 2] * 2
    assert H[0, 0] == 1                                   # the input is not modified


def test_exact_boundary_lambda_min_equal_mu_is_refused():
    """diag(mu, 1): lambda_min = mu exactly is not > mu."""
    mu = Fraction(1, 8)
    H = interval_matrix([[mu, 0], [0, Fraction(1)]], Fraction(0))
    eye = arb_mat([[1, 0], [0, 1]])
    with ctx.workprec(53):
        assert not posdef.min_eigenvalue_exceeds(H, exact_arb(mu), eye)
        assert posdef.min_eigenvalue_exceeds(H, exact_arb(mu) - arb(2) ** -40, eye)
