"""The producer's float objective (certify/producer/objective.py: F, grad F, Hessian,
the d > k block M, batched over runs) checked against INDEPENDENT computations:

* numerical quadrature of the defining Gaussian expectation (oracle.formulas),
* a seeded Monte Carlo estimate with an error bar,
* central finite differences,
* exact symbolic differentiation in sympy at dyadic points (oracle.symbolic),
* symmetries (permutations, rotations, homogeneity) that the formulas do not use.

(The kernel's arb formulas are held to their contract in tests/test_kernel_dense.py.)
Nothing here asserts a value the code under test just produced.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from certify.producer import objective as obj
from helpers import dyadic_point, pair_cases, random_student, sample_points
from oracle.formulas import f_by_quadrature, loss_by_quadrature_2d, pair_f_by_quadrature_norms
from oracle.symbolic import loss_jet

SHAPES_FD = [(4, 4, 4), (5, 4, 6), (3, 3, 5), (6, 6, 6), (3, 4, 4)]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
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
def test_f_matches_quadrature():
    worst = 0.0
    for u, v in pair_cases():
        exact = f_by_quadrature(u, v)
        got = obj.pair_f(u[None, :], v[None, :])[0, 0]
        scale = np.linalg.norm(u) * np.linalg.norm(v)
        err = abs(got - float(exact)) / scale
        worst = max(worst, err)
        assert err < 1e-12, (u, v, got, exact)
        # symmetric in its arguments
        assert abs(obj.pair_f(v[None, :], u[None, :])[0, 0] - got) < 1e-14 * scale
    print(f"max |f - quad| / (|u||v|) = {worst:.2e}")


def test_f_diagonal_and_orthogonal():
    rng = np.random.default_rng(12)
    u = rng.normal(size=4)
    # f(u,u) = |u|^2/2 by quadrature too (e2 undefined there: the plane is spanned by u)
    q = pair_f_by_quadrature_norms(u)
    assert abs(float(q) - 0.5 * u @ u) < 1e-13 * (u @ u)
    # orthogonal unit vectors: f = 1/(2 pi) (the teacher-teacher constant)
    e = np.eye(3)
    assert abs(obj.pair_f(e[:1], e[1:2])[0, 0] - 1 / (2 * math.pi)) < 1e-15
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
SYM_SHAPES = [(2, 2, 2), (2, 2, 3), (3, 2, 2)]


@pytest.mark.parametrize("n,k,d", SYM_SHAPES)
def test_sympy_matches_numpy(n, k, d):
    V = obj.identity_teacher(k, d)
    for seed in (1, 2):
        W = dyadic_point(seed + 10 * n + d, n, d)
        F, g, h = loss_jet(n, k, d, W)
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


# --------------------------------------------------------------------------
# 7. batches: loss and gradient broadcast over leading axes
# --------------------------------------------------------------------------
def test_batched_gradient_and_loss_match_objective():
    rng = np.random.default_rng(1)
    for n, k, d in ((6, 6, 6), (7, 5, 8), (4, 4, 4)):
        V = obj.identity_teacher(k, d)
        W = rng.normal(size=(5, n, d))
        G = obj.gradient(W, V)
        L = obj.loss(W, V)
        for r in range(5):
            np.testing.assert_allclose(G[r], obj.gradient(W[r], V), rtol=0, atol=1e-12)
            assert L[r] == pytest.approx(obj.loss(W[r], V), rel=1e-12, abs=1e-12)


def test_batched_loss_zero_at_global_minimum():
    V = obj.identity_teacher(5, 5)
    W = np.stack([V, V[::-1]])  # a global minimum and a permuted copy
    assert np.all(np.abs(obj.loss(W, V)) < 1e-12)
    assert np.all(np.abs(obj.gradient(W, V)) < 1e-12)
