"""Contract of the dense method's arb formulas: certify.kernel.dense.geometry (F,
grad F, the d > k block M, the pair scalars) and certify.kernel.dense.hessian (the
Hessian as a float enclosure).  For every W in the input balls, the output balls
contain the exact value: checked against the mpmath closed forms (oracle.formulas)
and exact sympy derivatives at exact points of the balls, and against the pair-by-pair
arb oracle (oracle.balls), which is itself held to the same contract.  Also the exact
teacher check of kernel.dense.method."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, ctx

from certify.kernel.dense import geometry
from certify.kernel.ballarray import Balls
from certify.kernel.dense.hessian import hessian_enclosure
from certify.kernel.dense.method import require_orthonormal
from certify.kernel.format import FormatError
from certify.kernel.pair import NotSmooth
from certify.producer import objective as obj
from helpers import K6, ball_contains, dyadic_point, exact_arb, load, random_student, sample_points
from oracle import balls
from oracle.formulas import mp_gradient, mp_loss
from oracle.numbers import dyadic, to_fractions
from oracle.symbolic import loss_jet

SEED = 7_000_003


class KernelFormulas:
    """The trusted kernel's F, grad F, M (kernel.dense.geometry, arb) and Hessian
    (kernel.dense.hessian: float mid-rad with a-priori bounds, as balls)."""
    name = "kernel"
    float_hessian = True       # resolved to ~1e-15 whatever the arb precision
    loss = staticmethod(geometry.loss)
    gradient = staticmethod(geometry.gradient)

    @staticmethod
    def hessian(W, V):
        return hessian_enclosure(geometry.Geometry(W, V), Balls).to_arb_mat()

    @staticmethod
    def extra_dimension_block(W, V):
        return geometry.Geometry(W, V, hessian=False).extra_dimension_block()


class OracleFormulas:
    """tests/oracle/balls.py: the same formulas written pair by pair, in arb."""
    name = "oracle"
    float_hessian = False
    loss = staticmethod(balls.loss)
    gradient = staticmethod(balls.gradient)
    hessian = staticmethod(balls.hessian)
    extra_dimension_block = staticmethod(balls.extra_dimension_block)


IMPLEMENTATIONS = pytest.mark.parametrize("impl", [KernelFormulas, OracleFormulas],
                                          ids=lambda c: c.name)


def to_arb(A):
    return [[arb(float(x)) for x in row] for row in np.asarray(A, dtype=float)]


def arb_mat_to_list(M):
    return [[M[i, j] for j in range(M.ncols())] for i in range(M.nrows())]


def mid(x):
    return float(x.mid())


def check_close(arb_rows, ref, rel, what):
    """Every ball's midpoint within rel*scale(+radius) of the float reference."""
    ref = np.asarray(ref, dtype=float)
    scale = max(1.0, float(np.max(np.abs(ref))))
    for i, row in enumerate(arb_rows):
        for j, x in enumerate(row):
            assert x.is_finite(), f"{what}[{i},{j}] not finite: {x}"
            err = abs(mid(x) - ref[i, j])
            assert err <= rel * scale + float(x.rad()), (what, i, j, x, ref[i, j])


