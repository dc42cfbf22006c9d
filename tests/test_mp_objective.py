"""The producer's mpmath formulas (certify.producer.mp_objective) against INDEPENDENT computations.

* pair_f against quadrature of the defining Gaussian expectation (polar form);
* F and grad F against sympy's exact derivatives at dyadic points, against
  high-precision central differences (mpmath.diff) of F, against the numpy
  objective, and against the kernel's arb gradient (a separate implementation);
* the jets against sympy's first and second derivatives;
* the reduced loss phi, its gradient and Hessian against the dense loss of W(theta)
  (mpmath), the orbit projections of the dense gradient, the numpy dense Hessian,
  finite differences of the jet gradient, and the kernel's closed form at k = 10^6;
* the same formulas over floats (mpmath.fp) agree with mpf: one spelling, any type.
"""
from __future__ import annotations

import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb, ctx
from mpmath import mp

from certify.kernel.dense import geometry
from certify.kernel.reduced import blocks as ks
from certify.producer import mp_objective as mo
from certify.producer import objective
from certify.producer import reduced as spipe
from certify.producer import search


def dyadic_matrix(rng, shape, scale=1.0, bits=20):
    """A random matrix of dyadic rationals (exact in floats, mpf, arb and sympy)."""
    return np.round(rng.normal(size=shape) * scale * 2 ** bits) / 2 ** bits


def quad_f(u, v):
    """E[relu(u.x) relu(v.x)] by quadrature: in the plane of u and v the expectation is
    E[rho^2] / (2 pi) * int_0^{2 pi} relu(cos phi) relu(cos(phi - t)) dphi, E[rho^2] = 2."""
    nu, nv = mp.sqrt(mp.fdot(u, u)), mp.sqrt(mp.fdot(v, v))
    t = mp.acos(mp.fdot(u, v) / (nu * nv))
    integrand = lambda phi: max(mp.cos(phi), 0) * max(mp.cos(phi - t), 0)   # noqa: E731
    kinks = {(c + mp.pi / 2) % (2 * mp.pi) for c in (0, mp.pi, t, t + mp.pi)}   # zeros of the cosines
    points = sorted(kinks | {mp.mpf(0), 2 * mp.pi})
    return nu * nv * 2 / (2 * mp.pi) * mp.quad(integrand, points)


@pytest.mark.parametrize("seed", range(4))
def test_pair_f_is_the_gaussian_expectation(seed):
    rng = np.random.default_rng(seed)
    u, v = dyadic_matrix(rng, (2, 4))
    with mp.workprec(120):
        u, v = [mp.mpf(x) for x in u], [mp.mpf(x) for x in v]
        got = mo.pair_f(mp.fdot(u, u) * mp.fdot(v, v), mp.fdot(u, v))
        assert abs(got - quad_f(u, v)) < mp.mpf(10) ** -25


def test_pair_f_refuses_zero_and_parallel_vectors():
    with pytest.raises(mo.NotSmooth, match="zero"):
        mo.pair_f(mp.mpf(0), mp.mpf(0))
    with pytest.raises(mo.NotSmooth, match="parallel"):
        mo.pair_f(mp.mpf(4), mp.mpf(-2))            # |u||v| = 2 = |u.v|: antiparallel
    with pytest.raises(mo.NotSmooth, match="parallel"):
        mo.pair_g(mp.mpf(9), mp.mpf(3))


# ---------------------------------------------------------------------------
# dense F and grad F
# ---------------------------------------------------------------------------
def sympy_loss_and_gradient(W, V):
    """F and grad F by sympy from Lemma 1 (f = |u||v| (sin t + (pi - t) cos t) / (2 pi)),
    evaluated exactly-symbolically at the rational point, then to 60 digits."""
    n, d = W.shape
    x = sp.symbols(f"x0:{n * d}")
    Ws = [[x[i * d + a] for a in range(d)] for i in range(n)]
    Vs = [[sp.Rational(float(c)) for c in row] for row in V]

    def f(u, v):
        nu = sp.sqrt(sum(c * c for c in u))
        nv = sp.sqrt(sum(c * c for c in v))
        cos_t = sum(a * b for a, b in zip(u, v)) / (nu * nv)
        t = sp.acos(cos_t)
        return nu * nv * (sp.sqrt(1 - cos_t ** 2) + (sp.pi - t) * cos_t) / (2 * sp.pi)

    F = sum(sum(c * c for c in w) for w in Ws) / 4 + sum(sum(c * c for c in v) for v in Vs) / 4
    F += sum(f(Ws[i], Ws[j]) for i in range(n) for j in range(i + 1, n))
    F += sum(f(Vs[i], Vs[j]) for i in range(len(Vs)) for j in range(i + 1, len(Vs)))
    F -= sum(f(w, v) for w in Ws for v in Vs)
    point = {x[i * d + a]: sp.Rational(float(W[i, a])) for i in range(n) for a in range(d)}
    value = sp.N(F.subs(point), 60)
    grad = [[sp.N(sp.diff(F, x[i * d + a]).subs(point), 60) for a in range(d)] for i in range(n)]
    return value, grad


