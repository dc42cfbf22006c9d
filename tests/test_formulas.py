"""Every analytic formula of the objective checked against an INDEPENDENT computation.

The closed forms (f, F, gradient, Hessian, the d > k block M) are compared with

* numerical quadrature of the defining Gaussian expectation (mpmath.quad),
* a seeded Monte Carlo estimate with an error bar,
* central finite differences (floats, and 200-bit arb for the trusted kernel),
* exact symbolic differentiation in sympy, evaluated at dyadic rational points
  (exactly representable in floats and arb, so the rigorous balls must
  *contain* the sympy value),
* symmetries (permutations, rotations, homogeneity) that the formulas do not
  use explicitly.

Nothing here asserts a value the code under test just produced.
"""
from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from certify import objective as obj

flint = pytest.importorskip("flint")
import reference_balls  # noqa: E402  independent pair-by-pair arb oracle (tests/)
from certify.kernel import fastfloat, geometry  # noqa: E402  the kernel's definitions


class KernelFormulas:
    """The trusted kernel's F, grad F, M (kernel.geometry, arb) and Hessian
    (fastfloat.hessian_enclosure: float mid-rad with a-priori bounds, as balls)."""
    name = "kernel"
    float_hessian = True       # resolved to ~1e-15 whatever the arb precision
    loss = staticmethod(geometry.loss)
    gradient = staticmethod(geometry.gradient)

    @staticmethod
    def hessian(W, V):
        return fastfloat.hessian_enclosure(geometry.Geometry(W, V)).to_arb_mat()

    @staticmethod
    def extra_dimension_block(W, V):
        return geometry.Geometry(W, V, hessian=False).extra_dimension_block()


class OracleFormulas:
    """tests/reference_balls.py: the same formulas written pair by pair, in arb."""
    name = "oracle"
    float_hessian = False
    loss = staticmethod(reference_balls.loss)
    gradient = staticmethod(reference_balls.gradient)
    hessian = staticmethod(reference_balls.hessian)
    extra_dimension_block = staticmethod(reference_balls.extra_dimension_block)


IMPLEMENTATIONS = pytest.mark.parametrize("impl", [KernelFormulas, OracleFormulas],
                                          ids=lambda c: c.name)

SHAPES_FD = [(4, 4, 4), (5, 4, 6), (3, 3, 5), (6, 6, 6), (3, 4, 4)]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def random_student(rng, n, d, scale=0.8):
    """Generic point: rows Gaussian, no two rows (or a row and e_j) parallel."""
    return scale * rng.normal(size=(n, d))


def near_teacher(rng, n, k, d, eps=0.15):
    """Point near the global minimum (small angles to the teacher rows)."""
    W = rng.normal(scale=eps, size=(n, d))
    W[: min(n, k), :] += obj.identity_teacher(k, d)[: min(n, k)]
    return W


def sample_points(seed, n, k, d):
    rng = np.random.default_rng(seed)
    pts = [random_student(rng, n, d), near_teacher(rng, n, k, d)]
    # one pair of student rows at a small (0.05 rad scale) angle
    W = random_student(rng, n, d)
    if n >= 2:
        W[1] = 1.3 * W[0] + 0.05 * np.linalg.norm(W[0]) * rng.normal(size=d) / math.sqrt(d)
    pts.append(W)
    return pts


def to_arb(A):
    return [[flint.arb(float(x)) for x in row] for row in np.asarray(A, dtype=float)]


def arb_mat_to_list(M):
    return [[M[i, j] for j in range(M.ncols())] for i in range(M.nrows())]


def mid(x):
    return float(x.mid())


def check_close(arb_rows, ref, rel, what):
    """Every ball's midpoint within rel*scale(+radius) of the float reference."""
    ref = np.asarray(ref, dtype=float)
    scale = max(1.0, float(np.max(np.abs(ref))))
    worst = 0.0
    for i, row in enumerate(arb_rows):
        for j, x in enumerate(row):
            assert x.is_finite(), f"{what}[{i},{j}] not finite: {x}"
            err = abs(mid(x) - ref[i, j])
            assert err <= rel * scale + float(x.rad()), (what, i, j, x, ref[i, j])
            worst = max(worst, err / scale)
    return worst


