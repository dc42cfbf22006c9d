"""Census speed: batched descent per worker, Dask LocalCluster speed-up, projection.

    python bench/bench_census.py                      # everything (~10 min on 2 cores)
    python bench/bench_census.py --parts descent      # gradient | descent | tail | dask | projection

gradient    one batched gradient, us per run: the census gradient, the same with the
            product on the transposed view (as first written), certify.search's
descent     runs per second per worker with the census protocol (plain gradient
            descent, step 5/k, tol 1e-12, max_iter 50000) on the seed-0 starts of
            n = k at k = 20, 40, 70, 100 (few runs at large k), the median and
            largest step counts, microseconds per run-step of the whole descent
            (batches shrink as runs stop), and of one batched gradient (up to 10
            runs) with the census gradient and with the previous one
            (certify.objective.gradient, general teacher).
tail        the share of gradient steps spent after ||grad F|| first drops below
            1e-6 (the most a tail accelerator such as a switch to Newton could save),
            on the same starts, and the cost of one dense float Newton step.
dask        wall time of one small census (k = 12, 14, 100 runs, no certification)
            serially, and on a Dask LocalCluster with 1 and 2 workers.
projection  core-hours of the full census k = 6..100 x 500 runs x n = k, k+1, k+2,
            from the measured seconds per run (interpolated in k, n).

Timings of one process are CPU seconds (time.process_time; one BLAS thread), so
other jobs on the shared machine slow them only through caches; the Dask part
is wall-clock (several processes).  The load average is printed with each table.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from certify.producer import objective  # noqa: E402
from certify.census import descent  # noqa: E402
from certify.producer.objective import gradient, hessian, identity_teacher  # noqa: E402

RUNS = {20: 50, 40: 10, 70: 4, 100: 3}


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def per_step_us(k: int, runs: int, fn, reps: int = 10) -> float:
    W = descent.starts(k, k, runs, 0)
    fn(W)
    t0 = time.process_time()
    for _ in range(reps):
        fn(W)
    return (time.process_time() - t0) / reps / runs * 1e6


def bench_descent(ks) -> dict:
    print(f"\n## descent per worker (plain GD, step 5/k, tol 1e-12, max_iter 50000; {load()})")
    print(f"{'k':>4} {'runs':>5} {'sec':>8} {'runs/s':>8} {'steps med':>10} {'steps max':>10} "
          f"{'at max':>6} {'us/run-step':>12} {'gradient us':>12} {'old gradient us':>16}")
    out = {}
    for k in ks:
        runs = RUNS.get(k, 5)
        W0 = descent.starts(k, k, runs, 0)
        t0 = time.process_time()
        res = descent.descend(W0)
        sec = time.process_time() - t0
        us = sec / max(1, int(res.steps.sum())) * 1e6
        V = identity_teacher(k, k)
        new = per_step_us(k, min(runs, 10), descent.gradient_identity_teacher, reps=3)
        old = per_step_us(k, min(runs, 10), lambda W: objective.gradient(W, V), reps=3)
        at_max = int(np.sum(res.steps >= descent.DEFAULT_MAX_ITER))
        print(f"{k:>4} {runs:>5} {sec:>8.1f} {runs / sec:>8.3f} {np.median(res.steps):>10.0f} "
              f"{res.steps.max():>10} {at_max:>6} {us:>12.1f} {new:>12.1f} {old:>16.1f}", flush=True)
        out[k] = {"sec_per_run": sec / runs, "steps_median": float(np.median(res.steps)),
                  "us_per_step": us}
    return out


def _gradient_transposed_view(W):
    """The census gradient as first written (before commit 026e7ca): the batched product
    on the transposed *view* of the unit rows; same formula, same values up to rounding."""
    n = W.shape[1]
    diag = np.arange(n)
    norm = np.sqrt((W * W).sum(-1))
    U = W / norm[..., None]
    C = U @ np.swapaxes(U, -1, -2)
    np.clip(C, -1.0, 1.0, out=C)
    S = np.sqrt(np.maximum(1.0 - C * C, 0.0))
    B = np.pi - np.arccos(C)
    S[:, diag, diag] = 0.0
    B[:, diag, diag] = 0.0
    a = (S * norm[:, None, :]).sum(-1)
    Ut = np.clip(U, -1.0, 1.0)
    at = np.sqrt(np.maximum(1.0 - Ut * Ut, 0.0)).sum(-1)
    Bt = np.pi - np.arccos(Ut)
    return 0.5 * W + (((a - at) / (2 * np.pi))[..., None] * U + (B @ W - Bt) / (2 * np.pi))


def bench_gradient(ks) -> None:
    """One batched gradient, best of 5 x 10 calls, three implementations in turn in one
    process (so they see the same machine load)."""
    print(f"\n## one batched gradient, us per run ({load()})")
    print(f"{'k':>4} {'runs':>5} {'census':>10} {'transposed view':>16} {'objective.gradient':>24}")
    for k in ks:
        runs = min(RUNS.get(k, 5), 10)
        W = descent.starts(k, k, runs, 0)
        V = identity_teacher(k, k)
        out = []
        for fn in (descent.gradient_identity_teacher, _gradient_transposed_view,
                   lambda X: objective.gradient(X, V)):
            best = np.inf
            for _ in range(5):
                t0 = time.process_time()
                for _ in range(10):
                    fn(W)
                best = min(best, (time.process_time() - t0) / 10 / runs * 1e6)
            out.append(best)
        print(f"{k:>4} {runs:>5} {out[0]:>10.1f} {out[1]:>16.1f} {out[2]:>24.1f}", flush=True)


def bench_tail(ks) -> None:
    print(f"\n## tail share: steps after ||grad F|| <= 1e-6, same starts ({load()})")
    print(f"{'k':>4} {'runs':>5} {'steps to 1e-6':>14} {'steps to 1e-12':>15} {'tail share':>10} "
          f"{'Newton step s':>14} {'GD steps per Newton step':>25}")
    for k in ks:
        runs = {20: 50, 40: 10}.get(k, 4)
        W0 = descent.starts(k, k, runs, 0)
        loose = descent.descend(W0, tol=1e-6)
        tight = descent.descend(W0)
        spurious = (tight.losses > descent.GLOBAL_LOSS) & (tight.grad_norms <= 1e-12)
        a, b = loose.steps[spurious].sum(), tight.steps[spurious].sum()
        newton = float("nan")
        if k * k <= 1600:
            V = identity_teacher(k, k)
            W = tight.points[int(np.argmax(spurious))]
            t0 = time.process_time()
            np.linalg.solve(hessian(W, V), gradient(W, V).ravel())
            newton = time.process_time() - t0
        us = per_step_us(k, 1, descent.gradient_identity_teacher, reps=20)
        share = 1 - a / b if b else float("nan")
        print(f"{k:>4} {int(spurious.sum()):>5} {a:>14} {b:>15} {share:>10.1%} {newton:>14.3f} "
              f"{newton / (us * 1e-6):>25.0f}", flush=True)


def bench_dask() -> None:
    try:
        import dask.distributed  # noqa: F401  (only to know whether it is installed)
    except ImportError:
        print("\n## dask: not installed (pip install -e '.[cluster]'); skipped")
        return
    from certify.census import engines
    from certify.census.runner import Census
    from certify.census.store import Store
    params = {"format": "certify-census", "version": 1, "ks": [12, 14], "n": ["k"], "runs": 100,
              "seed": 0, "tol": 1e-12, "max_iter": 50000, "check_every": 1000, "global_loss": 1e-10,
              "chunk_runs": 10, "certify": False, "prec": 128, "step": "5/k", "init": "bench",
              "descent": "plain gradient descent"}
    print(f"\n## engines: census k = 12, 14, n = k, 100 runs each, chunks of 10, no certification ({load()})")
    base = None
    for name, make in (("serial (this process)", engines.SerialEngine),
                       ("Dask LocalCluster, 1 worker", lambda: engines.DaskEngine("local:1")),
                       ("Dask LocalCluster, 2 workers", lambda: engines.DaskEngine("local:2"))):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            engine = make()
            started = time.perf_counter() - t0
            store = Store.create(Path(tmp) / "c", params)
            t1 = time.perf_counter()
            with open(os.devnull, "w") as devnull, np.errstate(all="ignore"):
                Census(store, engine, log=devnull).run()
            work = time.perf_counter() - t1
            engine.close()
        base = base or work
        print(f"{name:<30} {work:7.1f} s (+ {started:4.1f} s start-up)  speed-up {base / work:4.2f}x",
              flush=True)


def bench_projection(measured: dict) -> None:
    """seconds per run(k, n) = steps(k) * us_per_step(k) * (n/k)^2, power laws in k fitted
    to the measured points (log-log least squares)."""
    print("\n## projection: k = 6..100 x 500 runs x n = k, k+1, k+2")
    ks = np.array(sorted(measured))
    logk = np.log(ks)
    steps = np.array([measured[k]["steps_median"] for k in ks])
    us = np.array([measured[k]["us_per_step"] for k in ks])
    sp, cp = np.polyfit(logk, np.log(steps), 1)
    su, cu = np.polyfit(logk, np.log(us), 1)
    print(f"fitted: steps ~ {np.exp(cp):.3g} k^{sp:.2f}, us per run-step ~ {np.exp(cu):.3g} k^{su:.2f}")
    total = 0.0
    for k in range(6, 101):
        per_run = np.exp(cp) * k ** sp * np.exp(cu) * k ** su * 1e-6
        total += sum(500 * per_run * ((k + j) / k) ** 2 for j in (0, 1, 2))
    print(f"descent: {total / 3600:.0f} core-hours (median step counts; runs stopped at "
          f"max_iter cost more, n > k runs that creep to a global minimum too)")
    big = sum(500 * np.exp(cp) * k ** sp * np.exp(cu) * k ** su * 1e-6 for k in range(41, 101))
    print(f"of which n = k, k = 41..100: {big / 3600:.0f} core-hours")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", nargs="*",
                        default=["gradient", "descent", "tail", "dask", "projection"])
    parser.add_argument("--ks", nargs="*", type=int, default=[20, 40, 70, 100])
    args = parser.parse_args()
    measured = {}
    if "gradient" in args.parts:
        bench_gradient(args.ks)
    if "descent" in args.parts or "projection" in args.parts:
        measured = bench_descent(args.ks)
    if "tail" in args.parts:
        bench_tail([k for k in args.ks if k <= 40] + [k for k in args.ks if k > 40][:1])
    if "dask" in args.parts:
        bench_dask()
    if "projection" in args.parts:
        bench_projection(measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