@pytest.mark.parametrize("seed", range(2))
def test_loss_and_gradient_match_sympy(seed):
    rng = np.random.default_rng(seed)
    W, V = dyadic_matrix(rng, (2, 3)), dyadic_matrix(rng, (2, 3))
    value, grad = sympy_loss_and_gradient(W, V)
    with mp.workprec(200):
        assert abs(mo.loss(W, V) - mp.mpf(str(value))) < mp.mpf(10) ** -50
        got = mo.gradient(W, V)
        for i, a in itertools.product(range(2), range(3)):
            assert abs(got[i][a] - mp.mpf(str(grad[i][a]))) < mp.mpf(10) ** -50


@pytest.mark.parametrize("shape", [(3, 2, 4), (4, 4, 4), (5, 3, 6)])
def test_gradient_matches_central_differences_of_the_loss(shape):
    """mpmath.diff at 160 bits: a derivative of the loss, not the gradient formula."""
    n, k, d = shape
    rng = np.random.default_rng(n * 100 + k)
    W, V = dyadic_matrix(rng, (n, d)), dyadic_matrix(rng, (k, d))
    with mp.workprec(160):
        grad = mo.gradient(W, V)
        for i, a in [(0, 0), (n - 1, d - 1), (n // 2, 1)]:
            def along(h, i=i, a=a):
                Wh = [[mp.mpf(x) for x in row] for row in W]
                Wh[i][a] += h
                return mo.loss(Wh, V)
            fd = mp.diff(along, 0)
            assert abs(grad[i][a] - fd) < mp.mpf(10) ** -30, (i, a)


@pytest.mark.parametrize("shape", [(4, 3, 5), (6, 6, 6), (7, 6, 8)])
def test_loss_and_gradient_match_numpy_objective(shape):
    n, k, d = shape
    rng = np.random.default_rng(sum(shape))
    W, V = rng.normal(size=(n, d)), objective.identity_teacher(k, d)
    with mp.workprec(100):
        assert abs(float(mo.loss(W, V)) - objective.loss(W, V)) < 1e-12
        got = np.array(mo.gradient(W, V), dtype=float)
    assert np.max(np.abs(got - objective.gradient(W, V))) < 1e-12


@pytest.mark.parametrize("shape", [(5, 5, 5), (6, 4, 7)])
def test_gradient_matches_the_kernel_arb_gradient_at_300_bits(shape):
    """The kernel's arb gradient is a separately written implementation: the two
    agree far beyond float accuracy (a teacher with a dense, non-orthogonal row too)."""
    n, k, d = shape
    rng = np.random.default_rng(7 * n + k)
    W = dyadic_matrix(rng, (n, d))
    V = objective.identity_teacher(k, d)
    V[0] = dyadic_matrix(rng, (d,))
    with mp.workprec(300), ctx.workprec(300):
        got = mo.gradient(W, V)
        ref = geometry.gradient([[arb(x) for x in r] for r in W], [[arb(x) for x in r] for r in V])
        for i, a in itertools.product(range(n), range(d)):
            assert abs(got[i][a] - mp.mpf(ref[i][a].mid().str(100, radius=False))) < mp.mpf(10) ** -85


def test_gradient_over_floats_agrees_with_mpf():
    """One spelling, any number type: the same code over mpmath.fp (floats)."""
    rng = np.random.default_rng(3)
    W, V = rng.normal(size=(6, 6)), objective.identity_teacher(6, 6)
    fp_grad = np.array(mo.gradient(W, V, mpmath.fp))
    with mp.workprec(120):
        mp_grad = np.array(mo.gradient(W, V), dtype=float)
    assert fp_grad.dtype == float and np.max(np.abs(fp_grad - mp_grad)) < 1e-13
    assert abs(mo.loss(W, V, mpmath.fp) - objective.loss(W, V)) < 1e-13


def test_pair_gradient_is_the_jet_derivative_of_pair_f():
    """g(u, v) = grad_u f: the hand-written pair_g against the first-order jet of pair_f
    with the chain rule dP/du = 2|v|^2 u, dq/du = v."""
    rng = np.random.default_rng(11)
    with mp.workprec(200):
        for _ in range(5):
            u, v = ([mp.mpf(x) for x in row] for row in rng.normal(size=(2, 4)))
            nu2, nv2, q = mp.fdot(u, u), mp.fdot(v, v), mp.fdot(u, v)
            f_P, f_q = mo.pair_f_partials(nu2 * nv2, q)
            r, b = mo.pair_g(nu2 * nv2, q)
            assert abs(r / nu2 - 2 * nv2 * f_P) < mp.mpf(2) ** -190
            assert abs(b - f_q) < mp.mpf(2) ** -190


def test_gradient_names_the_zero_or_parallel_vectors():
    V = objective.identity_teacher(3, 3)
    W = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0], [0.3, 0.1, 0.2]])
    with pytest.raises(mo.NotSmooth, match="w_1 is the zero vector"):
        mo.gradient(W, V)
    W[1] = -2 * W[0]
    with pytest.raises(mo.NotSmooth, match="w_0 and w_1 are parallel"):
        mo.gradient(W, V)
    W[1] = [0.0, 0.0, 4.0]
    with pytest.raises(mo.NotSmooth, match="w_1 and v_2 are parallel"):
        mo.gradient(W, V)


