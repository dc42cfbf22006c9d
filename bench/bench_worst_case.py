"""Worst-case verification cost: the costliest files we can build at each size (a script, not a test).

    python bench/bench_worst_case.py                   # this checkout, default budget
    python bench/bench_worst_case.py --unlimited       # this checkout, no budget: what each file really costs
    python bench/bench_worst_case.py --arb-only        # verify_bytes(fast=False)
    python bench/bench_worst_case.py --before DIR      # the kernel of another tree, e.g.
                                                       #   git archive 8209e96 | tar -x -C /tmp/before
    python bench/bench_worst_case.py --only k40        # files whose name contains k40
    python bench/bench_worst_case.py --probe           # cost of the floating-point probe
    python bench/bench_worst_case.py --calibrate       # measured step costs against kernel.cost's estimates

The files (built here, deterministically; `--write DIR` saves them):
  k{6,20,40}_*      dense n = d = k, from certificates/ (k = 40: bench/data, made by
                    `python -m certify k=40` at commit 15cb736):
    valid           the certificate as it is
    mu_high         hessian_min_eig_lower 2^-16 (relative) above the claim: false
    saddle          declared a saddle of Morse index 1 (it is a minimum)
    shifted         centre moved by 4 r in every coordinate: the zero is outside the box
    prec2048        prec 2048, radius 2^-3000, centre with 2100-bit mantissas
    all_false       shifted and every eigenvalue claim too high (every fallback runs)
  n800_d2_*         n = 800 neurons in d = 2 (k = 2), spread over half a circle, at
                    prec 128 and at prec 2048 with radius 2^-3000 and long mantissas
  sym444_*          method symmetric, blocks (4, 4, 4) (84 refined parameters, the most
                    the format allows), a generic point, prec 128 and 2048
  k40_teacher       a block-dense orthonormal 40 x 40 teacher but for 2^-99999 in its last row
  k40_maxsize       k = 40, prec 2048, 2400-digit centre entries (just under 4 MiB)
Each file is verified in a fresh child process with one BLAS thread (the reference
of kernel.cost; --threads to change) and a --timeout (default 600 s).  Columns:
status, wall and CPU seconds, peak resident memory of the child (ru_maxrss,
including about 50 MB of Python, numpy and flint), the estimate of kernel.cost.
Timings on a shared 2-core machine are noisy.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import textwrap
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FORMAT = "certify/relu-spurious-minimum"


# ---------------------------------------------------------------------------
# exact numbers and canonical bytes (written here: the bench does not need the producer)
# ---------------------------------------------------------------------------
def dyadic(q) -> str:
    """Canonical text of a dyadic rational (docs/format.md)."""
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    e = q.denominator.bit_length() - 1
    assert q.denominator == 1 << e, "not dyadic"
    return f"{q.numerator}*2^{-e}"


def value(text: str) -> Fraction:
    m, _, e = text.partition("*2^")
    return Fraction(int(m)) * Fraction(2) ** int(e or 0)


def canonical(obj) -> bytes:
    return (json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False) + "\n").encode()


def certificate(k: int) -> dict:
    path = DATA / "k40_n40_S1xS39.json" if k == 40 else ROOT / "certificates" / f"k{k}_n{k}_S1xS{k - 1}.json"
    return json.loads(path.read_bytes())


def scaled(text: str, factor: Fraction) -> str:
    """text * factor, rounded up to 40 bits."""
    q = value(text) * factor
    e = 40 - q.numerator.bit_length() + q.denominator.bit_length()
    return dyadic(Fraction(-((-q.numerator * 2 ** e) // q.denominator), 2 ** e))


def with_long_mantissas(text: str, rnd: random.Random, bits: int) -> str:
    return dyadic(value(text) + Fraction(rnd.getrandbits(bits - 200) | 1, 2 ** bits))


# ---------------------------------------------------------------------------
# the files
# ---------------------------------------------------------------------------
def dense_variants(k: int) -> dict:
    base = certificate(k)
    out = {"valid": base}
    mu_high = json.loads(json.dumps(base))
    mu_high["claims"]["hessian_min_eig_lower"] = scaled(base["claims"]["hessian_min_eig_lower"],
                                                        1 + Fraction(1, 2 ** 16))
    out["mu_high"] = mu_high
    saddle = json.loads(json.dumps(base))
    saddle["kind"] = "saddle"
    saddle["claims"]["hessian_min_abs_eig_lower"] = saddle["claims"].pop("hessian_min_eig_lower")
    saddle["claims"]["morse_index"] = 1
    out["saddle"] = saddle
    shifted = json.loads(json.dumps(base))
    r = value(base["box"]["radius"])
    shifted["box"]["centre"] = [[dyadic(value(x) + 4 * r) for x in row] for row in base["box"]["centre"]]
    out["shifted"] = shifted
    precise = json.loads(json.dumps(base))
    rnd = random.Random(k)
    precise["prec"] = 2048
    precise["box"]["radius"] = "1*2^-3000"
    precise["box"]["centre"] = [[with_long_mantissas(x, rnd, 2100) for x in row] for row in base["box"]["centre"]]
    out["prec2048"] = precise
    false = json.loads(json.dumps(shifted))
    for claim in ("hessian_min_eig_lower", "extra_min_eig_lower"):
        false["claims"][claim] = scaled(base["claims"][claim], 1 + Fraction(1, 2 ** 16))
    out["all_false"] = false
    return {f"k{k}_{name}": canonical(obj) for name, obj in out.items()}


def spread(n: int = 800, prec: int = 128, tiny: bool = False) -> bytes:
    """n neurons in d = 2 on half a circle (no two parallel, none parallel to e_1, e_2),
    teacher I_2; loss claims wide (true), eigenvalue claims 2^-20 (not a minimum)."""
    import math
    rnd = random.Random(n)
    centre = []
    for i in range(n):
        t = math.pi * (i + 0.3) / (n + 0.7)
        row = [Fraction(round(math.cos(t) * 2 ** 40), 2 ** 40), Fraction(round(math.sin(t) * 2 ** 40), 2 ** 40)]
        if tiny:
            row = [x + Fraction(rnd.getrandbits(1900) | 1, 2 ** 2100) for x in row]
        centre.append([dyadic(x) for x in row])
    obj = {"format": FORMAT, "version": 1, "kind": "local_minimum", "method": "dense", "k": 2, "n": n,
           "d": 2, "d_max": None, "prec": prec, "teacher": [["1", "0"], ["0", "1"]],
           "box": {"centre": centre, "radius": "1*2^-3000" if tiny else "1*2^-100"},
           "claims": {"loss_lower": "1*2^-100", "loss_upper": str(2 ** 100),
                      "hessian_min_eig_lower": "1*2^-20", "extra_min_eig_lower": "1*2^-20"},
           "software": {}}
    return canonical(obj)


def symmetric(prec: int) -> bytes:
    """Blocks (4, 4, 4): a generic point (no two neurons parallel), 12 parameters."""
    rnd = random.Random(prec)
    names = 12
    centre = [Fraction(round(rnd.uniform(-1, 1) * 2 ** 50), 2 ** 50) for _ in range(names)]
    if prec > 128:
        centre = [x + Fraction(rnd.getrandbits(1900) | 1, 2 ** 2100) for x in centre]
    obj = {"format": FORMAT, "version": 1, "kind": "local_minimum", "method": "symmetric", "k": 12, "n": 12,
           "d": 12, "d_max": None, "prec": prec, "teacher": "identity", "blocks": [4, 4, 4],
           "box": {"centre": [dyadic(x) for x in centre], "radius": "1*2^-3000" if prec > 128 else "1*2^-100"},
           "claims": {"loss_lower": "1*2^-100", "loss_upper": str(2 ** 100),
                      "hessian_min_eig_lower": "1*2^-20", "extra_min_eig_lower": "1*2^-20"},
           "software": {}}
    return canonical(obj)


def hadamard(m: int) -> list:
    rows = [[1]]
    while len(rows) < m:
        rows = [r + r for r in rows] + [r + [-x for x in r] for r in rows]
    return rows


def huge_teacher() -> bytes:
    """k = d = 40: orthonormal blocks H_16 / 4, H_16 / 4, H_4 / 2, H_4 / 2 on the diagonal
    (every row dense in its block), and 2^-99999 in an off-block entry of the last row,
    so the exact orthonormality check works on 100000-bit integers until the last row."""
    obj = certificate(40)
    teacher = [[Fraction(0)] * 40 for _ in range(40)]
    start = 0
    for size, scale in ((16, 4), (16, 4), (4, 2), (4, 2)):
        for i, row in enumerate(hadamard(size)):
            for j, x in enumerate(row):
                teacher[start + i][start + j] = Fraction(x, scale)
        start += size
    teacher[39][0] = Fraction(1, 2 ** 99999)
    obj["teacher"] = [[dyadic(x) for x in row] for row in teacher]
    return canonical(obj)


def max_size() -> bytes:
    obj = certificate(40)
    rnd = random.Random(11)
    obj["prec"] = 2048
    obj["box"]["radius"] = "1*2^-9000"
    obj["box"]["centre"] = [[with_long_mantissas(x, rnd, 8000) for x in row] for row in obj["box"]["centre"]]
    data = canonical(obj)
    assert len(data) < 4 * 2 ** 20, len(data)
    return data


def files() -> dict:
    out = {}
    for k in (6, 20, 40):
        out.update(dense_variants(k))
    out["n800_d2_prec128"] = spread()
    out["n800_d2_prec2048"] = spread(prec=2048, tiny=True)
    out["sym444_prec128"] = symmetric(128)
    out["sym444_prec2048"] = symmetric(2048)
    out["k40_teacher"] = huge_teacher()
    out["k40_maxsize"] = max_size()
    return out


# ---------------------------------------------------------------------------
# measuring, one child process per file
# ---------------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import inspect, json, resource, sys, time
    sys.path.insert(0, sys.argv[1])
    from certify.kernel.verify import verify_bytes
    data = open(sys.argv[2], "rb").read()
    kwargs = {}
    parameters = inspect.signature(verify_bytes).parameters
    if "budget" in parameters and sys.argv[3] == "unlimited":
        from certify.kernel.cost import UNLIMITED
        kwargs["budget"] = UNLIMITED
    if sys.argv[4] == "arb-only":
        kwargs["fast"] = False
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    verdict = verify_bytes(data, **kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    status = getattr(verdict, "status", "accepted" if verdict.accepted else "refused")
    estimate = getattr(verdict, "estimate", None)
    print(json.dumps(dict(status=status, wall=wall, cpu=cpu,
                          rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, base=base / 1024,
                          estimate=None if estimate is None else [estimate.seconds, estimate.bytes],
                          why=verdict.first_failure()[:150])))
""")


