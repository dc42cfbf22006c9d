"""Benchmark: the independent checker against the kernel on the committed certificates.

    python bench/bench_independent.py                 # every certificate, best of 2
    python bench/bench_independent.py --reps 3 certificates/k20_n20_S1xS19.json

For each certificate prints the seconds of certify.independent.verify_bytes and
of certify.kernel.verify.verify_bytes (best of --reps, one process, BLAS
limited to one thread), whether each accepted, and the totals.  Targets
(issue 16): all committed certificates under 2 minutes on one core with the
independent checker, the k = 20 dense certificate under 30 s.  Timings on a
shared 2-core machine are noisy.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from certify.independent import verify_bytes as independent  # noqa: E402
from certify.kernel.verify import verify_bytes as kernel  # noqa: E402


def best_of(check, data: bytes, reps: int):
    best, verdict = math.inf, None
    for _ in range(reps):
        t0 = time.perf_counter()
        verdict = check(data)
        best = min(best, time.perf_counter() - t0)
    return best, verdict


def default_paths() -> list[Path]:
    dense = sorted((ROOT / "certificates").glob("*.json"),
                   key=lambda p: int(p.name.split("_")[0][1:]))
    symmetric = sorted((ROOT / "certificates" / "symmetric").glob("*.json"),
                       key=lambda p: int(p.name.split("_")[0][1:]))
    return dense + symmetric


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args(argv)
    paths = args.paths or default_paths()
    print(f"{'certificate':45s} {'independent':>12s} {'kernel':>9s} {'ratio':>7s}  accepted (indep/kernel)")
    totals = {"independent": 0.0, "kernel": 0.0}
    ok = True
    for path in paths:
        data = path.read_bytes()
        t_i, v_i = best_of(independent, data, args.reps)
        t_k, v_k = best_of(kernel, data, args.reps)
        totals["independent"] += t_i
        totals["kernel"] += t_k
        ok = ok and v_i.accepted == v_k.accepted
        print(f"{path.name:45s} {t_i:11.3f}s {t_k:8.3f}s {t_i / max(t_k, 1e-9):6.1f}x  "
              f"{v_i.accepted}/{v_k.accepted}")
    print(f"{'total (' + str(len(paths)) + ' certificates)':45s} {totals['independent']:11.2f}s "
          f"{totals['kernel']:8.2f}s")
    if not ok:
        print("DISAGREEMENT between the two checkers (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
