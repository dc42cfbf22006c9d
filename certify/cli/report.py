"""`certify report`: plots of the certified results (views.plots draws them)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..files import certificate_files
from ..views.plots import (DEFAULT_CENSUS, DEFAULT_OUT, MATPLOTLIB_MISSING, MAX_DENSE_FLOAT, _float,
                           centre_and_teacher, eig_bound, load_census, plot_census, plot_eigen,
                           plot_loss, plot_spectrum)
from ..views.table import Row, load_row
from .common import EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m certify report",
        description=(
            "Write plots (PNG and PDF) of the certificates: spurious loss vs k, certified "
            "smallest-eigenvalue bound vs k, the Hessian spectrum of one certificate with "
            "its certified bound, and the spurious fraction vs k for n = k, k+1, k+2 when "
            "census results exist. Needs matplotlib (pip install -e '.[plots]'). Exit 0 "
            "plots written, 1 some certificate refused (left out), 2 nothing usable."))
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="certificate files or folders (default certificates/)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default {DEFAULT_OUT}/)")
    parser.add_argument("--spectrum", type=Path, default=None, metavar="PATH",
                        help="certificate whose Hessian spectrum is plotted "
                             "(default: the listed one with the smallest eigenvalue bound)")
    parser.add_argument("--census", type=Path, default=DEFAULT_CENSUS, metavar="DIR",
                        help=f"folder searched for census JSON results (default {DEFAULT_CENSUS}/)")
    parser.add_argument("--no-verify", action="store_true",
                        help="plot the claims without re-proving them (titles say so)")
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(MATPLOTLIB_MISSING, file=sys.stderr)
        return EXIT_UNUSABLE
    plt.rcParams["svg.hashsalt"] = "certify"
    verify = not args.no_verify
    files = certificate_files(args.paths)
    if not files:
        print("no certificates found", file=sys.stderr)
        return EXIT_UNUSABLE
    status, rows = EXIT_OK, []
    for path in files:
        row = load_row(path, verify)
        if row.status == "unreadable":
            print(f"UNREADABLE {path}: {row.detail}", file=sys.stderr)
            status = EXIT_UNUSABLE
        elif row.status == "NO":
            print(f"REFUSED {path} (left out of the plots): {row.detail}", file=sys.stderr)
            status = max(status, EXIT_REFUSED)
        else:
            rows.append(row)
    rows.sort(key=Row.sort_key)
    if not rows:
        print("no usable certificates", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"cannot create {args.out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_UNUSABLE
    note = "" if verify else "\n(claims NOT re-verified)"
    minima = [r for r in rows if r.get("kind") == "local_minimum"
              and (_float(r.get("claims", "loss_lower")) or 0) > 0]
    written = plot_loss(plt, minima, args.out, note)
    written += plot_eigen(plt, minima, args.out, note)

    if args.spectrum is not None:
        chosen = load_row(args.spectrum, verify)
        if chosen.status in ("unreadable", "NO"):
            print(f"--spectrum {args.spectrum}: {chosen.status} ({chosen.detail})", file=sys.stderr)
            return EXIT_UNUSABLE if chosen.status == "unreadable" else EXIT_REFUSED
    else:
        candidates = [r for r in minima if eig_bound(r) is not None and centre_and_teacher(r)]
        chosen = min(candidates, key=lambda r: (eig_bound(r), r.sort_key()), default=None)
    if chosen is not None:
        spectrum_files = plot_spectrum(plt, chosen, args.out, note)
        if not spectrum_files:
            print(f"no spectrum plot: {chosen.path} has no dense centre of at most "
                  f"{MAX_DENSE_FLOAT} numbers", file=sys.stderr)
        written += spectrum_files

    census = load_census(args.census, skip=args.out)
    if census:
        written += plot_census(plt, census, args.out)
    else:
        print(f"no census results under {args.census}/ (run `python -m certify census ...`); "
              "spurious-fraction plot skipped", file=sys.stderr)
    for path in written:
        print(path)
    return status