def measure(tree: Path, data: bytes, budget: str, path: str, timeout: float, threads: int, workdir: Path) -> dict:
    file = workdir / "file.json"
    file.write_bytes(data)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads),
           "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(tree), str(file), budget, path],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return dict(status=f"timeout > {timeout:g} s", wall=timeout, cpu=float("nan"), rss=float("nan"),
                    estimate=None, why="")
    if proc.returncode != 0:
        return dict(status="crashed", wall=float("nan"), cpu=float("nan"), rss=float("nan"), estimate=None,
                    why=proc.stderr.strip().splitlines()[-1][:150] if proc.stderr.strip() else "")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(args) -> None:
    import tempfile
    tree = Path(args.before) if args.before else ROOT
    budget = "unlimited" if args.unlimited else "default"
    path = "arb-only" if args.arb_only else "fast"
    print(f"# kernel: {tree}   budget: {budget}   path: {path}   BLAS threads: {args.threads}")
    print(f"{'file':22} {'bytes':>8} {'status':>14} {'wall s':>8} {'cpu s':>8} {'RSS MB':>7} {'est. s':>7} "
          f"{'est. MB':>8}  reason")
    with tempfile.TemporaryDirectory() as workdir:
        for name, data in files().items():
            if args.only and not any(part in name for part in args.only.split(",")):
                continue
            if args.write:
                Path(args.write).mkdir(parents=True, exist_ok=True)
                (Path(args.write) / f"{name}.json").write_bytes(data)
            r = measure(tree, data, budget, path, args.timeout, args.threads, Path(workdir))
            est = r.get("estimate") or [float("nan"), float("nan")]
            print(f"{name:22} {len(data):8d} {r['status']:>14} {r['wall']:8.2f} {r['cpu']:8.2f} {r['rss']:7.0f} "
                  f"{est[0]:7.2f} {est[1] / 2 ** 20:8.0f}  {r['why'][:90]}", flush=True)


