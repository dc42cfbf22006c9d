"""Landscape census: many gradient-descent runs per k, end points deduplicated,
classified by symmetry and certified (UNTRUSTED driver; proofs come from the kernel).

    python -m certify census k=6..20 --runs 500 --seed 0 [--n k,k+1,k+2] [--jobs 2]
                             [--out results/] [--certify | --no-certify] [--write-certificates]

For each k and each n (default n = k; d = k, teacher V = I_k):

1. ``runs`` Xavier starts (entries N(0, 1/k)) drawn from
   ``np.random.default_rng([seed, k, n])`` -- so the census is reproducible
   from the seed, whatever --jobs is;
2. plain gradient descent with step 5/k (:func:`certify.search.gradient_descent`,
   vectorised over runs; runs are split into --jobs processes), in chunks of
   ``--chunk`` iterations.  A run stops when ||grad F|| <= --tol, or when
   F <= --global-loss (it is then at, or descending into, a global minimum:
   gradient descent never increases F, and every spurious critical point found
   has F > 0.01), or after --max-iter steps;
3. an end point with F <= --global-loss is a *global minimum* (for n = k we also
   check W = V up to a row permutation, within 1e-4); a converged end point is
   polished by float Newton (:func:`certify.search.newton_polish`) and
   classified by the float Hessian spectrum (minimum / saddle / degenerate);
   a run that did not converge is counted as *unconverged*, unless Newton takes
   it (within 1e-4) to a critical point;
4. the critical points with F > 0 are deduplicated up to permuting neurons and
   coordinates (:mod:`certify.symmetry`: the group is S_n x S_k acting on rows
   and columns independently), classified by isotropy (block structure p,
   compact exact block form) and certified with
   :func:`certify.pipeline.certify_point` (for every d >= k when the extra
   dimension matrix is positive definite, else for d = k only).

Spurious fraction = runs ending at a point that the float Hessian says is a
local minimum with F > global loss; the certified statuses are reported beside
it.  Results: a table on stdout, ``census_*.json`` and ``census_*.csv`` in --out.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .cli.common import UsageError, parse_k_values
from .producer import newton, search, symmetry
from .producer.objective import gradient, hessian, identity_teacher, loss

GLOBAL_LOSS = 1e-10
GLOBAL_MATCH = 1e-4
DEFAULT_TOL = 1e-12
DEFAULT_MAX_ITER = 50000
DEFAULT_CHUNK = 1000
POLISH_MOVE = 1e-4       # Newton may move an end point at most this far
CRITICAL_GRAD = 1e-11    # polished point counts as critical below this gradient norm
EIG_ZERO = 1e-9          # |float eigenvalue| below this: degenerate
LOSS_DUP = 1e-8          # points compared only if their losses agree this well


# --------------------------------------------------------------------------
# argument helpers
# --------------------------------------------------------------------------

def parse_n_specs(spec: str) -> list[str]:
    """'k', 'k+1', '7' or a comma list; returns the normalised list of specs."""
    out = []
    for part in spec.replace(" ", "").split(","):
        if part == "k":
            out.append("k")
        elif part.startswith("k+") and part[2:].isdigit():
            out.append("k" if int(part[2:]) == 0 else f"k+{int(part[2:])}")
        elif part.isdigit():
            out.append(str(int(part)))
        else:
            raise UsageError(f"--n: expected k, k+J or an integer, got {part!r}")
    return list(dict.fromkeys(out))


def n_value(spec: str, k: int) -> int:
    if spec == "k":
        return k
    if spec.startswith("k+"):
        return k + int(spec[2:])
    return int(spec)


# --------------------------------------------------------------------------
# gradient descent (workers)
# --------------------------------------------------------------------------

def starts(k: int, n: int, runs: int, seed: int) -> np.ndarray:
    """The census starting points for (k, n): Xavier, rng seeded by (seed, k, n)."""
    return search.xavier_init(runs, n, k, np.random.default_rng([seed, k, n]))


def descend(k: int, n: int, W0: np.ndarray, tol: float = DEFAULT_TOL,
            max_iter: int = DEFAULT_MAX_ITER, chunk: int = DEFAULT_CHUNK,
            global_loss: float = GLOBAL_LOSS):
    """Gradient descent (step 5/k) on the runs W0 in chunks of ``chunk`` steps,
    with the extra stop F <= global_loss.  Returns (points, grad norms, losses,
    steps taken per run)."""
    V = identity_teacher(k, k)
    W = np.array(W0, dtype=float, copy=True)
    runs = W.shape[0]
    grad = np.full(runs, np.inf)
    steps = np.zeros(runs, dtype=int)
    active = np.arange(runs)
    done = 0
    while active.size and done < max_iter:
        todo = min(chunk, max_iter - done)
        res = search.gradient_descent(k, n=n, d=k, W0=W[active], tol=tol, max_iter=todo)
        moved = np.any(res.points != W[active], axis=(1, 2))
        W[active] = res.points
        grad[active] = res.grad_norms
        steps[active[moved]] = done + todo   # upper bound for runs frozen inside the chunk
        done += todo
        F = loss(W[active], V)
        settled = ~(grad[active] > tol) | (F <= global_loss)   # nan (zero neuron) settles too
        active = active[~settled]
    return W, grad, loss(W, V), steps


def _descend_job(args):
    return descend(*args)


# --------------------------------------------------------------------------
# end points
# --------------------------------------------------------------------------

def is_teacher(W: np.ndarray, V: np.ndarray, tol: float = GLOBAL_MATCH) -> bool:
    """n = k: W equals V up to a row permutation (within tol)."""
    if W.shape != V.shape:
        return False
    order = np.argmax(W, axis=1)
    return sorted(order.tolist()) == list(range(W.shape[0])) and \
        float(np.max(np.abs(W - V[order]))) <= tol


def critical_kind(W: np.ndarray, V: np.ndarray) -> tuple[str, int, float]:
    """(kind, Morse index, smallest |eigenvalue|) from the float Hessian."""
    ev = np.linalg.eigvalsh(hessian(W, V))
    small = float(np.min(np.abs(ev)))
    index = int(np.sum(ev < 0))
    if small < EIG_ZERO:
        return "degenerate", index, float(ev[0])
    return ("minimum" if index == 0 else "saddle"), index, float(ev[0])


def polish(W: np.ndarray, V: np.ndarray):
    """Float Newton from an end point; the polished point if it stayed within
    POLISH_MOVE and is critical, else None."""
    with np.errstate(all="ignore"):
        P = newton.newton(search.dense_derivatives(V), W, steps=8)[0]
        g = float(np.linalg.norm(gradient(P, V)))
    if np.all(np.isfinite(P)) and g <= CRITICAL_GRAD and float(np.max(np.abs(P - W))) <= POLISH_MOVE:
        return P
    return None


def dedup(points: list[np.ndarray], losses: list[float], tol: float = symmetry.DEFAULT_TOL):
    """Group points equal up to rows x columns permutations.  Returns a list of
    (representative index, [member indices]) in order of first appearance."""
    groups: list[tuple[int, list[int]]] = []
    for i, (W, F) in enumerate(zip(points, losses)):
        for rep, members in groups:
            if abs(losses[rep] - F) <= LOSS_DUP * max(1.0, abs(F)) and \
                    symmetry.is_equivalent(points[rep], W, tol):
                members.append(i)
                break
        else:
            groups.append((i, [i]))
    return groups


# --------------------------------------------------------------------------
# certification (workers)
# --------------------------------------------------------------------------

def _dyadic_float(text: str) -> float:
    from .views.display import exact_value
    return float(exact_value(text))


def certify_distinct(W: np.ndarray, k: int, label: str, prec: int = 128):
    """certify_point for every d >= k, falling back to d = k; returns a dict
    (status, kind, claims as floats and strings, d_max, reason) and the
    certificate object (or None)."""
    from .producer import NotCertified, pipelines
    V = identity_teacher(k, k)
    info = {"found_by": "census: gradient descent from Xavier init, step 5/k, float Newton",
            "symmetry": label}
    t0 = time.perf_counter()
    try:
        outcome = pipelines.certify_candidate(W, V, prec, info)
        note = outcome.note
    except NotCertified as err:
        return {"status": "not certified", "reason": str(err)}, None
    obj = outcome.obj
    claims = obj["claims"]
    result = {"status": "certified", "kind": obj.get("kind", "local_minimum"),
              "d_max": obj["d_max"], "seconds": round(time.perf_counter() - t0, 3),
              "claims": claims}
    for key in ("hessian_min_eig_lower", "hessian_min_abs_eig_lower", "loss_lower", "loss_upper"):
        if key in claims:
            result[key + "_float"] = _dyadic_float(claims[key])
    if "morse_index" in claims:
        result["morse_index"] = claims["morse_index"]
    if note:
        result["note"] = f"d_max=None: {note}"
    return result, obj


def _certify_job(args):
    W, k, label, prec = args
    try:
        return certify_distinct(W, k, label, prec)
    except Exception as err:   # a census must finish; the failure is reported, not hidden
        return {"status": "not certified", "reason": f"{type(err).__name__}: {err}"}, None


# --------------------------------------------------------------------------
# one (k, n)
# --------------------------------------------------------------------------

def census_one(k: int, n: int, runs: int, seed: int, pool=None, jobs: int = 1,
               tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER,
               chunk: int = DEFAULT_CHUNK, do_certify: bool = True, prec: int = 128,
               log=None) -> dict:
    """Census for one (k, n): returns the JSON-ready record (summary + points)."""
    t0 = time.perf_counter()
    V = identity_teacher(k, k)
    W0 = starts(k, n, runs, seed)
    slices = np.array_split(np.arange(runs), max(1, min(jobs, runs)))
    tasks = [(k, n, W0[s], tol, max_iter, chunk) for s in slices if s.size]
    parts = list(pool.map(_descend_job, tasks)) if pool is not None and len(tasks) > 1 \
        else [descend(*t) for t in tasks]
    W = np.concatenate([p[0] for p in parts])
    grad = np.concatenate([p[1] for p in parts])
    F = np.concatenate([p[2] for p in parts])
    steps = np.concatenate([p[3] for p in parts])
    t_descent = time.perf_counter() - t0

    status = []                     # per run: global / critical / unconverged / zero_neuron
    crit_points, crit_loss, crit_runs, global_mismatch = [], [], [], 0
    for r in range(runs):
        if F[r] <= GLOBAL_LOSS:
            status.append("global")
            if n == k and not is_teacher(W[r], V):
                global_mismatch += 1
            continue
        if not np.isfinite(grad[r]) or not np.all(np.isfinite(W[r])) \
                or float(np.min(np.linalg.norm(W[r], axis=1))) == 0.0:
            status.append("zero_neuron")
            continue
        P = polish(W[r], V)
        if P is None:
            status.append("unconverged")
            continue
        status.append("critical")
        crit_points.append(P)
        crit_loss.append(loss(P, V))
        crit_runs.append(r)
    groups = dedup(crit_points, crit_loss)

    distinct = []
    for rep, members in groups:
        P = crit_points[rep]
        kind, index, lam = critical_kind(P, V)
        sym = symmetry.classify(P)
        compact, why = symmetry.compact_form(P, sym)
        entry = {
            "loss": crit_loss[rep], "kind_float": kind, "morse_index_float": index,
            "min_eig_float": lam, "runs": len(members),
            "first_run": crit_runs[rep], "isotropy": sym.label, "p": list(sym.p),
            "young": sym.young, "column_blocks": sym.blocks,
            "row_orbit_sizes": sorted(len(o) for o in sym.row_orbits),
            "compact": compact,
            "dense": (symmetry.dense_from_compact(compact) if compact is not None else P).tolist(),
            "dense_is_symmetrised": compact is not None,
            "point": P.tolist(),
        }
        if compact is None:
            entry["compact_reason"] = why
        distinct.append(entry)
    distinct.sort(key=lambda e: e["loss"])
    t_classify = time.perf_counter() - t0 - t_descent

    objects = [None] * len(distinct)
    if do_certify and distinct:
        tasks = [(np.array(e["dense"] if e["dense_is_symmetrised"] else e["point"]), k,
                  e["isotropy"], prec) for e in distinct]
        done = list(pool.map(_certify_job, tasks)) if pool is not None and len(tasks) > 1 \
            else [_certify_job(t) for t in tasks]
        for e, (res, obj), i in zip(distinct, done, range(len(distinct))):
            e["certificate"] = res
            objects[i] = obj
    t_certify = time.perf_counter() - t0 - t_descent - t_classify

    counts = {s: status.count(s) for s in ("global", "critical", "unconverged", "zero_neuron")}
    spurious = [e for e in distinct if e["kind_float"] == "minimum"]
    saddles = [e for e in distinct if e["kind_float"] == "saddle"]
    cert_eigs = [e["certificate"]["hessian_min_eig_lower_float"] for e in spurious
                 if e.get("certificate", {}).get("status") == "certified"
                 and "hessian_min_eig_lower_float" in e["certificate"]]
    summary = {
        "k": k, "n": n, "d": k, "runs": runs, "seed": seed,
        "global": counts["global"], "global_fraction": counts["global"] / runs,
        "global_not_teacher": global_mismatch,
        "spurious_runs": sum(e["runs"] for e in spurious),
        "spurious_fraction": sum(e["runs"] for e in spurious) / runs,
        "saddle_runs": sum(e["runs"] for e in saddles),
        "other_critical_runs": sum(e["runs"] for e in distinct
                                   if e["kind_float"] not in ("minimum", "saddle")),
        "unconverged": counts["unconverged"], "zero_neuron": counts["zero_neuron"],
        "distinct_spurious": len(spurious),
        "distinct_critical": len(distinct),
        "types": sort_types({e["isotropy"] for e in spurious}),
        "loss_min": min((e["loss"] for e in spurious), default=None),
        "loss_max": max((e["loss"] for e in spurious), default=None),
        "certified_minima": sum(1 for e in distinct if e.get("certificate", {}).get("kind")
                                == "local_minimum" and e["certificate"]["status"] == "certified"),
        "certified_saddles": sum(1 for e in distinct if e.get("certificate", {}).get("kind")
                                 == "saddle" and e["certificate"]["status"] == "certified"),
        "not_certified": sum(1 for e in distinct
                             if e.get("certificate", {}).get("status") == "not certified"),
        "min_certified_eig": min(cert_eigs) if cert_eigs else None,
        "max_steps": int(steps.max()) if runs else 0,
        "seconds": round(time.perf_counter() - t0, 2),
        "seconds_descent": round(t_descent, 2),
        "seconds_classify": round(t_classify, 2),
        "seconds_certify": round(t_certify, 2),
    }
    return {"summary": summary, "distinct": distinct, "run_status": status,
            "run_loss": F.tolist(), "run_grad": [None if not np.isfinite(g) else float(g) for g in grad],
            "_objects": objects}


def sort_types(labels) -> list[str]:
    """Isotropy labels in the order of their block sizes: S1xS10 < S2xS9 < S1xS2xS8."""
    def key(label):
        digits = [int(x) for x in label.replace("orbits(", "").rstrip(")").replace("S", "")
                  .replace(",", "x").split("x") if x.isdigit()]
        return (len(digits), digits, label)
    return sorted(set(labels), key=key)


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

COLUMNS = [("k", "k"), ("n", "n"), ("runs", "runs"), ("global%", "global_fraction"),
           ("spur%", "spurious_fraction"), ("other", None), ("#spur", "distinct_spurious"),
           ("types", "types"), ("loss min", "loss_min"), ("loss max", "loss_max"),
           ("cert", None), ("eig >=", "min_certified_eig"), ("sec", "seconds")]


def table_rows(summaries: list[dict]) -> list[list[str]]:
    rows = []
    for s in summaries:
        row = []
        for title, key in COLUMNS:
            if title == "other":
                row.append(str(s["saddle_runs"] + s["other_critical_runs"] + s["unconverged"]
                               + s["zero_neuron"]))
            elif title == "cert":
                row.append(f"{s['certified_minima']}m/{s['certified_saddles']}s/{s['not_certified']}x")
            else:
                v = s[key]
                if v is None:
                    row.append("-")
                elif key.endswith("fraction"):
                    row.append(f"{100 * v:.1f}")
                elif key.startswith("loss"):
                    row.append(f"{v:.9f}")
                elif key == "min_certified_eig":
                    row.append(f"{v:.6f}")
                elif key == "types":
                    row.append(",".join(v) if v else "-")
                else:
                    row.append(str(v))
        rows.append(row)
    return rows


def format_table(summaries: list[dict], markdown: bool = False) -> str:
    header = [t for t, _ in COLUMNS]
    rows = table_rows(summaries)
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    return "\n".join("  ".join(x.rjust(w) for x, w in zip(r, widths)) for r in [header] + rows)


def write_results(out: Path, name: str, params: dict, records: list[dict]) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    data = {"params": params,
            "summary": [r["summary"] for r in records],
            "details": [{key: v for key, v in r.items() if not key.startswith("_")} for r in records]}
    json_path = out / f"{name}.json"
    json_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    csv_path = out / f"{name}.csv"
    keys = list(records[0]["summary"]) if records else []
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        for r in records:
            row = dict(r["summary"])
            row["types"] = " ".join(row["types"])
            writer.writerow(row)
    return json_path, csv_path


def _known_certificates(folder: Path) -> list[dict]:
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            obj = json.loads(path.read_text())
            out.append({"k": obj["k"], "n": obj["n"], "kind": obj.get("kind"),
                        "lo": _dyadic_float(obj["claims"]["loss_lower"]),
                        "hi": _dyadic_float(obj["claims"]["loss_upper"])})
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def write_new_certificates(records: list[dict], folder: Path, log) -> list[Path]:
    """Certificates of minima not already in ``folder`` (same k, n, kind and a
    loss interval meeting an existing one counts as known)."""
    from .files import FileProblem, write_atomic
    from .kernel.format import canonical_bytes
    known = _known_certificates(folder)
    written = []
    for rec in records:
        s = rec["summary"]
        for e, obj in zip(rec["distinct"], rec["_objects"]):
            if obj is None or obj.get("kind", "local_minimum") != "local_minimum":
                continue
            lo = _dyadic_float(obj["claims"]["loss_lower"])
            hi = _dyadic_float(obj["claims"]["loss_upper"])
            if any(c["k"] == s["k"] and c["n"] == s["n"] and c["kind"] == obj.get("kind")
                   and c["lo"] <= hi + 1e-12 and lo <= c["hi"] + 1e-12 for c in known):
                continue
            path = folder / f"k{s['k']}_n{s['n']}_{e['isotropy']}_L{e['loss']:.8f}.json"
            try:
                write_atomic(path, canonical_bytes(obj))
            except FileProblem as err:
                print(f"not written: {err}", file=log)
                continue
            known.append({"k": s["k"], "n": s["n"], "kind": obj.get("kind"), "lo": lo, "hi": hi})
            written.append(path)
    return written


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def run_census(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify census", description=(
        "Gradient descent from many random starts for each k; end points "
        "deduplicated up to permutations, classified by isotropy and certified. "
        "Exit 0 when the census ran (whatever it found), 2 on bad usage."))
    parser.add_argument("ks", nargs="+", metavar="k=SPEC", help="k=8, k=6..20 or k=6,8,12")
    parser.add_argument("--runs", type=int, default=500, help="runs per (k, n) (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--n", default="k", help="neurons: k, k+1, an integer or a comma list "
                        "such as k,k+1,k+2 (default k)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="results folder (default results/)")
    parser.add_argument("--certify", action=argparse.BooleanOptionalAction, default=True,
                        help="certify every distinct critical point with F > 0 (default: yes)")
    parser.add_argument("--write-certificates", action="store_true",
                        help="write certificates of new local minima to --certificates-dir")
    parser.add_argument("--certificates-dir", type=Path, default=Path("certificates"))
    parser.add_argument("--tol", type=float, default=DEFAULT_TOL, help="gradient-norm stop (default 1e-12)")
    parser.add_argument("--max-iter", type=int, default=DEFAULT_MAX_ITER,
                        help=f"gradient steps per run at most (default {DEFAULT_MAX_ITER})")
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help=argparse.SUPPRESS)
    parser.add_argument("--prec", type=int, default=128, help="arb precision of certificates")
    args = parser.parse_args(argv)
    try:
        ks = parse_k_values(args.ks, 2, 40)
        n_specs = parse_n_specs(args.n)
        if not 1 <= args.runs <= 10 ** 6:
            raise UsageError("--runs must be in 1..1000000")
        if not 1 <= args.jobs <= 64:
            raise UsageError("--jobs must be in 1..64")
        if not (args.tol > 0 and args.max_iter >= 1 and args.chunk >= 1):
            raise UsageError("--tol, --max-iter and --chunk must be positive")
        if not 64 <= args.prec <= 2048:
            raise UsageError("--prec must be in 64..2048")
        configs = [(k, n_value(spec, k)) for spec in n_specs for k in ks]
        if any(n < 1 or n > 60 for _, n in configs):
            raise UsageError("n must be in 1..60")
    except UsageError as err:
        parser.error(str(err))

    kspec = f"{ks[0]}-{ks[-1]}" if len(ks) > 1 else str(ks[0])
    name = f"census_k{kspec}_n{'_'.join(s.replace('+', 'p') for s in n_specs)}_runs{args.runs}_seed{args.seed}"
    params = {"ks": ks, "n": n_specs, "runs": args.runs, "seed": args.seed, "tol": args.tol,
              "max_iter": args.max_iter, "global_loss": GLOBAL_LOSS, "certify": args.certify,
              "prec": args.prec, "step": "5/k", "init": "N(0, 1/k) i.i.d., rng([seed, k, n])"}
    log = sys.stderr
    pool = ProcessPoolExecutor(max_workers=args.jobs) if args.jobs > 1 else None
    records, started = [], time.perf_counter()
    try:
        for i, (k, n) in enumerate(configs, 1):
            print(f"[{i}/{len(configs)}] k={k} n={n}: {args.runs} runs ...", file=log, flush=True)
            rec = census_one(k, n, args.runs, args.seed, pool, args.jobs, args.tol,
                             args.max_iter, args.chunk, args.certify, args.prec, log)
            s = rec["summary"]
            print(f"[{i}/{len(configs)}] k={k} n={n}: global {s['global']}, spurious {s['spurious_runs']} "
                  f"({s['distinct_spurious']} distinct: {' '.join(s['types']) or '-'}), "
                  f"unconverged {s['unconverged']}; {s['seconds']:.1f} s "
                  f"[{time.perf_counter() - started:.0f} s total]", file=log, flush=True)
            for e in rec["distinct"]:
                c = e.get("certificate")
                if c is not None and c["status"] != "certified":
                    print(f"    F={e['loss']:.9f} {e['isotropy']}: not certified: {c['reason']}",
                          file=log, flush=True)
            records.append(rec)
            try:    # partial results survive an interrupted census
                write_results(args.out, name + "_partial", params, records)
            except OSError:
                pass
    finally:
        if pool is not None:
            pool.shutdown()
    summaries = [r["summary"] for r in records]
    print(format_table(summaries))
    try:
        json_path, csv_path = write_results(args.out, name, params, records)
    except OSError as err:
        print(f"cannot write results to {args.out}: {err}", file=log)
        return 2
    (args.out / f"{name}_partial.json").unlink(missing_ok=True)
    (args.out / f"{name}_partial.csv").unlink(missing_ok=True)
    print(f"results: {json_path} {csv_path}", file=log)
    if args.write_certificates:
        for path in write_new_certificates(records, args.certificates_dir, log):
            print(f"certificate: {path}", file=log)
    return 0
