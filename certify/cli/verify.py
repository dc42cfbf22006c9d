"""`certify verify`: re-prove certificate files from their own bytes (kernel.verify)."""
from __future__ import annotations

import time

from .. import DEFAULT_DIR
from ..files import FileProblem, certificate_files, read_bounded
from ..kernel.format import MAX_BYTES
from ..kernel.verify import verify_bytes
from . import common
from .output import what_it_proves


def build_parser() -> common.Parser:
    parser = common.Parser("verify", description=(
        "Re-prove stored certificates from their own bytes (arb ball arithmetic and "
        "floating-point tests with proved error bounds). One line per file: OK or REFUSED, "
        "its SHA-256 and what it proves; then a summary. Exit 0 if every file is proved, "
        "1 if a claim is refused, 2 if a file is unreadable or not a well-formed certificate."))
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="certificate files or folders, searched recursively for *.json "
                             "(default certificates/)")
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
    counts = {"proved": 0, "refused": 0, "unreadable": 0}
    for path in files:
        t0 = time.perf_counter()
        try:
            data = read_bounded(path, MAX_BYTES)
        except FileProblem as err:
            counts["unreadable"] += 1
            report.problem(f"UNREADABLE {path}: {err}", {"path": str(path), "status": "unreadable",
                                                          "reason": str(err)})
            continue
        verdict = verify_bytes(data)
        secs = time.perf_counter() - t0
        record = {"path": str(path), "sha256": verdict.sha256, "seconds": round(secs, 3),
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
        else:
            counts["refused"] += 1
            report.problem(f"REFUSED  {path}  sha256 {verdict.sha256}: {verdict.first_failure()}",
                           {**record, "status": "refused", "reason": verdict.first_failure()})
    status = (common.EXIT_UNUSABLE if counts["unreadable"] else
              common.EXIT_REFUSED if counts["refused"] else common.EXIT_OK)
    report.summary(f"{counts['proved']} proved, {counts['refused']} refused, "
                   f"{counts['unreadable']} unreadable ({report.elapsed():.2f} s)")
    return report.finish(status, counts=counts)
