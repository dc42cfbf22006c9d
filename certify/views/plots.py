"""Plots of certified results for papers (matplotlib; PNG at 300 dpi and PDF with
embedded TrueType fonts).

  loss_vs_k          certified loss enclosure of each spurious minimum against k:
                     markers only (each point is a separate theorem; nothing is
                     proved between them), one series per family (block structure
                     written in terms of k, and n - k)
  eigenvalue_vs_k    certified lower bound on the smallest Hessian eigenvalue (whole
                     d-range), the float value at the box centre, and the level
                     1/4 - 1/(2 pi), the smallest eigenvalue at the global minimum
  spectrum_<name>    histogram (log counts) of the float Hessian eigenvalues at the
                     centre of one certificate, with the certified bound marked
  spurious_fraction  census: fraction of runs ending at a spurious minimum against k
                     with 95% Wilson intervals (certify.census.results), one series
                     per (n - k, seed, runs, stopping rule)

Inputs are views.certificates.Certificate (every number from the kernel's reader).
Float values are illustrations, not claims, and are labelled so.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from .certificates import Certificate
from .display import decimal_text

MAX_DENSE_FLOAT = 1600      # n*d up to which the float Hessian at the centre is computed
GLOBAL_MIN_EIG = 0.25 - 1 / (2 * math.pi)
MATPLOTLIB_MISSING = ("matplotlib is not installed; install the plots extra: "
                      "pip install -e '.[plots]'  (or: pip install matplotlib)")
STYLE = {"pdf.fonttype": 42, "ps.fonttype": 42, "savefig.dpi": 300, "svg.hashsalt": "certify"}


def pyplot():
    """matplotlib.pyplot with the Agg backend and the paper style (ImportError if absent)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update(STYLE)
    return plt


def save(plt, fig, out: Path, stem: str) -> list[Path]:
    """stem.png (300 dpi) and stem.pdf (TrueType fonts), without time stamps."""
    written = []
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "Creator": None})):
        path = out / f"{stem}.{ext}"
        fig.savefig(path, metadata=meta, bbox_inches="tight")
        written.append(path)
    plt.close(fig)
    return written


def bound_label(q) -> str:
    """A bound for a legend: rounded down, never stronger than the certified one."""
    return decimal_text(q, 3, "down")


# ---------------------------------------------------------------------------
# series
# ---------------------------------------------------------------------------
def family_name(c: Certificate) -> str:
    """The family of a certificate: its block structure with the largest block written
    as k - (the others), and n - k; e.g. 'S1 x S(k-1), n = k'."""
    sizes = [int(p) for p in re.findall(r"\d+", c.symmetry())] if c.symmetry().startswith("S") else []
    k, n = c.field("k"), c.field("n")
    offset = "n = k" if n == k else f"n = k+{n - k}"
    if not sizes or sum(sizes) != k:
        return f"other symmetry, {offset}"
    big = max(range(len(sizes)), key=lambda i: sizes[i])
    rest = k - sizes[big]
    parts = [f"S{p}" for i, p in enumerate(sizes) if i != big] + [f"S(k-{rest})" if rest else "S(k)"]
    return " x ".join(parts) + f", {offset}"


def by_family(rows: list[Certificate], value) -> dict:
    series: dict = {}
    for row in rows:
        y = value(row)
        if y is not None:
            series.setdefault(family_name(row), []).append((row.field("k"), y))
    return {name: sorted(points) for name, points in sorted(series.items())}


def k_axis(ax, ks) -> None:
    if ks and max(ks) / max(min(ks), 1) > 50:
        ax.set_xscale("log")
    else:
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("k (teacher neurons)")


