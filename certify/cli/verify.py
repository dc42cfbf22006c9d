"""`certify verify`: re-prove certificate files from their own bytes, with the kernel
(certify.kernel.verify), the independent checker (certify.independent), or both."""
from __future__ import annotations

import time

from .. import DEFAULT_DIR
from ..files import FileProblem, certificate_files, read_bounded
from ..kernel import methods
from ..kernel.format import MAX_BYTES, decode
from ..kernel.cost import Budget
from ..kernel.verify import verify_bytes
from . import common
from ..views.certificates import kernel_status
from .output import what_it_proves

STATUS_EXIT = {"proved": common.EXIT_OK, "refused": common.EXIT_REFUSED,
               "disagree": common.EXIT_REFUSED, "unreadable": common.EXIT_UNUSABLE,
               "too costly": common.EXIT_UNUSABLE}
LABEL = {"proved": "OK      ", "refused": "REFUSED ", "disagree": "DISAGREE", "unreadable": "UNREADABLE",
         "too costly": "TOO COSTLY"}


def build_parser() -> common.Parser:
    parser = common.Parser("verify", description=(
        "Re-prove stored certificates from their own bytes. One line per file: OK or REFUSED, "
        "its SHA-256 and what it proves; then a summary. By default the kernel decides (arb ball "
        "arithmetic and floating-point tests with proved error bounds); --independent uses the "
        "second checker (mpmath intervals and exact integers, no code shared with the kernel), "
        "--both runs both and reports any disagreement. Exit 0 if every file is proved, 1 if a "
        "claim is refused or the checkers disagree, 2 if a file is unreadable, not a well-formed "
        "certificate, or too costly to check within the limits."))
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="certificate files or folders, searched recursively for *.json "
                             "(default certificates/)")
    checker = parser.add_mutually_exclusive_group()
    checker.add_argument("--independent", action="store_true",
                         help="use only the independent checker (certify/independent/; "
                              "docs/independent-checker.md)")
    checker.add_argument("--both", action="store_true",
                         help="run the kernel and the independent checker; a file is OK only if both "
                              "prove every claim, and any difference is reported (exit 1)")
    parser.add_argument("--arb-only", action="store_true",
                        help="kernel: decide every claim with arb ball arithmetic only: no floating-point "
                             "or BLAS assumption (docs/trust.md); slower, large files may exceed the limits")
    common.add_budget(parser)
    common.add_reporting(parser)
    return parser




def independent_status(verdict) -> str:
    return ("proved" if verdict.accepted else "unreadable" if verdict.error
            else "too costly" if verdict.too_costly else "refused")


def claims_record(verdict) -> list:
    return [{"claim": r.claim, "proved": r.proved, "detail": r.detail} for r in verdict.results]


def check(data: bytes, args, budget: Budget):
    """(status, reason, clause, record) of one file's bytes with the chosen checker(s)."""
    record = {}
    kernel = independent = None
    if not args.independent:
        kernel = verify_bytes(data, fast=not args.arb_only, budget=budget)
        record.update(sha256=kernel.sha256, fast_tests=kernel.fast_tests, claims=claims_record(kernel))
    if args.independent or args.both:
        from ..independent import verify_bytes as independent_verify_bytes
        independent = independent_verify_bytes(data, budget.seconds)
        record.update(sha256=independent.sha256, independent_claims=claims_record(independent))
    if kernel is not None:
        status = kernel_status(kernel)
        reason = kernel.too_costly if status == "too costly" else kernel.first_failure()
        clause = what_it_proves(kernel.statement) if kernel.statement is not None else ""
    else:     # the clause only describes the file: read (not proved) by the kernel's reader
        status, reason = independent_status(independent), independent.first_failure()
        clause = what_it_proves(methods.read(decode(data))[1]) if status == "proved" else ""
    if independent is not None and kernel is not None and independent.too_costly and status != "too costly":
        status, reason = "too costly", "independent checker: " + independent.too_costly
    if kernel is not None and independent is not None and status != "too costly":
        from ..independent import disagreements
        differences = disagreements(kernel, independent)
        if differences:
            status, reason = "disagree", "the checkers disagree: " + "; ".join(differences)
            record["disagreements"] = differences
        elif status == "proved":
            clause += " (both checkers)"
    return status, reason, clause, record


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    common.existing_paths(args.paths, DEFAULT_DIR, "run `certify k=6` first, or name certificate "
                                                   "files or folders")
    files = certificate_files(args.paths)
    if not files:
        raise common.UsageError("no certificates found (*.json) in " + " ".join(args.paths or [str(DEFAULT_DIR)]))
    report = common.Report(args, "verify")
    budget = common.budget(args)
    counts = dict.fromkeys(STATUS_EXIT, 0)
    for path in files:
        t0 = time.perf_counter()
        try:
            data = read_bounded(path, MAX_BYTES)
        except FileProblem as err:
            counts["unreadable"] += 1
            report.problem(f"UNREADABLE {path}: {err}", {"path": str(path), "status": "unreadable",
                                                          "reason": str(err)})
            continue
        status, reason, clause, record = check(data, args, budget)
        secs = time.perf_counter() - t0
        counts[status] += 1
        record.update(path=str(path), status=status, seconds=round(secs, 3))
        if status == "proved":
            report.result(f"{LABEL[status]} {path}  sha256 {record['sha256']}  {clause}  ({secs:.2f} s)",
                          {**record, "proves": clause})
        else:
            hint = "; " + common.TOO_COSTLY_HINT if status == "too costly" else ""
            report.problem(f"{LABEL[status]} {path}  sha256 {record['sha256']}: {reason}{hint}",
                           {**record, "reason": reason})
    status = max((STATUS_EXIT[s] for s, n in counts.items() if n), default=common.EXIT_OK)
    if counts["unreadable"] or counts["too costly"]:
        status = common.EXIT_UNUSABLE
    report.summary(f"{counts['proved']} proved, {counts['refused']} refused, {counts['unreadable']} "
                   f"unreadable" + "".join(f", {counts[s]} {text}" for s, text in
                                           (("too costly", "too costly to check"),
                                            ("disagree", "with disagreeing checkers")) if counts[s])
                   + f" ({report.elapsed():.2f} s)")
    return report.finish(status, counts={s: counts[s] for s in ("proved", "refused", "unreadable", "too costly")}
                         | ({"disagree": counts["disagree"]} if counts["disagree"] else {}))