# ---------------------------------------------------------------------------
# jets
# ---------------------------------------------------------------------------
def test_jets_match_sympy_first_and_second_derivatives():
    x, y, z = sp.symbols("x y z")
    expr = sp.sqrt(x * y + 3) / (z - sp.acos(y / 4)) + 2 * x * z - x / y
    point = {x: sp.Rational(3, 4), y: sp.Rational(-5, 8), z: sp.Rational(9, 2)}
    J = mo.JetContext(mp)

    def same(X, Y, Z):
        return J.sqrt(X * Y + 3) / (Z - J.acos(Y / 4)) + 2 * X * Z - X / Y

    with mp.workprec(200):
        jet = same(*mo.Jet.variables([mp.mpf(point[s]) for s in (x, y, z)]))
        H = jet.hessian()
        variables = (x, y, z)
        assert abs(jet.v - mp.mpf(str(sp.N(expr.subs(point), 70)))) < mp.mpf(10) ** -55
        for i, a in enumerate(variables):
            assert abs(jet.g[i] - mp.mpf(str(sp.N(sp.diff(expr, a).subs(point), 70)))) < mp.mpf(10) ** -55
            for j, b in enumerate(variables):
                exact = sp.N(sp.diff(expr, a, b).subs(point), 70)
                assert abs(H[i][j] - mp.mpf(str(exact))) < mp.mpf(10) ** -55
        first = same(*mo.Jet.variables([mp.mpf(point[s]) for s in (x, y, z)], order=1))
        assert first.h is None and all(abs(p - q) < mp.mpf(10) ** -55 for p, q in zip(first.g, jet.g))


# ---------------------------------------------------------------------------
# the reduced loss phi
# ---------------------------------------------------------------------------
BLOCKS = [(1, 5), (2, 4), (1, 1, 4), (3, 1, 2), (2, 2, 3)]


@pytest.mark.parametrize("blocks", BLOCKS + [(6,), (1, 1)])
def test_parameter_order_is_the_certificate_order(blocks):
    """The producer's own parameter list is the one the kernel reads certificates in."""
    assert mo.parameter_names(blocks) == ks.parameter_names(blocks)


def random_theta(blocks, seed):
    rng = np.random.default_rng(seed)
    names = mo.parameter_names(blocks)
    return np.array([(1.0 if kind == "alpha" else 0.0) + 0.35 * rng.normal() for kind, _, _ in names])


