"""Seconds per symmetric certificate (blocks (1, k-1)) and a sweep over k.

    python bench/bench_symmetric.py                 # k = 20, 100, 1000, 10000, best of 3
    python bench/bench_symmetric.py --sweep 6 1000  # certify every k in the range (no files)

Timings are wall-clock on a shared machine: noisy.  Produce = search +
Newton + proof; verify = verify_bytes of the canonical bytes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from certify.kernel.format import exact  # noqa: E402
from certify.kernel.verify import verify_bytes  # noqa: E402
from certify.producer import NotCertified, pipelines, search  # noqa: E402


def one(k: int, start=None):
    t0 = time.perf_counter()
    outcome = pipelines.certify_family_member(k, 128, "symmetric", start=start)
    produce = time.perf_counter() - t0
    t0 = time.perf_counter()
    verdict = verify_bytes(outcome.data)
    verify = time.perf_counter() - t0
    return produce, verify, verdict.accepted, outcome


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", nargs=2, type=int, metavar=("LO", "HI"))
    parser.add_argument("--ks", nargs="*", type=int, default=[20, 100, 1000, 10000])
    args = parser.parse_args()
    if args.sweep:
        lo, hi = args.sweep
        failed, started = [], time.perf_counter()
        start = None          # chained: the k-1 centre, rescaled, starts k (after the first)
        for k in range(lo, hi + 1):
            try:
                _, _, ok, outcome = one(k, start)
                theta = [float(exact(x)) for x in outcome.obj["box"]["centre"]]
                start = search.next_start(theta, k, k + 1)
            except NotCertified as err:
                ok, start = False, None
                print(f"k={k}: {err}", flush=True)
            if not ok:
                failed.append(k)
            if k % 50 == 0:
                print(f"... k={k} done, {time.perf_counter() - started:.0f} s", flush=True)
        print(f"sweep k={lo}..{hi}: {hi - lo + 1 - len(failed)} certified and verified, "
              f"failed: {failed}, {time.perf_counter() - started:.0f} s")
        return 1 if failed else 0
    print("k, produce s (best of 3), verify s (best of 3), lambda_min >, loss >=")
    for k in args.ks:
        runs = [one(k) for _ in range(3)]
        assert all(r[2] for r in runs)
        claims = runs[0][3].obj["claims"]
        print(f"{k}, {min(r[0] for r in runs):.3f}, {min(r[1] for r in runs):.4f}, "
              f"{float(exact(claims['hessian_min_eig_lower'])):.8g}, "
              f"{float(exact(claims['loss_lower'])):.12g}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