def fd_gradient(W, V, h=1e-5):
    G = np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        E = np.zeros_like(W)
        E[idx] = h
        G[idx] = (obj.loss(W + E, V) - obj.loss(W - E, V)) / (2 * h)
    return G


def fd_hessian(W, V, h=1e-5):
    n, d = W.shape
    H = np.zeros((n * d, n * d))
    for i, a in itertools.product(range(n), range(d)):
        E = np.zeros_like(W)
        E[i, a] = h
        H[:, i * d + a] = ((obj.gradient(W + E, V) - obj.gradient(W - E, V)) / (2 * h)).ravel()
    return H


# --------------------------------------------------------------------------
# 1. f and F against the Gaussian expectation
# --------------------------------------------------------------------------
def _radial_moment():
    """int_0^oo rho^3 exp(-rho^2/2) drho / (2 pi): E over the plane in polar coords."""
    return mpmath.quad(lambda r: r**3 * mpmath.exp(-r * r / 2), [0, mpmath.inf]) / (2 * mpmath.pi)


def _angular_quad(func, normals):
    """int_0^{2 pi} func(phi) dphi with breakpoints where some relu(p.e(phi)) kinks."""
    pts = {mpmath.mpf(0), 2 * mpmath.pi}
    for p in normals:
        base = mpmath.atan2(p[1], p[0])
        for off in (mpmath.pi / 2, -mpmath.pi / 2):
            pts.add((base + off) % (2 * mpmath.pi))
    return mpmath.quad(func, sorted(pts))


def f_by_quadrature(u, v, dps=30):
    """E[relu(u.x) relu(v.x)], x ~ N(0, I_d), reduced to the plane of u, v
    (Gram-Schmidt, no angle formula) and integrated in polar coordinates."""
    with mpmath.workdps(dps):
        u = [mpmath.mpf(float(x)) for x in u]
        v = [mpmath.mpf(float(x)) for x in v]
        dot = lambda a, b: mpmath.fsum(x * y for x, y in zip(a, b))
        e1 = [x / mpmath.sqrt(dot(u, u)) for x in u]
        r = [y - dot(v, e1) * x for x, y in zip(e1, v)]
        e2 = [x / mpmath.sqrt(dot(r, r)) for x in r]
        u2 = (dot(u, e1), dot(u, e2))
        v2 = (dot(v, e1), dot(v, e2))
        relu = lambda p, c, s: max(p[0] * c + p[1] * s, 0)
        ang = _angular_quad(lambda ph: relu(u2, mpmath.cos(ph), mpmath.sin(ph))
                            * relu(v2, mpmath.cos(ph), mpmath.sin(ph)), [u2, v2])
        return _radial_moment() * ang


def loss_by_quadrature_2d(W, V, dps=20):
    """F(W) for d = 2 directly from 1/2 E[(sum relu(w.x) - sum relu(v.x))^2]
    (no pairwise decomposition), polar coordinates, breakpoints at every kink."""
    with mpmath.workdps(dps):
        Wm = [[mpmath.mpf(float(x)) for x in row] for row in W]
        Vm = [[mpmath.mpf(float(x)) for x in row] for row in V]

        def resid2(ph):
            c, s = mpmath.cos(ph), mpmath.sin(ph)
            r = (mpmath.fsum(max(w[0] * c + w[1] * s, 0) for w in Wm)
                 - mpmath.fsum(max(v[0] * c + v[1] * s, 0) for v in Vm))
            return r * r

        return _radial_moment() * _angular_quad(resid2, Wm + Vm) / 2


