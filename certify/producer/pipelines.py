"""The named producer pipelines the commands run: search -> refine -> certify.

    certify_family_member(k, prec, method)   the Delta(S_1 x S_{k-1}) minimum, n = d = k
    certify_block_structure(blocks, prec)    the lowest minimum found in a block ansatz
    certify_candidate(W, V, prec)            a user's point (dense method)
    certify_symmetric_candidate(W, prec)     a user's point, block structure detected

Each returns a producer.produce.Outcome (a certificate the kernel accepted) or raises
NotCertified with the reason.
"""
from __future__ import annotations

import time

import numpy as np

from . import NotCertified, dense, objective, reduced, search
from .candidate import parallel_pair
from .symmetry import isotropy_label

FAMILY_START = 6      # the (1, k-1) family's critical point is a spurious minimum from k = 6 on


def certify_family_member(k: int, prec: int, method: str = "dense", start=None):
    """The spurious minimum of the Delta(S_1 x S_{k-1}) family for n = d = k, certified
    for every d >= k; method "dense" (all k^2 coordinates) or "symmetric" (5 parameters).
    `start`: an optional float guess of theta (sweeps pass the previous k's solution)."""
    if k < FAMILY_START:
        raise NotCertified(f"the S1xS{k - 1} family has no spurious minimum for k < {FAMILY_START}")
    t0 = time.perf_counter()
    try:
        theta = search.family_theta(k, start)
    except ArithmeticError as err:
        raise NotCertified(f"search: {err}") from None
    t_search = time.perf_counter() - t0
    if method == "dense":
        outcome = dense.certify_point(
            reduced.embed((1, k - 1), theta), objective.identity_teacher(k, k), prec, None,
            info={"found_by": "symmetric ansatz S1 x S%d, float Newton" % (k - 1),
                  "symmetry": f"S1xS{k - 1}"})
    else:
        outcome = reduced.certify_blocks(
            (1, k - 1), theta, prec, all_d=False,
            info={"found_by": "block ansatz S1 x S%d, continuation in k, reduced Newton" % (k - 1),
                  "symmetry": f"S1xS{k - 1}"})
    outcome.seconds = {"search": t_search, **outcome.seconds}
    return outcome


def certify_block_structure(blocks, prec: int):
    """The lowest-loss spurious minimum found in the block ansatz of `blocks`."""
    t0 = time.perf_counter()
    found = search.lowest_block_minimum(blocks)
    if found is None:
        raise NotCertified(f"no spurious local minimum found in the {tuple(blocks)} block ansatz")
    t_search = time.perf_counter() - t0
    outcome = reduced.certify_blocks(blocks, found.theta, prec, info={
        "found_by": "block ansatz search, reduced Newton", "symmetry": isotropy_label(blocks)})
    outcome.seconds = {"search": t_search, **outcome.seconds}
    return outcome


def certify_candidate(W: np.ndarray, V: np.ndarray, prec: int, info: dict | None = None):
    """A user's point: refined and certified (a minimum or a saddle) for every d' >= d
    when the d > k matrix M can be proved positive definite, else for d alone."""
    parallel = parallel_pair(W, V)
    if parallel:
        raise NotCertified(parallel)
    return dense.certify_point(W, V, prec, info=info, all_d=True)


def certify_symmetric_candidate(W: np.ndarray, prec: int, info: dict | None = None):
    """A user's point (n = k = d, teacher I) with its block structure detected; the
    G-fixed representative is certified (the same point up to permuting neurons and
    coordinates)."""
    found = reduced.detect_blocks(np.asarray(W, dtype=float))
    if found is None:
        raise NotCertified("no Delta(S_p1 x ... x S_pm) block structure "
                           f"(m <= {reduced.MAX_BLOCKS}) detected")
    blocks, theta, _, _ = found
    return reduced.certify_blocks(blocks, theta, prec, info=info or {
        "found_by": "dense candidate, block structure detected", "symmetry": isotropy_label(blocks)})
