"""Tests of the float search (certify/producer/search.py) and the float Newton
iterations (certify/producer/newton.py).

Reference values are the published landmarks of Safran & Shamir (2018), independent
of this code; full-space checks use the dense Hessian of certify.producer.objective and
numpy's eigvalsh, not the search's own shortcuts (the reduced spectrum).
"""
from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from certify.producer.newton import newton
from certify.producer.objective import gradient, hessian, identity_teacher, loss
from certify.producer.reduced import embed, orbit_matrices, parameters_of, reduced_spectrum
from certify.producer.search import (dense_derivatives, family_theta, gradient_descent,
                                     lowest_block_minimum)

# published landmarks: loss to 9 decimals, smallest Hessian eigenvalue to 7.
LANDMARK_LOSS = {6: 0.025080581, 8: 0.021508037, 12: 0.016523793, 20: 0.011275582}
LANDMARK_EIG = {6: 0.0047004, 8: 0.0213466, 12: 0.0393474, 20: 0.0550926}


@functools.lru_cache(maxsize=None)
def _ansatz(k: int) -> np.ndarray:
    """The Delta(S_1 x S_{k-1}) spurious minimum found by the search, as a dense W."""
    W = embed((1, k - 1), family_theta(k))
    W.setflags(write=False)
    return W


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
    read = np.array([W[0, 0], W[0, 1], W[1, 0], W[1, 1], W[1, 2]])   # one entry per orbit
    assert np.array_equal(embed((1, k - 1), read), W)                   # W is exactly in the ansatz
    np.testing.assert_allclose(parameters_of(W, (1, k - 1)), read, rtol=1e-15, atol=1e-16)


def test_ansatz_basis_spans_fixed_subspace():
    k = 7
    E = orbit_matrices((1, k - 1))
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
    np.testing.assert_allclose(embed((1, k - 1), theta), avg, atol=1e-12)
    np.testing.assert_allclose(parameters_of(X, (1, k - 1)), theta, atol=1e-15)


def test_ansatz_deterministic():
    theta = family_theta(8)
    assert family_theta(8).tobytes() == theta.tobytes()
    assert lowest_block_minimum((1, 7)).theta.tobytes() == theta.tobytes()


def test_block_minimum_diagnostics_consistent():
    """The search's reduced loss and lambda_min agree with the dense computation."""
    k = 8
    found = lowest_block_minimum((1, k - 1))
    W = embed((1, k - 1), found.theta)
    V = identity_teacher(k, k)
    assert found.loss == pytest.approx(loss(W, V), abs=1e-14)
    assert np.linalg.norm(gradient(W, V)) < 1e-12
    assert found.lam_min == pytest.approx(np.linalg.eigvalsh(hessian(W, V))[0], abs=1e-12)


@pytest.mark.parametrize("k", [6, 7, 9])
def test_reduced_spectrum_equals_dense_spectrum(k):
    """The same eigenvalues as a SET (multiplicities are not represented by the reduced
    matrix); the smallest one equal."""
    V = identity_teacher(k, k)
    rng = np.random.default_rng(k)
    for theta in (family_theta(k), rng.normal(size=5) + np.array([0.0, 0, 0, 1, 0])):
        reduced = reduced_spectrum((1, k - 1), theta)
        dense = np.linalg.eigvalsh(hessian(embed((1, k - 1), theta), V))
        assert len(reduced) < len(dense)
        assert max(np.min(np.abs(dense - x)) for x in reduced) < 1e-11
        assert max(np.min(np.abs(reduced - x)) for x in dense) < 1e-11
        assert abs(reduced[0] - dense[0]) < 1e-11


@pytest.mark.parametrize("k", [3, 4, 5])
def test_no_spurious_minimum_claimed_below_six(k):
    # Safran & Shamir find no spurious minima for k < 6; the ansatz must not invent one.
    assert lowest_block_minimum((1, k - 1)) is None
    with pytest.raises(ArithmeticError):
        family_theta(k)


# ---------------------------------------------------------------- Newton


def test_newton_converges_back_to_the_minimum():
    k = 8
    V = identity_teacher(k, k)
    W = _ansatz(k)
    Wp = W + 1e-4 * np.random.default_rng(0).normal(size=W.shape)
    assert np.linalg.norm(gradient(Wp, V)) > 1e-6
    Wn, gmax = newton(dense_derivatives(V), Wp, steps=6)
    assert np.linalg.norm(gradient(Wn, V)) < 1e-12 and gmax == np.max(np.abs(gradient(Wn, V)))
    assert np.max(np.abs(Wn - W)) < 1e-10
    # steps=0 is the identity and never modifies the input
    before = Wp.copy()
    W0, _ = newton(dense_derivatives(V), Wp, steps=0)
    assert np.array_equal(W0, Wp) and W0 is not Wp and np.array_equal(Wp, before)


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
    # gradient descent from Xavier init, step 5/k, finds the spurious minimum.
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
