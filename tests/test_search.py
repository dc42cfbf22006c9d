"""Tests of the float search (certify.search).

Reference values are the published landmarks of /work/shared/MATH.md (Safran &
Shamir 2018), independent of this code; full-space checks use the dense Hessian
of certify.objective and numpy's eigvalsh, not the search's own shortcuts.
"""
from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from certify.objective import gradient, hessian, identity_teacher, loss
from certify.search import (
    ansatz_basis,
    ansatz_embed,
    ansatz_hessian_spectrum,
    ansatz_parameters,
    batched_gradient,
    batched_loss,
    find_symmetric_minimum,
    gradient_descent,
    lowest_spurious_minimum,
    newton_polish,
)

# MATH.md landmarks: loss to 9 decimals, smallest Hessian eigenvalue to 7.
LANDMARK_LOSS = {6: 0.025080581, 8: 0.021508037, 12: 0.016523793, 20: 0.011275582}
LANDMARK_EIG = {6: 0.0047004, 8: 0.0213466, 12: 0.0393474, 20: 0.0550926}


@functools.lru_cache(maxsize=None)
def _ansatz(k: int) -> np.ndarray:
    W = lowest_spurious_minimum(k)
    W.setflags(write=False)
    return W


# ---------------------------------------------------------------- batched F


def test_batched_gradient_and_loss_match_objective():
    rng = np.random.default_rng(1)
    for n, k, d in ((6, 6, 6), (7, 5, 8), (4, 4, 4)):
        V = identity_teacher(k, d)
        W = rng.normal(size=(5, n, d))
        G = batched_gradient(W, V)
        L = batched_loss(W, V)
        for r in range(5):
            np.testing.assert_allclose(G[r], gradient(W[r], V), rtol=0, atol=1e-12)
            assert L[r] == pytest.approx(loss(W[r], V), rel=1e-12, abs=1e-12)


def test_batched_loss_zero_at_global_minimum():
    V = identity_teacher(5, 5)
    W = np.stack([V, V[::-1]])  # a global minimum and a permuted copy
    assert np.all(np.abs(batched_loss(W, V)) < 1e-12)
    assert np.all(np.abs(batched_gradient(W, V)) < 1e-12)


# ---------------------------------------------------------------- ansatz


@pytest.mark.parametrize("k", sorted(LANDMARK_LOSS))
def test_ansatz_minimum_matches_landmarks(k):
    W = _ansatz(k)
    V = identity_teacher(k, k)
    assert W.shape == (k, k)
    assert loss(W, V) == pytest.approx(LANDMARK_LOSS[k], abs=1e-9)
    lam = np.linalg.eigvalsh(hessian(W, V))  # dense, independent of the block method
    assert lam[0] == pytest.approx(LANDMARK_EIG[k], abs=1e-7)
    assert lam[0] > 0.0
    assert np.linalg.norm(gradient(W, V)) < 1e-12


@pytest.mark.parametrize("k", [6, 8])
def test_ansatz_minimum_is_a_local_minimum_by_sampling(k):
    # random directions in the full space all raise the loss
    W = _ansatz(k)
    V = identity_teacher(k, k)
    F0 = loss(W, V)
    rng = np.random.default_rng(3)
    for _ in range(20):
        D = rng.normal(size=W.shape)
        assert loss(W + 1e-3 * D / np.linalg.norm(D), V) > F0


@pytest.mark.parametrize("k", [6, 12])
def test_ansatz_symmetry(k):
    W = _ansatz(k)
    rng = np.random.default_rng(k)
    for _ in range(10):
        perm = np.concatenate([[0], 1 + rng.permutation(k - 1)])
        assert np.array_equal(W[np.ix_(perm, perm)], W)  # exact: W = P W P^T
    # one neuron apart: the full S_k symmetry is broken
    assert abs(W[0, 0] - W[1, 1]) > 0.1
    a, b, c, e, f = ansatz_parameters(W)
    assert np.array_equal(ansatz_embed(np.array([a, b, c, e, f]), k), W)


def test_ansatz_basis_spans_fixed_subspace():
    k = 7
    E = ansatz_basis(k)
    assert np.array_equal(E.sum(0), np.ones((k, k)))  # the 5 classes partition the entries
    assert [int(x) for x in E.sum((1, 2))] == [1, k - 1, k - 1, k - 1, (k - 1) * (k - 2)]
    # projection of a random matrix onto the fixed subspace = group average
    rng = np.random.default_rng(0)
    X = rng.normal(size=(k, k))
    avg = np.zeros((k, k))
    perms = list(itertools.permutations(range(1, k)))
    for p in perms:
        idx = np.array((0,) + p)
        avg += X[np.ix_(idx, idx)]
    avg /= len(perms)
    theta = np.einsum("pij,ij->p", E, X) / E.sum((1, 2))
    np.testing.assert_allclose(ansatz_embed(theta, k), avg, atol=1e-12)


def test_ansatz_deterministic():
    W1 = find_symmetric_minimum(8).W
    assert find_symmetric_minimum(8).W.tobytes() == W1.tobytes()
    assert lowest_spurious_minimum(8).tobytes() == W1.tobytes()


