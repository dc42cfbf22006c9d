"""Adversarial audit of the fast proof path (kernel.fastfloat, kernel.geometry,
Lemma E in kernel.prove; proofs in docs/fast-checks.md).

Every test builds a claim whose truth is known exactly (rational constructions,
exact points of the box, or an independent oracle) and requires that a FALSE
claim is refused; where a claim is true and within reach, it also requires a
"yes", so that the refusals are not vacuous.
"""
from __future__ import annotations

import copy
import random
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, arb_mat, ctx

from certify import objective
from certify.kernel import fastfloat, geometry, prove
import reference_balls as balls  # independent pair-by-pair arb oracle (tests/reference_balls.py)
from certify.kernel.fastfloat import Enc

from helpers import K6, frac, dyadic, load, verify_obj

SEED = 7_000_003


def pd_fast(mid, rad, mu) -> bool:
    with ctx.workprec(53):
        return fastfloat.positive_definite(Enc(np.array(mid, dtype=float), np.array(rad, dtype=float)), mu)


# ------------------------------------------------------------ A1: no flush-to-zero
def test_subnormals_are_not_flushed_in_numpy_blas_and_lapack():
    """Assumption A1 (gradual underflow) in this process: elementwise, dgemm, dpotrf."""
    tiny = 2.0 ** -1030
    assert (np.array([tiny]) * 2.0 ** -20)[0] == 2.0 ** -1050
    A, B = np.full((64, 64), tiny), np.full((64, 64), 2.0 ** -20)
    assert (A @ B)[0, 0] == 64 * 2.0 ** -1050
    L = np.linalg.cholesky(np.eye(8) * 2.0 ** -1060)
    assert L[3, 3] == 2.0 ** -530


# ------------------------------------------------------------ Lemma C, exact constructions
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
            assert _exactly_pd([[Fraction(x) for x in row] for row in A.tolist()], mu_q)
    assert yes > 30