# ---------------------------------------------------------------------------
# for every W in the balls: F, grad F, M contain the exact values
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n,k,d", [(3, 3, 3), (4, 3, 5), (2, 2, 4)])
@pytest.mark.parametrize("prec", [64, 128])
def test_loss_and_gradient_on_balls_contain_the_exact_values_at_points_of_the_balls(n, k, d, prec):
    """Balls of radius 2^-30 around a dyadic point; corners, the centre and random dyadic
    points of the box; the exact F and grad F there from the mpmath closed forms."""
    rng = random.Random(SEED + 100 * n + 10 * k + d + prec)
    W0 = dyadic_point(n * d + prec, n, d)
    V = [[Fraction(int(i == a)) for a in range(d)] for i in range(k)]
    r = Fraction(1, 2 ** 30)
    with ctx.workprec(prec):
        Wb = [[arb(float(x)) + arb(0, exact_arb(r)) for x in row] for row in W0]
        Va = [[arb(int(x)) for x in row] for row in V]
        F = geometry.loss(Wb, Va)
        G = geometry.gradient(Wb, Va)
        M = geometry.Geometry(Wb, Va, hessian=False).extra_dimension_block()
    assert F.rad() < 1e-6 and all(g.rad() < 1e-6 for row in G for g in row)   # not vacuous
    for _ in range(6):
        P = [[Fraction(float(x)) + rng.choice([-1, 1, 0, Fraction(rng.randrange(-64, 65), 64)]) * r
              for x in row] for row in W0]
        with mpmath.workdps(60):
            assert ball_contains(F, mp_loss(P, V))
            g = mp_gradient(P, V)
            for i, a in itertools.product(range(n), range(d)):
                assert ball_contains(G[i][a], g[i * d + a]), (i, a)
        # M at the point, from the pair-by-pair oracle at 300 bits (a tight ball)
        with ctx.workprec(300):
            Mp = balls.extra_dimension_block([[exact_arb(x) for x in row] for row in P], Va)
        for i, j in itertools.product(range(n), repeat=2):
            assert M[i, j].overlaps(Mp[i, j]) and M[i, j].lower() <= Mp[i, j].upper()
            with ctx.workprec(300):
                assert M[i, j].contains(Mp[i, j].mid()), (i, j)


def _hessian_contained(W, V, r, rng, points=6):
    """Every entry of balls.hessian at exact points of the box lies in the Enc."""
    with ctx.workprec(53):
        Wa = [[arb(float(x), r) for x in row] for row in W]
        Va = [[arb(float(x)) for x in row] for row in V]
        E = hessian_enclosure(geometry.Geometry(Wa, Va))
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
        with pytest.raises(NotSmooth):
            geometry.Geometry(W, V)


@pytest.mark.parametrize("n,k,d,seed", [(3, 3, 3, 1), (4, 3, 5, 2), (5, 5, 5, 3), (2, 4, 4, 4)])
def test_geometry_and_enclosure_match_balls(n, k, d, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, d))
    V = np.eye(k, d)
    with ctx.workprec(53):
        Wa = [[arb(float(x), 2.0 ** -40) for x in row] for row in W]
        Va = [[arb(float(x)) for x in row] for row in V]
        geo = geometry.Geometry(Wa, Va)
        H = hessian_enclosure(geo)
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


def test_geometry_gradient_and_loss_against_the_mpmath_oracle():
    """grad F(c) (used by Lemma E and Krawczyk) and F from kernel.dense.geometry, at exact
    points, against oracle.formulas.mp_gradient / mp_loss (independent closed forms, 60 digits)."""
    rng = np.random.default_rng(SEED)
    k6 = load(K6)
    cases = [(to_fractions(k6["box"]["centre"]), to_fractions(k6["teacher"]))]
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


# ---------------------------------------------------------------------------
# both arb implementations (kernel and oracle) against numpy, sympy and arb finite differences
# ---------------------------------------------------------------------------
BALL_SHAPES = [(3, 3, 3), (4, 3, 5), (2, 3, 3), (5, 5, 5)]
SYM_SHAPES = [(2, 2, 2), (2, 2, 3), (3, 2, 2)]


@IMPLEMENTATIONS
@pytest.mark.parametrize("n,k,d", BALL_SHAPES)
def test_arb_formulas_agree_with_numpy_and_are_narrow(impl, n, k, d):
    V = np.eye(k, d)
    for W in sample_points(300 + n + k + d, n, k, d):
        Wa, Va = to_arb(W), to_arb(V)
        res53 = (impl.loss(Wa, Va), impl.gradient(Wa, Va), impl.hessian(Wa, Va),
                 impl.extra_dimension_block(Wa, Va))
        with ctx.workprec(200):
            res200 = (impl.loss(Wa, Va), impl.gradient(Wa, Va), impl.hessian(Wa, Va),
                      impl.extra_dimension_block(Wa, Va))
        refs = (np.array([[obj.loss(W, V)]]), obj.gradient(W, V), obj.hessian(W, V),
                obj.extra_dimension_block(W, V))
        for what, r53, r200, ref in zip(("loss", "grad", "hess", "M"), res53, res200, refs):
            rows53 = [[r53]] if what == "loss" else (
                r53 if isinstance(r53, list) else arb_mat_to_list(r53))
            rows200 = [[r200]] if what == "loss" else (
                r200 if isinstance(r200, list) else arb_mat_to_list(r200))
            assert np.array(rows200).shape == ref.shape, what
            check_close(rows53, ref, 1e-12, what + "@53")
            check_close(rows200, ref, 1e-12, what + "@200")
            fine = arb("1e-9") if what == "hess" and impl.float_hessian else arb("1e-50")
            for x53, x200 in zip(itertools.chain(*rows53), itertools.chain(*rows200)):
                assert x200.rad() < fine, (what, x200)
                assert x53.rad() < arb("1e-9"), (what, x53)  # usefully narrow
                assert x53.overlaps(x200), (what, x53, x200)  # both are enclosures


