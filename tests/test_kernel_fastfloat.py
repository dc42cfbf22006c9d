"""Contract of certify.kernel.fastfloat (binary64 mid-rad arithmetic with a-priori
error bounds, docs/fast-checks.md): every Enc operation contains the exact result for
every choice of operands in its inputs (checked with Fractions at corners and random
members, including subnormal magnitudes); every "yes" of positive_definite and
krawczyk_contains is checked against the exact truth (oracle.linalg); nothing about
LAPACK's output (Cholesky factor, inverse, eigenvectors) is trusted."""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, arb_mat, ctx

from certify.kernel import fastfloat, posdef
from certify.kernel.fastfloat import Enc
from oracle.linalg import is_positive_definite, solve

SEED = 7_000_003
RNG_SEED = 20251123


def pd_fast(mid, rad, mu) -> bool:
    with ctx.workprec(53):
        return fastfloat.positive_definite(Enc(np.array(mid, dtype=float), np.array(rad, dtype=float)), mu)


# ---------------------------------------------------------------- Enc arithmetic
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


def test_from_arbs_extreme_balls():
    with ctx.workprec(300):
        for bad in (arb("1 +/- 1e310"), arb("1e400"), arb("nan"), arb(1) / 0, arb("0 +/- inf")):
            with pytest.raises(ArithmeticError):
                Enc.from_arbs([bad], (1,))
        big = arb(2) ** 1024 - arb(2) ** 960          # just below 2^1024 (float rounds down or overflows)
        vals = [big, -big, arb(2) ** -1080, arb(3) * arb(2) ** -1076, arb("1e-300 +/- 1e-320"),
                arb(1) / 3 + arb(0, (1, -1100))]
        for v in vals:
            try:
                E = Enc.from_arbs([v], (1,))
            except ArithmeticError:
                continue                                  # refusing is always sound
            m, rr = arb(float(E.mid[0])), arb(float(E.rad[0]))
            assert v.lower() >= m - rr and v.upper() <= m + rr, (v, E.mid, E.rad)
        with pytest.raises(ArithmeticError):
            fastfloat.float_above(arb(2) ** 1100)
        assert arb(fastfloat.float_above(arb(2) ** -1100)) >= arb(2) ** -1100


def test_symmetrised_contains_every_symmetric_member():
    """Enc with asymmetric mid AND asymmetric rad: the symmetric members X (X_ij = X_ji,
    |X - mid| <= rad) are sampled exactly, including the extreme ones."""
    rng = random.Random(SEED + 11)
    checked = 0
    for _ in range(200):
        N = rng.randint(2, 5)
        mid = np.array([[rng.uniform(-1, 1) for _ in range(N)] for _ in range(N)])
        rad = np.array([[rng.choice([0.0, 0.01, 0.3, 1.0]) for _ in range(N)] for _ in range(N)])
        S = Enc(mid, rad).symmetrised()
        assert np.array_equal(S.mid, S.mid.T)
        for i in range(N):
            for j in range(N):
                lo = max(Fraction(mid[i, j]) - Fraction(rad[i, j]), Fraction(mid[j, i]) - Fraction(rad[j, i]))
                hi = min(Fraction(mid[i, j]) + Fraction(rad[i, j]), Fraction(mid[j, i]) + Fraction(rad[j, i]))
                if lo > hi:
                    continue                     # no symmetric member has this entry
                for x in (lo, hi, (lo + hi) / 2):
                    checked += 1
                    assert abs(x - Fraction(S.mid[i, j])) <= Fraction(S.rad[i, j]), (i, j, x)
    assert checked > 300