def _pair_cases():
    rng = np.random.default_rng(11)
    cases = []
    for d in (2, 3, 5):
        for _ in range(3):
            cases.append((rng.normal(size=d), rng.normal(size=d)))
    for d, t in [(2, 1e-3), (3, 1e-2), (4, 0.3), (3, 1.7), (4, 2.6), (3, math.pi - 1e-2),
                 (2, math.pi - 1e-3), (5, math.pi / 2)]:
        a, b = np.linalg.qr(rng.normal(size=(d, 2)))[0].T
        cases.append((1.7 * a, 0.6 * (math.cos(t) * a + math.sin(t) * b)))
    return cases


def test_f_matches_quadrature():
    worst = 0.0
    for u, v in _pair_cases():
        exact = f_by_quadrature(u, v)
        got = obj.kernel_f(u[None, :], v[None, :])[0, 0]
        scale = np.linalg.norm(u) * np.linalg.norm(v)
        err = abs(got - float(exact)) / scale
        worst = max(worst, err)
        assert err < 1e-12, (u, v, got, exact)
        # symmetric in its arguments
        assert abs(obj.kernel_f(v[None, :], u[None, :])[0, 0] - got) < 1e-14 * scale
    print(f"max |f - quad| / (|u||v|) = {worst:.2e}")


def test_f_diagonal_and_orthogonal():
    rng = np.random.default_rng(12)
    u = rng.normal(size=4)
    # f(u,u) = |u|^2/2 by quadrature too (e2 undefined there: use u2 = (|u|,0))
    with mpmath.workdps(30):
        nu = mpmath.sqrt(mpmath.fsum(mpmath.mpf(float(x)) ** 2 for x in u))
        q = _radial_moment() * _angular_quad(
            lambda ph: max(nu * mpmath.cos(ph), 0) ** 2, [(nu, 0)])
    assert abs(float(q) - 0.5 * u @ u) < 1e-13 * (u @ u)
    # orthogonal unit vectors: f = 1/(2 pi) (the teacher-teacher constant)
    e = np.eye(3)
    assert abs(obj.kernel_f(e[:1], e[1:2])[0, 0] - 1 / (2 * math.pi)) < 1e-15
    assert abs(float(f_by_quadrature(e[0], e[1])) - 1 / (2 * math.pi)) < 1e-15


@pytest.mark.parametrize("n,k", [(1, 1), (2, 2), (3, 2), (2, 3), (4, 3)])
def test_loss_2d_matches_quadrature_of_expectation(n, k):
    rng = np.random.default_rng(100 + 10 * n + k)
    V = rng.normal(size=(k, 2))  # general (non-orthonormal) teacher in the plane
    for W in (rng.normal(size=(n, 2)), obj.identity_teacher(k, 2)[:1].repeat(n, 0)
              + 0.1 * rng.normal(size=(n, 2))):
        exact = float(loss_by_quadrature_2d(W, V))
        got = obj.loss(W, V)
        assert abs(got - exact) < 1e-12 * max(1.0, exact), (W, V, got, exact)


@pytest.mark.parametrize("n,k,d", [(3, 2, 4), (4, 3, 3), (2, 3, 5), (5, 5, 5), (4, 4, 6)])
def test_loss_matches_monte_carlo(n, k, d):
    rng = np.random.default_rng(1000 + 100 * n + 10 * k + d)
    V = obj.identity_teacher(k, d)
    W = random_student(rng, n, d)
    N = 400_000
    X = rng.normal(size=(N, d))
    r = np.maximum(X @ W.T, 0).sum(1) - np.maximum(X @ V.T, 0).sum(1)
    samples = 0.5 * r * r
    mean, se = samples.mean(), samples.std(ddof=1) / math.sqrt(N)
    F = obj.loss(W, V)
    assert se < 0.02 * mean  # the test has power
    assert abs(F - mean) < 5 * se, (F, mean, se)


