"""The kind of a critical point and the bounds a certificate will claim, proposed
from float spectra (UNTRUSTED: the kernel proves or refuses each claim).

One classification and one threshold for the whole producer: an eigenvalue with
|lambda| < SINGULAR_EIG counts as zero (the point is degenerate and cannot be
certified by these methods).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from flint import arb

from . import NotCertified
from .exact import round_arb

SINGULAR_EIG = 1e-9      # |float eigenvalue| below this: treated as 0
LOSS_BITS = 64           # significant bits of the stated loss bounds
EIG_BITS = 24            # significant bits of the stated eigenvalue bounds
EIG_MARGIN = 2.0 ** -20  # relative gap between the float eigenvalue and the claim


class Critical(NamedTuple):
    """kind: 'local_minimum', 'saddle', 'degenerate' or 'local_maximum';
    index = number of negative eigenvalues; lam_min = smallest eigenvalue."""
    kind: str
    index: int
    lam_min: float


def classify(eigenvalues) -> Critical:
    """The kind of a critical point from its (float) Hessian spectrum."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    if not np.all(np.isfinite(eigenvalues)):
        return Critical("degenerate", 0, float("nan"))
    index = int(np.sum(eigenvalues < 0))
    lam_min = float(np.min(eigenvalues))
    if float(np.min(np.abs(eigenvalues))) < SINGULAR_EIG:
        kind = "degenerate"
    elif index == 0:
        kind = "local_minimum"
    elif index == eigenvalues.size:
        kind = "local_maximum"
    else:
        kind = "saddle"
    return Critical(kind, index, lam_min)


def eigen_claim(eigenvalues) -> str:
    """A dyadic slightly below the smallest float eigenvalue (to be proved)."""
    lam = float(np.min(eigenvalues))
    return round_arb(arb(lam - EIG_MARGIN * abs(lam) - 2.0 ** -40), EIG_BITS, "down")


def hessian_claims(eigenvalues) -> tuple[str, dict]:
    """(kind, Hessian claims): a local minimum with hessian_min_eig_lower, or a saddle
    with morse_index and hessian_min_abs_eig_lower.  NotCertified otherwise."""
    critical = classify(eigenvalues)
    if critical.kind == "degenerate":
        smallest = float(np.min(np.abs(eigenvalues)))
        raise NotCertified(f"the Hessian is singular at the point (an eigenvalue is {smallest:.2g}); "
                           "a degenerate critical point cannot be certified")
    if critical.kind == "local_maximum":
        raise NotCertified("every Hessian eigenvalue is negative (a local maximum)")
    if critical.kind == "local_minimum":
        return "local_minimum", {"hessian_min_eig_lower": eigen_claim(eigenvalues)}
    return "saddle", {"morse_index": critical.index,
                      "hessian_min_abs_eig_lower": eigen_claim(np.abs(eigenvalues))}


def loss_claims(F: arb) -> dict:
    """loss_lower <= every point of the ball F <= loss_upper, LOSS_BITS significant bits."""
    return {"loss_lower": round_arb(F, LOSS_BITS, "down"), "loss_upper": round_arb(F, LOSS_BITS, "up")}