@IMPLEMENTATIONS
@pytest.mark.parametrize("n,k,d", SYM_SHAPES)
def test_arb_formulas_contain_exact_sympy_values(impl, n, k, d):
    """At dyadic points (exact in arb) the balls must enclose the exact value."""
    V = to_arb(np.eye(k, d))
    for seed in (1, 2):
        W = dyadic_point(seed + 10 * n + d, n, d)
        F, g, h = loss_jet(n, k, d, W)
        for prec in (53, 200):
            with ctx.workprec(prec):
                Fa = impl.loss(to_arb(W), V)
                Ga = impl.gradient(to_arb(W), V)
                Ha = impl.hessian(to_arb(W), V)
            assert ball_contains(Fa, F), (prec, Fa, F)
            for i, a in itertools.product(range(n), range(d)):
                assert ball_contains(Ga[i][a], g[i * d + a]), (prec, i, a)
            for p, q in itertools.product(range(n * d), repeat=2):
                assert ball_contains(Ha[p, q], h[p][q]), (prec, p, q, Ha[p, q], h[p][q])


@IMPLEMENTATIONS
@pytest.mark.parametrize("n,k,d", [(3, 3, 3), (3, 2, 4)])
def test_arb_hessian_matches_arb_finite_differences(impl, n, k, d):
    """Independent of numpy: FD of the 200-bit arb gradient, step 2^-83 ~ 1e-25
    (the kernel's float Hessian enclosure must contain the FD value up to 1e-25)."""
    rng = np.random.default_rng(77 + n + d)
    W = random_student(rng, n, d)
    V = to_arb(np.eye(k, d))
    with ctx.workprec(200):
        h = arb(2) ** -83
        Wa = to_arb(W)
        H = impl.hessian(Wa, V)
        Fc = impl.loss(Wa, V)
        Gc = impl.gradient(Wa, V)
        for i, a in itertools.product(range(n), range(d)):
            Wp = [row[:] for row in Wa]
            Wm = [row[:] for row in Wa]
            Wp[i][a] += h
            Wm[i][a] -= h
            # gradient vs FD of loss
            gfd = (impl.loss(Wp, V) - impl.loss(Wm, V)) / (2 * h)
            assert abs(gfd.mid() - Gc[i][a].mid()) < arb("1e-30")
            Gp, Gm = impl.gradient(Wp, V), impl.gradient(Wm, V)
            for j, b in itertools.product(range(n), range(d)):
                fd = (Gp[j][b] - Gm[j][b]) / (2 * h)
                entry = H[j * d + b, i * d + a]
                err = abs(fd.mid() - entry.mid())
                if impl.float_hessian:
                    assert err < entry.rad() + arb("1e-25"), (i, a, j, b, err, entry)
                    assert entry.rad() < arb("1e-13"), entry
                else:
                    assert err < arb("1e-30"), (i, a, j, b, err)
        assert Fc.rad() < arb("1e-50")