# --------------------------------------------------------------------------
# 2. derivatives against finite differences
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n,k,d", SHAPES_FD)
def test_gradient_and_hessian_match_finite_differences(n, k, d):
    V = obj.identity_teacher(k, d)
    for W in sample_points(7 * n + 3 * k + d, n, k, d):
        G = obj.gradient(W, V)
        assert G.shape == (n, d)
        Gfd = fd_gradient(W, V)
        assert np.max(np.abs(G - Gfd)) < 1e-7 * max(1.0, np.max(np.abs(G)))
        H = obj.hessian(W, V)
        assert H.shape == (n * d, n * d)
        assert np.max(np.abs(H - H.T)) < 1e-12 * max(1.0, np.max(np.abs(H)))
        Hfd = fd_hessian(W, V)
        assert np.max(np.abs(H - Hfd)) < 1e-6 * max(1.0, np.max(np.abs(H))), \
            np.max(np.abs(H - Hfd))


def test_gradient_general_teacher():
    """Non-orthonormal, non-unit teacher rows (the formulas carry |v|)."""
    rng = np.random.default_rng(5)
    V = rng.normal(size=(3, 4)) * np.array([[0.5], [1.0], [2.0]])
    W = random_student(rng, 4, 4)
    assert np.max(np.abs(obj.gradient(W, V) - fd_gradient(W, V))) < 1e-7
    assert np.max(np.abs(obj.hessian(W, V) - fd_hessian(W, V))) < 1e-6


def test_global_minimum_is_critical():
    for k, d in [(3, 3), (4, 6)]:
        V = obj.identity_teacher(k, d)
        assert abs(obj.loss(V, V)) < 1e-14
        assert np.max(np.abs(obj.gradient(V, V))) < 1e-14


# --------------------------------------------------------------------------
# 3. sympy: exact symbolic derivatives at dyadic rational points
# --------------------------------------------------------------------------
def _sym_f(u, v):
    uu = sum(a * a for a in u)
    vv = sum(a * a for a in v)
    uv = sum(a * b for a, b in zip(u, v))
    # |u||v| sin t = sqrt(uu vv - uv^2),  |u||v| (pi - t) cos t = (pi - t) uv
    return (sp.sqrt(uu * vv - uv**2) + (sp.pi - sp.acos(uv / sp.sqrt(uu * vv))) * uv) / (2 * sp.pi)


def _sym_loss(n, k, d):
    ws = sp.symbols(f"w0:{n * d}")  # not real=True: keeps sqrt(x**2) from becoming Abs
    W = [ws[i * d:(i + 1) * d] for i in range(n)]
    V = [[sp.Integer(1) if a == j else sp.Integer(0) for a in range(d)] for j in range(k)]
    F = sum(sum(a * a for a in w) / 4 for w in W)            # 1/2 sum_i f(w_i,w_i)
    F += sum(_sym_f(W[i], W[j]) for i in range(n) for j in range(i + 1, n))
    F -= sum(_sym_f(w, v) for w in W for v in V)
    F += sp.Rational(k, 4) + sp.Rational(k * (k - 1), 2) / (2 * sp.pi)  # teacher-teacher
    return ws, F


_SYM_CACHE = {}


def sympy_reference(n, k, d, W_dyadic, dps=80):
    """(F, grad, Hess) as mpmath numbers at the exact rational point."""
    if (n, k, d) not in _SYM_CACHE:
        ws, F = _sym_loss(n, k, d)
        grad = [sp.diff(F, s) for s in ws]
        hess = [[sp.diff(g, s) for s in ws] for g in grad]
        _SYM_CACHE[(n, k, d)] = (ws, sp.lambdify(ws, [F, grad, hess], modules="mpmath"))
    ws, fn = _SYM_CACHE[(n, k, d)]
    with mpmath.workdps(dps):
        args = [mpmath.mpf(sp.Rational(x).p) / sp.Rational(x).q for x in W_dyadic.ravel()]
        F, g, h = fn(*args)
        return +F, [+x for x in g], [[+x for x in row] for row in h]


def dyadic_point(seed, n, d):
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(size=(n, d)) * 64) / 64  # exact in binary


SYM_SHAPES = [(2, 2, 2), (2, 2, 3), (3, 2, 2)]


