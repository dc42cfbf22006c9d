"""Symmetry-reduced producer: block-ansatz search -> Newton -> kernel.symmetric -> certificate.

UNTRUSTED: everything here proposes (the centre, the radius, the claimed
bounds); a certificate is returned only when certify.kernel.symmetric.prove has
proved every claim, with the very code the verifier runs.  Cost does not grow
with k: every quantity is a closed-form sum over blocks (docs/symmetric.md).

    certify_blocks(blocks, theta0)   certify the block-ansatz critical point near theta0
    certify_k_symmetric(k)           the lowest-loss family, blocks (1, k-1)
"""
from __future__ import annotations

import time

import numpy as np
from flint import arb, arb_mat, ctx

from . import __version__
from .kernel import dyadic
from .kernel import symmetric as ks
from .kernel.statement import EXTRA_CLAIM, FORMAT, VERSION
from .pipeline import LOSS_BITS, NotCertified, Outcome, eigen_claim
from .symmetry import isotropy_label

DEFAULT_PREC = 128
DENSE_SEARCH_K = 12          # below this the (1, k-1) start comes from certify.search


# ---------------------------------------------------------------------------
# dense <-> block form (floats; for tests, small k and detection)
# ---------------------------------------------------------------------------
def embed(blocks, theta) -> np.ndarray:
    """The k x k matrix W(theta) of the block ansatz (floats)."""
    names = ks.parameter_names(blocks)
    starts = np.cumsum([0] + list(blocks))
    k = int(starts[-1])
    W = np.zeros((k, k))
    for (kind, a, b), x in zip(names, theta):
        A, B = slice(starts[a], starts[a + 1]), slice(starts[b], starts[b + 1])
        if kind == "alpha":
            W[A, A] += x * np.eye(blocks[a])
        elif kind == "beta":
            W[A, A] += x * (1.0 - np.eye(blocks[a]))
        else:
            W[A, B] = x
    return W


def orbit_matrices(blocks) -> np.ndarray:
    """The 0/1 orbit indicators E_o (D, k, k), in certificate order."""
    D = len(ks.parameter_names(blocks))
    return np.array([embed(blocks, row) for row in np.eye(D)])


def parameters_of(W: np.ndarray, blocks) -> np.ndarray:
    """theta read off a dense W assumed to be in the ansatz (orbit averages)."""
    E = orbit_matrices(blocks)
    return np.einsum("oij,ij->o", E, W) / E.sum((1, 2))


# ---------------------------------------------------------------------------
# reduced Newton (arb midpoints used as high-precision floats)
# ---------------------------------------------------------------------------
def _mid_matrix(A: arb_mat) -> np.ndarray:
    return np.array([[float(A[i, j].mid()) for j in range(A.ncols())] for i in range(A.nrows())])


def reduced_newton(blocks, theta0, prec: int = DEFAULT_PREC, iters: int = 60) -> list:
    """Newton on grad phi = 0 in the reduced variables at prec + 64 bits; returns the
    centre as exact (m, e) pairs rounded to prec bits.  Raises NotCertified."""
    blocks = list(blocks)
    work = prec + 64
    with ctx.workprec(work):
        theta = [arb(float(x)) for x in theta0]
        for _ in range(iters):
            try:
                jet = ks.block_loss(blocks, ks.jets(blocks, theta))
            except ks.NotSmooth as err:
                raise NotCertified(f"Newton left the smooth region: {err}") from None
            H = arb_mat([[jet.h[i, j].mid() for j in range(len(theta))] for i in range(len(theta))])
            g = arb_mat([[jet.g[i, 0].mid()] for i in range(len(theta))])
            try:
                step = H.solve(g)
            except ZeroDivisionError:
                raise NotCertified("singular reduced Hessian in Newton") from None
            theta = [(t - step[i, 0]).mid() for i, t in enumerate(theta)]
            size = max(abs(float(step[i, 0].mid())) for i in range(len(theta)))
            if size < 2.0 ** -(prec + 20):
                break
        else:
            if size > 2.0 ** -(prec - 20):
                raise NotCertified(f"reduced Newton did not converge (last step {size:.1e})")
    out = []
    with ctx.workprec(prec):
        for t in theta:
            m, e = (+t).mid().man_exp() if t != 0 else (0, 0)
            out.append(dyadic.normalise(int(m), int(e)))
    return out