@pytest.mark.parametrize("blocks", BLOCKS)
def test_phi_and_its_gradient_match_the_dense_loss(blocks):
    """phi(theta) = F(W(theta)) and d phi / d theta_o = <E_o, grad F(W(theta))>
    (chain rule, docs/symmetric.md section 3), both sides in mpmath at 150 bits."""
    theta = random_theta(blocks, sum(blocks))
    W = spipe.embed(blocks, theta)
    E = spipe.orbit_matrices(blocks)
    V = np.eye(sum(blocks))
    with mp.workprec(150):
        jet = mo.phi_jet(blocks, theta)
        assert abs(jet.v - mo.loss(W, V)) < mp.mpf(10) ** -35
        assert abs(mo.phi(blocks, theta) - jet.v) < mp.mpf(10) ** -40
        dense = mo.gradient(W, V)
        for o, Eo in enumerate(E):
            projection = mp.fsum(dense[i][a] for i, a in zip(*np.nonzero(Eo)))
            assert abs(jet.g[o] - projection) < mp.mpf(10) ** -35


@pytest.mark.parametrize("blocks", BLOCKS)
def test_phi_hessian_matches_numpy_dense_hessian_and_differences(blocks):
    theta = random_theta(blocks, 2 * sum(blocks))
    E = spipe.orbit_matrices(blocks).reshape(len(mo.parameter_names(blocks)), -1)
    dense = E @ objective.hessian(spipe.embed(blocks, theta), np.eye(sum(blocks))) @ E.T
    with mp.workprec(150):
        jet = mo.phi_jet(blocks, theta)
        H = np.array(jet.hessian(), dtype=float)
        assert np.max(np.abs(H - dense)) < 1e-10
        # central differences of the jet gradient along theta_o (mpmath.diff, 150 bits)
        for o in (0, len(theta) - 1):
            def g_along(h, o=o):
                shifted = [mp.mpf(x) for x in theta]
                shifted[o] += h
                return mo.phi_jet(blocks, shifted, order=1).g
            for p in range(len(theta)):
                fd = mp.diff(lambda h, p=p: g_along(h)[p], 0)
                assert abs(jet.hessian()[p][o] - fd) < mp.mpf(10) ** -30


@pytest.mark.parametrize("k", [7, 10 ** 6])
def test_phi_jet_matches_the_kernel_closed_form_at_large_k(k):
    """Counts up to k^2 = 10^12 times one term: the producer's phi, gradient and Hessian
    against the kernel's separately written jets (arb, 300 bits) to 1e-60 relative."""
    blocks = (1, k - 1)
    theta = search.next_start(search.family_theta(7), 7, k)     # off-block values ~ 1/k
    with mp.workprec(300), ctx.workprec(300):
        jet = mo.phi_jet(blocks, theta)
        ref = ks.block_loss(list(blocks), ks.jets(list(blocks), [arb(float(x)) for x in theta]))
        to_mp = lambda b: mp.mpf(b.mid().str(110, radius=False))   # noqa: E731
        scale = max(1, k * k)
        assert abs(jet.v - to_mp(ref.v)) < mp.mpf(10) ** -60 * scale
        D = len(theta)
        H = jet.hessian()
        for i in range(D):
            assert abs(jet.g[i] - to_mp(ref.g[i, 0])) < mp.mpf(10) ** -60 * scale
            for j in range(D):
                assert abs(H[i][j] - to_mp(ref.h[i, j])) < mp.mpf(10) ** -60 * scale


def test_phi_over_floats_agrees_with_mpf():
    blocks = (2, 4)
    theta = random_theta(blocks, 5)
    with mp.workprec(120):
        exact = mo.phi(blocks, theta)
    assert abs(mo.phi(blocks, theta, mpmath.fp) - float(exact)) < 1e-13
    jet = mo.phi_jet(blocks, theta, ctx=mpmath.fp)
    assert isinstance(jet.v, float) and isinstance(jet.g[0], float)


def test_phi_refuses_a_neuron_parallel_to_a_teacher_vector():
    """theta = (alpha_0, gamma_01, gamma_10, alpha_1, beta_1) = (1, 0, 0, 1, 0) is W = I:
    every neuron is its teacher vector."""
    with pytest.raises(mo.NotSmooth, match="parallel"):
        mo.phi_jet((1, 5), [1, 0, 0, 1, 0])
