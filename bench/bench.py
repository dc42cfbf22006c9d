"""Benchmark: rigorous proof vs a plain-float check, per k (a script, not a test).

    python bench/bench.py                 # k = 6..20
    python bench/bench.py --k 6..40       # ranges: a..b, lists: 6,8,12
    python bench/bench.py --k 20 --reps 3

For each k (n = k = d, the S1 x S(k-1) spurious minimum) one child process does:
  search   certify.producer.search.family_theta(k) (with --no-search the
           centre of the committed certificate is the start point instead)
  refine   mpmath Newton (certify.producer.refine.newton)
  prove    the producer's proving phase: claims, canonical bytes, verify_bytes
           (certify.producer.dense.certify_point minus refine)
  prove1   the dense method's prove on the final statement alone (one proof)
  verify   kernel.verify.verify_bytes on the stored certificate bytes
           (certificates/k{k}_*.json, else the bytes just produced)
  float    plain floats at the same point: numpy Hessian + eigh + gradient
and prints the ratios prove1/float and verify/float, and the peak resident
memory of the child (ru_maxrss: includes Python, numpy and flint).
prove1, verify and float are the best of --reps runs (default 3 when k <= 20).
The last lines give the sum of the verify times and least-squares growth
exponents  t ~ k^p  of prove1, verify and float (over k with t > 0.005 s).
Timings on a shared 2-core machine are noisy.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def parse_ks(spec: str) -> list[int]:
    out = []
    for part in spec.split(","):
        if ".." in part:
            a, b = part.split("..")
            out += range(int(a), int(b) + 1)
        else:
            out.append(int(part))
    return out


def best_of(fn, reps):
    best, value = math.inf, None
    for _ in range(reps):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def measure(k: int, reps: int, do_search: bool) -> dict:
    """Run in a child process: every figure for one k."""
    import numpy as np

    from certify.kernel import methods
    from certify.kernel.verify import verify_bytes
    from certify.producer import dense, objective, reduced, search

    V = objective.identity_teacher(k, k)
    row = {"k": k}
    stored = sorted(glob.glob(str(ROOT / "certificates" / f"k{k}_n{k}_*.json")))
    if stored and not do_search:
        obj = json.loads(Path(stored[0]).read_text())
        W0 = np.array([[dyadic_float(x) for x in r] for r in obj["box"]["centre"]])
        row["search"] = None
    else:
        t0 = time.perf_counter()
        W0 = reduced.embed((1, k - 1), search.family_theta(k))
        row["search"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    outcome = dense.certify_point(W0, V, 128, d_max=None)
    row["refine"] = outcome.seconds["refine"]
    row["prove"] = outcome.seconds["prove"]
    module, statement = methods.read(outcome.obj)
    row["prove1"], results = best_of(lambda: module.prove(statement), reps)
    assert all(r.proved for r in results), results
    data = Path(stored[0]).read_bytes() if stored else outcome.data
    row["verify"], verdict = best_of(lambda: verify_bytes(data), reps)
    row["verified"] = verdict.accepted
    Wf = np.array([[dyadic_float(x) for x in r] for r in statement.box.centre])

    def plain_float():
        H = objective.hessian(Wf, V)
        lam = np.linalg.eigh(H)[0][0]
        g = objective.gradient(Wf, V)
        return lam, float(np.abs(g).max())

    row["float"], _ = best_of(plain_float, max(reps, 3))
    row["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def dyadic_float(text: str) -> float:
    from certify.kernel import dyadic
    m, e = dyadic.parse(text)
    return math.ldexp(float(m), e) if abs(m) < 2 ** 1000 else float(m * 2.0 ** e)


def fit_exponent(rows, key, floor=0.005):
    pts = [(math.log(r["k"]), math.log(r[key])) for r in rows if r.get(key) and r[key] > floor]
    if len(pts) < 2:
        return float("nan")
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    return (sum((x - mx) * (y - my) for x, y in pts)
            / sum((x - mx) ** 2 for x, _ in pts))


def fmt(x, width=8):
    if x is None:
        return "-".rjust(width)
    return f"{x:{width}.3f}" if x < 100 else f"{x:{width}.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", default="6..20")
    parser.add_argument("--reps", type=int, default=None,
                        help="repetitions (best of); default 3 for k <= 20, else 1")
    parser.add_argument("--no-search", dest="search", action="store_false",
                        help="start from the committed centre instead of running the search")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        reps = args.reps or (3 if args.child <= 20 else 1)
        print(json.dumps(measure(args.child, reps, args.search)))
        return 0
    header = (f"{'k':>3} {'search':>8} {'refine':>8} {'prove':>8} {'prove1':>8} {'verify':>8}"
              f" {'float':>8} {'p1/flt':>8} {'ver/flt':>8} {'RSS MB':>8}")
    print(header, flush=True)
    rows = []
    for k in parse_ks(args.k):
        cmd = [sys.executable, __file__, "--child", str(k)]
        if args.reps:
            cmd += ["--reps", str(args.reps)]
        if not args.search:
            cmd.append("--no-search")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{k:>3} FAILED: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{k:>3} {fmt(r['search'])} {fmt(r['refine'])} {fmt(r['prove'])} {fmt(r['prove1'])}"
              f" {fmt(r['verify'])} {r['float']:8.4f} {r['prove1'] / r['float']:8.1f}"
              f" {r['verify'] / r['float']:8.1f} {r['rss_mb']:8.0f}"
              + ("" if r["verified"] else "  NOT VERIFIED"), flush=True)
    print(f"verify, all k above: {sum(r['verify'] for r in rows):.2f} s")
    print(f"growth exponent (t ~ k^p, fitted over t > 0.005 s): prove1 p = {fit_exponent(rows, 'prove1'):.2f},"
          f" verify p = {fit_exponent(rows, 'verify'):.2f}, float p = {fit_exponent(rows, 'float', 0):.2f}")
    print("seconds; best of reps for prove1/verify/float; search '-' = started from the committed centre")
    return 0


if __name__ == "__main__":
    sys.exit(main())