# ---------------------------------------------------------------------------
# statement and proof
# ---------------------------------------------------------------------------
def to_object(statement: ks.SymmetricStatement, info: dict | None = None) -> dict:
    obj = {
        "format": FORMAT, "version": VERSION, "kind": "local_minimum", "method": ks.METHOD,
        "k": statement.k, "n": statement.k, "d": statement.k, "d_max": statement.d_max,
        "teacher": "identity", "blocks": list(statement.blocks), "prec": statement.prec,
        "box": {"centre": list(statement.centre), "radius": statement.radius},
        "claims": dict(statement.claims),
        "software": {"name": "certify", "version": __version__},
    }
    if info:
        obj["info"] = info
    return obj


def propose_statement(blocks, centre, radius_exp: int, prec: int, d_max) -> ks.SymmetricStatement:
    """Claims computed from the centre: loss on the box in arb, eigenvalues of the
    reduced matrices in floats (minus a margin).  Nothing is proved here."""
    blocks = tuple(blocks)
    centre_str = tuple(dyadic.format_dyadic(m, e) for m, e in centre)
    radius = dyadic.format_dyadic(1, radius_exp)
    draft = ks.SymmetricStatement(sum(blocks), d_max, blocks, centre_str, radius, prec, {})
    with ctx.workprec(prec):
        box, mid, _ = ks.box_balls(draft)
        names = ks.parameter_names(blocks)
        F = ks.block_loss(list(blocks), dict(zip(names, box)))
        claims = {"loss_lower": dyadic.round_arb(F, LOSS_BITS, "down"),
                  "loss_upper": dyadic.round_arb(F, LOSS_BITS, "up")}
        H = _mid_matrix(ks.reduced_hessian(list(blocks), mid))
        claims["hessian_min_eig_lower"] = eigen_claim(np.linalg.eigvalsh(H))
        if d_max is None or d_max > draft.k:
            M = _mid_matrix(ks.reduced_extra_block(list(blocks), mid))
            claims[EXTRA_CLAIM] = eigen_claim(np.linalg.eigvalsh(M))
    return ks.SymmetricStatement(draft.k, d_max, blocks, centre_str, radius, prec, claims)