def plot_vs_k(plt, series: dict, out: Path, stem: str, ylabel: str, title: str,
              decorate=None, label=lambda name: name) -> list[Path]:
    """Markers (no lines) per series {name: [(k, y), ...]}; decorate(ax) adds extras."""
    if not series:
        return []
    fig, ax = plt.subplots(figsize=(5, 3.4))
    markers = "osD^v<>"
    for i, name in enumerate(series):
        ax.plot(*zip(*series[name]), markers[i % len(markers)], ms=4, linestyle="none", label=label(name))
    k_axis(ax, [k for pts in series.values() for k, _ in pts])
    if decorate is not None:
        decorate(ax)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return save(plt, fig, out, stem)


def loss_mid(c: Certificate) -> float | None:
    lo, hi = c.loss()
    return None if lo is None or hi is None else float((lo + hi) / 2)


def eig_bound(c: Certificate) -> float | None:
    relation, value = c.eigen_bound()
    return float(value) if relation == ">" and value is not None else None


def plot_loss(plt, minima: list[Certificate], out: Path, note: str) -> list[Path]:
    def log_y_if_log_x(ax):
        if ax.get_xscale() == "log":
            ax.set_yscale("log")             # the loss decays roughly like 1/k
    return plot_vs_k(plt, by_family(minima, loss_mid), out, "loss_vs_k",
                     "loss F(W*) (certified enclosure, narrower than the markers)",
                     "Certified spurious local minima" + note, decorate=log_y_if_log_x)


def float_spectrum(c: Certificate):
    """Float eigenvalues at the box centre of a dense certificate (an illustration):
    (Hessian eigenvalues at dimension d, eigenvalues of the d > k block M or None), or None."""
    import numpy as np
    from ..kernel.format import EXTRA_CLAIM, exact
    from ..producer import objective
    teacher = getattr(c.statement, "teacher", None)
    if teacher is None or c.field("n") * c.field("d") > MAX_DENSE_FLOAT:
        return None
    W = np.array([[float(exact(x)) for x in row] for row in c.statement.box.centre])
    V = np.array([[float(exact(x)) for x in row] for row in teacher])
    with np.errstate(all="ignore"):
        H = objective.hessian(W, V)
        eig = np.linalg.eigvalsh((H + H.T) / 2)
        extra = None
        if EXTRA_CLAIM in c.statement.claims:
            M = objective.extra_dimension_block(W, V)
            extra = np.linalg.eigvalsh((M + M.T) / 2)
    return (eig, extra) if np.all(np.isfinite(eig)) else None


def plot_eigen(plt, minima: list[Certificate], out: Path, note: str) -> list[Path]:
    def extras(ax):
        floats = []
        for c in minima:
            spectrum = float_spectrum(c)
            if spectrum is not None:
                eig, extra = spectrum
                floats.append((c.field("k"), float(min(eig.min(), extra.min()) if extra is not None
                                                   else eig.min())))
        if floats:
            ax.plot(*zip(*sorted(floats)), "x", ms=5, color="grey", linestyle="none",
                    label="float value at the box centre")
        ax.axhline(GLOBAL_MIN_EIG, color="black", lw=0.8, ls="--",
                   label="1/4 - 1/(2 pi): smallest eigenvalue at the global minimum")
    return plot_vs_k(plt, by_family(minima, eig_bound), out, "eigenvalue_vs_k",
                     "smallest Hessian eigenvalue",
                     "Certified lower bound on the smallest Hessian eigenvalue" + note,
                     decorate=extras, label=lambda name: f"certified lower bound, {name}")


