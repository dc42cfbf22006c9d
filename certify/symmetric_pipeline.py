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
from .pipeline import EIG_BITS, LOSS_BITS, NotCertified, Outcome, eigen_claim

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
    with ctx.workprec(53):
        for _ in range(iters):
            jet = ks.block_loss(list(blocks), ks.jets(list(blocks), [arb(x) for x in theta]))
            g = np.array([float(jet.g[i, 0].mid()) for i in range(len(theta))])
            step = np.linalg.solve(_mid_matrix(jet.h), g)
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
        scaled = theta.copy()
        scaled[[1, 2, 4]] *= current / nxt
        theta = _float_newton((1, nxt - 1), scaled)
        current = nxt
    return theta


def certify_k_symmetric(k: int, prec: int = DEFAULT_PREC) -> Outcome:
    """The lowest-loss spurious minimum for n = k = d (blocks (1, k-1)), every d >= k."""
    if k < 6:
        raise NotCertified("the (1, k-1) family has spurious minima for k >= 6 only")
    t0 = time.perf_counter()
    theta0 = family_start(k)
    t_search = time.perf_counter() - t0
    outcome = certify_blocks((1, k - 1), theta0, prec, None,
                             info={"found_by": "block ansatz S1 x S%d, continuation in k, "
                                               "reduced Newton" % (k - 1),
                                   "symmetry": f"S1xS{k - 1}"})
    outcome.seconds = {"search": t_search, **outcome.seconds}
    return outcome


def certificate_name(outcome: Outcome) -> str:
    blocks = outcome.obj["blocks"]
    return f"k{outcome.k}_n{outcome.n}_" + "x".join(f"S{p}" for p in blocks) + "_sym.json"