@IMPLEMENTATIONS
@pytest.mark.parametrize("k,n", [(3, 3), (3, 4)])
def test_arb_extra_dimension_block_matches_dense_hessian(impl, k, n):
    """The d > k lemma, at 200 bits: the dense Hessian enclosure at [W, 0] in
    d = k+1 is block diagonal with the extra block = M."""
    rng = np.random.default_rng(90 + k + n)
    Wk = random_student(rng, n, k)
    d = k + 1
    tiny = arb("1e-45")
    tiny_h = arb("1e-13") if impl.float_hessian else tiny   # resolution of H
    with ctx.workprec(200):
        M = impl.extra_dimension_block(to_arb(Wk), to_arb(np.eye(k, k)))
        Hk = impl.hessian(to_arb(Wk), to_arb(np.eye(k, k)))
        W = to_arb(np.hstack([Wk, np.zeros((n, 1))]))
        H = impl.hessian(W, to_arb(np.eye(k, d)))
        G = impl.gradient(W, to_arb(np.eye(k, d)))
    for i in range(n):
        assert abs(G[i][k].mid()) < tiny and G[i][k].contains(0)
        for j in range(n):
            e = H[i * d + k, j * d + k]
            assert e.overlaps(M[i, j]) and abs(e.mid() - M[i, j].mid()) < tiny_h, (i, j, e, M[i, j])
            for a in range(k):
                assert H[i * d + a, j * d + k].contains(0)
                assert abs(H[i * d + a, j * d + k].mid()) < tiny_h
                for b in range(k):
                    e, ek = H[i * d + a, j * d + b], Hk[i * k + a, j * k + b]
                    assert e.overlaps(ek) and abs(e.mid() - ek.mid()) < tiny_h


@IMPLEMENTATIONS
def test_arb_loss_near_teacher_and_positive_elsewhere(impl):
    """The arb loss needs non-parallel pairs, so W = V itself is out of its domain;
    at W = V + O(2^-60) the 200-bit ball must be finite, >= 0 up to its radius,
    and O(2^-120) small (F is continuous with a zero at the teacher)."""
    rng = np.random.default_rng(10)
    for k, d in [(3, 3), (4, 5)]:
        V = np.eye(k, d)
        with ctx.workprec(200):
            eps = arb(2) ** -60
            Wa = [[arb(float(x)) + eps * arb(float(r)) for x, r in zip(row, rrow)]
                  for row, rrow in zip(V[::-1], rng.normal(size=V.shape))]
            F = impl.loss(Wa, to_arb(V[::-1]))
        assert F.is_finite() and F.rad() < arb("1e-38"), F  # sin t ~ 2^-60 costs bits
        assert F.upper() < arb("1e-30") and F.lower() > -arb("1e-50"), F
        W = random_student(rng, k, d)
        assert impl.loss(to_arb(W), to_arb(V)) > 0


# ---------------------------------------------------------------------------
# the exact teacher check
# ---------------------------------------------------------------------------
def _orthonormal_teachers(rng):
    """Exactly orthonormal dyadic teachers: signed permutations of identity rows, and
    rows of the Hadamard matrix H4 / 2 (entries +-1/2) padded with zeros."""
    out = []
    for k, d in ((1, 1), (2, 3), (3, 3), (4, 6)):
        perm = rng.sample(range(d), k)
        out.append([[Fraction(rng.choice([-1, 1])) if a == perm[i] else Fraction(0) for a in range(d)]
                    for i in range(k)])
    H = [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]
    for k in (1, 3, 4):
        out.append([[Fraction(x, 2) for x in row] + [Fraction(0)] * 2 for row in H[:k]])
    return out


def exactly_orthonormal(V) -> bool:
    return all(sum(a * b for a, b in zip(V[i], V[j])) == (i == j) for i in range(len(V)) for j in range(i + 1))


def test_require_orthonormal_accepts_exactly_the_orthonormal_teachers():
    rng = random.Random(SEED)
    for V in _orthonormal_teachers(rng):
        assert exactly_orthonormal(V)
        require_orthonormal(tuple(tuple(dyadic(x) for x in row) for row in V))
        # every small perturbation of one entry breaks it, and is refused
        for delta in (Fraction(1, 2 ** 53), Fraction(-1, 2 ** 200), Fraction(1, 2)):
            i, a = rng.randrange(len(V)), rng.randrange(len(V[0]))
            W = [list(row) for row in V]
            W[i][a] += delta
            assert not exactly_orthonormal(W)
            with pytest.raises(FormatError) as info:
                require_orthonormal(tuple(tuple(dyadic(x) for x in row) for row in W))
            assert info.value.field == "teacher"
    with pytest.raises(FormatError):                     # two equal rows
        require_orthonormal((("1", "0"), ("1", "0")))
    with pytest.raises(FormatError):                     # 3/5, 4/5 is not dyadic; this is close
        require_orthonormal((("5*2^-3", "25*2^-5"),))
