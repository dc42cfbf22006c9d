"""Measured step costs against the estimates of kernel.cost (run by bench_worst_case.py --calibrate).

Each step runs in a fresh child process with one BLAS thread (the reference of
kernel.cost) and reports CPU seconds and the growth of the peak resident memory;
the table prints them next to the kernel's estimate for the same step.  The rates
in certify/kernel/cost.py were chosen from these figures, rounded up.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    sys.path[:0] = [sys.argv[1], sys.argv[1] + "/bench"]
    import numpy as np
    from flint import arb, ctx
    from certify.kernel import fastfloat, krawczyk, posdef, inertia, methods
    from certify.kernel.ballarray import Balls
    from certify.kernel.format import decode
    step, n, d, prec = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    import steps
    setup, run = steps.STEPS[step](n, d, prec)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.process_time()
    run(setup)
    t = time.process_time() - t
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024
    print(json.dumps(dict(seconds=t, bytes=grown)))
""")

CASES = [
    # step, n, d, prec
    ("shared", 60, 2, 64), ("shared", 60, 2, 128), ("shared", 60, 2, 512), ("shared", 60, 2, 2048),
    ("shared", 120, 2, 128), ("shared", 120, 2, 2048), ("shared", 20, 20, 128), ("shared", 40, 40, 128),
    ("shared", 40, 40, 2048),
    ("enc", 20, 20, 128), ("enc", 20, 40, 128), ("enc", 40, 40, 128), ("enc", 800, 2, 128),
    ("fast_pd", 400, 1, 0), ("fast_pd", 800, 1, 0), ("fast_pd", 1600, 1, 0),
    ("fast_krawczyk", 400, 1, 0), ("fast_krawczyk", 800, 1, 0), ("fast_krawczyk", 1600, 1, 0),
    ("fast_index", 400, 1, 0), ("fast_index", 800, 1, 0), ("fast_index", 1600, 1, 0),
    ("balls", 10, 10, 128), ("balls", 20, 20, 128), ("balls", 30, 30, 128), ("balls", 40, 40, 128),
    ("arb_pd", 100, 1, 0), ("arb_pd", 200, 1, 0), ("arb_pd", 400, 1, 0),
    ("arb_index", 100, 1, 0), ("arb_index", 200, 1, 0), ("arb_index", 400, 1, 0),
    ("arb_krawczyk", 100, 1, 0), ("arb_krawczyk", 200, 1, 0), ("arb_krawczyk", 400, 1, 0),
    ("symmetric", 1, 0, 128), ("symmetric", 2, 0, 128), ("symmetric", 3, 0, 128),
    ("symmetric", 3, 0, 512), ("symmetric", 3, 0, 2048), ("symmetric", 2, 0, 2048),
]


def measure(step, n, d, prec):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), step, str(n), str(d), str(prec)],
                         capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def calibrate():
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import steps
    print(f"{'step':14} {'n':>5} {'d':>4} {'prec':>5} {'cpu s':>8} {'est. s':>8} {'MB':>7} {'est. MB':>8}")
    for step, n, d, prec in CASES:
        got = measure(step, n, d, prec)
        est = steps.estimate(step, n, d, prec)
        print(f"{step:14} {n:5d} {d:4d} {prec:5d} {got['seconds']:8.3f} {est.seconds:8.3f} "
              f"{got['bytes'] / 2 ** 20:7.0f} {est.bytes / 2 ** 20:8.0f}", flush=True)
