"""The float tests of kernel.fastfloat against exact rational arithmetic and arb.

Every "yes" of a fast test is checked against the truth computed exactly with
fractions (pivots of an exact LDL^T, exact linear solves), on random, near-
singular and indefinite cases built so that the truth is known exactly.  Enc
operations are checked to contain the exact result at random members of their
inputs, including underflowing magnitudes.  The Hessian enclosure, loss and
gradient of kernel.geometry are compared with kernel.balls.
"""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, arb_mat, ctx

from certify.kernel import fastfloat, geometry, posdef, preconditioners
import reference_balls as balls  # independent pair-by-pair arb oracle (tests/reference_balls.py)
from certify.kernel.fastfloat import Enc

RNG_SEED = 20251123


# ---------------------------------------------------------------- exact helpers
def exact_pivots(A) -> list:
    """Pivots of exact Gaussian elimination of the symmetric rational matrix A
    (A is positive definite iff every pivot is > 0; stops at the first <= 0)."""
    A = [[Fraction(x) for x in row] for row in A]
    n = len(A)
    pivots = []
    for k in range(n):
        p = A[k][k]
        pivots.append(p)
        if p <= 0:
            return pivots
        for i in range(k + 1, n):
            f = A[i][k] / p
            for j in range(k, n):
                A[i][j] -= f * A[k][j]
    return pivots


def exactly_pd(A, shift=Fraction(0)) -> bool:
    n = len(A)
    M = [[Fraction(A[i][j]) - (shift if i == j else 0) for j in range(n)] for i in range(n)]
    return all(p > 0 for p in exact_pivots(M))


def exact_solve(A, b) -> list:
    n = len(A)
    M = [[Fraction(x) for x in row] + [Fraction(y)] for row, y in zip(A, b)]
    for k in range(n):
        piv = next(i for i in range(k, n) if M[i][k] != 0)
        M[k], M[piv] = M[piv], M[k]
        for i in range(n):
            if i != k:
                f = M[i][k] / M[k][k]
                M[i] = [x - f * y for x, y in zip(M[i], M[k])]
    return [M[i][n] / M[i][i] for i in range(n)]


def member(E: Enc, rng) -> list:
    """A random exact rational member of the enclosure (corners and interior)."""
    out = []
    for m, r in zip(E.mid.ravel(), E.rad.ravel()):
        t = rng.choice([-1, 1, 0, Fraction(rng.randint(-1000, 1000), 1000)])
        out.append(Fraction(m) + t * Fraction(r))
    return out


def random_enc(rng, shape, scale=1.0, rad_scale=1e-10, tiny=False) -> Enc:
    mid = np.array([rng.uniform(-1, 1) * scale for _ in range(int(np.prod(shape)))]).reshape(shape)
    if tiny:
        mid *= 2.0 ** -1060          # subnormal products
    rad = np.abs(mid) * rad_scale * np.array([rng.random() for _ in range(mid.size)]).reshape(shape)
    return Enc(mid, rad)


# ---------------------------------------------------------------- Enc arithmetic
@pytest.mark.parametrize("tiny", [False, True])
def test_enc_operations_contain_exact_results(tiny):
    rng = random.Random(RNG_SEED + tiny)
    for _ in range(30):
        a, b = random_enc(rng, (3, 4), tiny=tiny), random_enc(rng, (3, 4), scale=3.0)
        c = random_enc(rng, (4, 2), scale=0.5, tiny=tiny)
        for op, res in (("add", a + b), ("sub", a - b), ("mul", a * b), ("matmul", a @ c)):
            for _ in range(4):
                x, y = member(a, rng), member(b if op != "matmul" else c, rng)
                if op == "matmul":
                    X = [x[4 * i:4 * i + 4] for i in range(3)]
                    Y = [y[2 * i:2 * i + 2] for i in range(4)]
                    exact = [sum(X[i][t] * Y[t][j] for t in range(4)) for i in range(3) for j in range(2)]
                else:
                    f = {"add": lambda p, q: p + q, "sub": lambda p, q: p - q,
                         "mul": lambda p, q: p * q}[op]
                    exact = [f(p, q) for p, q in zip(x, y)]
                for e, m, r in zip(exact, res.mid.ravel(), res.rad.ravel()):
                    assert abs(e - Fraction(m)) <= Fraction(r), (op, e, m, r)


