"""Float search for critical points of F (UNTRUSTED: proposes, never decides).

* gradient_descent: plain gradient descent W <- W - eta grad F(W) from
  Xavier-style starts, vectorised over runs (producer.objective broadcasts);
* lowest_block_minimum: the lowest-loss spurious local minimum found in a
  block ansatz (n = k = d, teacher I_k), by the damped minimiser of
  producer.newton on the reduced loss;
* family_theta: the Delta(S_1 x S_{k-1}) minimum, blocks (1, k - 1), for any k:
  the ansatz search at small k, then continuation in k;
* overparameterised_candidates: critical points for n > k students.

The only requirement on this module is that its outputs are good starting
points, deterministic for given arguments.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import newton, objective, reduced
from .claims import classify

SEARCH_K = 12            # the (1, k-1) family: ansatz search up to this k, then continuation


def xavier_init(runs: int, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Xavier-style start: i.i.d. entries N(0, 1/d) (variance 1/fan_in), shape (runs, n, d)."""
    return rng.normal(0.0, 1.0 / np.sqrt(d), size=(runs, n, d))


class Descent(NamedTuple):
    """End points (runs, n, d) and their gradient norms ||grad F||_Frobenius (runs,)."""
    points: np.ndarray
    grad_norms: np.ndarray


def gradient_descent(k: int, n: int | None = None, d: int | None = None,
                     runs: int = 64, seed: int = 0, step: float | None = None,
                     max_iter: int = 20000, tol: float = 1e-10,
                     W0: np.ndarray | None = None) -> Descent:
    """Plain gradient descent W <- W - step * grad F(W) on many runs at once.

    Teacher V = first k rows of I_d; defaults n = k, d = k, step = 5/k.
    Starts: xavier_init from np.random.default_rng(seed), unless W0 (runs, n, d)
    is given.  A run stops (is frozen) as soon as ||grad F(W)|| <= tol; all runs
    stop after max_iter steps.  A run whose gradient becomes non-finite (a neuron
    reached 0) is frozen with grad norm nan.  Deterministic for a given seed.
    """
    n = k if n is None else n
    d = k if d is None else d
    step = 5.0 / k if step is None else float(step)
    V = objective.identity_teacher(k, d)
    if W0 is None:
        W = xavier_init(runs, n, d, np.random.default_rng(seed))
    else:
        W = np.array(W0, dtype=float, copy=True)
        if W.shape[1:] != (n, d):
            raise ValueError(f"W0 has shape {W.shape}, expected (runs, {n}, {d})")
    grad_norms = np.full(W.shape[0], np.inf)
    active = np.arange(W.shape[0])
    with np.errstate(all="ignore"):
        for it in range(max_iter + 1):
            if active.size == 0:
                break
            Wa = W[active]
            g = objective.gradient(Wa, V)
            gn = np.sqrt(np.einsum("rid,rid->r", g, g))
            grad_norms[active] = gn
            keep = np.isfinite(gn) & (gn > tol)
            if it == max_iter:
                break
            W[active[keep]] = Wa[keep] - step * g[keep]
            active = active[keep]
    grad_norms[~np.isfinite(grad_norms)] = np.nan
    return Descent(W, grad_norms)


def dense_derivatives(V: np.ndarray):
    """The (gradient, Hessian) callback of producer.newton for the dense objective."""
    return lambda W: (objective.gradient(W, V), objective.hessian(W, V))


def reduced_derivatives(blocks):
    """The (gradient, Hessian) callback of producer.newton for the reduced loss."""
    return lambda theta: reduced.float_jet(blocks, theta)[1:]


# ---------------------------------------------------------------------------
# block ansatz
# ---------------------------------------------------------------------------
class BlockMinimum(NamedTuple):
    theta: np.ndarray
    loss: float
    lam_min: float          # smallest eigenvalue of the full Hessian (float)


def block_starts(blocks, seed: int = 0, count: int = 16) -> list:
    """Starts for the reduced search: diagonal -0.7 on the first block (the neurons
    'apart'), +1 elsewhere, off-diagonal values ~ 1/k; plus seeded random variations."""
    names = reduced.parameter_names(blocks)
    k = sum(blocks)
    rng = np.random.default_rng(seed)
    starts = []
    for i in range(count):
        theta = []
        for kind, a, b in names:
            if kind == "alpha":
                x = (-0.7 if a == 0 else 1.0) if i % 2 == 0 else (-0.7 if a != len(blocks) - 1 else 1.0)
            else:
                x = 0.0
            theta.append(x + (rng.normal() * (0.3 if kind == "alpha" else 1.5 / k) if i else 0.0))
        starts.append(np.array(theta))
    return starts