def test_matmul_radius_of_the_left_factor_alone():
    """A = Am +- Ar (Ar >> rounding), B exact: the corner A = Am + sign(B^T) Ar is a member."""
    rng = np.random.default_rng(SEED)
    Am = rng.uniform(-1, 1, size=(3, 4))
    Ar = np.full((3, 4), 2.0 ** -20)
    Bm = rng.uniform(-1, 1, size=(4, 2))
    P = Enc(Am, Ar) @ Enc.exact(Bm)
    for col in range(2):
        for i in range(3):
            exact = sum((Fraction(Am[i, t]) + (1 if Bm[t, col] > 0 else -1) * Fraction(Ar[i, t]))
                        * Fraction(Bm[t, col]) for t in range(4))
            assert abs(exact - Fraction(P.mid[i, col])) <= Fraction(P.rad[i, col])


def test_subnormals_are_not_flushed_in_numpy_blas_and_lapack():
    """Assumption A1 (gradual underflow) in this process: elementwise, dgemm, dpotrf."""
    tiny = 2.0 ** -1030
    assert (np.array([tiny]) * 2.0 ** -20)[0] == 2.0 ** -1050
    A, B = np.full((64, 64), tiny), np.full((64, 64), 2.0 ** -20)
    assert (A @ B)[0, 0] == 64 * 2.0 ** -1050
    L = np.linalg.cholesky(np.eye(8) * 2.0 ** -1060)
    assert L[3, 3] == 2.0 ** -530


# ---------------------------------------------------------------- positive definiteness (Lemma C)
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
        truth = is_positive_definite(A.tolist(), Fraction(mu_f))
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
        if not is_positive_definite(lowest, Fraction(2.0 ** -30)):
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
            Q = fastfloat.approximate_eigenvectors(H)
            slow = posdef.min_eigenvalue_exceeds(H, mu, Q)
        if fast:       # then the lowest-diagonal member must be PD exactly
            member_low = [[Fraction(A[i][j]) - (Fraction(rad[i][j]) if i == j else 0) for j in range(n)]
                          for i in range(n)]
            assert is_positive_definite(member_low, Fraction(2.0 ** -20))
        agree += fast == slow
    assert agree >= 50


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


def _member_at_mu(N, mu, r, c):
    """M = (mu + cN) I + (r - c) J, R = r J.  The member X = M - r J = mu I + c (N I - J)
    has lambda_min(X) = mu EXACTLY (eigenvector 1), and every member has
    lambda_min >= lambda_min(M) - ||R||_2 = mu + N r - N r = mu."""
    M = (mu + c * N) * np.eye(N) + (r - c) * np.ones((N, N))
    return M, r * np.ones((N, N))


@pytest.mark.parametrize("N", [1, 2, 5, 16, 40])
def test_lambda_min_exactly_mu_is_refused_and_just_below_is_proved(N):
    mu, r, c = 2.0 ** -4, 2.0 ** -12, 2.0 ** -3
    M, R = _member_at_mu(N, mu, r, c)
    assert np.array_equal(M, M.T) and np.all(M == np.round(M * 2 ** 20) / 2 ** 20)   # exact
    assert not pd_fast(M, R, arb(mu))                                  # lambda_min = mu: false
    assert not pd_fast(M, R, arb(mu) + arb(2) ** -60)                  # false
    assert pd_fast(M, R, arb(mu) - arb(2) ** -30)                      # true, within reach


def test_asymmetric_radius_is_handled_by_row_sums():
    """R_ij = r only above the diagonal and 2^-60 below.  Symmetric members only feel
    min(R_ij, R_ji), but a radius matrix is not assumed symmetric: the bound uses
    max_i sum_j R_ij, which bounds ||E||_2 for every symmetric E with |E| <= R.
    The false claim (the member mu I + c(NI - J) of the TRANSPOSED pattern) is refused."""
    N, mu, r, c = 6, 2.0 ** -4, 2.0 ** -12, 2.0 ** -3
    M, R = _member_at_mu(N, mu, r, c)
    R = np.triu(R) + np.tril(np.full((N, N), 2.0 ** -60), -1)
    assert not pd_fast(M, R, arb(mu))
    assert not pd_fast(M, R.T.copy(), arb(mu))
    # a genuinely larger perturbation hidden in the lower triangle only, for a symmetric member:
    # symmetric members see min(R, R^T) = 2^-60 off the diagonal, so lambda_min > mu - tiny is true
    assert pd_fast(M, R, arb(mu) - arb(2) ** -20)


