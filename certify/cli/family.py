"""`certify family` and `certify transition`: families of critical points over a whole
interval of real k, and the k* where a family turns from a saddle into a minimum
(docs/families.md; producer: certify.producer.family / transition)."""
from __future__ import annotations

import math
from pathlib import Path

from .. import DEFAULT_DIR
from ..files import check_output_folder
from ..producer import NotCertified
from . import common, output

FOLDER = DEFAULT_DIR / "families"


def parse_blocks(text: str) -> int:
    """"1,k-1" or "2,k-2" -> q."""
    parts = [x.strip() for x in text.split(",")]
    if len(parts) != 2 or parts[0] not in ("1", "2") or parts[1].replace(" ", "") != f"k-{parts[0]}":
        raise common.UsageError(f"--blocks must be 1,k-1 or 2,k-2, got {text!r}")
    return int(parts[0])


def parse_range(text: str) -> tuple:
    """"LO..HI" -> (LO, HI) floats; HI may be inf."""
    if ".." not in text:
        raise common.UsageError(f"--k must be LO..HI, got {text!r}")
    lo, hi = text.split("..", 1)
    try:
        return float(lo), float(hi)
    except ValueError:
        raise common.UsageError(f"--k must be LO..HI with numbers, got {text!r}") from None


def build_parser(command: str, description: str, k_help: str, k_default) -> common.Parser:
    parser = common.Parser(command, description=description)
    parser.add_argument("--blocks", default="1,k-1", help="1,k-1 or 2,k-2 (default 1,k-1)")
    parser.add_argument("--k", default=k_default, metavar="LO..HI", help=k_help)
    parser.add_argument("--out", type=Path, default=FOLDER, help=f"output folder (default {FOLDER}/)")
    common.add_force(parser)
    parser.add_argument("--verbose", action="store_true", help="report every piece on stderr")
    common.add_reporting(parser)
    return parser


def finish(outcome, folder: Path, name: str, args, report) -> int:
    """Write the certificate (the verifier accepted these very bytes) and report it."""
    written = output.write_certificate(outcome, folder, args.force, report, args.blocks, name)
    if written is None:
        return report.finish(common.EXIT_UNUSABLE)
    path, changed, sha256 = written
    clause = output.what_it_proves(outcome.verdict.statement)
    report.result(f"certified: {clause} -> {path}{'' if changed else ' (unchanged)'}  "
                  f"sha256 {sha256[:16]}  ({report.elapsed():.1f} s)",
                  {"status": "certified", "path": str(path), "written": changed,
                   "sha256": sha256, "proves": clause})
    return report.finish(common.EXIT_OK)


def run_family(argv: list[str]) -> int:
    args = build_parser("family", (
        "Certify the (q, k-q) family of spurious minima for every real k of a range at once "
        "(docs/families.md): one continuous branch, a strict spurious local minimum at every "
        "integer k of the range, for every input dimension d >= k."),
        "range LO..HI of real k (default 6..1e6; LO > q + 3, HI <= 1e15)", "6..1e6").parse_args(argv)
    q = parse_blocks(args.blocks)
    lo, hi = parse_range(args.k)
    if math.isinf(hi):
        raise common.UsageError("the chart at k = infinity is not available (docs/families.md "
                                "section 7): give a finite upper end, e.g. --k 6..1e12")
    if not (math.isfinite(lo) and q + 3 < lo < hi <= 1e15):
        raise common.UsageError(f"--k needs {q + 3} < LO < HI <= 1e15")
    from ..producer.family import certify_family, family_file_name
    from ..producer.branch import BranchLost
    name = family_file_name(q, lo, hi)
    check_output_folder(args.out, parents=args.out == FOLDER)
    output.check_target(args.out / name, args.force)
    report = common.Report(args, "family")
    prec = 128 if hi <= 1e3 else 192 if hi <= 1e8 else 256
    log = report.progress if args.verbose else None
    try:
        return finish(certify_family(q, lo, hi, prec=prec, log=log), args.out, name, args, report)
    except (NotCertified, BranchLost) as err:
        report.problem(f"NOT CERTIFIED: {err}", {"status": "not certified", "reason": str(err)})
        return report.finish(common.EXIT_REFUSED)


def run_transition(argv: list[str]) -> int:
    args = build_parser("transition", (
        "Certify the k* at which the (q, k-q) family turns from a saddle into a minimum "
        "(docs/families.md section 8), enclosed to width <= 1e-20."),
        "range LO..HI around k* (default 5..6 for 1,k-1 and 7..8 for 2,k-2)", None).parse_args(argv)
    q = parse_blocks(args.blocks)
    from ..producer.transition import RANGES, certify_transition
    from ..producer.branch import BranchLost
    lo, hi = parse_range(args.k) if args.k else RANGES[q]
    if not (math.isfinite(hi) and q + 3 < lo < hi):
        raise common.UsageError(f"--k needs {q + 3} < LO < HI (finite)")
    name = f"transition_S{q}xSk-{q}.json"
    check_output_folder(args.out, parents=args.out == FOLDER)
    output.check_target(args.out / name, args.force)
    report = common.Report(args, "transition")
    try:
        return finish(certify_transition(q, lo, hi, log=report.progress if args.verbose else None),
                      args.out, name, args, report)
    except (NotCertified, BranchLost) as err:
        report.problem(f"NOT CERTIFIED: {err}", {"status": "not certified", "reason": str(err)})
        return report.finish(common.EXIT_REFUSED)


run = run_family