# ---------------------------------------------------------------------------
# the probe
# ---------------------------------------------------------------------------
def probe(reps: int) -> None:
    sys.path.insert(0, str(ROOT))
    from certify.kernel import fpenv
    for threads in (False, True):
        fpenv.problem(threads)
        best = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            fpenv.problem(threads)
            best = min(best, time.perf_counter() - t)
        what = "full probe (with the threaded BLAS product), once per verify_bytes" if threads else \
            "calling-thread probe, before each fast test and float enclosure"
        print(f"{what}: {best * 1e3:.3f} ms (best of {reps})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help="root of another checkout whose kernel to measure")
    parser.add_argument("--unlimited", action="store_true", help="no budget (kernel.cost.UNLIMITED)")
    parser.add_argument("--arb-only", action="store_true", help="verify_bytes(fast=False)")
    parser.add_argument("--only", help="comma-separated substrings of the file names to run")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads of the child (default 1)")
    parser.add_argument("--write", help="also save the files in this folder")
    parser.add_argument("--probe", action="store_true", help="time the floating-point probe")
    parser.add_argument("--calibrate", action="store_true", help="step costs against the estimates")
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()
    if args.probe:
        probe(args.reps)
    elif args.calibrate:
        from calibrate import calibrate   # bench/calibrate.py
        calibrate()
    else:
        run(args)


if __name__ == "__main__":
    main()
