"""`python -m certify report`: plots of the certified results (PNG and PDF).

    python -m certify report [--out DIR] [--spectrum PATH] [--census DIR] [--no-verify] [PATH ...]

Writes into --out (default results/plots):
  loss_vs_k          loss F(W*) of each certified spurious minimum, against k (one
                     series per n - k); the certified enclosures are far narrower than
                     the markers
  eigenvalue_vs_k    certified lower bound on the smallest Hessian eigenvalue (valid for
                     the whole d-range), with the float eigenvalue at the box centre
  spectrum_<name>    histogram of the float Hessian eigenvalues at the centre of one
                     certificate (--spectrum; default: the one with the smallest bound)
                     with the certified bound marked
  spurious_fraction  fraction of gradient-descent runs ending at a spurious minimum,
                     against k, for n = k, k+1, k+2 -- only when census results
                     (JSON files under --census, default results/) exist

Certificates are re-verified first (--no-verify skips that); refused ones are left
out of every plot. Float values (eigenvalues at the centre) are illustrations, not
claims. Needs matplotlib: pip install -e '.[plots]'.

Exit codes: 0 plots written; 1 some certificate was refused (the rest are plotted);
2 no usable certificates, matplotlib missing, or bad usage.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .certificate import expand_paths
from .display import decimal_text, exact_value
from .table import (ABS_EIG_KEYS, EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE, Row, eig_bound_exact,
                    load_row)

DEFAULT_OUT = Path("results/plots")
DEFAULT_CENSUS = Path("results")
MAX_DENSE_FLOAT = 1600      # n*d up to which the float Hessian at the centre is computed
MATPLOTLIB_MISSING = ("matplotlib is not installed; install the plots extra: "
                      "pip install -e '.[plots]'  (or: pip install matplotlib)")


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


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def _float(text) -> float | None:
    q = exact_value(text)
    return None if q is None else float(q)


def loss_mid(row: Row) -> float | None:
    lo, hi = _float(row.get("claims", "loss_lower")), _float(row.get("claims", "loss_upper"))
    return None if lo is None or hi is None else (lo + hi) / 2


def eig_bound(row: Row) -> float | None:
    """Certified lower bound on lambda_min over the whole d-range (minima only)."""
    if row.get("kind") != "local_minimum":
        return None
    bound = eig_bound_exact(row)
    return None if bound is None else float(bound)


def _label_down(q) -> str:
    """A bound for a legend: rounded down, never stronger than the certified one."""
    return decimal_text(q, 3, "down")


def centre_and_teacher(row: Row):
    """Float centre W and teacher V of a dense certificate, or None."""
    import numpy as np
    centre, teacher = row.get("box", "centre"), row.get("teacher")
    try:
        W = np.array([[float(exact_value(x)) for x in r] for r in centre])
        V = np.array([[float(exact_value(x)) for x in r] for r in teacher])
    except (TypeError, ValueError):
        return None
    if W.ndim != 2 or V.ndim != 2 or W.shape[1] != V.shape[1] or W.size > MAX_DENSE_FLOAT:
        return None
    return W, V


def float_spectrum(row: Row):
    """Float eigenvalues of the Hessian at the box centre (illustration, not a proof):
    (eigenvalues of H at dimension d, eigenvalues of M of the d > k lemma or None)."""
    import numpy as np
    from . import objective
    pair = centre_and_teacher(row)
    if pair is None:
        return None
    W, V = pair
    try:
        H = objective.hessian(W, V)
        eig = np.linalg.eigvalsh((H + H.T) / 2)
        extra = None
        if "extra_min_eig_lower" in (row.get("claims") or {}):
            M = objective.extra_dimension_block(W, V)
            extra = np.linalg.eigvalsh((M + M.T) / 2)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(eig)):
        return None
    return eig, extra


_FRACTION_KEYS = ("spurious_fraction", "fraction_spurious", "frac_spurious", "spurious_frac")
_RUNS_KEYS = ("runs", "n_runs", "total_runs", "num_runs")
_SPURIOUS_KEYS = ("spurious_runs", "runs_spurious", "n_spurious_runs", "spurious_count",
                  "spurious")


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def census_records(obj, found: dict | None = None) -> dict:
    """{(k, n): spurious fraction} from census JSON in any plausible layout: any
    object (at any depth) with integer "k" (and "n", default k) and either a
    fraction field or a run count and a spurious-run count."""
    found = {} if found is None else found
    if isinstance(obj, list):
        for item in obj:
            census_records(item, found)
    elif isinstance(obj, dict):
        k, n = obj.get("k"), obj.get("n", obj.get("k"))
        if _is_int(k) and _is_int(n):
            frac = next((obj[key] for key in _FRACTION_KEYS
                         if isinstance(obj.get(key), (int, float)) and not isinstance(obj.get(key), bool)),
                        None)
            if frac is None:
                runs = next((obj[key] for key in _RUNS_KEYS if _is_int(obj.get(key))), None)
                spur = next((obj[key] for key in _SPURIOUS_KEYS if _is_int(obj.get(key))), None)
                if runs and spur is not None:
                    frac = spur / runs
            if frac is not None and 0 <= frac <= 1:
                found[(k, n)] = float(frac)
        for value in obj.values():
            if isinstance(value, (dict, list)):
                census_records(value, found)
    return found


def load_census(folder: Path, skip: Path | None = None) -> dict:
    found: dict = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.json")):
        if skip is not None and skip.resolve() in path.resolve().parents:
            continue
        try:
            census_records(json.loads(path.read_text()), found)
        except (OSError, ValueError, RecursionError):
            continue
    return found


# ---------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------
def _save(fig, out: Path, stem: str) -> list[Path]:
    written = []
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "Creator": None})):
        path = out / f"{stem}.{ext}"
        fig.savefig(path, metadata=meta, dpi=150, bbox_inches="tight")
        written.append(path)
    return written


def _by_offset(rows: list[Row], value) -> dict:
    series: dict = {}
    for row in rows:
        k, n, y = row.get("k"), row.get("n"), value(row)
        if _is_int(k) and _is_int(n) and y is not None:
            series.setdefault(n - k, []).append((k, y))
    return {off: sorted(points) for off, points in sorted(series.items())}


def _label(offset: int) -> str:
    return "n = k" if offset == 0 else f"n = k+{offset}"


def _log_x_if_wide(ax, ks) -> None:
    if ks and max(ks) / max(min(ks), 1) > 50:
        ax.set_xscale("log")
    else:
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _plot_vs_k(plt, series: dict, out: Path, stem: str, ylabel: str, title: str,
               label=_label, decorate=None) -> list[Path]:
    """One "o-" line per n - k offset in {offset: [(k, y), ...]}, against k (log scale
    if k is wide); decorate(ax) adds the plot's own extras; written files (none if
    there is no series)."""
    if not series:
        return []
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for off in sorted(series):
        ax.plot(*zip(*sorted(series[off])), "o-", ms=4, label=label(off))
    _log_x_if_wide(ax, [k for pts in series.values() for k, _ in pts])
    if decorate is not None:
        decorate(ax)
    ax.set_xlabel("k (teacher neurons)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    written = _save(fig, out, stem)
    plt.close(fig)
    return written


def plot_loss(plt, minima: list[Row], out: Path, note: str) -> list[Path]:
    def log_y_if_log_x(ax):
        if ax.get_xscale() == "log":
            ax.set_yscale("log")             # the loss decays roughly like 1/k
    return _plot_vs_k(plt, _by_offset(minima, loss_mid), out, "loss_vs_k",
                      "loss F(W*) (certified enclosure)",
                      "Certified spurious local minima" + note, decorate=log_y_if_log_x)


def plot_eigen(plt, minima: list[Row], out: Path, note: str) -> list[Path]:
    def float_values(ax):
        floats = []
        for row in minima:
            spectrum = float_spectrum(row)
            if spectrum is not None:
                eig, extra = spectrum
                low = min(eig.min(), extra.min()) if extra is not None else eig.min()
                floats.append((row.get("k"), float(low)))
        if floats:
            ax.plot(*zip(*sorted(floats)), "x", ms=5, color="grey",
                    label="float value at box centre")
    return _plot_vs_k(plt, _by_offset(minima, eig_bound), out, "eigenvalue_vs_k",
                      "smallest Hessian eigenvalue",
                      "Certified lower bound on the smallest Hessian eigenvalue" + note,
                      label=lambda off: f"certified lower bound, {_label(off)}",
                      decorate=float_values)


def plot_spectrum(plt, row: Row, out: Path, note: str) -> list[Path]:
    spectrum = float_spectrum(row)
    if spectrum is None:
        return []
    eig, extra = spectrum
    fig, ax = plt.subplots(figsize=(5, 3.4))
    import numpy as np
    values = eig if extra is None else np.concatenate([eig, extra])
    bins = np.linspace(min(values.min(), 0.0), values.max(), 41)
    ax.hist(eig, bins=bins, color="C0", alpha=0.8,
            label=f"Hessian at d = {row.get('d')} ({len(eig)} eigenvalues, float)")
    if extra is not None:
        ax.hist(extra, bins=bins, color="C2", alpha=0.6,
                label=f"M block for d > {row.get('d')} ({len(extra)}, float)")
    bound = eig_bound_exact(row) if row.get("kind") == "local_minimum" else None
    abs_bound = eig_bound_exact(row, ABS_EIG_KEYS)
    if bound is not None:
        ax.axvline(float(bound), color="C3", lw=1.5,
                   label=f"certified: every eigenvalue > {_label_down(bound)}")
    elif abs_bound is not None:
        b, text = float(abs_bound), _label_down(abs_bound)
        ax.axvspan(-b, b, color="C3", alpha=0.2,
                   label=f"certified: no eigenvalue in [-{text}, {text}]")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("count")
    kind = row.kind()
    ax.set_title(f"Hessian spectrum at the certified {kind}, k = {row.get('k')}, n = {row.get('n')}"
                 f" ({row.sha256[:12]})" + note, fontsize=9)
    ax.legend(fontsize=7)
    written = _save(fig, out, f"spectrum_{row.path.stem}")
    plt.close(fig)
    return written


def plot_census(plt, census: dict, out: Path) -> list[Path]:
    series: dict = {}
    for (k, n), frac in census.items():
        if 0 <= n - k <= 2:
            series.setdefault(n - k, []).append((k, frac))
    return _plot_vs_k(plt, series, out, "spurious_fraction",
                      "fraction of runs at a spurious minimum",
                      "Gradient descent census (empirical, not a theorem)",
                      decorate=lambda ax: ax.set_ylim(bottom=0))


def plot_census_intervals(plt, series: dict, out: Path) -> list[Path]:
    """Census results folders (certify.census): spurious fraction against k with 95%
    Wilson error bars, markers only, one series per (n - k, seed, runs, stopping rule)."""
    from .census.results import series_label
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for i, (key, points) in enumerate(series.items()):
        ks, frac, lo, hi = (list(x) for x in zip(*points))
        ax.errorbar(ks, frac, yerr=[[f - a for f, a in zip(frac, lo)], [b - f for f, b in zip(frac, hi)]],
                    fmt="o", ms=4, capsize=2, lw=1, color=f"C{i % 10}", label=series_label(key))
    _log_x_if_wide(ax, [k for points in series.values() for k, *_ in points])
    ax.set_ylim(0, 1)
    ax.set_xlabel("k (teacher neurons)")
    ax.set_ylabel("fraction of runs at a spurious minimum")
    ax.set_title("Gradient descent census, 95% Wilson intervals (empirical, not a theorem)", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    written = _save(fig, out, "spurious_fraction")
    plt.close(fig)
    return written


def run_report(argv: list[str]) -> int:
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
    files = expand_paths(args.paths)
    from .census.results import load_census_series
    census_series = load_census_series(args.census, skip=args.out)
    if census_series and not args.paths and not all(p.exists() for p in files):
        # report --census FOLDER where there is no certificates/ folder: the census plot alone
        args.out.mkdir(parents=True, exist_ok=True)
        for path in plot_census_intervals(plt, census_series, args.out):
            print(path)
        return EXIT_OK
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
    if census_series:
        written += plot_census_intervals(plt, census_series, args.out)
    elif census:
        written += plot_census(plt, census, args.out)
    else:
        print(f"no census results under {args.census}/ (run `python -m certify census ...`); "
              "spurious-fraction plot skipped", file=sys.stderr)
    for path in written:
        print(path)
    return status
