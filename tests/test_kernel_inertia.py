"""Contract of certify.kernel.inertia (Gershgorin counting + Sylvester's law):
eigenvalue_counts(H, mu, Q) = (p, p) only if EVERY symmetric member of H has exactly p
negative eigenvalues and none in [-mu, mu].  The truth is counted exactly
(oracle.linalg.inertia: Descartes' rule on the exact characteristic polynomial)
at extreme and random symmetric members; Q is never trusted."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import arb, arb_mat, ctx

from certify.kernel import inertia
from certify.kernel.fastfloat import approximate_eigenvectors
from helpers import exact_arb, interval_cases, interval_matrix, symmetric_with_spectrum
from oracle.linalg import count_below, inertia as exact_inertia

SEED = 7_700_013


def symmetric_members(A, rad, prng, count=4):
    N = len(A)
    out = [A]
    for _ in range(count):
        E = [[0] * N for _ in range(N)]
        for i in range(N):
            for j in range(i, N):
                E[i][j] = E[j][i] = prng.choice([-1, 1]) * rad
        out.append([[A[i][j] + E[i][j] for j in range(N)] for i in range(N)])
    return out


def truth_holds(X, mu, p) -> bool:
    """X has exactly p negative eigenvalues and none in [-mu, mu] (exact counts)."""
    negative, zero, _ = exact_inertia(X)
    inside = count_below(X, mu) - count_below(X, -mu)              # eigenvalues in [-mu, mu)
    mu_is_eigenvalue = exact_inertia([[X[i][j] - (mu if i == j else 0) for j in range(len(X))]
                                      for i in range(len(X))])[1] > 0
    return negative == p and zero == 0 and inside == 0 and not mu_is_eigenvalue


def certified_index(H, mu, Q):
    """p when eigenvalue_counts proves (p, p): the claim the kernel's index test makes."""
    counts = inertia.eigenvalue_counts(H, mu, Q)
    return None if counts is None or counts[0] != counts[1] else counts[0]


@pytest.mark.parametrize("rad_exp", [None, -30, -10])
def test_certified_index_is_the_exact_index_of_every_member(rad_exp):
    answered = 0
    mu = Fraction(1, 2 ** 6)
    for rng, prng, N, rad in interval_cases(SEED, rad_exp, 40, 6):
        p = int(rng.integers(0, N + 1))
        # |eigenvalues| near mu + N rad on purpose (some answers must be refused)
        gap = float(mu + N * rad) + float(prng.choice([-1e-3, -1e-9, 1e-9, 1e-3, 0.3]))
        eig = np.concatenate([-rng.uniform(gap, 2, size=p), rng.uniform(gap, 2, size=N - p)])
        eig[rng.integers(N)] = np.sign(eig[0]) * gap if p else gap
        A = symmetric_with_spectrum(rng, eig)
        H = interval_matrix(A, rad)
        with ctx.workprec(53):
            got = certified_index(H, exact_arb(mu), approximate_eigenvectors(H))
        if got is not None:
            answered += 1
            for X in symmetric_members(A, rad, prng):
                assert truth_holds(X, mu, got), (N, got, gap)
    assert answered > 5                                            # not vacuous


def test_counts_below_a_shift_are_exact():
    rng = np.random.default_rng(SEED + 1)
    checked = 0
    for _ in range(40):
        N = int(rng.integers(1, 6))
        A = symmetric_with_spectrum(rng, rng.uniform(-2, 2, size=N))
        H = interval_matrix(A, Fraction(0))
        s = Fraction(float(rng.uniform(-1, 1)))
        with ctx.workprec(53):
            got = inertia.negative_count_below(H, exact_arb(s), approximate_eigenvectors(H))
        if got is not None:
            checked += 1
            assert got == count_below(A, s)
    assert checked > 25


def test_disc_signs_are_proved_signs():
    B = arb_mat([[arb(3), arb(1)], [arb(1), arb(-3)]])
    assert inertia.disc_signs(B) == [1, -1]
    B = arb_mat([[arb(1), arb(2)], [arb(2), arb(5)]])              # first disc straddles 0
    assert inertia.disc_signs(B) == [0, 1]


# explicit cases (the inertia lemma on interval matrices)
def _interval(M: np.ndarray, radius: float) -> arb_mat:
    n = M.shape[0]
    return arb_mat(n, n, [arb(float(x), radius) for x in M.ravel()])


def test_inertia_counts_negative_eigenvalues_of_a_rotated_diagonal():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    for diag, index in (([-2, -1, 0.5, 1, 3], 2), ([-1, 2, 3, 4, 5], 1), ([1, 2, 3, 4, 5], 0)):
        M = Q @ np.diag(diag) @ Q.T
        H = _interval((M + M.T) / 2, 1e-12)
        Qa = approximate_eigenvectors(H)
        assert certified_index(H, arb(0.4), Qa) == index
        # a gap wider than the smallest |eigenvalue| is refused
        assert certified_index(H, arb(1.2 * min(abs(x) for x in diag)), Qa) is None
        assert certified_index(H, arb(0), Qa) is None


def test_inertia_refuses_an_interval_containing_a_singular_matrix():
    H = _interval(np.diag([-1.0, 1e-3, 2.0]), 1e-2)    # contains diag(-1, 0, 2)
    Q = arb_mat([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert certified_index(H, arb(1e-4), Q) is None
    H = _interval(np.diag([-1.0, 1e-1, 2.0]), 1e-2)
    assert certified_index(H, arb(1e-2), Q) == 1


def test_inertia_with_a_bad_preconditioner_fails_rather_than_lies():
    M = np.array([[0.0, 1.0], [1.0, 0.0]])           # eigenvalues -1, 1: index 1
    H = _interval(M, 1e-12)
    assert certified_index(H, arb(0.1), arb_mat([[1, 0], [0, 1]])) is None
    s = 2 ** -0.5
    assert certified_index(H, arb(0.1), arb_mat([[s, s], [-s, s]])) == 1


@pytest.mark.parametrize("kind", ["identity", "random", "zero"])
def test_a_poor_congruence_never_gives_a_wrong_index(kind):
    rng = np.random.default_rng(SEED + len(kind))
    for _ in range(30):
        N = int(rng.integers(2, 6))
        p = int(rng.integers(1, N))
        A = symmetric_with_spectrum(rng, np.concatenate([-rng.uniform(0.1, 2, size=p),
                                                          rng.uniform(0.1, 2, size=N - p)]))
        M = {"identity": np.eye(N), "random": rng.normal(size=(N, N)), "zero": np.zeros((N, N))}[kind]
        with ctx.workprec(53):
            got = certified_index(interval_matrix(A, Fraction(0)), arb(2) ** -8, arb_mat(N, N, M.ravel().tolist()))
        assert got in (None, exact_inertia(A)[0])
