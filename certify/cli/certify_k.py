"""`certify k=6..20`: find, refine and prove the spurious minimum of the
Delta(S_1 x S_{k-1}) family for each k (n = k neurons, teacher I_k), valid for
every input dimension d >= k; one certificate per k.  With n=...: over-parameterised
students (cli.overparameterised)."""
from __future__ import annotations

import contextlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .. import DEFAULT_DIR
from ..files import check_output_folder
from ..kernel.dense.method import MAX_VARIABLES
from ..kernel.reduced.method import MAX_K as MAX_K_SYMMETRIC
from ..producer import NotCertified, pipelines
from . import common, output

MAX_K_DENSE = int(MAX_VARIABLES ** 0.5)     # n = d = k: 40
FIRST_K = pipelines.FAMILY_START            # the family has a spurious minimum from k = 6 on


def build_parser() -> common.Parser:
    parser = common.Parser(None, description=(
        "Find, refine and prove the spurious local minimum of the S1 x S(k-1) family for each k "
        "(n = k neurons, teacher = first k rows of I_d), valid for every d >= k; writes one "
        "certificate per k. With n=...: search over-parameterised students (n > k) and certify "
        "the minima and saddles found."))
    parser.add_argument("ks", nargs="+", metavar="k=SPEC", help="k=6, k=6..20 or k=6,8,12 "
                        "[n=9 | n=k+1,k+2: over-parameterised students, minima and saddles]")
    common.add_prec(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default certificates/, "
                        "certificates/symmetric/ for the symmetric method)")
    common.add_force(parser)
    common.add_jobs(parser, "processes for independent k (default 1)")
    parser.add_argument("--method", choices=("dense", "symmetric"), default=None,
                        help=f"dense (default for k <= {MAX_K_DENSE}) or symmetric (block-reduced, "
                             f"blocks (1, k-1); always used for k > {MAX_K_DENSE})")
    common.add_reporting(parser)
    return parser


def method_for(k: int, choice: str | None) -> str:
    return choice or ("dense" if k <= MAX_K_DENSE else "symmetric")


def family_object(k: int, method: str) -> dict:
    """The fields of a family member's certificate that name its file."""
    return {"k": k, "n": k, "method": method, "kind": "local_minimum", "blocks": [1, k - 1],
            "info": {"symmetry": f"S1xS{k - 1}"}}


def certify_one(task):
    """(k, outcome or None, reason): the worker of one k (also in a process pool)."""
    k, prec, method = task
    try:
        return k, pipelines.certify_family_member(k, prec, method), None
    except NotCertified as err:
        return k, None, str(err)


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    n_specs = [spec[2:] for spec in args.ks if spec.startswith("n=")]
    k_specs = [spec for spec in args.ks if not spec.startswith("n=")]
    if n_specs and not k_specs:
        raise common.UsageError("n=... needs k=... too (e.g. k=8 n=9)")
    dense_only = bool(n_specs) or args.method == "dense"
    ks = common.parse_k_values(k_specs, 2, MAX_K_DENSE if dense_only else MAX_K_SYMMETRIC)
    if n_specs:
        from .overparameterised import run_overparameterised
        return run_overparameterised(ks, ",".join(n_specs), args)
    folders = {method_for(k, args.method) for k in ks}
    targets = {m: args.out or (DEFAULT_DIR / "symmetric" if m == "symmetric" else DEFAULT_DIR)
               for m in folders}
    for folder in set(targets.values()):            # before any work
        check_output_folder(folder, parents=args.out is None)
    for k in ks:
        method = method_for(k, args.method)
        output.check_target(targets[method] / output.file_name(family_object(k, method)), args.force)
    report = common.Report(args, "certify")
    status = common.EXIT_OK
    below = [k for k in ks if k < FIRST_K]
    for k in below:
        reason = (f"the S1xS{k - 1} family has no spurious minimum for k < {FIRST_K} "
                  "(in floating point its critical point is a saddle there); nothing written")
        report.problem(f"k={k}: NOT CERTIFIED: {reason}", {"k": k, "status": "not certified",
                                                           "reason": reason})
        status = common.EXIT_REFUSED
    todo = [(k, args.prec, method_for(k, args.method)) for k in ks if k >= FIRST_K]
    rows = []
    with (ProcessPoolExecutor(max_workers=args.jobs) if args.jobs > 1 and len(todo) > 1
          else contextlib.nullcontext()) as pool:
        results = pool.map(certify_one, todo) if pool else map(certify_one, todo)
        for done, (k, outcome, error) in enumerate(results, 1):
            where = f"[{done}/{len(todo)}] k={k}"
            if outcome is None:
                report.problem(f"{where}: NOT CERTIFIED: {error}",
                               {"k": k, "status": "not certified", "reason": error})
                status = common.EXIT_REFUSED
                continue
            written = output.write_certificate(outcome, targets[outcome.obj["method"]], args.force,
                                               report, where)
            if written is None:
                status = max(status, common.EXIT_UNUSABLE)
                continue
            path, changed, sha256 = written
            secs = sum(outcome.seconds.values())
            report.progress(f"{where}: proved in {secs:.2f} s -> {path}{'' if changed else ' (unchanged)'}"
                            f"  [{report.elapsed():.1f} s total{common.eta(done, len(todo), report.elapsed())}]")
            rows.append(output.certificate_row(outcome, secs, sha256))
            report.records.append(output.certificate_record(outcome, path, changed, sha256))
    if rows and not report.json:
        output.print_rows(rows)
    return report.finish(status)