def test_find_symmetric_minimum_diagnostics_consistent():
    k = 8
    r = find_symmetric_minimum(k)
    V = identity_teacher(k, k)
    assert r.loss == loss(r.W, V)
    assert r.grad_norm == pytest.approx(np.linalg.norm(gradient(r.W, V)), abs=1e-15)
    assert r.min_eigenvalue == pytest.approx(np.linalg.eigvalsh(hessian(r.W, V))[0], abs=1e-12)
    np.testing.assert_array_equal(ansatz_embed(r.theta, k), r.W)


@pytest.mark.parametrize("k", [6, 7, 9])
def test_block_spectrum_equals_dense_spectrum(k):
    V = identity_teacher(k, k)
    rng = np.random.default_rng(k)
    for W in (_ansatz(k) if k in LANDMARK_LOSS else lowest_spurious_minimum(k),
              ansatz_embed(rng.normal(size=5), k)):
        lam, mult = ansatz_hessian_spectrum(W, V)
        assert mult.sum() == k * k
        dense = np.linalg.eigvalsh(hessian(W, V))
        np.testing.assert_allclose(np.repeat(lam, mult), dense, atol=1e-11)


def test_no_spurious_minimum_claimed_below_six():
    # Safran & Shamir find no spurious minima for k < 6; the ansatz must not invent one.
    with pytest.raises(RuntimeError):
        find_symmetric_minimum(5)


# ---------------------------------------------------------------- Newton


def test_newton_polish_converges_back_to_the_minimum():
    k = 8
    V = identity_teacher(k, k)
    W = _ansatz(k)
    Wp = W + 1e-4 * np.random.default_rng(0).normal(size=W.shape)
    assert np.linalg.norm(gradient(Wp, V)) > 1e-6
    Wn = newton_polish(Wp, V, 6)
    assert np.linalg.norm(gradient(Wn, V)) < 1e-12
    assert np.max(np.abs(Wn - W)) < 1e-10
    # iters=0 is the identity and never modifies the input
    W0 = newton_polish(Wp, V, 0)
    assert np.array_equal(W0, Wp) and W0 is not Wp


# ---------------------------------------------------------------- gradient descent


def test_gradient_descent_reproducible_and_seed_dependent():
    a = gradient_descent(6, runs=8, seed=5, max_iter=300)
    b = gradient_descent(6, runs=8, seed=5, max_iter=300)
    c = gradient_descent(6, runs=8, seed=6, max_iter=300)
    assert a.points.shape == (8, 6, 6) and a.grad_norms.shape == (8,)
    assert np.array_equal(a.points, b.points)
    assert np.array_equal(a.grad_norms, b.grad_norms)
    assert not np.array_equal(a.points, c.points)


def test_gradient_descent_converges_k6():
    k = 6
    V = identity_teacher(k, k)
    res = gradient_descent(k, runs=24, seed=0, tol=1e-9, max_iter=20000)
    assert np.all(res.grad_norms <= 1e-9)
    for W, gn in zip(res.points, res.grad_norms):
        true_norm = np.linalg.norm(gradient(W, V))  # recomputed independently
        assert true_norm <= 1e-9
        assert true_norm == pytest.approx(gn, rel=1e-6, abs=1e-15)


def test_gradient_descent_finds_landmark_k8():
    # MATH.md: gradient descent from Xavier init, step 5/k, finds the spurious minimum.
    k = 8
    V = identity_teacher(k, k)
    res = gradient_descent(k, runs=64, seed=0, tol=1e-9)
    losses = np.array([loss(W, V) for W in res.points])
    assert np.all(res.grad_norms <= 1e-9)
    assert np.any(np.abs(losses - LANDMARK_LOSS[8]) < 1e-9)
    # every end point is either a global minimum or has at least the landmark loss
    assert np.all((losses < 1e-12) | (losses > LANDMARK_LOSS[8] - 1e-9))


def test_gradient_descent_steps_are_plain_gd():
    # one step from a given start equals W - (5/k) grad F(W), for n != k != d too
    k, n, d = 4, 5, 6
    V = identity_teacher(k, d)
    W0 = np.random.default_rng(2).normal(size=(3, n, d))
    one = gradient_descent(k, n=n, d=d, W0=W0, max_iter=1, tol=0.0)
    for r in range(3):
        np.testing.assert_allclose(one.points[r], W0[r] - 5.0 / k * gradient(W0[r], V),
                                   atol=1e-14)
    zero = gradient_descent(k, n=n, d=d, W0=W0, max_iter=0, tol=0.0)
    assert np.array_equal(zero.points, W0)
    np.testing.assert_allclose(zero.grad_norms,
                               [np.linalg.norm(gradient(w, V)) for w in W0], rtol=1e-12)


def test_gradient_descent_freezes_converged_runs():
    k = 6
    V = identity_teacher(k, k)
    Wstar = _ansatz(k)
    W0 = np.stack([Wstar, Wstar + 0.01])
    res = gradient_descent(k, W0=W0, tol=1e-10, max_iter=50)
    assert np.array_equal(res.points[0], Wstar)  # already converged: never moved
    assert res.grad_norms[0] == pytest.approx(np.linalg.norm(gradient(Wstar, V)))