def test_singular_member_refused_even_for_tiny_mu():
    """mid PD (eigenvalues 1 and 3), the member [[1,1],[1,1]] + ... is exactly singular."""
    M = np.array([[2.0, 1.0], [1.0, 2.0]])
    R = np.array([[1.0, 0.0], [0.0, 1.0]])            # member diag(1, 1) + offdiag 1: singular
    for mu in (arb(2) ** -1074, arb(2) ** -1000, arb(2) ** -60):
        assert not pd_fast(M, R, mu)
    assert pd_fast(M, np.zeros((2, 2)), arb(1) - arb(2) ** -40)        # lambda_min(M) = 1
    assert not pd_fast(M, np.zeros((2, 2)), arb(1))


def test_midpoint_asymmetric_by_one_ulp_is_refused():
    M = np.array([[1.0, 0.5], [np.nextafter(0.5, 1.0), 1.0]])
    assert not pd_fast(M, np.zeros((2, 2)), arb(2) ** -10)
    assert pd_fast(np.array([[1.0, 0.5], [0.5, 1.0]]), np.zeros((2, 2)), arb(2) ** -10)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_midpoint_or_radius_is_refused(bad):
    M, R = np.eye(3), np.zeros((3, 3))
    M2 = M.copy()
    M2[1, 1] = bad
    assert not pd_fast(M2, R, arb(2) ** -10)
    R2 = R.copy()
    R2[0, 2] = R2[2, 0] = abs(bad)
    assert not pd_fast(M, R2, arb(2) ** -10)
    y = [arb(0)] * 3
    with ctx.workprec(53):
        assert not fastfloat.krawczyk_contains(y, Enc(M2, R), arb(1))
        assert not fastfloat.krawczyk_contains(y, Enc(M, R2), arb(1))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_near_overflow_matrices():
    """Entries near DBL_MAX: the Cholesky of a singular matrix overflows or fails; no yes."""
    big = 1.5e308
    M = np.array([[big, big], [big, big]])            # exactly singular
    assert not pd_fast(M, np.zeros((2, 2)), arb(1))
    assert not pd_fast(M, np.zeros((2, 2)), arb(2) ** -1074)
    M = np.array([[big, 0.0], [0.0, big]])
    assert not pd_fast(M, np.zeros((2, 2)), arb(big) * 2)   # false (a true mu may be refused: s overflows)
    assert not pd_fast(M, np.zeros((2, 2)), arb(big))  # false (lambda_min = mu)


def test_underflowing_products_inside_cholesky_exact_truth():
    """Point matrices of scale 2^-880 (the fast test never proves lambda_min < 2^-900: its
    shift contains 2^-900) with off-diagonal entries down to 2^-1070, so that products
    l_it l_jt underflow inside dpotrf.  Every yes is checked by exact elimination."""
    rng = random.Random(SEED)
    yes = 0
    base = 2.0 ** -880
    for _ in range(300):
        N = rng.randint(1, 6)
        A = np.diag([rng.uniform(1, 2) * base for _ in range(N)])
        for i in range(N):
            for j in range(i):
                A[i, j] = A[j, i] = rng.uniform(-1, 1) * rng.choice([2.0 ** -1070, 2.0 ** -950, base])
        mu_q = Fraction(base) * Fraction(rng.choice([1, 64, 256, 1000, 1024, 2000]), 1024)
        if pd_fast(A, np.zeros((N, N)), arb(float(mu_q))):
            yes += 1
            assert is_positive_definite([[Fraction(x) for x in row] for row in A.tolist()], mu_q)
    assert yes > 30


# ---------------------------------------------------------------- Krawczyk (Lemma K)
def test_fast_krawczyk_yes_means_the_zero_is_in_the_box():
    """g(x) = A x - b, solution known exactly; the box is placed so that the
    solution is inside, on the edge or outside."""
    rng = random.Random(RNG_SEED + 3)
    yes = 0
    for _ in range(150):
        n = rng.randint(1, 8)
        A = symmetric_float(rng, n, lam=-0.5)
        b = np.array([rng.uniform(-1, 1) for _ in range(n)])
        x = solve(A.tolist(), b.tolist())
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


