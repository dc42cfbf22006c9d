"""`certify report`: plots of the certified results (views.plots draws them)."""
from __future__ import annotations

from pathlib import Path

from .. import DEFAULT_DIR
from ..census.results import load_census_series
from ..files import check_output_folder
from ..views import plots
from ..views.certificates import load, load_all
from . import common

DEFAULT_OUT = Path("results/plots")
DEFAULT_CENSUS = Path("results")


def build_parser() -> common.Parser:
    parser = common.Parser("report", description=(
        "Write plots (PNG at 300 dpi and PDF with TrueType fonts) of the certificates: the "
        "spurious loss and the certified smallest-eigenvalue bound against k (one marker per "
        "certified k, one series per family), the Hessian spectrum of one certificate with its "
        "certified bound, the smallest eigenvalue along each family of a transition certificate "
        "through its certified k*, and the census's spurious fraction against k with 95% intervals when "
        "census results exist. Needs matplotlib (pip install -e '.[plots]'). Exit 0 plots "
        "written, 1 some certificate refused (left out), 2 nothing usable or a file too costly "
        "to check within the limits (left out)."))
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="certificate files or folders (default certificates/)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default {DEFAULT_OUT}/)")
    parser.add_argument("--spectrum", type=Path, default=None, metavar="PATH",
                        help="certificate whose Hessian spectrum is plotted "
                             "(default: the listed minimum with the smallest eigenvalue bound)")
    parser.add_argument("--census", type=Path, default=DEFAULT_CENSUS, metavar="DIR",
                        help=f"folder searched for census JSON results (default {DEFAULT_CENSUS}/)")
    parser.add_argument("--no-verify", action="store_true",
                        help="plot the claims without re-proving them (titles say so)")
    common.add_budget(parser)
    common.add_reporting(parser)
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        plt = plots.pyplot()
    except ImportError:
        raise common.UsageError(plots.MATPLOTLIB_MISSING) from None
    census = load_census_series(args.census, skip=args.out)
    report = common.Report(args, "report")
    if census and not args.paths and not DEFAULT_DIR.is_dir():
        # `report --census FOLDER` where there are no certificates: the census plot alone
        for path in plots.plot_census(plt, census, check_output_folder(args.out, parents=True)):
            report.result(str(path), {"written": str(path)})
        return report.finish(common.EXIT_OK)
    common.existing_paths(args.paths, DEFAULT_DIR, "name certificate files or folders "
                                                   "(or run `certify k=6` first)")
    verify = not args.no_verify
    rows = load_all(args.paths, verify, common.budget(args))
    if not rows:
        raise common.UsageError("no certificates found (*.json)")
    status = common.EXIT_OK
    for row in rows:
        if row.status == "unreadable":
            common.report_line(f"UNREADABLE {row.path}: {row.detail}")
            status = common.EXIT_UNUSABLE
        elif row.status == "refused":
            common.report_line(f"REFUSED {row.path} (left out of the plots): {row.detail}")
            status = max(status, common.EXIT_REFUSED)
        elif row.status == "too costly":
            common.report_line(f"TOO COSTLY {row.path} (left out of the plots): {row.detail}; "
                               f"{common.TOO_COSTLY_HINT}")
            status = common.EXIT_UNUSABLE
    rows = [r for r in rows if r.status in ("proved", "not checked")]
    if not rows:
        raise common.UsageError("no usable certificates")
    out = check_output_folder(args.out, parents=True)
    note = "" if verify else "\n(claims NOT re-verified)"
    minima = [r for r in rows if r.is_spurious_minimum()]
    written = plots.plot_loss(plt, minima, out, note) + plots.plot_eigen(plt, minima, out, note)
    if args.spectrum is not None:
        chosen = load(args.spectrum, verify, common.budget(args))
        if chosen.status in ("unreadable", "refused", "too costly"):
            raise common.UsageError(f"--spectrum {args.spectrum}: {chosen.status} ({chosen.detail})")
    else:
        candidates = [r for r in minima if plots.eig_bound(r) is not None and plots.float_spectrum(r)]
        chosen = min(candidates, key=lambda r: (plots.eig_bound(r), r.sort_key()), default=None)
    if chosen is not None:
        spectrum = plots.plot_spectrum(plt, chosen, out, note)
        if not spectrum:
            common.report_line(f"no spectrum plot: {chosen.path} has no dense centre of at most "
                               f"{plots.MAX_DENSE_FLOAT} numbers")
        written += spectrum
    written += plots.plot_transitions(plt, [r for r in rows if r.kind == "transition"], out, note)
    if census:
        written += plots.plot_census(plt, census, out)
    else:
        if not args.quiet:
            common.report_line(f"no census results under {args.census}/ (run `certify census ...`); "
                               "spurious-fraction plot skipped")
    for path in written:
        report.result(str(path), {"written": str(path)})
    return report.finish(status)