def test_from_arbs_contains_the_balls():
    with ctx.workprec(200):
        values = [arb(1) / 3, arb.pi() * 2 ** -1070, arb("1e-300 +/- 1e-310"), -arb(2).sqrt(), arb(0)]
        E = Enc.from_arbs(values, (5,))
        for x, m, r in zip(values, E.mid, E.rad):
            ball = arb(m, r)
            assert ball.contains(x)


def test_up_is_an_upper_bound_of_a_float_sum():
    rng = random.Random(RNG_SEED)
    for _ in range(20):
        xs = [rng.random() * 2.0 ** rng.randint(-60, 10) for _ in range(1000)]
        assert Fraction(float(fastfloat.up(np.array([sum(xs)]))[0])) >= sum(Fraction(x) for x in xs)


# ---------------------------------------------------------------- positive definiteness
def symmetric_float(rng, n, lam):
    """A float symmetric matrix near B B^T/n - lam I (eigenvalues from -lam up)."""
    B = np.array([[rng.gauss(0, 1) for _ in range(n)] for _ in range(n)])
    A = B @ B.T / n - lam * np.eye(n)
    return np.triu(A) + np.triu(A, 1).T


def test_fast_pd_never_accepts_a_matrix_that_is_not_pd():
    """Random, near-singular and indefinite point matrices: a yes is checked exactly."""
    rng = random.Random(RNG_SEED)
    yes = refused_true = 0
    for trial in range(300):
        n = rng.randint(1, 8)
        A = symmetric_float(rng, n, lam=0.0)
        lam_min = float(np.linalg.eigvalsh(A)[0])
        # shift so that lambda_min lands within +-1e-14 of mu: borderline on purpose
        mu_f = 2.0 ** -20
        delta = rng.choice([-1e-9, -1e-13, -1e-15, 0.0, 1e-15, 1e-13, 1e-9, 1e-3])
        A = A - (lam_min - mu_f - delta) * np.eye(n)
        A = np.triu(A) + np.triu(A, 1).T
        mu = arb(mu_f)
        with ctx.workprec(53):
            fast = fastfloat.positive_definite(Enc.exact(A), mu)
        truth = exactly_pd(A.tolist(), Fraction(mu_f))
        if fast:
            yes += 1
            assert truth, (trial, A, delta)
        elif truth:
            refused_true += 1
    assert yes > 50                   # the test is not vacuous


def test_fast_pd_interval_members_with_negative_eigenvalue_are_refused():
    """mid is PD but mid - rad_diag I (a member) has an exactly negative pivot."""
    rng = random.Random(RNG_SEED + 1)
    checked = 0
    for _ in range(100):
        n = rng.randint(2, 8)
        A = symmetric_float(rng, n, lam=0.0)
        lam_min = float(np.linalg.eigvalsh(A)[0])
        A = A - (lam_min - 1e-3) * np.eye(n)            # lambda_min(mid) ~ 1e-3
        A = np.triu(A) + np.triu(A, 1).T
        rad = np.zeros_like(A)
        np.fill_diagonal(rad, 1e-3 * (1 + rng.random()))  # member mid - rad I: lambda_min < 0 ?
        lowest = [[Fraction(A[i][j]) - (Fraction(rad[i][j]) if i == j else 0) for j in range(n)]
                  for i in range(n)]
        with ctx.workprec(53):
            fast = fastfloat.positive_definite(Enc(A, rad), arb(2.0 ** -30))
        if not exactly_pd(lowest, Fraction(2.0 ** -30)):
            checked += 1
            assert not fast
    assert checked > 20