@pytest.mark.parametrize("n,k,d", SYM_SHAPES)
def test_sympy_matches_numpy(n, k, d):
    V = obj.identity_teacher(k, d)
    for seed in (1, 2):
        W = dyadic_point(seed + 10 * n + d, n, d)
        F, g, h = sympy_reference(n, k, d, W)
        assert abs(obj.loss(W, V) - float(F)) < 1e-12 * max(1, abs(float(F)))
        G = np.array([float(x) for x in g]).reshape(n, d)
        H = np.array([[float(x) for x in row] for row in h])
        assert np.max(np.abs(obj.gradient(W, V) - G)) < 1e-12 * max(1, np.max(np.abs(G)))
        assert np.max(np.abs(obj.hessian(W, V) - H)) < 1e-12 * max(1, np.max(np.abs(H)))


# --------------------------------------------------------------------------
# 4. the d > k lemma
# --------------------------------------------------------------------------
@pytest.mark.parametrize("k,n", [(3, 3), (3, 4), (4, 4), (4, 5)])
def test_extra_dimension_lemma(k, n):
    rng = np.random.default_rng(40 + 10 * k + n)
    Wk = random_student(rng, n, k)
    Vk = obj.identity_teacher(k, k)
    Hk = obj.hessian(Wk, Vk)
    Gk = obj.gradient(Wk, Vk)
    M = obj.extra_dimension_block(Wk, Vk)
    assert M.shape == (n, n)
    assert np.max(np.abs(M - M.T)) < 1e-15
    for d in (k + 1, k + 2):
        W = np.hstack([Wk, np.zeros((n, d - k))])
        V = obj.identity_teacher(k, d)
        assert abs(obj.loss(W, V) - obj.loss(Wk, Vk)) < 1e-14
        G = obj.gradient(W, V)
        assert np.max(np.abs(G[:, :k] - Gk)) < 1e-14
        assert np.max(np.abs(G[:, k:])) < 1e-15
        H = obj.hessian(W, V).reshape(n, d, n, d)
        assert np.max(np.abs(H[:, :k, :, :k].reshape(n * k, n * k) - Hk)) < 1e-13
        assert np.max(np.abs(H[:, :k, :, k:])) < 1e-14
        for a, b in itertools.product(range(k, d), repeat=2):
            expected = M if a == b else np.zeros((n, n))
            assert np.max(np.abs(H[:, a, :, b] - expected)) < 1e-13, (a, b)
        # M also against finite differences of the gradient in an extra coordinate
        Mfd = np.zeros((n, n))
        for j in range(n):
            E = np.zeros_like(W)
            E[j, d - 1] = 1e-5
            Mfd[:, j] = (obj.gradient(W + E, V)[:, d - 1] - obj.gradient(W - E, V)[:, d - 1]) / 2e-5
        assert np.max(np.abs(M - Mfd)) < 1e-7


# --------------------------------------------------------------------------
# 5. the trusted arb kernel
# --------------------------------------------------------------------------
BALL_SHAPES = [(3, 3, 3), (4, 3, 5), (2, 3, 3), (5, 5, 5)]


@IMPLEMENTATIONS
@pytest.mark.parametrize("n,k,d", BALL_SHAPES)
def test_arb_formulas_agree_with_numpy_and_are_narrow(impl, n, k, d):
    V = obj.identity_teacher(k, d)
    for W in sample_points(300 + n + k + d, n, k, d):
        Wa, Va = to_arb(W), to_arb(V)
        res53 = (impl.loss(Wa, Va), impl.gradient(Wa, Va), impl.hessian(Wa, Va),
                 impl.extra_dimension_block(Wa, Va))
        with flint.ctx.workprec(200):
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
            fine = flint.arb("1e-9") if what == "hess" and impl.float_hessian else flint.arb("1e-50")
            for x53, x200 in zip(itertools.chain(*rows53), itertools.chain(*rows200)):
                assert x200.rad() < fine, (what, x200)
                assert x53.rad() < flint.arb("1e-9"), (what, x53)  # usefully narrow
                assert x53.overlaps(x200), (what, x53, x200)  # both are enclosures