def _exactly_pd(A, shift) -> bool:
    n = len(A)
    A = [[A[i][j] - (shift if i == j else 0) for j in range(n)] for i in range(n)]
    for k in range(n):
        if A[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            f = A[i][k] / A[k][k]
            for j in range(k, n):
                A[i][j] -= f * A[k][j]
    return True


# ------------------------------------------------------------ conversions arb -> float
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


def test_matrix_box_with_a_non_finite_entry_falls_back_to_arb_and_refuses_false_claims():
    with ctx.workprec(53):
        A = arb_mat([[arb(2), arb("0 +/- 1e400")], [arb("0 +/- 1e400"), arb(2)]])
        box = prove.MatrixBox.of_arb_mat(A)
        assert box.enc() is None
        assert not prove.prove_positive_definite(box, arb(1), "hessian").proved


# ------------------------------------------------------------ Krawczyk with interval Jacobians
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
        x = _solve(Gq, b)
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


def _solve(A, b):
    n = len(A)
    M = [list(row) + [y] for row, y in zip(A, b)]
    for k in range(n):
        p = next(i for i in range(k, n) if M[i][k] != 0)
        M[k], M[p] = M[p], M[k]
        for i in range(n):
            if i != k:
                f = M[i][k] / M[k][k]
                M[i] = [u - f * v for u, v in zip(M[i], M[k])]
    return [M[i][n] / M[i][i] for i in range(n)]


# ------------------------------------------------------------ Lemma E
def test_lemma_e_uses_the_euclidean_norm():
    """g(x) = A (x - x*), A = mu P + L (I - P), P the projector on w = (5, 1, ..., 1)
    (N = 26, |w|^2 = 50).  g(c) = gamma 1 with gamma = 0.45 mu r: |g(c)|_inf < mu r / 2
    but the zero x* = c - A^-1 g(c) has x*_1 - c_1 = -(3 gamma / mu + small) < -r:
    it is OUTSIDE the box.  A max-norm version of Lemma E would accept; the
    Euclidean one (|g|_2 = 2.3 mu r) and Krawczyk must refuse."""
    N, Lbig = 26, 1
    mu_q, r_q = Fraction(1, 8), Fraction(1, 2 ** 10)
    w = [Fraction(5)] + [Fraction(1)] * (N - 1)
    P = [[w[i] * w[j] / 50 for j in range(N)] for i in range(N)]
    A = [[mu_q * P[i][j] + Lbig * ((1 if i == j else 0) - P[i][j]) for j in range(N)] for i in range(N)]
    gamma = Fraction(45, 100) * mu_q * r_q
    disp = _solve(A, [gamma] * N)                     # c - x*
    assert disp[0] > r_q                              # the zero is outside the box
    with ctx.workprec(200):
        H = arb_mat([[arb(a.numerator) / a.denominator for a in row] for row in A])
        g = [[arb(gamma.numerator) / gamma.denominator] for _ in range(N)]
        mu_claim = arb(mu_q.numerator) / mu_q.denominator * (1 - arb(2) ** -20)   # lambda_min(A) > this
        r = arb(r_q.numerator) / r_q.denominator
    with ctx.workprec(53):
        arb_only = prove.MatrixBox(lambda: None, H)     # no float enclosure: the arb tests decide
        assert not prove.prove_critical_point(g, r, arb_only, convex_mu=mu_claim).proved
        assert not prove.prove_critical_point(g, r, prove.MatrixBox.of_arb_mat(H), convex_mu=mu_claim).proved
        # the same map with g(c) ten times smaller: the zero is inside, Lemma E proves it
        small = [[x[0] / 10] for x in g]
        res = prove.prove_critical_point(small, r, arb_only, convex_mu=mu_claim)
        assert res.proved and "convexity" in res.detail
    assert abs(_solve(A, [gamma / 10] * N)[0]) < r_q


# ------------------------------------------------------------ Hessian enclosure on whole boxes
def _hessian_contained(W, V, r, rng, points=6):
    """Every entry of balls.hessian at exact points of the box lies in the Enc."""
    with ctx.workprec(53):
        Wa = [[arb(float(x), r) for x in row] for row in W]
        Va = [[arb(float(x)) for x in row] for row in V]
        E = fastfloat.hessian_enclosure(geometry.Geometry(Wa, Va))
    n, d = W.shape
    for p in range(points):
        t = [[rng.choice([-1, 1, 0, Fraction(rng.randint(-99, 99), 100)]) for _ in range(d)] for _ in range(n)]
        P = [[Fraction(float(W[i, a])) + t[i][a] * Fraction(r) for a in range(d)] for i in range(n)]
        with ctx.workprec(200):
            Pa = [[arb(x.numerator) / x.denominator for x in row] for row in P]
            Hp = balls.hessian(Pa, Va)
        with ctx.workprec(2400):
            for x, m, rr in zip(Hp.entries(), E.mid.ravel(), E.rad.ravel()):
                assert x.lower() >= arb(float(m)) - arb(float(rr)), (p, x, m, rr)
                assert x.upper() <= arb(float(m)) + arb(float(rr)), (p, x, m, rr)
    return E


@pytest.mark.parametrize("seed", [1, 2])
def test_hessian_enclosure_contains_the_hessian_at_points_of_a_wide_box(seed):
    rng = random.Random(SEED + seed)
    g = np.random.default_rng(seed)
    W, V = g.normal(size=(4, 5)), np.eye(3, 5)
    E = _hessian_contained(W, V, 2.0 ** -8, rng)
    assert np.max(E.rad) < 1.0                  # not vacuous


def test_hessian_enclosure_near_parallel_pairs():
    """Two students at angle ~2e-3 and one student at angle ~1e-3 from a teacher:
    beta = 1/(2 pi s) ~ 100, large cancellations."""
    rng = random.Random(SEED + 5)
    V = np.eye(3)
    W = np.array([[0.9, 0.3, 0.1], [0.9, 0.302, 0.1], [1.0, 0.001, 0.0005]])
    E = _hessian_contained(W, V, 2.0 ** -28, rng)
    assert np.max(E.rad) < 10     # entries ~ 1/(2 pi s) ~ 160 cancel to O(1): wide but finite


def test_hessian_enclosure_refuses_boxes_that_straddle_parallel_pairs():
    with ctx.workprec(53):
        W = [[arb(0.9, 1e-3), arb(0.3, 1e-3)], [arb(0.9), arb(0.3005)]]
        V = [[arb(1), arb(0)], [arb(0), arb(1)]]
        with pytest.raises(balls.NotSmooth):
            geometry.Geometry(W, V)


# ------------------------------------------------------------ whole statements (k = 6 certificate)
def _k6():
    return load(K6)


def _result(obj, claim):
    verdict = verify_obj(obj)
    found = {r.claim: r for r in verdict.results}
    return verdict, found.get(claim)


def test_centre_moved_so_that_the_critical_point_is_outside_is_refused():
    """|W* - c| <= 1e-30 < r / 8 for the committed certificate; moving c by 4 r along
    one coordinate puts W* outside the box.  The Hessian claim still holds (so Lemma E
    is tried with a proved mu) and the critical claim must be refused."""
    obj = _k6()
    r = frac(obj["box"]["radius"])
    moved = copy.deepcopy(obj)
    moved["box"]["centre"][0][0] = dyadic(frac(obj["box"]["centre"][0][0]) + 4 * r)
    verdict, crit = _result(moved, "critical")
    assert not verdict.accepted
    assert crit is not None and not crit.proved
    assert {x.claim: x for x in verdict.results}["hessian"].proved
    # half a radius: W* inside; |grad F(c)| ~ |H| r/2 >> mu r / 2, so Lemma E cannot apply,
    # the float Krawczyk test (after the fast 'no') must decide; a yes is a true theorem here.
    inside = copy.deepcopy(obj)
    inside["box"]["centre"][0][0] = dyadic(frac(obj["box"]["centre"][0][0]) + r / 2)
    verdict, crit = _result(inside, "critical")
    assert crit.proved and "Krawczyk" in crit.detail


def test_box_too_large_for_the_claimed_eigenvalue_is_refused():
    """Radius 2^-5 with the committed mu: a point of the box where the float lambda_min
    is clearly below mu exists (checked), so the hessian claim is false."""
    obj = _k6()
    big = copy.deepcopy(obj)
    big["box"]["radius"] = "1*2^-6"
    mu = float(frac(obj["claims"]["hessian_min_eig_lower"]))
    C = np.array([[float(frac(x)) for x in row] for row in obj["box"]["centre"]])
    V = np.array([[float(frac(x)) for x in row] for row in obj["teacher"]])
    rng = np.random.default_rng(0)                    # corners of the box (exact floats)
    lows = [np.linalg.eigvalsh(objective.hessian(C + 2.0 ** -6 * rng.choice([-1, 1], size=C.shape), V))[0]
            for _ in range(50)]
    assert min(lows) < mu - 1e-3                     # the claim is false (margin >> float error)
    verdict, hess = _result(big, "hessian")
    assert not verdict.accepted and hess is not None and not hess.proved


def test_box_straddling_a_non_smooth_point_is_refused():
    obj = _k6()
    r = frac(obj["box"]["radius"])
    # neuron 1 made parallel to neuron 0 up to less than the radius
    par = copy.deepcopy(obj)
    par["box"]["centre"][1] = [dyadic(frac(x) + (r / 4 if a == 0 else 0))
                               for a, x in enumerate(obj["box"]["centre"][0])]
    verdict, smooth = _result(par, "smooth")
    assert not verdict.accepted and not smooth.proved
    # a neuron within the radius of zero
    zero = copy.deepcopy(obj)
    zero["box"]["centre"][2] = [dyadic(r / 2)] + ["0"] * (len(obj["box"]["centre"][2]) - 1)
    verdict, smooth = _result(zero, "smooth")
    assert not verdict.accepted and not smooth.proved


def test_claimed_mu_above_the_true_lambda_min_is_refused():
    """mu raised to 1.01 x float lambda_min(H(c)): false at the centre itself."""
    obj = _k6()
    C = np.array([[float(frac(x)) for x in row] for row in obj["box"]["centre"]])
    V = np.array([[float(frac(x)) for x in row] for row in obj["teacher"]])
    lam = float(np.linalg.eigvalsh(objective.hessian(C, V))[0])
    lam_x = float(np.linalg.eigvalsh(objective.extra_dimension_block(C, V))[0])
    for key, value in (("hessian_min_eig_lower", lam), ("extra_min_eig_lower", lam_x)):
        bad = copy.deepcopy(obj)
        bad["claims"][key] = dyadic(Fraction(value * 1.01))
        verdict = verify_obj(bad)
        assert not verdict.accepted
        name = "hessian" if key.startswith("hessian") else "extra_dims"
        assert not {x.claim: x for x in verdict.results}[name].proved


# ------------------------------------------------------------ Lemma S, Lemma G with radius in one factor
def test_symmetrised_contains_every_symmetric_member():
    """Enc with asymmetric mid AND asymmetric rad: the symmetric members X (X_ij = X_ji,
    |X - mid| <= rad) are sampled exactly, including the extreme ones."""
    rng = random.Random(SEED + 11)
    checked = 0
    for _ in range(200):
        N = rng.randint(2, 5)
        mid = np.array([[rng.uniform(-1, 1) for _ in range(N)] for _ in range(N)])
        rad = np.array([[rng.choice([0.0, 0.01, 0.3, 1.0]) for _ in range(N)] for _ in range(N)])
        S = fastfloat.symmetrised(Enc(mid, rad))
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


def test_geometry_gradient_and_loss_against_the_mpmath_oracle():
    """grad F(c) (used by Lemma E and Krawczyk) and F from kernel.geometry, at exact
    points, against helpers.mp_gradient / mp_loss (independent closed forms, 60 digits)."""
    import mpmath
    from helpers import mp_gradient, mp_loss
    rng = np.random.default_rng(SEED)
    obj = _k6()
    cases = [([[frac(x) for x in row] for row in obj["box"]["centre"]],
              [[frac(x) for x in row] for row in obj["teacher"]])]
    for _ in range(3):
        W = rng.normal(size=(4, 5))
        cases.append(([[Fraction(float(x)) for x in row] for row in W],
                      [[Fraction(int(i == a)) for a in range(5)] for i in range(3)]))
    for W, V in cases:
        with ctx.workprec(200):
            Wa = [[arb(x.numerator) / x.denominator for x in row] for row in W]
            Va = [[arb(x.numerator) / x.denominator for x in row] for row in V]
            G = [g for row in geometry.gradient(Wa, Va) for g in row]
            Fb = geometry.loss(Wa, Va)
        with mpmath.workdps(60):
            for g, ref in zip(G, mp_gradient(W, V)):
                assert g.rad() < 1e-50
                assert abs(mpmath.mpf(g.mid().str(60, radius=False)) - ref) < 1e-45
            assert abs(mpmath.mpf(Fb.mid().str(60, radius=False)) - mp_loss(W, V)) < 1e-45
