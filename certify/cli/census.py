"""`certify census`: the command line (docs/census.md).

    certify census k=6..40 --runs 500 --seed 0 --results census-run/
    certify census k=6..100 --runs 500 --seed 0 --results census-run/ --dask tcp://scheduler:8786
    certify census k=6..20 --n k,k+1,k+2 --dask local:4
    certify census --resume census-run/

Every check of the input and of the results folder happens before any work;
bad input exits 2 with one line.  Exit 0: the census ran and every distinct
critical point with F > 0 was certified (or --no-certify); 1: some point could
not be certified, or an end point had no block structure at large k (both
reported on stderr and in the results), or a task failed (e.g. a Dask
worker died; finished chunks are kept); 2: bad usage or unusable folder;
130: interrupted (finished chunks are kept: continue with --resume).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..census import descent
from ..census.params import MAX_CENSUS_K, PREC_RANGE, ParameterError, check_params, default_folder, parse_n_specs
from ..census.store import FORMAT, VERSION, StoreError
from . import common
from .common import EXIT_INTERRUPTED, EXIT_OK, EXIT_UNUSABLE as EXIT_USAGE, UsageError

EXIT_NOT_CERTIFIED = common.EXIT_REFUSED
DEFAULTS = {"runs": 500, "seed": 0, "n": "k", "tol": descent.DEFAULT_TOL,
            "max_iter": descent.DEFAULT_MAX_ITER, "check_every": descent.DEFAULT_CHECK_EVERY,
            "chunk_runs": 50, "certify": True, "prec": 128}


def build_parser() -> argparse.ArgumentParser:
    p = common.Parser("census", description=(
        "Gradient descent (step 5/k, Xavier starts from the seed) from many starts for each "
        "(k, n); end points stored chunk by chunk in the results folder, deduplicated up to "
        "permutations, classified by isotropy and certified by the kernel. Exit 0 all distinct "
        "points certified, 1 some not certified, 2 bad usage, 130 interrupted (--resume "
        "continues)."))
    p.add_argument("ks", nargs="*", metavar="k=SPEC", help="k=8, k=6..20 or k=6,8,12")
    p.add_argument("--runs", type=int, help=f"runs per (k, n) (default {DEFAULTS['runs']})")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--n", help="neurons: k, k+1, an integer or a comma list such as k,k+1,k+2 "
                   "(default k; n >= k)")
    p.add_argument("--results", "--out", dest="results", type=Path, metavar="FOLDER",
                   help="results folder, new or empty (default results/census_k..._seed...)")
    p.add_argument("--resume", type=Path, metavar="FOLDER",
                   help="continue the census stored in FOLDER (its parameters are used; any "
                        "given here must agree)")
    common.add_jobs(p, "local worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on Dask: tcp://host:port (a running scheduler) or local:N "
                        "(a LocalCluster with N workers); needs pip install -e '.[cluster]'")
    p.add_argument("--certify", action=argparse.BooleanOptionalAction, default=None,
                   help="certify every distinct critical point with F > 0 (default: yes)")
    p.add_argument("--tol", type=float, help="gradient-norm stop (default 1e-12)")
    p.add_argument("--max-iter", type=int, help=f"gradient steps per run at most "
                   f"(default {DEFAULTS['max_iter']})")
    p.add_argument("--chunk-runs", type=int, help="runs per stored chunk (default 50)")
    p.add_argument("--prec", type=int, help=f"arb precision of certificates, "
                   f"{PREC_RANGE[0]}..{PREC_RANGE[1]} (default 128)")
    p.add_argument("-q", "--quiet", action="store_true", help="only summaries and problems on stderr")
    p.add_argument("--json", action="store_true",
                   help="print the per-(k, n) summaries as one JSON document on standard output")
    return p


def params_from(args) -> dict:
    """The census parameters (everything results depend on), validated; UsageError."""
    ks = common.parse_k_values(args.ks, 1, MAX_CENSUS_K)
    get = lambda name: DEFAULTS[name] if getattr(args, name) is None else getattr(args, name)  # noqa: E731
    params = {"format": FORMAT, "version": VERSION, "ks": ks, "n": parse_n_specs(get("n")),
              "runs": get("runs"), "seed": get("seed"), "tol": get("tol"), "max_iter": get("max_iter"),
              "check_every": DEFAULTS["check_every"], "global_loss": descent.GLOBAL_LOSS,
              "chunk_runs": get("chunk_runs"), "certify": get("certify"), "prec": get("prec"),
              "step": "5/k", "init": "N(0, 1/k) i.i.d., numpy default_rng([seed, k, n])",
              "descent": "plain gradient descent"}
    check_params(params)
    return params


def run(argv: list[str]) -> int:
    from ..census import engines
    from ..census.store import Store
    parser = build_parser()
    args = parser.parse_args(argv)
    store = None
    try:
        if args.dask is not None and args.jobs != 1:
            raise UsageError("give either --jobs or --dask, not both")
        if args.resume is not None:
            if args.results is not None and args.results != args.resume:
                raise UsageError("--resume FOLDER is the results folder; do not give --results too")
            if args.ks:
                expected = params_from(args)
            else:
                given = {name: getattr(args, name) for name in
                         ("runs", "seed", "tol", "max_iter", "chunk_runs", "certify", "prec")
                         if getattr(args, name) is not None}
                if args.n is not None:
                    given["n"] = parse_n_specs(args.n)
                expected = given
            store = Store.resume(args.resume, expected)
            check_params(store.params)
        else:
            if not args.ks:
                raise UsageError("give k=SPEC (e.g. k=6..20), or --resume FOLDER")
            params = params_from(args)
            folder = args.results or default_folder(params)
            Store.check_new(folder)
        engine = engines.make_engine(args.jobs, args.dask)
    except (UsageError, ParameterError, StoreError, engines.EngineError) as err:
        if store is not None:
            store.unlock()
        print(f"{common.program()} census: error: {err}", file=sys.stderr)    # one line
        return EXIT_USAGE
    try:
        if store is None:
            store = Store.create(folder, params)
    except StoreError as err:
        engine.close()
        print(f"{common.program()} census: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(store, engine, args)
    finally:
        store.unlock()


def _run(store, engine, args) -> int:
    """Run (or resume) the census in the locked store; write the results."""
    import numpy as np

    from ..census import results
    from ..census.runner import Census
    census = Census(store, engine, quiet=args.quiet or args.json)
    try:
        with np.errstate(all="ignore"):
            records = census.run()
    except StoreError as err:
        print(f"certify census: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:
        print(f"certify census: error: cannot write to {store.folder}: "
              f"{err.strerror or err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"interrupted; finished chunks are kept: certify census --resume "
              f"{store.folder}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:        # a task failed (e.g. a Dask worker died): say so in one line
        text = str(err).splitlines()[0] if str(err) else ""
        print(f"certify census: stopped, a task failed ({type(err).__name__}: {text}); "
              f"finished chunks are kept: certify census --resume {store.folder}",
              file=sys.stderr)
        return EXIT_NOT_CERTIFIED
    finally:
        engine.close()
    summaries = [r["summary"] for r in records]
    census.write_results()
    json_path, csv_path = store.folder / "results.json", store.folder / "results.csv"
    bad = sum(s["not_certified"] + s["not_block_symmetric"] for s in summaries)
    status = EXIT_NOT_CERTIFIED if bad and store.params["certify"] else EXIT_OK
    if args.json:
        print(json.dumps({"command": "census", "exit": status, "results": summaries,
                          "files": [str(json_path), str(csv_path)]}, indent=1, sort_keys=True, default=str))
        return status
    print(results.format_table(summaries))
    print(f"results: {json_path} {csv_path}", file=sys.stderr)
    return status
