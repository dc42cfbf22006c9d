"""Census results: per-(k, n) summaries with 95% binomial intervals, the JSON and
CSV files, and the table printed at the end.

Interval: Wilson score interval at 95% (z = 1.959963984540054, the 0.975
quantile of N(0, 1)).  For x successes in N runs, p_hat = x/N, it is the set of
p with |p_hat - p| <= z sqrt(p(1 - p)/N), i.e. the roots of
(1 + z^2/N) p^2 - (2 p_hat + z^2/N) p + p_hat^2 = 0:

    centre = (p_hat + z^2/(2N)) / (1 + z^2/N)
    half   = z sqrt(p_hat(1 - p_hat)/N + z^2/(4N^2)) / (1 + z^2/N)

It stays inside [0, 1], is not degenerate at x = 0 or x = N (unlike the Wald
interval), and its coverage is close to 95% for the run counts used here.
"""
from __future__ import annotations

import csv
import io
import json
import math

from . import endpoints
from .certification import lambda_min_lower

Z95 = 1.959963984540054
SUMMARY_COLUMNS = [
    "k", "n", "runs", "seed", "global", "spurious_runs", "spurious_fraction", "spurious_lo95",
    "spurious_hi95", "global_fraction", "saddle_runs", "other_critical_runs", "unconverged",
    "zero_neuron", "distinct_spurious", "types", "loss_min", "loss_max", "certified_minima",
    "certified_saddles", "not_certified", "not_block_symmetric", "min_certified_eig",
    "steps_median", "steps_max", "seconds",
]