def _containment(ball, exact, slack=mpmath.mpf("1e-70")):
    with mpmath.workdps(80):
        m = mpmath.mpf(ball.mid().str(75, radius=False))
        r = mpmath.mpf(ball.rad().str(20, radius=False))
        return abs(m - exact) <= r * (1 + mpmath.mpf("1e-15")) + slack


@IMPLEMENTATIONS
@pytest.mark.parametrize("n,k,d", SYM_SHAPES)
def test_arb_formulas_contain_exact_sympy_values(impl, n, k, d):
    """At dyadic points (exact in arb) the balls must enclose the exact value."""
    V = to_arb(obj.identity_teacher(k, d))
    for seed in (1, 2):
        W = dyadic_point(seed + 10 * n + d, n, d)
        F, g, h = sympy_reference(n, k, d, W)
        for prec in (53, 200):
            with flint.ctx.workprec(prec):
                Fa = impl.loss(to_arb(W), V)
                Ga = impl.gradient(to_arb(W), V)
                Ha = impl.hessian(to_arb(W), V)
            assert _containment(Fa, F), (prec, Fa, F)
            for i, a in itertools.product(range(n), range(d)):
                assert _containment(Ga[i][a], g[i * d + a]), (prec, i, a)
            for p, q in itertools.product(range(n * d), repeat=2):
                assert _containment(Ha[p, q], h[p][q]), (prec, p, q, Ha[p, q], h[p][q])


@IMPLEMENTATIONS
@pytest.mark.parametrize("n,k,d", [(3, 3, 3), (3, 2, 4)])
def test_arb_hessian_matches_arb_finite_differences(impl, n, k, d):
    """Independent of numpy: FD of the 200-bit arb gradient, step 2^-83 ~ 1e-25
    (the kernel's float Hessian enclosure must contain the FD value up to 1e-25)."""
    rng = np.random.default_rng(77 + n + d)
    W = random_student(rng, n, d)
    V = to_arb(obj.identity_teacher(k, d))
    with flint.ctx.workprec(200):
        h = flint.arb(2) ** -83
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
            assert abs(gfd.mid() - Gc[i][a].mid()) < flint.arb("1e-30")
            Gp, Gm = impl.gradient(Wp, V), impl.gradient(Wm, V)
            for j, b in itertools.product(range(n), range(d)):
                fd = (Gp[j][b] - Gm[j][b]) / (2 * h)
                entry = H[j * d + b, i * d + a]
                err = abs(fd.mid() - entry.mid())
                if impl.float_hessian:
                    assert err < entry.rad() + flint.arb("1e-25"), (i, a, j, b, err, entry)
                    assert entry.rad() < flint.arb("1e-13"), entry
                else:
                    assert err < flint.arb("1e-30"), (i, a, j, b, err)
        assert Fc.rad() < flint.arb("1e-50")


@IMPLEMENTATIONS
@pytest.mark.parametrize("k,n", [(3, 3), (3, 4)])
def test_arb_extra_dimension_block_matches_dense_hessian(impl, k, n):
    """The d > k lemma, at 200 bits: the dense Hessian enclosure at [W, 0] in
    d = k+1 is block diagonal with the extra block = M."""
    rng = np.random.default_rng(90 + k + n)
    Wk = random_student(rng, n, k)
    d = k + 1
    tiny = flint.arb("1e-45")
    tiny_h = flint.arb("1e-13") if impl.float_hessian else tiny   # resolution of H
    with flint.ctx.workprec(200):
        M = impl.extra_dimension_block(to_arb(Wk), to_arb(obj.identity_teacher(k, k)))
        Hk = impl.hessian(to_arb(Wk), to_arb(obj.identity_teacher(k, k)))
        W = to_arb(np.hstack([Wk, np.zeros((n, 1))]))
        H = impl.hessian(W, to_arb(obj.identity_teacher(k, d)))
        G = impl.gradient(W, to_arb(obj.identity_teacher(k, d)))
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