def plot_spectrum(plt, c: Certificate, out: Path, note: str) -> list[Path]:
    import numpy as np
    spectrum = float_spectrum(c)
    if spectrum is None:
        return []
    eig, extra = spectrum
    fig, ax = plt.subplots(figsize=(5, 3.4))
    values = eig if extra is None else np.concatenate([eig, extra])
    bins = np.linspace(min(values.min(), 0.0), values.max(), 61)
    ax.hist(eig, bins=bins, color="C0", alpha=0.8,
            label=f"Hessian at d = {c.field('d')} ({len(eig)} eigenvalues, float)")
    if extra is not None:
        ax.hist(extra, bins=bins, color="C2", alpha=0.6,
                label=f"block M for d > {c.field('d')} ({len(extra)}, float)")
    ax.set_yscale("log")
    relation, value = c.eigen_bound()
    if value is not None and relation == ">":
        ax.axvline(float(value), color="C3", lw=1.5,
                   label=f"certified: every eigenvalue > {bound_label(value)}")
    elif value is not None:
        ax.axvspan(-float(value), float(value), color="C3", alpha=0.25,
                   label=f"certified: no eigenvalue in [-{bound_label(value)}, {bound_label(value)}]")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("count (log scale)")
    ax.set_title(f"Hessian spectrum at the certified {c.kind_text()}, k = {c.field('k')}, "
                 f"n = {c.field('n')} ({c.sha256[:12]})" + note, fontsize=9)
    ax.legend(fontsize=7)
    return save(plt, fig, out, f"spectrum_{c.path.stem}")


# ---------------------------------------------------------------------------
# census
# ---------------------------------------------------------------------------
def plot_census(plt, census: dict, out: Path) -> list[Path]:
    """census: {series key: [(k, fraction, low, high)]} from certify.census.results
    (load_census_series): one series per (n - k, seed, runs, stopping rule), never mixed."""
    from ..census.results import series_label
    if not census:
        return []
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for i, (key, points) in enumerate(census.items()):
        ks, frac, low, high = (list(x) for x in zip(*points))
        ax.errorbar(ks, frac, yerr=[[f - lo for f, lo in zip(frac, low)], [hi - f for f, hi in zip(frac, high)]],
                    fmt="osD^v<>"[i % 7], ms=4, capsize=2, linestyle="none", label=series_label(key))
    k_axis(ax, [k for pts in census.values() for k, *_ in pts])
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("fraction of runs at a spurious minimum")
    ax.set_title("Gradient descent census with 95% binomial intervals (empirical, not a theorem)",
                 fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return save(plt, fig, out, "spurious_fraction")


TRANSITION_SPAN = (1.0, 8.4)       # the curves are drawn on [k* - 1, k* + 8.4]


def plot_transitions(plt, transitions: list[Certificate], out: Path, note: str) -> list[Path]:
    """One panel per transition certificate: the smallest Hessian eigenvalue of F along its
    family as a function of real k (floats, producer.family_plot.curves; not proved) and the
    std block of the big block, with the CERTIFIED k* interval (its midpoint drawn, the
    interval in the legend, rounded outward) and the integers k."""
    from ..producer.family_plot import curves
    if not transitions:
        return []
    transitions = sorted(transitions, key=lambda r: r.statement.q)
    fig, axes = plt.subplots(1, len(transitions), figsize=(5 * len(transitions), 3.6), squeeze=False)
    axes[0][0].set_ylabel("eigenvalue")
    for ax, row in zip(axes[0], transitions):
        q = row.statement.q
        lo, hi = row.statement.k_star
        k, lam_min, lam_std = curves(q, float(lo) - TRANSITION_SPAN[0], float(hi) + TRANSITION_SPAN[1])
        ax.plot(k, lam_min, label="smallest Hessian eigenvalue (float)")
        ax.plot(k, lam_std, "--", label="std block of the big block (float)")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axvline(float((lo + hi) / 2), color="red", linewidth=0.8,
                   label=f"k* in [{decimal_text(lo, 13, 'down')}, {decimal_text(hi, 13, 'up')}] (certified)")
        for n in range(math.ceil(k[0]), math.floor(k[-1]) + 1):
            ax.axvline(n, color="grey", linewidth=0.3)
        ax.set_title(f"family {row.symmetry()}: saddle below k*, minimum above{note}", fontsize=9)
        ax.set_xlabel("k (real)")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    return save(plt, fig, out, "lambda_min_vs_real_k")