def wilson_interval(x: int, N: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for x successes in N trials (module docstring)."""
    if N <= 0 or not 0 <= x <= N:
        raise ValueError("need 0 <= x <= N, N > 0")
    p = x / N
    denom = 1.0 + z * z / N
    centre = (p + z * z / (2 * N)) / denom
    half = z * math.sqrt(p * (1 - p) / N + z * z / (4 * N * N)) / denom
    # at x = 0 (x = N) the lower (upper) end is exactly 0 (1): p = 0 solves the equation
    lo = 0.0 if x == 0 else max(0.0, centre - half)
    hi = 1.0 if x == N else min(1.0, centre + half)
    return lo, hi


def summarise(k: int, n: int, seed: int, runs, distinct: list[dict], seconds: float) -> dict:
    """The summary row of one (k, n) from its runs (classify.Runs) and distinct points."""
    import numpy as np
    N = int(runs.status.size)
    count = {name: int(np.sum(runs.status == code)) for code, name in enumerate(endpoints.STATUS_NAMES)}
    spurious = [e for e in distinct if e["kind_float"] == "minimum"]
    saddles = [e for e in distinct if e["kind_float"] == "saddle"]
    spurious_runs = sum(e["runs"] for e in spurious)
    lo, hi = wilson_interval(spurious_runs, N)
    certs = [e.get("certificate", {}) for e in distinct]
    eigs = [lambda_min_lower(e["certificate"]) for e in spurious if "certificate" in e]
    eigs = [x for x in eigs if x is not None]
    return {
        "k": k, "n": n, "runs": N, "seed": seed,
        "global": count["global"], "global_fraction": count["global"] / N,
        "spurious_runs": spurious_runs, "spurious_fraction": spurious_runs / N,
        "spurious_lo95": lo, "spurious_hi95": hi,
        "saddle_runs": sum(e["runs"] for e in saddles),
        "other_critical_runs": sum(e["runs"] for e in distinct
                                   if e["kind_float"] not in ("minimum", "saddle")),
        "unconverged": count["unconverged"], "zero_neuron": count["zero_neuron"],
        "distinct_spurious": len(spurious),
        "types": [e["isotropy"] for e in spurious],
        "loss_min": min((e["loss"] for e in spurious), default=None),
        "loss_max": max((e["loss"] for e in spurious), default=None),
        "certified_minima": sum(c.get("status") == "certified" and c.get("kind") == "local_minimum"
                                for c in certs),
        "certified_saddles": sum(c.get("status") == "certified" and c.get("kind") == "saddle"
                                 for c in certs),
        "not_certified": sum(c.get("status") == "not certified" for c in certs),
        "not_block_symmetric": sum(e.get("route") == "none" for e in distinct),
        "min_certified_eig": min(eigs) if eigs else None,
        "steps_median": float(np.median(runs.steps)) if N else None,
        "steps_max": int(np.max(runs.steps)) if N else None,
        "seconds": round(seconds, 2),
    }


def public_entry(e: dict) -> dict:
    """A distinct point as stored in results.json (private "_" keys dropped)."""
    return {key: v for key, v in e.items() if not key.startswith("_")}


def results_json(params: dict, records: list[dict], complete: bool = True) -> bytes:
    data = {"format": "certify-census-results", "version": 1, "params": params,
            "interval": "Wilson score, 95%", "complete": complete,
            "summary": [r["summary"] for r in records],
            "details": [{"k": r["summary"]["k"], "n": r["summary"]["n"],
                         "distinct": [public_entry(e) for e in r["distinct"]],
                         "run_status": r["run_status"]} for r in records]}
    return (json.dumps(data, indent=1, sort_keys=True, allow_nan=False) + "\n").encode()


def results_csv(records: list[dict]) -> str:
    """The summary table (one row per (k, n)), a blank line, then the table of
    distinct critical points (one row each, with the certificate hash)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        row = dict(r["summary"])
        row["types"] = " ".join(row["types"])
        writer.writerow({key: row.get(key) for key in SUMMARY_COLUMNS})
    buf.write("\n")
    minima = csv.DictWriter(buf, fieldnames=["k", "n", "isotropy", "blocks", "loss", "runs",
                                             "kind_float", "certificate", "kind_proved",
                                             "certified_lambda_min_lower", "sha256"],
                            lineterminator="\n")
    minima.writeheader()
    for r in records:
        for e in r["distinct"]:
            c = e.get("certificate", {})
            minima.writerow({"k": r["summary"]["k"], "n": r["summary"]["n"],
                             "isotropy": e["isotropy"],
                             "blocks": " ".join(map(str, e.get("blocks") or e.get("p") or [])),
                             "loss": f"{e['loss']:.12g}", "runs": e["runs"],
                             "kind_float": e["kind_float"], "certificate": c.get("status", "-"),
                             "kind_proved": c.get("kind", ""),
                             "certified_lambda_min_lower": lambda_min_lower(c) if c else None,
                             "sha256": c.get("sha256", "")})
    return buf.getvalue()


def _fmt(x, spec):
    return "-" if x is None else format(x, spec)


def summary_line(s: dict) -> str:
    """One line per finished (k, n) for the progress log."""
    return (f"k={s['k']} n={s['n']}: spurious {s['spurious_runs']}/{s['runs']} = "
            f"{100 * s['spurious_fraction']:.1f}% [95% {100 * s['spurious_lo95']:.1f}, "
            f"{100 * s['spurious_hi95']:.1f}], global {s['global']}, "
            f"{s['distinct_spurious']} distinct ({' '.join(s['types']) or '-'}), certified "
            f"{s['certified_minima']}m/{s['certified_saddles']}s, not certified {s['not_certified']}, "
            f"unconverged {s['unconverged']}, zero-neuron {s['zero_neuron']}")


def format_table(summaries: list[dict]) -> str:
    head = ["k", "n", "runs", "global%", "spur%", "95% interval", "other", "#spur", "types",
            "loss min", "loss max", "cert", "eig >=", "sec"]
    rows = [head]
    for s in summaries:
        other = s["saddle_runs"] + s["other_critical_runs"] + s["unconverged"] + s["zero_neuron"]
        rows.append([str(s["k"]), str(s["n"]), str(s["runs"]), f"{100 * s['global_fraction']:.1f}",
                     f"{100 * s['spurious_fraction']:.1f}",
                     f"[{100 * s['spurious_lo95']:.1f}, {100 * s['spurious_hi95']:.1f}]",
                     str(other), str(s["distinct_spurious"]), ",".join(s["types"]) or "-",
                     _fmt(s["loss_min"], ".9f"), _fmt(s["loss_max"], ".9f"),
                     f"{s['certified_minima']}m/{s['certified_saddles']}s/{s['not_certified']}x",
                     _fmt(s["min_certified_eig"], ".6f"), f"{s['seconds']:.1f}"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)


def markdown_table(summaries: list[dict]) -> str:
    head = "| k | n | runs | global% | spur% | 95% interval | other | #spur | types | loss min | loss max | cert | eig >= |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for s in summaries:
        other = s["saddle_runs"] + s["other_critical_runs"] + s["unconverged"] + s["zero_neuron"]
        lines.append(f"| {s['k']} | {s['n']} | {s['runs']} | {100 * s['global_fraction']:.1f} | "
                     f"{100 * s['spurious_fraction']:.1f} | [{100 * s['spurious_lo95']:.1f}, "
                     f"{100 * s['spurious_hi95']:.1f}] | {other} | {s['distinct_spurious']} | "
                     f"{','.join(s['types']) or '-'} | {_fmt(s['loss_min'], '.9f')} | "
                     f"{_fmt(s['loss_max'], '.9f')} | {s['certified_minima']}m/"
                     f"{s['certified_saddles']}s/{s['not_certified']}x | "
                     f"{_fmt(s['min_certified_eig'], '.6f')} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# reading results back (report --census)
# --------------------------------------------------------------------------
def census_series(obj) -> dict:
    """{(n - k, seed, runs, tol, max_iter): [(k, fraction, lo95, hi95), ...]} from one
    results.json object (format certify-census-results); {} for anything else.
    The key holds every parameter that changes the experiment, so one series never
    mixes censuses with different seeds, run counts or stopping rules."""
    if not isinstance(obj, dict) or obj.get("format") != "certify-census-results":
        return {}
    params = obj.get("params") or {}
    out: dict = {}
    for s in obj.get("summary") or []:
        try:
            k, n, runs, x = int(s["k"]), int(s["n"]), int(s["runs"]), int(s["spurious_runs"])
            lo, hi = wilson_interval(x, runs)
        except (KeyError, TypeError, ValueError):
            continue
        key = (n - k, int(s.get("seed", params.get("seed", -1))), runs,
               params.get("tol"), params.get("max_iter"))
        out.setdefault(key, []).append((k, x / runs, lo, hi))
    return out


def load_census_series(folder, skip=None) -> dict:
    """census_series of every results.json under folder, merged; a (key, k) met twice
    (two censuses with the same parameters) keeps the first file's value."""
    from pathlib import Path
    folder = Path(folder)
    series: dict = {}
    if not folder.is_dir():
        return series
    for path in sorted(folder.rglob("results.json")):
        if skip is not None and Path(skip).resolve() in path.resolve().parents:
            continue
        try:
            found = census_series(json.loads(path.read_text()))
        except (OSError, ValueError, RecursionError):
            continue
        for key, points in found.items():
            have = {k for k, *_ in series.get(key, [])}
            series.setdefault(key, []).extend(p for p in points if p[0] not in have)
    return {key: sorted(points) for key, points in sorted(series.items(), key=lambda kv: str(kv[0]))}


def series_label(key) -> str:
    offset, seed, runs, _, _ = key
    n = "n = k" if offset == 0 else f"n = k+{offset}"
    return f"{n}, seed {seed}, {runs} runs"
