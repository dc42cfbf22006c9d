"""Merge the stored chunks of one (k, n), deduplicate the critical end points up
to symmetry and describe each distinct point (UNTRUSTED: floats describe,
the kernel proves; docs/census.md, "Deduplication" and "Isotropy").

Two routes, chosen per (k, n):

* dense (k <= DENSE_MAX_K, or no block structure found): end points are
  compared up to S_n x S_k (rows and columns permuted independently) with
  certify.symmetry; a representative is polished by float Newton and
  described by its isotropy group and compact block form; its kind comes
  from the float Hessian spectrum;
* symmetric (n = k > DENSE_MAX_K, block structure found): end points are
  compared by their block sizes and orbit averages theta; a representative
  is polished by Newton in theta (cost independent of k) and its kind comes
  from the reduced Hessian, whose eigenvalues are those of the full Hessian
  (docs/symmetric.md).  End points with no block structure are kept and
  reported as such (dense comparison), never dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..producer import newton, reduced, search, symmetry
from ..producer.claims import classify as classify_spectrum
from ..producer.objective import gradient, hessian, identity_teacher, loss
from . import endpoints

DENSE_MAX_K = 40          # above this: the symmetric route for n = k
LOSS_DUP = 1e-8           # points are compared only if their losses agree this well
THETA_DUP = 1e-6          # same block structure and orbit averages within this: one point
DENSE_EIG_MAX_DIM = 1600  # float Hessian spectrum computed densely up to n k = this


@dataclass
class Runs:
    """Every run of one (k, n), in run order, merged from its chunks."""
    k: int
    n: int
    status: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    steps: np.ndarray
    points: np.ndarray            # gradient-descent end points
    polished: dict                # run -> polished point (status POLISHED)
    blocks: list
    theta: list
    seconds: dict = field(default_factory=dict)

    def point(self, r: int) -> np.ndarray:
        return self.polished.get(r, self.points[r])


def merge(k: int, n: int, chunks: list) -> Runs:
    """Runs from the (arrays, meta) of consecutive chunks (in run order)."""
    cat = {name: np.concatenate([a[name] for a, _ in chunks])
           for name in ("status", "losses", "grad_norms", "steps", "points")}
    polished, blocks, theta, seconds = {}, [], [], {}
    for arrays, meta in chunks:
        for r, P in zip(arrays["polished_runs"].tolist(), arrays["polished_points"]):
            polished[meta["first_run"] + r] = P
        blocks += meta["blocks"]
        theta += meta["theta"]
        for key, s in meta["seconds"].items():
            seconds[key] = seconds.get(key, 0.0) + s
    return Runs(k, n, cat["status"], cat["losses"], cat["grad_norms"], cat["steps"],
                cat["points"], polished, blocks, theta, seconds)


def uses_symmetric_route(k: int, n: int) -> bool:
    return n == k and k > DENSE_MAX_K


POLISH_BLOCK_TOL = 1e-4   # block ansatz fit of an unconverged end point before Newton in theta


def polish_symmetric(runs: Runs) -> int:
    """n = k: the runs still ``unconverged`` after the worker (stopped at max_iter, and
    the dense Newton polish failed or, for n k > 1600, was not affordable) are matched
    against the block ansatz (entrywise within POLISH_BLOCK_TOL) and polished by
    Newton in theta, which converges where the dense polish may not (slowly
    converging runs next to a minimum with a small eigenvalue).  A run becomes
    ``polished`` when the full gradient at W(theta*) is at most endpoints.CRITICAL_GRAD
    and theta moved at most endpoints.POLISH_MOVE, the same rule as the dense polish.
    Runs in place; returns how many were polished."""
    if runs.n != runs.k:
        return 0
    V = identity_teacher(runs.k, runs.k)
    count = 0
    for r in np.flatnonzero(runs.status == endpoints.UNCONVERGED):
        r = int(r)
        with np.errstate(all="ignore"):
            found = reduced.detect_blocks(runs.points[r], POLISH_BLOCK_TOL)
            if found is None:
                continue
            blocks, theta = tuple(int(p) for p in found[0]), np.array(found[1])
            polished = newton.newton(search.reduced_derivatives(blocks), theta)[0]
            W = reduced.embed(blocks, polished)
            ok = np.all(np.isfinite(W)) and \
                float(np.linalg.norm(gradient(W, V))) <= endpoints.CRITICAL_GRAD and \
                float(np.max(np.abs(polished - theta))) <= endpoints.POLISH_MOVE
        if ok:
            runs.status[r] = endpoints.POLISHED
            runs.blocks[r], runs.theta[r] = list(blocks), polished.tolist()
            runs.polished[r] = W            # the dense route compares this point
            runs.losses[r] = loss(W, V)
            count += 1
    return count


# --------------------------------------------------------------------------
# deduplication
# --------------------------------------------------------------------------
def _same_block_point(a, b) -> bool:
    return a[0] == b[0] and len(a[1]) == len(b[1]) and \
        float(np.max(np.abs(np.subtract(a[1], b[1])))) <= THETA_DUP


def group_runs(runs: Runs) -> list[list[int]]:
    """Groups of critical runs (status critical or polished) that end at one point up
    to symmetry, in order of first appearance.  Symmetric route: equal blocks and
    theta within THETA_DUP; otherwise (and for end points without blocks) the
    dense comparison of certify.symmetry, which never merges two different points
    (an exhausted search keeps them apart)."""
    symmetric = uses_symmetric_route(runs.k, runs.n)
    groups: list[list[int]] = []
    for r in np.flatnonzero(np.isin(runs.status, (endpoints.CRITICAL, endpoints.POLISHED))):
        r = int(r)
        F = float(runs.losses[r])
        key = (runs.blocks[r], runs.theta[r]) if symmetric and runs.blocks[r] is not None else None
        for members in groups:
            rep = members[0]
            if abs(float(runs.losses[rep]) - F) > LOSS_DUP * max(1.0, abs(F)):
                continue
            rep_key = (runs.blocks[rep], runs.theta[rep]) if symmetric and runs.blocks[rep] is not None else None
            if key is not None and rep_key is not None:
                same = _same_block_point(key, rep_key)
            elif key is None and rep_key is None:
                same = symmetry.is_equivalent(runs.point(rep), runs.point(r))
            else:
                same = False
            if same:
                members.append(r)
                break
        else:
            groups.append([r])
    return groups


# --------------------------------------------------------------------------
# one distinct point
# --------------------------------------------------------------------------
def _kind(eigenvalues: np.ndarray) -> tuple[str, int, float]:
    """(kind, Morse index, smallest eigenvalue) by the producer's one classification
    (producer.claims.classify), with the census's names: minimum / saddle / degenerate."""
    critical = classify_spectrum(eigenvalues)
    kind = {"local_minimum": "minimum", "local_maximum": "saddle"}.get(critical.kind, critical.kind)
    return kind, critical.index, critical.lam_min


