"""Batched gradient descent of the census (UNTRUSTED: proposes end points, never decides).

Setting: n student rows W (n x k), d = k, teacher V = I_k (docs/mathematics.md)::

    grad_{w_i} F = 1/2 w_i + sum_{j != i} g(w_i, w_j) - sum_l g(w_i, e_l),
    g(u, v) = (|v| sin t u/|u| + (pi - t) v) / (2 pi),   t = angle(u, v).

With V = I the teacher geometry needs no matrix product: cos t(w_i, e_l) is
the l-th entry of the unit row w_i/|w_i|, so the teacher term of row i is
(sum_l sin t_il) w_i/|w_i| / (2 pi) + (pi - t_il)_l / (2 pi).  The formula is
the one of :func:`certify.objective.gradient`; the tests compare the two.

Protocol (Safran & Shamir 2018; docs/census.md): plain gradient descent
W_{t+1} = W_t - (5/k) grad F(W_t), all runs of a batch at once (float64,
vectorised over runs).  Run r stops at the first t where

* ||grad F(W_t)||_Frobenius <= tol (converged), or
* t > 0 is a multiple of ``check_every`` and F(W_t) <= global_loss (it is at,
  or descending into, a global minimum: gradient descent with this step never
  increases F here, and every spurious critical point seen has F > 0.005), or
* grad F(W_t) is not finite (a neuron reached 0 exactly: F is not
  differentiable there), or
* t = max_iter.

Each run's arithmetic depends only on its own start (every operation is
per run: elementwise, per-run reductions along the last axes, and batched
matrix products of one run's matrices), so end points are bitwise identical
whatever the batch they are computed in.  The tests check this on chunkings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..producer import objective, search
from ..producer.objective import identity_teacher

TWO_PI = 2.0 * np.pi
STEP_NUMERATOR = 5.0          # step 5/k, the published protocol
DEFAULT_TOL = 1e-12
DEFAULT_MAX_ITER = 50000
DEFAULT_CHECK_EVERY = 1000
GLOBAL_LOSS = 1e-10


def starts(k: int, n: int, runs: int, seed: int) -> np.ndarray:
    """The census starts for (k, n): Xavier, entries N(0, 1/k) i.i.d., drawn from
    ``np.random.default_rng([seed, k, n])`` in run order, shape (runs, n, k).
    Run r's start does not depend on ``runs`` (more runs extend, never reshuffle),
    so any split of the runs into chunks sees the same starts."""
    return search.xavier_init(runs, n, k, np.random.default_rng([seed, k, n]))


def gradient_identity_teacher(W: np.ndarray) -> np.ndarray:
    """grad F at every W[r] of a batch W (runs, n, k), teacher I_k (module docstring).
    Non-finite where a row of W is 0."""
    n = W.shape[1]
    diag = np.arange(n)
    norm = np.sqrt((W * W).sum(-1))                       # |w_i|, (r, n)
    U = W / norm[..., None]                               # unit rows
    # cos t_ij (contiguous operands; with one BLAS thread this costs the same as the
    # product on the transposed view, bench/bench_census.py --parts gradient)
    C = U @ np.ascontiguousarray(np.swapaxes(U, -1, -2))
    np.clip(C, -1.0, 1.0, out=C)
    S = np.sqrt(np.maximum(1.0 - C * C, 0.0))             # sin t_ij
    B = np.pi - np.arccos(C)                              # pi - t_ij
    S[:, diag, diag] = 0.0
    B[:, diag, diag] = 0.0
    a_student = (S * norm[:, None, :]).sum(-1)            # sum_{j != i} |w_j| sin t_ij
    Ut = np.clip(U, -1.0, 1.0)                            # cos t(w_i, e_l)
    a_teacher = np.sqrt(np.maximum(1.0 - Ut * Ut, 0.0)).sum(-1)
    B_teacher = np.pi - np.arccos(Ut)
    return 0.5 * W + (((a_student - a_teacher) / TWO_PI)[..., None] * U
                      + (B @ W - B_teacher) / TWO_PI)


def loss_identity_teacher(W: np.ndarray) -> np.ndarray:
    """F at every W[r] of a batch (runs, n, k), teacher I_k."""
    return objective.loss(W, identity_teacher(W.shape[2], W.shape[2]))


def _row_norms(X: np.ndarray) -> np.ndarray:
    """Frobenius norm of each X[r] (a per-run reduction, independent of the batch)."""
    flat = X.reshape(X.shape[0], -1)
    return np.sqrt((flat * flat).sum(-1))


@dataclass
class Descent:
    """End points (runs, n, k), ||grad F|| there (nan if not finite), F there,
    and the number of steps taken per run."""
    points: np.ndarray
    grad_norms: np.ndarray
    losses: np.ndarray
    steps: np.ndarray


def descend(W0: np.ndarray, tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER,
            check_every: int = DEFAULT_CHECK_EVERY, global_loss: float = GLOBAL_LOSS,
            step: float | None = None) -> Descent:
    """Plain gradient descent with step 5/k (module docstring) from the starts W0
    (runs, n, k).  Active runs are kept in one contiguous array that is compacted
    whenever some of them stop."""
    W0 = np.asarray(W0, dtype=np.float64)
    runs, _, k = W0.shape
    eta = STEP_NUMERATOR / k if step is None else float(step)
    points = W0.copy()
    grad_norms = np.full(runs, np.nan)
    steps = np.zeros(runs, dtype=np.int64)
    idx = np.arange(runs)
    Wa = W0.copy()
    with np.errstate(all="ignore"):            # zero rows give nan, handled below
        for t in range(max_iter + 1):
            if idx.size == 0:
                break
            g = gradient_identity_teacher(Wa)
            gn = _row_norms(g)
            stop = ~(gn > tol)                     # converged, or not finite
            if t == max_iter:
                stop[:] = True
            elif t > 0 and t % check_every == 0:
                stop |= loss_identity_teacher(Wa) <= global_loss
            if stop.any():
                done = idx[stop]
                points[done] = Wa[stop]
                grad_norms[done] = np.where(np.isfinite(gn[stop]), gn[stop], np.nan)
                steps[done] = t
                keep = ~stop
                idx, Wa, g = idx[keep], Wa[keep], g[keep]
            g *= eta
            Wa -= g
        losses = loss_identity_teacher(points) if runs else np.zeros(0)
    return Descent(points, grad_norms, losses, steps)