def test_fast_pd_agrees_with_arb_congruence_on_random_interval_matrices():
    rng = random.Random(RNG_SEED + 2)
    agree = 0
    for _ in range(60):
        n = rng.randint(2, 10)
        A = symmetric_float(rng, n, lam=rng.choice([0.0, 0.05, 0.5]))
        rad = np.full_like(A, 10.0 ** rng.randint(-14, -4))
        H = arb_mat(n, n, [arb(float(m), float(r)) for m, r in zip(A.ravel(), rad.ravel())])
        mu = arb(2.0 ** -20)
        with ctx.workprec(53):
            fast = fastfloat.positive_definite(Enc(A, rad), mu)
            _, Q = preconditioners.approximate_eigenvectors(H)
            slow = posdef.min_eigenvalue_exceeds(H, mu, Q)
        if fast:       # then the lowest-diagonal member must be PD exactly
            member_low = [[Fraction(A[i][j]) - (Fraction(rad[i][j]) if i == j else 0) for j in range(n)]
                          for i in range(n)]
            assert exactly_pd(member_low, Fraction(2.0 ** -20))
        agree += fast == slow
    assert agree >= 50


# ---------------------------------------------------------------- Krawczyk
def test_fast_krawczyk_yes_means_the_zero_is_in_the_box():
    """g(x) = A x - b, solution known exactly; the box is placed so that the
    solution is inside, on the edge or outside."""
    rng = random.Random(RNG_SEED + 3)
    yes = 0
    for _ in range(150):
        n = rng.randint(1, 8)
        A = symmetric_float(rng, n, lam=-0.5)
        b = np.array([rng.uniform(-1, 1) for _ in range(n)])
        x = exact_solve(A.tolist(), b.tolist())
        r_exp = rng.randint(-40, -10)
        r = Fraction(2) ** r_exp
        offset = rng.choice([0, Fraction(1, 2), Fraction(99, 100), 1, Fraction(101, 100), 2])
        c = [xi + offset * r * rng.choice([-1, 1]) for xi in x]
        c = [float(ci) for ci in c]
        with ctx.workprec(200):
            y = [sum(arb(float(A[i][j])) * arb(c[j]) for j in range(n)) - arb(float(b[i]))
                 for i in range(n)]
        with ctx.workprec(53):
            fast = fastfloat.krawczyk_contains(y, Enc.exact(A), arb((1, r_exp)))
        if fast:
            yes += 1
            assert all(abs(xi - Fraction(ci)) < r for xi, ci in zip(x, c))
    assert yes > 20


# ---------------------------------------------------------------- formulas vs balls
@pytest.mark.parametrize("n,k,d,seed", [(3, 3, 3, 1), (4, 3, 5, 2), (5, 5, 5, 3), (2, 4, 4, 4)])
def test_geometry_and_enclosure_match_balls(n, k, d, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, d))
    V = np.eye(k, d)
    with ctx.workprec(53):
        Wa = [[arb(float(x), 2.0 ** -40) for x in row] for row in W]
        Va = [[arb(float(x)) for x in row] for row in V]
        geo = geometry.Geometry(Wa, Va)
        H = fastfloat.hessian_enclosure(geo)
        Hb = balls.hessian(Wa, Va)
        for x, m, r in zip(Hb.entries(), H.mid.ravel(), H.rad.ravel()):
            assert x.overlaps(arb(float(m), float(r)))
        assert np.max(H.rad) < 1e-9
        for x, y in zip(geo.extra_dimension_block().entries(), balls.extra_dimension_block(Wa, Va).entries()):
            assert x.overlaps(y)
    with ctx.workprec(128):
        Wc = [[arb(float(x)) for x in row] for row in W]
        assert geometry.loss(Wc, Va).overlaps(balls.loss(Wc, Va))
        assert geometry.loss(Wc, Va).rad() < 1e-30
        for r1, r2 in zip(geometry.gradient(Wc, Va), balls.gradient(Wc, Va)):
            for x, y in zip(r1, r2):
                assert x.overlaps(y) and x.rad() < 1e-30


