"""`certify symmetric --blocks 2,18 | CANDIDATE`: block-symmetric minima, reduced method."""
from __future__ import annotations

import re
from pathlib import Path

from .. import DEFAULT_DIR
from ..files import check_output_folder
from ..producer import NotCertified, pipelines, reduced
from ..producer.candidate import BadCandidate, read_symmetric_candidate
from . import common, output


def build_parser() -> common.Parser:
    parser = common.Parser("symmetric", description=(
        "Certify a spurious local minimum fixed by Delta(S_p1 x ... x S_pm) (n = k = d, teacher I) "
        "with the symmetry-reduced method: either search the block ansatz (--blocks) or detect "
        "the block structure of a dense candidate (JSON {\"W\": [[...]]} or .npy). "
        "Exit 0: certificate written; 1: not certified; 2: bad input."))
    parser.add_argument("candidate", nargs="?", type=Path, help="a dense candidate point (instead of --blocks)")
    parser.add_argument("--blocks", help=f"block sizes, e.g. 2,18 or 6,1,13 (1..{reduced.MAX_BLOCKS} "
                                         f"blocks, sum k <= {reduced.MAX_K})")
    common.add_prec(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR / "symmetric",
                        help="output folder (default certificates/symmetric/)")
    common.add_force(parser)
    common.add_reporting(parser)
    return parser


def parse_blocks(text: str) -> tuple:
    if not re.fullmatch(r"\d+(,\d+)*", text.replace(" ", "")):
        raise common.UsageError(f"--blocks: not a comma list of positive integers: {text!r}")
    blocks = tuple(int(x) for x in text.replace(" ", "").split(","))
    if not 1 <= len(blocks) <= reduced.MAX_BLOCKS or min(blocks) < 1 or sum(blocks) > reduced.MAX_K:
        raise common.UsageError(f"--blocks: 1..{reduced.MAX_BLOCKS} positive sizes with sum "
                                f"<= {reduced.MAX_K}, got {text!r}")
    return blocks


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if (args.candidate is None) == (args.blocks is None):
        raise common.UsageError("give exactly one of CANDIDATE or --blocks")
    blocks = parse_blocks(args.blocks) if args.blocks else None
    check_output_folder(args.out, parents=args.out == DEFAULT_DIR / "symmetric")
    W = None
    if blocks is None:
        try:
            W = read_symmetric_candidate(args.candidate)
        except BadCandidate as err:
            raise common.UsageError(f"unusable candidate {args.candidate}: {err}") from None
    report = common.Report(args, "symmetric")
    try:
        outcome = (pipelines.certify_block_structure(blocks, args.prec) if blocks
                   else pipelines.certify_symmetric_candidate(W, args.prec))
    except NotCertified as err:
        report.problem(f"NOT CERTIFIED: {err}", {"status": "not certified", "reason": str(err)})
        return report.finish(common.EXIT_REFUSED)
    written = output.write_certificate(outcome, args.out, args.force, report, "symmetric")
    if written is None:
        return report.finish(common.EXIT_UNUSABLE)
    path, changed, sha256 = written
    claims = outcome.obj["claims"]
    report.result(f"certified blocks {outcome.obj['blocks']}: loss >= "
                  f"{output.decimal(claims['loss_lower'], 12, 'down')}, lambda_min > "
                  f"{output.decimal(claims['hessian_min_eig_lower'], 7, 'down')} -> {path}"
                  f"{'' if changed else ' (unchanged)'}", output.certificate_record(outcome, path, changed, sha256))
    return report.finish(common.EXIT_OK)
