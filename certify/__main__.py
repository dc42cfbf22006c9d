"""certify: machine-checked spurious local minima of two-layer ReLU networks.

    python -m certify k=6 [k=6..20 | k=6,8,12] [--prec BITS] [--out DIR] [--force] [--jobs N]
    python -m certify k=8 n=9 [n=k+1,k+2]   (n > k students: search, certify minima and saddles)
    python -m certify point candidate.json [--out cert.json] [--symmetric]   (certify a given point)
    python -m certify k=1000 [--method dense|symmetric]   (k > 40: symmetry-reduced, blocks (1, k-1))
    python -m certify symmetric --blocks 2,18 | cand.json   (other block structures, reduced)
    python -m certify verify [PATH ...]      (files or folders; default certificates/)
    python -m certify table [--latex | --markdown | --csv] [PATH ...]   (one row per certificate, re-verified)
    python -m certify report [--out DIR] [PATH ...]   (plots, PNG and PDF; needs matplotlib)
    python -m certify census k=6..20 [--runs N] [--seed S] [--n k,k+1,k+2] [--results DIR] | --resume DIR
    python -m certify SUBCOMMAND --help     (all options of a subcommand)
    python -m certify --version

Exit codes: 0 success; 1 a claim was refused / could not be certified;
2 unreadable input or bad usage.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# one BLAS thread per process: the matrices are small and --jobs uses the cores
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from . import DEFAULT_DIR, __version__  # noqa: E402

EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE = 0, 1, 2
MAX_K = 40
MAX_K_SYMMETRIC = 10 ** 7   # k > MAX_K: symmetry-reduced method (certify.symmetric_pipeline)


class UsageError(ValueError):
    pass


def parse_k_values(specs: list[str], limit: int = MAX_K) -> list[int]:
    """'k=6', 'k=6..20', 'k=6,8,12' (several allowed) -> sorted distinct k in 2..limit."""
    values = set()
    for spec in specs:
        if not spec.startswith("k="):
            raise UsageError(f"expected k=..., got {spec!r}")
        for part in spec[2:].split(","):
            try:
                if ".." in part:
                    lo, hi = (int(x) for x in part.split("..", 1))
                    values.update(range(lo, hi + 1))
                    if lo > hi:
                        raise UsageError(f"empty range {part!r}")
                else:
                    values.add(int(part))
            except ValueError:
                raise UsageError(f"not an integer or range: {part!r}") from None
    bad = [k for k in values if not 2 <= k <= limit]
    if bad or not values:
        method = "dense method" if limit == MAX_K else "k > 40: symmetric method"
        raise UsageError(f"k must be in 2..{limit} ({method}), got {sorted(bad) or 'nothing'}")
    return sorted(values)


def _certify_one(args):
    from . import pipeline
    k, prec, method = args
    try:
        if method == "symmetric":
            from . import symmetric_pipeline
            return k, symmetric_pipeline.certify_k_symmetric(k, prec), None
        return k, pipeline.certify_k(k, prec), None
    except pipeline.NotCertified as err:
        return k, None, str(err)


def run_certify(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify", description=(
        "Find, refine and prove the lowest-loss spurious local minimum for each k "
        "(n = k neurons, teacher = first k rows of I_d), valid for every d >= k; "
        "writes one certificate per k."))
    parser.add_argument("ks", nargs="+", metavar="k=SPEC", help="k=6, k=6..20 or k=6,8,12 "
                        "[n=9 | n=k+1,k+2: over-parameterised students, minima and saddles]")
    parser.add_argument("--prec", type=int, default=128, help="arb precision in bits (default 128)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default certificates/, "
                        "certificates/symmetric/ for the symmetric method)")
    parser.add_argument("--force", action="store_true", help="replace existing certificates with different content")
    parser.add_argument("--jobs", type=int, default=1, help="processes for independent k (default 1)")
    parser.add_argument("--method", choices=("dense", "symmetric"), default=None,
                        help=f"dense (default for k <= {MAX_K}) or symmetric (block-reduced, "
                             f"blocks (1, k-1); always used for k > {MAX_K})")
    args = parser.parse_args(argv)
    # n=9 / n=k+1 (over-parameterised students): search + certify in certify.point
    n_specs = [spec for spec in args.ks if spec.startswith("n=")]
    args.ks = [spec for spec in args.ks if not spec.startswith("n=")]
    try:
        ks = parse_k_values(args.ks, MAX_K if n_specs or args.method == "dense" else MAX_K_SYMMETRIC)
        if not 64 <= args.prec <= 2048:
            raise UsageError("--prec must be in 64..2048")
    except UsageError as err:
        parser.error(str(err))
    if n_specs and args.out is None:
        args.out = DEFAULT_DIR
    if n_specs:
        from .point import run_overparameterised
        return run_overparameterised(ks, "n=" + ",".join(spec[2:] for spec in n_specs), args)
    from . import certificate, pipeline
    from .display import decimal

    rows, status = [], EXIT_OK
    jobs = [(k, args.prec, "symmetric" if args.method == "symmetric" or k > MAX_K else "dense")
            for k in ks]
    started = time.perf_counter()
    with (ProcessPoolExecutor(max_workers=args.jobs) if args.jobs > 1
          else contextlib.nullcontext()) as pool:     # the pool is shut down on exit
        results = pool.map(_certify_one, jobs) if pool else map(_certify_one, jobs)
        for done, (k, outcome, error) in enumerate(results, 1):
            elapsed = time.perf_counter() - started
            if outcome is None:
                print(f"[{done}/{len(ks)}] k={k}: NOT CERTIFIED: {error}", file=sys.stderr, flush=True)
                status = EXIT_REFUSED
                continue
            folder = DEFAULT_DIR / "symmetric" if outcome.obj["method"] == "symmetric" else DEFAULT_DIR
            path = (args.out or folder) / certificate.file_name(outcome.obj)
            try:
                data, changed = certificate.write(outcome.obj, path, force=args.force)
            except certificate.WouldOverwrite as err:
                print(f"[{done}/{len(ks)}] k={k}: {err}", file=sys.stderr, flush=True)
                status = EXIT_REFUSED
                continue
            secs = sum(outcome.seconds.values())
            print(f"[{done}/{len(ks)}] k={k}: proved in {secs:.2f} s -> {path}"
                  f"{'' if changed else ' (unchanged)'}  [{elapsed:.1f} s total]", file=sys.stderr, flush=True)
            claims = outcome.obj["claims"]
            rows.append((k, decimal(claims["loss_lower"], 12, "down"), decimal(claims["loss_upper"], 12, "up"),
                         decimal(claims["hessian_min_eig_lower"], 7, "down"),
                         decimal(outcome.obj["box"]["radius"], 3), f"{secs:.2f}",
                         certificate.sha256(data)[:16]))
    if rows:
        header = ("k", "loss >=", "loss <=", "lambda_min >", "radius", "seconds", "sha256")
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
        for row in [header] + rows:
            print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)))
    return status


def run_verify(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify verify", description=(
        "Re-prove stored certificates from their own data (arb ball arithmetic). "
        "Exit 0 if every one is proved, 1 if any claim is refused, 2 if a file is unreadable."))
    parser.add_argument("paths", nargs="*", help="certificate files or folders (default certificates/)")
    args = parser.parse_args(argv)
    from .certificate import expand_paths
    from .kernel.verify import verify_bytes

    if not args.paths and not DEFAULT_DIR.is_dir():
        print(f"no {DEFAULT_DIR}/ folder here: run `python -m certify k=6` first, "
              "or name certificate files or folders", file=sys.stderr)
        return EXIT_UNUSABLE
    files = expand_paths(args.paths)
    if not files:
        print("no certificates found", file=sys.stderr)
        return EXIT_UNUSABLE
    status = EXIT_OK
    for path in files:
        t0 = time.perf_counter()
        try:
            data = path.read_bytes()
        except OSError as err:
            print(f"UNREADABLE {path}: {err.strerror or err}")
            status = EXIT_UNUSABLE
            continue
        verdict = verify_bytes(data)
        secs = time.perf_counter() - t0
        if verdict.accepted:
            print(f"OK       {path}  sha256 {verdict.sha256}  ({secs:.2f} s)")
        else:
            print(f"REFUSED  {path}  sha256 {verdict.sha256}: {verdict.first_failure()}")
            status = max(status, EXIT_UNUSABLE if verdict.unreadable else EXIT_REFUSED)
    return status


# subcommand -> (module, function taking argv and returning an exit code).
# Each lives in its own module so that commands stay independent.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "symmetric": (".symmetric_pipeline", "run_symmetric"),
    "point": (".point", "run_point"),
    "table": (".table", "run_table"),
    "report": (".report", "run_report"),
    "census": (".census.cli", "run_census"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-V", "--version"):
        print(f"certify {__version__}")
        return EXIT_OK
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return EXIT_OK if argv else EXIT_UNUSABLE
    try:
        if argv[0] == "verify":
            return run_verify(argv[1:])
        if argv[0] in SUBCOMMANDS:
            module_name, function_name = SUBCOMMANDS[argv[0]]
            module = importlib.import_module(module_name, __package__)
            return getattr(module, function_name)(argv[1:])
        return run_certify(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
