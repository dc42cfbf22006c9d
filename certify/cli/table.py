"""`certify table`: one row per certificate, for paper appendices (views.table renders)."""
from __future__ import annotations

import sys

from .. import DEFAULT_DIR
from ..views.certificates import load_all
from ..views.table import RENDERERS, render_latex
from . import common


def build_parser() -> common.Parser:
    parser = common.Parser(
        "table",
        description=(
            "One row per certificate: k, n, d-range, proved symmetry, kind (minimum / saddle with "
            "index), loss enclosure, certified eigenvalue bound, box radius, SHA-256 prefix, "
            "and whether it was re-verified. Every field is read by the verifier's own reader; "
            "bounds are rounded outward from the exact certified numbers (lower bounds down, upper "
            "bounds up). Exit 0 if every row verified (or --no-verify), 1 if any was refused, "
            "2 if none found or a file is unreadable or too costly to check within the limits."),
        epilog="Example: certify table --latex certificates/ > table.tex")
    style = parser.add_mutually_exclusive_group()
    for name, text in (("latex", "a booktabs table environment (needs \\usepackage{booktabs})"),
                       ("markdown", "a GitHub-flavoured Markdown table"),
                       ("csv", "CSV with full SHA-256 and the exact dyadic strings")):
        style.add_argument(f"--{name}", action="store_const", dest="style", const=name, help=text)
    parser.add_argument("--no-verify", action="store_true",
                        help="do not re-prove the certificates (column says 'not checked')")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="certificate files or folders (default certificates/)")
    common.add_budget(parser)
    common.add_reporting(parser)
    parser.set_defaults(style="text")
    return parser


def record(row) -> dict:
    """The --json record of one row: the kernel reader's facts, exact numbers as strings."""
    relation, bound = row.eigen_bound()
    return {"path": str(row.path), "sha256": row.sha256, "verified": row.status,
            "detail": row.detail, "k": row.field("k"), "n": row.field("n"), "d": row.field("d"),
            "d_max": row.field("d_max"), "kind": row.kind, "method": row.field("method"),
            "symmetry": row.symmetry(), "claims": getattr(row.statement, "claims", None),
            "eigenvalue_relation": relation or None,
            "eigenvalue_bound": None if bound is None else f"{bound.numerator}/{bound.denominator}"}


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    common.existing_paths(args.paths, DEFAULT_DIR, "name certificate files or folders "
                                                   "(or run `certify k=6` first)")
    rows = load_all(args.paths, verify=not args.no_verify, budget=common.budget(args))
    if not rows:
        raise common.UsageError("no certificates found (*.json)")
    status = common.EXIT_OK
    for row in rows:
        if row.status == "unreadable":
            print(f"UNREADABLE {row.path}: {row.detail}", file=sys.stderr)
            status = common.EXIT_UNUSABLE
        elif row.status == "refused":
            print(f"REFUSED {row.path}: {row.detail}", file=sys.stderr)
            status = max(status, common.EXIT_REFUSED)
        elif row.status == "too costly":
            print(f"TOO COSTLY {row.path}: {row.detail}; {common.TOO_COSTLY_HINT}", file=sys.stderr)
            status = common.EXIT_UNUSABLE
    listed = [r for r in rows if r.status != "unreadable"]
    report = common.Report(args, "table")
    if args.json:
        report.records = [record(r) for r in rows]
        return report.finish(status)
    if listed:
        sys.stdout.write(render_latex(listed, verified=not args.no_verify) if args.style == "latex"
                         else RENDERERS[args.style](listed))
    return status