def test_krawczyk_interval_jacobian_true_member_at_a_corner():
    """g(x) = G x - b with G a corner of the Enc (asymmetric radius); the exact zero is
    placed inside / on the edge / outside the box; every yes must have it inside."""
    rng = random.Random(SEED + 1)
    yes = 0
    for _ in range(120):
        N = rng.randint(1, 6)
        G = np.array([[rng.uniform(-1, 1) for _ in range(N)] for _ in range(N)]) + 3 * np.eye(N)
        rad = np.array([[rng.choice([0.0, 1e-6, 1e-3]) for _ in range(N)] for _ in range(N)])
        signs = np.array([[rng.choice([-1, 1]) for _ in range(N)] for _ in range(N)])
        mid = G - signs * rad                  # G = mid + signs rad exactly? check below
        Gq = [[Fraction(mid[i, j]) + signs[i, j] * Fraction(rad[i, j]) for j in range(N)] for i in range(N)]
        b = [Fraction(rng.uniform(-1, 1)) for _ in range(N)]
        x = solve(Gq, b)
        r = Fraction(1, 2 ** rng.randint(2, 12))
        off = rng.choice([0, Fraction(1, 2), Fraction(99, 100), 1, Fraction(11, 10), 3])
        c = [float(xi + off * r * rng.choice([-1, 1])) for xi in x]
        with ctx.workprec(300):
            y = [sum((arb(Gq[i][j].numerator) / Gq[i][j].denominator) * arb(c[j]) for j in range(N))
                 - arb(b[i].numerator) / b[i].denominator for i in range(N)]
        with ctx.workprec(53):
            ok = fastfloat.krawczyk_contains(y, Enc(mid, rad), arb(float(r)))
        if ok:
            yes += 1
            assert all(abs(xi - Fraction(ci)) < r for xi, ci in zip(x, c))
    assert yes > 15


# ---------------------------------------------------------------- conversions and float guesses
def test_float_above_is_an_upper_bound_and_the_nearest_one():
    rng = random.Random(SEED + 21)
    with ctx.workprec(200):
        for _ in range(300):
            x = arb(rng.randrange(-10 ** 30, 10 ** 30)) / 3 * arb(2) ** rng.randrange(-1150, 880)
            x += arb(0, abs(x) * arb(2) ** -rng.randrange(20, 190))
            f = fastfloat.float_above(x)
            assert arb(f) >= x.upper()                                   # above every point
            assert not arb(np.nextafter(f, -np.inf)) >= x.upper()        # and the least such float


def test_float_guesses_are_exact_matrices_or_refused():
    """approximate_inverse / approximate_eigenvectors propose any finite real matrix,
    converted to arb exactly (radius 0), and refuse (ArithmeticError) rather than
    return something non-finite."""
    H = arb_mat([[arb(2), arb(1)], [arb(1), arb(3)]])
    for M in (fastfloat.approximate_inverse(H), fastfloat.approximate_eigenvectors(H)):
        assert all(x.rad() == 0 and x.is_finite() for x in M.entries())
    C = fastfloat.midpoint_floats(fastfloat.approximate_inverse(H)) @ np.array([[2.0, 1.0], [1.0, 3.0]])
    assert np.allclose(C, np.eye(2))
    with pytest.raises(ArithmeticError):
        fastfloat.approximate_inverse(arb_mat([[arb(1), arb(1)], [arb(1), arb(1)]]))     # singular
    with pytest.raises(ArithmeticError):
        fastfloat.approximate_eigenvectors(arb_mat([[arb("nan"), arb(0)], [arb(0), arb(1)]]))
    with pytest.raises(ArithmeticError):
        fastfloat.exact_arb_mat(np.array([[np.inf]]))