# ---------------------------------------------------------------- Lemma E (convexity)
def test_critical_point_by_convexity_can_fail_and_falls_back_to_krawczyk():
    """g(x) = mu (x - c) + y0 in one variable (H = [mu]): the zero c - y0/mu is in
    the box iff |y0| < mu r; Lemma E needs |y0| < mu r / 2, Krawczyk |y0| < mu r."""
    from certify.kernel import prove
    mu, r = arb(1) / 2, arb((1, -10))
    H = prove.MatrixBox.of_arb_mat(arb_mat([[mu]]))
    with ctx.workprec(53):
        inside = prove.prove_critical_point([[arb((1, -13))]], r, H, convex_mu=mu)
        assert inside.proved and "convexity" in inside.detail          # 2^-13 < mu r / 2 = 2^-12
        edge = prove.prove_critical_point([[arb((3, -13))]], r, H, convex_mu=mu)
        assert edge.proved and "Krawczyk" in edge.detail                 # mu r/2 < 3 2^-13 < mu r
        outside = prove.prove_critical_point([[arb((5, -13))]], r, H, convex_mu=mu)
        assert not outside.proved                                        # zero outside the box
        assert not prove.prove_critical_point([[arb((1, -13))]], arb(0), H, convex_mu=mu).proved


def test_arb_fallback_is_used_when_the_float_enclosure_is_missing():
    """MatrixBox whose float enclosure cannot be built: the arb tests decide."""
    from certify.kernel import prove

    def no_float():
        raise ArithmeticError("no float enclosure")

    A = arb_mat([[arb(2), arb(1)], [arb(1), arb(2)]])          # eigenvalues 1 and 3
    box = prove.MatrixBox(no_float, A)
    with ctx.workprec(53):
        res = prove.prove_positive_definite(box, arb((1, -1)), "hessian")
        assert res.proved and "float" not in res.detail
        assert not prove.prove_positive_definite(box, arb(1), "hessian").proved   # lambda_min = 1
        crit = prove.prove_critical_point([[arb((1, -20))], [arb((1, -20))]], arb((1, -10)), box)
        assert crit.proved and "float" not in crit.detail
        fast = prove.prove_positive_definite(prove.MatrixBox.of_arb_mat(A), arb((1, -1)), "hessian")
        assert fast.proved and "float" in fast.detail


def test_fast_pd_refuses_a_non_symmetric_midpoint():
    A = np.array([[1.0, 0.0], [-10.0, 1.0]])      # lower triangle alone would look PD-ish
    with ctx.workprec(53):
        assert not fastfloat.positive_definite(Enc.exact(A), arb(2.0 ** -20))
        assert fastfloat.positive_definite(Enc.exact(np.eye(2)), arb(2.0 ** -20))


@pytest.mark.parametrize("fake", ["scaled", "identity", "perturbed", "upper"])
def test_positive_definite_trusts_nothing_about_the_cholesky_factor(monkeypatch, fake):
    """Lemma C checks the factor a posteriori: a LAPACK returning a wrong L can
    make the test fail but never make an indefinite matrix pass."""
    rng = np.random.default_rng(7)
    N = 12
    Q, _ = np.linalg.qr(rng.normal(size=(N, N)))
    A = (Q * np.linspace(-0.5, 2.0, N)) @ Q.T          # one eigenvalue ~ -0.5
    A = np.triu(A) + np.triu(A, 1).T
    real_cholesky = np.linalg.cholesky

    def wrong_cholesky(M):
        L = real_cholesky(M + 10 * np.eye(N))          # a valid factor of another matrix
        return {"scaled": 2 * L, "identity": np.eye(N) * 1e3,
                "perturbed": L + 1e-3 * rng.normal(size=L.shape), "upper": L.T}[fake]

    monkeypatch.setattr(np.linalg, "cholesky", wrong_cholesky)
    for mu in (2.0 ** -30, 2.0 ** -10, 0.1):
        assert not fastfloat.positive_definite(Enc.exact(A), arb(mu))
    # and a positive definite matrix is still recognised with the true factor
    monkeypatch.setattr(np.linalg, "cholesky", real_cholesky)
    B = (Q * np.linspace(0.5, 2.0, N)) @ Q.T
    B = np.triu(B) + np.triu(B, 1).T
    assert fastfloat.positive_definite(Enc.exact(B), arb(0.49))
    assert not fastfloat.positive_definite(Enc.exact(B), arb(0.51))