def describe_symmetric(blocks, theta) -> dict | None:
    """Entry for a block-ansatz point: Newton in theta, then the reduced spectrum."""
    try:
        with np.errstate(all="ignore"):
            th = newton.newton(search.reduced_derivatives(tuple(blocks)), theta)[0]
            lam = reduced.reduced_spectrum(blocks, th)
    except (ArithmeticError, np.linalg.LinAlgError, ValueError):
        return None
    if not np.all(np.isfinite(th)) or not np.all(np.isfinite(lam)):
        return None
    kind, index, low = _kind(lam)
    W = reduced.embed(tuple(blocks), th)
    k = W.shape[0]
    return {"route": "symmetric", "blocks": list(blocks), "theta": th.tolist(),
            "loss": loss(W, identity_teacher(k, k)), "kind_float": kind,
            "morse_index_float": index, "min_eig_float": low,
            "isotropy": symmetry.isotropy_label(sorted(blocks)), "p": sorted(blocks),
            "_W": W}


def describe_dense(P: np.ndarray, k: int) -> dict:
    """Entry for a dense point: isotropy, compact form, float spectrum."""
    V = identity_teacher(k, k)
    n = P.shape[0]
    if n * k <= endpoints.POLISH_MAX_DIM:
        Q = endpoints.polish(P, V)
        P = P if Q is None else Q
    sym = symmetry.classify(P)
    compact, why = symmetry.compact_form(P, sym)
    dense = symmetry.dense_from_compact(compact) if compact is not None else P
    if n * k <= DENSE_EIG_MAX_DIM:
        kind, index, low = _kind(np.linalg.eigvalsh(hessian(dense, V)))
    else:
        kind, index, low = "unknown", None, None
    entry = {"route": "dense", "loss": loss(dense, V), "kind_float": kind,
             "morse_index_float": index, "min_eig_float": low,
             "isotropy": sym.label, "p": list(sym.p), "young": sym.young,
             "row_orbit_sizes": sorted(len(o) for o in sym.row_orbits),
             "compact": compact, "dense_is_symmetrised": compact is not None,
             "point": dense.tolist(), "_W": dense}
    if compact is None:
        entry["compact_reason"] = why
    return entry


def distinct_points(runs: Runs) -> list[dict]:
    """One entry per distinct critical point (sorted by loss): description, the runs
    that ended there, and the matrix to certify under "_W" (not stored)."""
    out = []
    symmetric = uses_symmetric_route(runs.k, runs.n)
    for members in group_runs(runs):
        rep = members[0]
        entry = None
        if symmetric and runs.blocks[rep] is not None:
            entry = describe_symmetric(runs.blocks[rep], runs.theta[rep])
        if entry is None:
            if symmetric:
                entry = {"route": "none", "loss": float(runs.losses[rep]), "kind_float": "unknown",
                         "morse_index_float": None, "min_eig_float": None,
                         "isotropy": "no block structure", "p": None, "_W": None,
                         "note": "end point not in any block ansatz: reported, not certified"}
            else:
                entry = describe_dense(runs.point(rep), runs.k)
        entry.update(runs=len(members), first_run=rep, run_list=members)
        out.append(entry)
    out = _merge_equal_representatives(out, runs.k)
    out.sort(key=lambda e: e["loss"])
    return out


def _merge_equal_representatives(entries: list[dict], k: int) -> list[dict]:
    """After polishing, two groups can turn out to be one point (e.g. a minimum with a
    tiny Hessian eigenvalue whose raw end points differed by more than the tolerance,
    or equal-size blocks listed in the other order): merge them."""
    merged: list[dict] = []
    for e in entries:
        for m in merged:
            if e["_W"] is None or m["_W"] is None or \
                    abs(e["loss"] - m["loss"]) > LOSS_DUP * max(1.0, abs(e["loss"])):
                continue
            if symmetry.is_equivalent(m["_W"], e["_W"]):
                m["runs"] += e["runs"]
                m["run_list"] = sorted(m["run_list"] + e["run_list"])
                break
        else:
            merged.append(e)
    return merged