# --------------------------------------------------------------------------
# 6. invariances and sanity
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n,k,d", [(4, 4, 4), (5, 3, 4), (3, 3, 6)])
def test_permutation_invariance(n, k, d):
    rng = np.random.default_rng(600 + n + d)
    V = obj.identity_teacher(k, d)
    W = random_student(rng, n, d)
    p = rng.permutation(n)
    q = rng.permutation(k)
    F, G, H = obj.loss(W, V), obj.gradient(W, V), obj.hessian(W, V).reshape(n, d, n, d)
    assert abs(obj.loss(W[p], V) - F) < 1e-13
    assert abs(obj.loss(W, V[q]) - F) < 1e-13
    assert np.max(np.abs(obj.gradient(W[p], V[q]) - G[p])) < 1e-13
    Hp = obj.hessian(W[p], V[q]).reshape(n, d, n, d)
    assert np.max(np.abs(Hp - H[p][:, :, p])) < 1e-13
    assert np.max(np.abs(obj.extra_dimension_block(W[p], V[q])
                         - obj.extra_dimension_block(W, V)[np.ix_(p, p)])) < 1e-13


@pytest.mark.parametrize("n,k,d", [(4, 4, 4), (5, 3, 4), (3, 3, 6)])
def test_rotation_equivariance(n, k, d):
    rng = np.random.default_rng(700 + n + d)
    V = obj.identity_teacher(k, d)
    W = random_student(rng, n, d)
    Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    F, G, H = obj.loss(W, V), obj.gradient(W, V), obj.hessian(W, V)
    assert abs(obj.loss(W @ Q, V @ Q) - F) < 1e-13
    assert np.max(np.abs(obj.gradient(W @ Q, V @ Q) - G @ Q)) < 1e-13
    K = np.kron(np.eye(n), Q)  # row-vector convention: w -> w Q on every neuron
    assert np.max(np.abs(obj.hessian(W @ Q, V @ Q) - K.T @ H @ K)) < 1e-12


def test_homogeneity():
    rng = np.random.default_rng(8)
    V = obj.identity_teacher(3, 4)
    W = random_student(rng, 4, 4)
    c = 2.5
    assert abs(obj.loss(c * W, c * V) - c**2 * obj.loss(W, V)) < 1e-13
    assert np.max(np.abs(obj.gradient(c * W, c * V) - c * obj.gradient(W, V))) < 1e-13
    assert np.max(np.abs(obj.hessian(c * W, c * V) - obj.hessian(W, V))) < 1e-13


def test_loss_nonnegative_and_zero_at_teacher():
    rng = np.random.default_rng(9)
    for n, k, d in [(4, 4, 4), (5, 4, 6), (2, 3, 3), (6, 6, 6)]:
        V = obj.identity_teacher(k, d)
        for _ in range(20):
            assert obj.loss(random_student(rng, n, d, scale=rng.uniform(0.05, 2)), V) > 0
        if n == k:
            assert abs(obj.loss(V[rng.permutation(k)], V)) < 1e-14


@IMPLEMENTATIONS
def test_arb_loss_near_teacher_and_positive_elsewhere(impl):
    """The arb loss needs non-parallel pairs, so W = V itself is out of its domain;
    at W = V + O(2^-60) the 200-bit ball must be finite, >= 0 up to its radius,
    and O(2^-120) small (F is continuous with a zero at the teacher)."""
    rng = np.random.default_rng(10)
    for k, d in [(3, 3), (4, 5)]:
        V = obj.identity_teacher(k, d)
        with flint.ctx.workprec(200):
            eps = flint.arb(2) ** -60
            Wa = [[flint.arb(float(x)) + eps * flint.arb(float(r)) for x, r in zip(row, rrow)]
                  for row, rrow in zip(V[::-1], rng.normal(size=V.shape))]
            F = impl.loss(Wa, to_arb(V[::-1]))
        assert F.is_finite() and F.rad() < flint.arb("1e-38"), F  # sin t ~ 2^-60 costs bits
        assert F.upper() < flint.arb("1e-30") and F.lower() > -flint.arb("1e-50"), F
        W = random_student(rng, k, d)
        assert impl.loss(to_arb(W), to_arb(V)) > 0
