"""How much the census fraction moves with the seed and with details of the protocol.

    python bench/census_variants.py [--ks 16 20] [--runs 500]

For each k (n = k) and each variant, plain gradient descent (certify.census.descent,
tol 1e-12, max_iter 50000, F <= 1e-10 counted as global) from 500 starts, and the
fraction of runs ending at a float local minimum with F > 1e-10 (smallest eigenvalue
of the float Hessian > 0), with its 95% Wilson interval.  Variants:

  census         the census protocol: N(0, 1/k) entries, rng([seed=0, k, n])
  seed 1, 2      the same with seeds 1 and 2 (sampling variation alone)
  uniform        Glorot/Xavier *uniform* entries U(-sqrt(3/k), sqrt(3/k)) (same variance 1/k)
  (Glorot's normal variance 2/(fan_in + fan_out) = 2/(k + n) is 1/k for n = k: the census)
  var 1/(2k)     normal entries with half the variance
  step 2.5/k     half the step size (same starts as "census")

Then the stopping rule: for the census starts, the runs that a looser gradient
tolerance (1e-4, 1e-6, 1e-8) would stop at F > 1e-10, and how many of those the
census (tol 1e-12) sees end at a global minimum (a loose tolerance would have
counted them as non-global).

Nothing here is a proof; it is an experiment on the protocol (docs/census.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from certify.census import descent  # noqa: E402
from certify.census.results import wilson_interval  # noqa: E402
from certify.producer.objective import hessian, identity_teacher  # noqa: E402


def spurious_count(W0: np.ndarray, step: float | None = None) -> tuple[int, int, int]:
    """(spurious, global, other) runs from the starts W0."""
    k = W0.shape[2]
    with np.errstate(all="ignore"):
        res = descent.descend(W0, step=step)
    V = identity_teacher(k, k)
    spur = glob = other = 0
    for r in range(len(W0)):
        if res.losses[r] <= descent.GLOBAL_LOSS:
            glob += 1
        elif res.grad_norms[r] <= descent.DEFAULT_TOL and \
                np.linalg.eigvalsh(hessian(res.points[r], V))[0] > 0:
            spur += 1
        else:
            other += 1
    return spur, glob, other


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ks", nargs="*", type=int, default=[16, 20])
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    R = args.runs
    print(f"{'k':>3} {'variant':<14} {'spurious':>9} {'global':>7} {'other':>6} {'fraction':>9} "
          f"{'95% Wilson':>16} {'sec':>6}")
    for k in args.ks:
        variants = {
            "census": descent.starts(k, k, R, 0),
            "seed 1": descent.starts(k, k, R, 1),
            "seed 2": descent.starts(k, k, R, 2),
            "uniform": np.random.default_rng([0, k, k]).uniform(-np.sqrt(3 / k), np.sqrt(3 / k),
                                                                  size=(R, k, k)),
            "var 1/(2k)": descent.starts(k, k, R, 0) / np.sqrt(2),
            "step 2.5/k": descent.starts(k, k, R, 0),
        }
        for name, W0 in variants.items():
            t0 = time.perf_counter()
            s, g, o = spurious_count(W0, 2.5 / k if name == "step 2.5/k" else None)
            lo, hi = wilson_interval(s, R)
            print(f"{k:>3} {name:<14} {s:>9} {g:>7} {o:>6} {s / R:>9.1%} "
                  f"[{lo:6.1%}, {hi:6.1%}] {time.perf_counter() - t0:>6.0f}", flush=True)
    print(f"\n{'k':>3} {'tol':>6} {'stopped at F > 0':>17} {'of which global at tol 1e-12':>29}")
    for k in args.ks:
        W0 = descent.starts(k, k, R, 0)
        with np.errstate(all="ignore"):
            final_global = descent.descend(W0).losses <= descent.GLOBAL_LOSS
            for tol in (1e-4, 1e-6, 1e-8):
                stopped = descent.descend(W0, tol=tol).losses > descent.GLOBAL_LOSS
                print(f"{k:>3} {tol:>6.0e} {int(stopped.sum()):>17} "
                      f"{int((stopped & final_global).sum()):>29}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
