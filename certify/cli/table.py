"""`certify table`: one row per certificate, for paper appendices (views.table renders)."""
from __future__ import annotations

import argparse
import sys

from ..files import certificate_files
from ..views.table import Row, load_row, render_csv, render_latex, render_markdown, render_text
from .common import EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE


# ---------------------------------------------------------------------------
# command
# ---------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m certify table",
        description=(
            "One row per certificate: k, n, d-range, symmetry, kind (minimum / saddle with "
            "index), loss enclosure, certified eigenvalue bound, box radius, SHA-256 prefix, "
            "and whether it was re-verified. Bounds are rounded outward from the exact "
            "certified numbers (lower bounds down, upper bounds up). Exit 0 if every row "
            "verified (or --no-verify), 1 if any was refused, 2 if none found or a file "
            "is unreadable."),
        epilog="Example: python -m certify table --latex certificates/ > table.tex")
    style = parser.add_mutually_exclusive_group()
    style.add_argument("--latex", action="store_const", dest="style", const="latex",
                       help="a booktabs table environment (needs \\usepackage{booktabs})")
    style.add_argument("--markdown", action="store_const", dest="style", const="markdown",
                       help="a GitHub-flavoured Markdown table")
    style.add_argument("--csv", action="store_const", dest="style", const="csv",
                       help="CSV with full SHA-256 and the exact dyadic strings")
    parser.add_argument("--no-verify", action="store_true",
                        help="do not re-prove the certificates (column says 'not checked')")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="certificate files or folders (default certificates/)")
    parser.set_defaults(style="text")
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    files = certificate_files(args.paths)
    if not files:
        print("no certificates found", file=sys.stderr)
        return EXIT_UNUSABLE
    rows = sorted((load_row(p, not args.no_verify) for p in files), key=Row.sort_key)
    status = EXIT_OK
    listed = []
    for row in rows:
        if row.status == "unreadable":
            print(f"UNREADABLE {row.path}: {row.detail}", file=sys.stderr)
            status = EXIT_UNUSABLE
        else:
            if row.status == "NO":
                print(f"REFUSED {row.path}: {row.detail}", file=sys.stderr)
                status = max(status, EXIT_REFUSED)
            listed.append(row)
    if listed:
        if args.style == "latex":
            text = render_latex(listed, verified=not args.no_verify)
        elif args.style == "markdown":
            text = render_markdown(listed)
        elif args.style == "csv":
            text = render_csv(listed)
        else:
            text = render_text(listed)
        sys.stdout.write(text)
    return status