def certify_blocks(blocks, theta0, prec: int = DEFAULT_PREC, d_max=None,
                   info: dict | None = None) -> Outcome:
    """Refine theta0 by reduced Newton, choose a box, state and prove the claims.
    Radius starts at 2^-(prec - 28) and grows by 2^16 while only Krawczyk fails."""
    blocks = tuple(int(p) for p in blocks)
    k = sum(blocks)
    seconds = {}
    t0 = time.perf_counter()
    centre = reduced_newton(blocks, theta0, prec)
    seconds["refine"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for radius_exp in range(-(prec - 28), 0, 16):
        try:
            statement = propose_statement(blocks, centre, radius_exp, prec, d_max)
        except ks.NotSmooth as err:
            raise NotCertified(f"smooth: {err}") from None
        results = ks.prove(statement)
        failed = [r for r in results if not r.proved]
        if not failed:
            break
        if [r.claim for r in failed] != ["critical"]:
            raise NotCertified("; ".join(f"{r.claim}: {r.detail}" for r in failed))
    else:
        raise NotCertified("Krawczyk failed for every radius tried")
    seconds["prove"] = time.perf_counter() - t0
    return Outcome(k, k, to_object(statement, info), results, seconds)


# ---------------------------------------------------------------------------
# the (1, k-1) family
# ---------------------------------------------------------------------------
def _float_newton(blocks, theta, iters: int = 40) -> np.ndarray:
    """Cheap float Newton (53-bit jets) used along the continuation in k."""
    theta = np.array(theta, dtype=float)
    for _ in range(iters):
        jet = _phi_jet(blocks, theta)
        step = np.linalg.solve(_mid_matrix(jet.h), _mid_matrix(jet.g)[:, 0])
        theta = theta - step
        if np.max(np.abs(step)) < 1e-15 * max(1.0, np.max(np.abs(theta))):
            break
    return theta


def family_start(k: int) -> np.ndarray:
    """theta = (alpha_0, gamma_01, gamma_10, alpha_1, beta_1) of the lowest-loss
    (1, k-1) minimum: the dense ansatz search for small k, then continuation in k
    (the off-block parameters scale like 1/k) with float Newton at each step."""
    from . import search
    k0 = min(k, DENSE_SEARCH_K)
    theta = np.array(search.find_symmetric_minimum(k0).theta, dtype=float)
    current = k0
    while current < k:
        nxt = min(k, int(current * 1.5) + 1)
        theta = _float_newton((1, nxt - 1), next_start(theta, current, nxt))
        current = nxt
    return theta


def next_start(theta, k: int, k_next: int) -> np.ndarray:
    """A (1, k_next - 1) guess from the (1, k - 1) solution: off-block values scale like 1/k."""
    scaled = np.array(theta, dtype=float)
    scaled[[1, 2, 4]] *= k / k_next
    return scaled


def certify_k_symmetric(k: int, prec: int = DEFAULT_PREC, start=None) -> Outcome:
    """The lowest-loss spurious minimum for n = k = d (blocks (1, k-1)), every d >= k.
    `start`: optional float guess of theta (e.g. the k-1 solution rescaled, for sweeps)."""
    if k < 6:
        raise NotCertified("the (1, k-1) family has spurious minima for k >= 6 only")
    t0 = time.perf_counter()
    theta0 = family_start(k) if start is None else _float_newton((1, k - 1), start)
    t_search = time.perf_counter() - t0
    outcome = certify_blocks((1, k - 1), theta0, prec, None,
                             info={"found_by": "block ansatz S1 x S%d, continuation in k, "
                                               "reduced Newton" % (k - 1),
                                   "symmetry": f"S1xS{k - 1}"})
    outcome.seconds = {"search": t_search, **outcome.seconds}
    return outcome


# ---------------------------------------------------------------------------
# general block structures: reduced search, detection in dense points
# ---------------------------------------------------------------------------
def _phi_jet(blocks, theta):
    with ctx.workprec(53):
        return ks.block_loss(list(blocks), ks.jets(list(blocks), [arb(float(x)) for x in theta]))


def reduced_minimise(blocks, theta0, iters: int = 100) -> tuple[np.ndarray, float]:
    """Saddle-free damped Newton on phi (eigenvalues of the reduced Hessian replaced by
    their absolute values, floored; backtracking on phi).  Returns (theta, |grad phi|)."""
    theta = np.array(theta0, dtype=float)
    gnorm = np.inf
    for _ in range(iters):
        try:
            jet = _phi_jet(blocks, theta)
        except ks.NotSmooth:
            return theta, np.inf
        g, H = _mid_matrix(jet.g)[:, 0], _mid_matrix(jet.h)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            return theta, np.inf
        gnorm = float(np.linalg.norm(g))
        if gnorm < 1e-13:
            break
        lam, Q = np.linalg.eigh(H)
        step = -Q @ ((Q.T @ g) / np.maximum(np.abs(lam), 1e-8))
        step *= min(1.0, 0.5 / max(np.linalg.norm(step), 1e-300))
        phi0 = float(jet.v.mid())
        for alpha in 0.5 ** np.arange(30):
            try:
                phi1 = float(_phi_jet(blocks, theta + alpha * step).v.mid())
            except ks.NotSmooth:
                continue
            if not np.isfinite(phi1):
                continue
            if phi1 <= phi0 + 1e-4 * alpha * float(g @ step) or (lam[0] > 0 and alpha == 1.0):
                break
        theta = theta + alpha * step
    return theta, gnorm


def reduced_min_eigenvalue(blocks, theta) -> float:
    with ctx.workprec(53):
        H = _mid_matrix(ks.reduced_hessian(list(blocks), [arb(float(x)) for x in theta]))
    return float(np.linalg.eigvalsh(H)[0])


def block_starts(blocks, seed: int = 0, count: int = 16) -> list:
    """Starts for the reduced search: diagonal -0.7 on the first block (the neurons
    'apart'), +1 elsewhere, off-diagonal values ~ 1/k; plus seeded random variations."""
    names = ks.parameter_names(blocks)
    k = sum(blocks)
    rng = np.random.default_rng(seed)
    starts = []
    for i in range(count):
        theta = []
        for kind, a, b in names:
            if kind == "alpha":
                x = (-0.7 if a == 0 else 1.0) if i % 2 == 0 else (-0.7 if a != len(blocks) - 1 else 1.0)
            else:
                x = 0.0
            theta.append(x + (rng.normal() * (0.3 if kind == "alpha" else 1.5 / k) if i else 0.0))
        starts.append(np.array(theta))
    return starts


def search_blocks(blocks, seed: int = 0, count: int = 8):
    """The lowest-loss spurious local minimum found in the block ansatz (floats), as
    (theta, loss, lambda_min), or None."""
    best = None
    for start in block_starts(blocks, seed, count):
        theta, gnorm = reduced_minimise(blocks, start)
        if not gnorm < 1e-10:
            continue
        loss = float(_phi_jet(blocks, theta).v.mid())
        if loss < 1e-8:
            continue
        try:
            lam = reduced_min_eigenvalue(blocks, theta)
        except ks.NotSmooth:
            continue
        if lam > 1e-6 and (best is None or loss < best[1] - 1e-12):
            best = (theta, loss, lam)
    return best


def detect_blocks(W: np.ndarray, tol: float = 1e-5):
    """(blocks, theta, perm) with W[perm][:, col] ~ W(theta) for a Delta(prod S_pa)-fixed
    form, or None.  Rows are matched to columns by largest |W_ij| (greedy), columns are
    grouped by the diagonal value, then the fit is checked entrywise (floats)."""
    k = W.shape[0]
    if W.shape != (k, k):
        return None
    row_of = [None] * k
    used = set()
    for idx in np.argsort(-np.abs(W).ravel(), kind="stable"):
        i, j = divmod(int(idx), k)
        if row_of[j] is None and i not in used:
            row_of[j] = i
            used.add(i)
    A = W[row_of]                                      # neuron j now sits on row j
    diag = np.diag(A)
    groups = []
    for j in np.argsort(diag, kind="stable"):
        if groups and abs(diag[j] - diag[groups[-1][0]]) < tol:
            groups[-1].append(int(j))
        else:
            groups.append([int(j)])
    groups.sort(key=len)
    cols = [j for g in groups for j in g]
    blocks = tuple(len(g) for g in groups)
    if len(blocks) > ks.MAX_BLOCKS:
        return None
    B = A[np.ix_(cols, cols)]
    theta = parameters_of(B, blocks)
    if np.max(np.abs(B - embed(blocks, theta))) > tol:
        return None
    return blocks, theta, [row_of[c] for c in cols], cols


def certify_dense_point(W: np.ndarray, prec: int = DEFAULT_PREC) -> Outcome:
    """Detect the block structure of a dense candidate (n = k = d, teacher I) and certify
    the G-fixed representative (the same point up to permuting neurons and coordinates)."""
    found = detect_blocks(np.asarray(W, dtype=float))
    if found is None:
        raise NotCertified("no Delta(S_p1 x ... x S_pm) block structure (m <= %d) detected"
                           % ks.MAX_BLOCKS)
    blocks, theta, _, _ = found
    return certify_blocks(blocks, theta, prec, None,
                          info={"found_by": "dense candidate, block structure detected",
                                "symmetry": isotropy_label(blocks)})


def run_symmetric(argv: list[str]) -> int:
    """python -m certify symmetric --blocks 2,18 | CANDIDATE.json|.npy  [--out DIR] [--force]"""
    import argparse
    import sys
    from pathlib import Path

    from . import certificate
    parser = argparse.ArgumentParser(prog="python -m certify symmetric", description=(
        "Certify a spurious local minimum fixed by Delta(S_p1 x ... x S_pm) (n = k = d, teacher I) "
        "with the symmetry-reduced method: either search the block ansatz (--blocks) or detect "
        "the block structure of a dense candidate (JSON {\"W\": [[...]]} or .npy)."))
    parser.add_argument("candidate", nargs="?", type=Path)
    parser.add_argument("--blocks", help="block sizes, e.g. 2,18 or 6,1,13")
    parser.add_argument("--prec", type=int, default=DEFAULT_PREC)
    parser.add_argument("--out", type=Path, default=Path("certificates") / "symmetric")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if (args.candidate is None) == (args.blocks is None) or not 64 <= args.prec <= 2048:
        parser.error("give exactly one of CANDIDATE or --blocks (and --prec in 64..2048)")
    try:
        if args.blocks:
            try:
                blocks = tuple(int(x) for x in args.blocks.split(","))
            except ValueError:
                parser.error(f"--blocks: not a list of integers: {args.blocks!r}")
            if not 1 <= len(blocks) <= ks.MAX_BLOCKS or min(blocks) < 1 or sum(blocks) > ks.MAX_K:
                parser.error(f"--blocks: 1..{ks.MAX_BLOCKS} positive sizes, sum <= {ks.MAX_K}")
            found = search_blocks(blocks)
            if found is None:
                print(f"NOT CERTIFIED: no spurious local minimum found in the {blocks} ansatz",
                      file=sys.stderr)
                return 1
            outcome = certify_blocks(blocks, found[0], args.prec, None, info={
                "found_by": "block ansatz search, reduced Newton",
                "symmetry": isotropy_label(blocks)})
        else:
            from .point import BadCandidate, load_candidate
            try:
                W, k, V = load_candidate(args.candidate, need_k=False)
                if not np.all(np.isfinite(W)):
                    raise BadCandidate("W must be a finite 2-D array")
                if k not in (None, W.shape[0]) or (V is not None and not np.array_equal(V, np.eye(*W.shape))):
                    raise BadCandidate("the symmetric method needs n = k = d and teacher I")
            except BadCandidate as err:
                print(f"UNUSABLE {args.candidate}: {err}", file=sys.stderr)
                return 2
            outcome = certify_dense_point(W, args.prec)
    except NotCertified as err:
        print(f"NOT CERTIFIED: {err}", file=sys.stderr)
        return 1
    path = args.out / certificate.file_name(outcome.obj)
    try:
        data, changed = certificate.write(outcome.obj, path, force=args.force)
    except certificate.WouldOverwrite as err:
        print(str(err), file=sys.stderr)
        return 1
    from .display import decimal
    claims = outcome.obj["claims"]
    print(f"certified blocks {outcome.obj['blocks']}: loss >= "
          f"{decimal(claims['loss_lower'], 12, 'down')}, lambda_min > "
          f"{decimal(claims['hessian_min_eig_lower'], 7, 'down')} -> {path}"
          f"{'' if changed else ' (unchanged)'}")
    return 0
