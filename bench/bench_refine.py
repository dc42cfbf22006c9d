"""Seconds of Newton refinement alone, dense and symmetric, per k and per precision.

    python bench/bench_refine.py                          # dense k = 6, 12, 20, 40; symmetric k = 100, 10^6; prec 128
    python bench/bench_refine.py --dense 6 --symmetric 100 --prec 64,128,256,512,1024,2048
    python bench/bench_refine.py --reps 5
    python bench/bench_refine.py --pipeline 6,12,20 --dense "" --symmetric ""   # the whole dense pipeline

The start points come from the ordinary search (certify.producer.search.family_theta,
embedded for dense); they are computed once and not timed.  Each figure is the best
of --reps runs of producer.refine.newton (dense) or producer.refine.reduced_newton
(symmetric) on the same start.  A failure is
printed with its message instead of a time.  mpmath's backend (python or gmpy)
is printed first.  --pipeline K,...: the whole dense pipeline (search,
refine, prove), CPU seconds (best of --reps) and its wall-clock phases from
Outcome.seconds.  Figures are CPU seconds of this process (BLAS limited to one
thread); wall-clock time on a shared 2-core machine is noisier.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def ints(spec: str) -> list[int]:
    return [int(float(x)) for x in spec.split(",") if x]


def best_of(fn, reps: int):
    """Least CPU seconds of this process (time.process_time) over reps runs: on a
    shared machine CPU time is far less noisy than wall-clock time."""
    best = math.inf
    for _ in range(reps):
        t0 = time.process_time()
        try:
            fn()
        except Exception as err:                 # noqa: BLE001 - reported, not raised
            return f"FAILED: {type(err).__name__}: {err}"
        best = min(best, time.process_time() - t0)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dense", default="6,12,20,40", help="dense k values (n = k = d)")
    parser.add_argument("--symmetric", default="100,1000000", help="symmetric k values, blocks (1, k-1)")
    parser.add_argument("--prec", default="128", help="precisions in bits, e.g. 64,128,2048")
    parser.add_argument("--pipeline", default="", help="dense k values: time the whole pipeline")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)

    import mpmath

    from certify.producer import objective, pipelines, reduced, refine, search
    print(f"mpmath {mpmath.__version__}, backend {mpmath.libmp.BACKEND}; CPU seconds, best of {args.reps}")
    precs = ints(args.prec)
    print(f"{'problem':>22} " + " ".join(f"{'prec ' + str(p):>11}" for p in precs), flush=True)
    for k in ints(args.dense):
        W0 = reduced.embed((1, k - 1), search.family_theta(k))
        V = objective.identity_teacher(k, k)
        cells = [best_of(lambda: refine.newton(W0, V, p), args.reps) for p in precs]
        print_row(f"dense k={k}", cells)
    for k in ints(args.symmetric):
        theta0 = search.family_theta(k)
        cells = [best_of(lambda: refine.reduced_newton((1, k - 1), theta0, p), args.reps) for p in precs]
        print_row(f"symmetric k={k}", cells)
    for k in ints(args.pipeline):
        best, phases = math.inf, None
        for _ in range(args.reps):
            t0 = time.process_time()
            outcome = pipelines.certify_family_member(k, precs[0])
            cpu = time.process_time() - t0
            if cpu < best:
                best, phases = cpu, outcome.seconds
        text = ", ".join(f"{name} {sec:.3f}" for name, sec in phases.items())
        print(f"{'pipeline k=' + str(k):>22} {best:11.4f}   (wall-clock phases: {text})", flush=True)
    return 0


def print_row(label: str, cells) -> None:
    text = [f"{c:11.4f}" if isinstance(c, float) else f"{'failed':>11}" for c in cells]
    print(f"{label:>22} " + " ".join(text), flush=True)
    for c in cells:
        if not isinstance(c, float):
            print(f"{'':>22} {c}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
