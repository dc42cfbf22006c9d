"""`certify point CANDIDATE`: refine a user's point and certify it as a spurious local
minimum or a saddle with its Morse index (candidate formats: producer.candidate)."""
from __future__ import annotations

from pathlib import Path

from ..producer import NotCertified, pipelines
from ..producer.candidate import BadCandidate, read_candidate, read_symmetric_candidate
from . import common, output


def build_parser() -> common.Parser:
    parser = common.Parser("point", description=(
        "Refine a candidate critical point and certify it as a spurious local minimum or a "
        "saddle with its Morse index (valid for every d' >= d when the d > k matrix is positive "
        "definite, else for d alone). Exit 0: certificate written; 1: not certified; 2: bad input."))
    parser.add_argument("candidate", type=Path,
                        help='JSON {"k": 6, "W": [[...]], "V": optional} or .npy (with --k)')
    parser.add_argument("--k", type=common.int_in(1, 10 ** 7, "--k"), default=None,
                        help="number of teacher neurons (needed for .npy)")
    parser.add_argument("--out", type=Path, default=None,
                        help="certificate file (default: <candidate>.cert.json next to the candidate)")
    common.add_prec(parser)
    common.add_force(parser)
    parser.add_argument("--symmetric", action="store_true",
                        help="detect the block symmetry of the point and use the symmetry-reduced "
                             "method (n = k = d, teacher I)")
    common.add_reporting(parser)
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    out = output.check_target(args.out or args.candidate.with_name(args.candidate.stem + ".cert.json"),
                              args.force)
    report = common.Report(args, "point")
    try:
        if args.symmetric:
            W, V = read_symmetric_candidate(args.candidate, args.k), None
        else:
            W, V = read_candidate(args.candidate, args.k)
    except BadCandidate as err:
        raise common.UsageError(f"unusable candidate {args.candidate}: {err}") from None
    try:
        outcome = (pipelines.certify_symmetric_candidate(W, args.prec) if args.symmetric else
                   pipelines.certify_candidate(W, V, args.prec, {
                       "found_by": "user candidate (certify point), refined by Newton"}))
    except NotCertified as err:
        report.problem(f"not certified: {err}", {"status": "not certified", "reason": str(err)})
        return report.finish(common.EXIT_REFUSED)
    written = output.write_certificate(outcome, out, args.force, report, str(args.candidate), name=False)
    if written is None:
        return report.finish(common.EXIT_UNUSABLE)
    path, changed, sha256 = written
    clause = output.what_it_proves(outcome.verdict.statement)
    report.result(f"{clause}  -> {path}{'' if changed else ' (unchanged)'}  ({report.elapsed():.2f} s)"
                  + (f"\n  note: {outcome.note}" if outcome.note else ""),
                  output.certificate_record(outcome, path, changed, sha256))
    return report.finish(common.EXIT_OK)
