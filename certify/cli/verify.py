"""`certify verify`: re-prove certificate files from their own bytes (kernel.verify)."""
from __future__ import annotations

import time

from .. import DEFAULT_DIR
from ..files import FileProblem, certificate_files, read_bounded
from ..kernel.cost import DEFAULT_BUDGET, GIB, Budget
from ..kernel.format import MAX_BYTES
from ..kernel.verify import verify_bytes
from . import common
from .output import what_it_proves


def build_parser() -> common.Parser:
    parser = common.Parser("verify", description=(
        "Re-prove stored certificates from their own bytes (arb ball arithmetic and "
        "floating-point tests with proved error bounds). One line per file: OK or REFUSED, "
        "its SHA-256 and what it proves; then a summary. Exit 0 if every file is proved, "
        "1 if a claim is refused, 2 if a file is unreadable, not a well-formed certificate, "
        "or too costly to check within the limits."))
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="certificate files or folders, searched recursively for *.json "
                             "(default certificates/)")
    parser.add_argument("--arb-only", action="store_true",
                        help="decide every claim with arb ball arithmetic only: no floating-point "
                             "or BLAS assumption (docs/trust.md); slower, large files may exceed the limits")
    parser.add_argument("--max-seconds", type=common.positive_float("--max-seconds"),
                        default=DEFAULT_BUDGET.seconds, metavar="S",
                        help=f"refuse to check a file whose estimated cost exceeds S seconds "
                             f"(default {DEFAULT_BUDGET.seconds:g}; estimates are for one core)")
    parser.add_argument("--max-memory", type=common.positive_float("--max-memory"),
                        default=DEFAULT_BUDGET.bytes / GIB, metavar="GIB",
                        help=f"the same for the estimated memory, in GiB (default {DEFAULT_BUDGET.bytes / GIB:g})")
    common.add_reporting(parser)
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    common.existing_paths(args.paths, DEFAULT_DIR, "run `certify k=6` first, or name certificate "
                                                   "files or folders")
    files = certificate_files(args.paths)
    if not files:
        raise common.UsageError("no certificates found (*.json) in " + " ".join(args.paths or [str(DEFAULT_DIR)]))
    report = common.Report(args, "verify")
    budget = Budget(args.max_seconds, args.max_memory * GIB)
    counts = {"proved": 0, "refused": 0, "unreadable": 0, "too costly": 0}
    for path in files:
        t0 = time.perf_counter()
        try:
            data = read_bounded(path, MAX_BYTES)
        except FileProblem as err:
            counts["unreadable"] += 1
            report.problem(f"UNREADABLE {path}: {err}", {"path": str(path), "status": "unreadable",
                                                          "reason": str(err)})
            continue
        verdict = verify_bytes(data, fast=not args.arb_only, budget=budget)
        secs = time.perf_counter() - t0
        record = {"path": str(path), "sha256": verdict.sha256, "seconds": round(secs, 3),
                  "fast_tests": verdict.fast_tests,
                  "claims": [{"claim": r.claim, "proved": r.proved, "detail": r.detail}
                             for r in verdict.results]}
        if verdict.accepted:
            counts["proved"] += 1
            clause = what_it_proves(verdict.statement)
            report.result(f"OK       {path}  sha256 {verdict.sha256}  {clause}  ({secs:.2f} s)",
                          {**record, "status": "proved", "proves": clause})
        elif verdict.unreadable:
            counts["unreadable"] += 1
            report.problem(f"UNREADABLE {path}  sha256 {verdict.sha256}: {verdict.error}",
                           {**record, "status": "unreadable", "reason": verdict.error})
        elif verdict.status == "too costly":
            counts["too costly"] += 1
            report.problem(f"TOO COSTLY {path}  sha256 {verdict.sha256}: {verdict.too_costly}; "
                           "raise --max-seconds / --max-memory to check it",
                           {**record, "status": "too costly", "reason": verdict.too_costly})
        else:
            counts["refused"] += 1
            report.problem(f"REFUSED  {path}  sha256 {verdict.sha256}: {verdict.first_failure()}",
                           {**record, "status": "refused", "reason": verdict.first_failure()})
    status = (common.EXIT_UNUSABLE if counts["unreadable"] or counts["too costly"] else
              common.EXIT_REFUSED if counts["refused"] else common.EXIT_OK)
    report.summary(f"{counts['proved']} proved, {counts['refused']} refused, {counts['unreadable']} "
                   f"unreadable" + (f", {counts['too costly']} too costly to check"
                                    if counts["too costly"] else "") + f" ({report.elapsed():.2f} s)")
    return report.finish(status, counts=counts)