def lowest_block_minimum(blocks, seed: int = 0, count: int = 16) -> BlockMinimum | None:
    """The lowest-loss spurious local minimum found in the block ansatz (floats): converged
    (|grad phi| < 1e-10), loss > 1e-8, and every eigenvalue of the FULL Hessian positive
    (the reduced matrix of producer.reduced.reduced_spectrum has the full spectrum)."""
    converged = []
    for start in block_starts(blocks, seed, count):
        theta, gnorm = newton.minimise(lambda t: reduced.float_jet(blocks, t), start)
        if gnorm < 1e-10:
            loss = reduced.float_jet(blocks, theta)[0]
            if loss > 1e-8:
                converged.append((loss, theta))
    for loss, theta in sorted(converged, key=lambda pair: pair[0]):   # stable: ties keep start order
        try:
            critical = classify(reduced.reduced_spectrum(blocks, theta))
        except ArithmeticError:
            continue
        if critical.kind == "local_minimum":
            return BlockMinimum(theta, loss, critical.lam_min)
    return None


def next_start(theta, k: int, k_next: int) -> np.ndarray:
    """A (1, k_next - 1) guess from the (1, k - 1) solution: off-block values scale like 1/k."""
    scaled = np.array(theta, dtype=float)
    scaled[[1, 2, 4]] *= k / k_next
    return scaled


def family_theta(k: int, start=None) -> np.ndarray:
    """theta = (alpha_0, gamma_01, gamma_10, alpha_1, beta_1) of the Delta(S_1 x S_{k-1})
    minimum: the ansatz search for k <= SEARCH_K, then continuation in k (steps of
    x1.5, float Newton at each).  `start`: a guess for this k (e.g. a sweep's
    previous solution rescaled by next_start), polished by Newton instead."""
    if start is not None:
        return newton.newton(reduced_derivatives((1, k - 1)), start)[0]
    k0 = min(k, SEARCH_K)
    found = lowest_block_minimum((1, k0 - 1))
    if found is None:
        raise ArithmeticError(f"no spurious local minimum found in the (1, {k0 - 1}) ansatz")
    theta, current = found.theta, k0
    while current < k:
        nxt = min(k, int(current * 1.5) + 1)
        theta = newton.newton(reduced_derivatives((1, nxt - 1)), next_start(theta, current, nxt))[0]
        current = nxt
    return theta


# ---------------------------------------------------------------------------
# n > k students
# ---------------------------------------------------------------------------
def overparameterised_candidates(k: int, n: int, seed: int = 0, tries: int = 40) -> list:
    """Float critical points (loss > 0, smooth, nondegenerate) with n neurons and
    teacher I_k (d = k), distinct by loss: from gradient descent (Xavier starts) and
    from float Newton started at the n = k spurious minimum with n - k random extra
    neurons and at random points."""
    V = objective.identity_teacher(k, k)
    starts = []
    descent = gradient_descent(k, n, k, runs=32, seed=seed, max_iter=20000)
    starts += [W for W, g in zip(descent.points, descent.grad_norms) if np.isfinite(g)]
    rng = np.random.default_rng(seed)
    base = reduced.embed((1, k - 1), family_theta(k)) if k >= 6 else None
    for _ in range(tries):
        if base is not None:
            starts.append(np.vstack([base, rng.normal(0, 0.3, (n - k, k))]))
        starts.append(rng.normal(0, 1 / np.sqrt(k), (n, k)))
    found = {}
    with np.errstate(all="ignore"):
        for W in starts:
            W, gmax = newton.newton(dense_derivatives(V), W)
            if not gmax <= 1e-12 or np.min(np.linalg.norm(W, axis=1)) < 1e-3:
                continue
            P = np.vstack([W, V])
            U = P / np.linalg.norm(P, axis=1)[:, None]
            if np.max(np.abs(U @ U.T) - np.eye(len(P))) > 1 - 1e-6:
                continue
            F = objective.loss(W, V)
            if F < 1e-8 or classify(np.linalg.eigvalsh(objective.hessian(W, V))).kind == "degenerate":
                continue
            found.setdefault(round(F, 8), W)
    return [found[key] for key in sorted(found)]


