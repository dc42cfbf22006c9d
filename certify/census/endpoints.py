"""One unit of census work: descend a chunk of runs and sort their end points
(UNTRUSTED; runs inside a worker process, local or Dask).

Per run, from the gradient-descent end point W (docs/census.md, "End points"):

* ``global``      F(W) <= GLOBAL_LOSS;
* ``zero_neuron`` the gradient is not finite or a row of W is 0 (F is not
                  differentiable there);
* ``critical``    ||grad F(W)|| <= tol: W is the end point;
* ``polished``    the run stopped at max_iter, and float Newton took W to a point
                  with ||grad F|| <= CRITICAL_GRAD, moving it at most POLISH_MOVE
                  (only where the dense Hessian is affordable, n k <= POLISH_MAX_DIM);
* ``unconverged`` otherwise.

For n = k every critical or polished end point is also matched against the
block ansatz Delta(S_p1 x ... x S_pm) (certify.producer.reduced.detect_blocks):
the blocks and the orbit averages theta are stored, which is what deduplication
and certification at large k use.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..producer import newton, reduced, search
from ..producer.objective import gradient, identity_teacher
from . import descent

GLOBAL, CRITICAL, POLISHED, UNCONVERGED, ZERO_NEURON = range(5)
STATUS_NAMES = ("global", "critical", "polished", "unconverged", "zero_neuron")
POLISH_MOVE = 1e-4       # Newton may move an end point at most this far (max entry)
CRITICAL_GRAD = 1e-11    # a polished point counts as critical below this gradient norm
POLISH_MAX_DIM = 1600    # dense Newton polish only for n k up to this
BLOCK_TOL = 1e-6         # entrywise fit of the block ansatz


@dataclass(frozen=True)
class Unit:
    """Runs first .. first+count-1 of one (k, n), with the descent parameters."""
    k: int
    n: int
    first: int
    count: int
    seed: int
    tol: float
    max_iter: int
    check_every: int
    global_loss: float


def polish(W: np.ndarray, V: np.ndarray):
    """Float Newton from W; the polished point if it stayed within POLISH_MOVE and
    is critical (||grad F|| <= CRITICAL_GRAD), else None."""
    with np.errstate(all="ignore"):
        P = newton.newton(search.dense_derivatives(V), W, steps=8)[0]
        g = float(np.linalg.norm(gradient(P, V)))
    if np.all(np.isfinite(P)) and g <= CRITICAL_GRAD and float(np.max(np.abs(P - W))) <= POLISH_MOVE:
        return P
    return None


def block_form(W: np.ndarray):
    """(blocks, theta) if W (n = k) is, up to permuting rows and columns, in the block
    ansatz within BLOCK_TOL; else None."""
    with np.errstate(all="ignore"):
        found = reduced.detect_blocks(W, BLOCK_TOL)
    if found is None:
        return None
    blocks, theta = found[0], found[1]
    return [int(p) for p in blocks], [float(x) for x in theta]


def run_unit(unit: Unit):
    """Descend the unit's runs and classify their end points.  Returns (arrays, meta)
    ready for Store.write_chunk."""
    t0 = time.perf_counter()
    k, n = unit.k, unit.n
    W0 = descent.starts(k, n, unit.first + unit.count, unit.seed)[unit.first:]
    res = descent.descend(W0, unit.tol, unit.max_iter, unit.check_every, unit.global_loss)
    t_descent = time.perf_counter() - t0
    V = identity_teacher(k, k)
    status = np.full(unit.count, UNCONVERGED, dtype=np.int8)
    polished_runs, polished_points = [], []
    blocks: list = [None] * unit.count
    thetas: list = [None] * unit.count
    with np.errstate(all="ignore"):
        for r in range(unit.count):
            W = res.points[r]
            if res.losses[r] <= unit.global_loss:
                status[r] = GLOBAL
                continue
            if not np.isfinite(res.grad_norms[r]) or not np.all(np.isfinite(W)) \
                    or float(np.min(np.linalg.norm(W, axis=1))) == 0.0:
                status[r] = ZERO_NEURON
                continue
            if res.grad_norms[r] <= unit.tol:
                status[r] = CRITICAL
                point = W
            elif n * k <= POLISH_MAX_DIM and (P := polish(W, V)) is not None:
                status[r] = POLISHED
                polished_runs.append(r)
                polished_points.append(P)
                point = P
            else:
                continue
            if n == k:
                found = block_form(point)
                if found is not None:
                    blocks[r], thetas[r] = found
    arrays = {
        "points": res.points, "grad_norms": res.grad_norms, "losses": res.losses,
        "steps": res.steps, "status": status,
        "polished_runs": np.array(polished_runs, dtype=np.int64),
        "polished_points": (np.array(polished_points) if polished_points
                            else np.zeros((0, n, k))),
    }
    meta = {"blocks": blocks, "theta": thetas,
            "seconds": {"descent": round(t_descent, 3),
                        "end_points": round(time.perf_counter() - t0 - t_descent, 3)}}
    return arrays, meta
