"""Positive definiteness of every symmetric matrix in an interval matrix.

Claim proved: for every real symmetric A enclosed entrywise by the arb_mat H,
A - mu I is positive definite, i.e. lambda_min(A) > mu.

Method: Q is any real matrix (a float approximate eigenvector matrix of the
midpoint of H, converted exactly).  B = Q^T (H - mu I) Q, computed in ball
arithmetic, encloses Q^T (A - mu I) Q, which is symmetric.  If every Gershgorin
disc of B lies in (0, inf), i.e.  B_ii - sum_{j != i} |B_ij| > 0  is proved for
every i, then Q^T (A - mu I) Q is positive definite; hence Q is nonsingular and,
writing x = Q y, x^T (A - mu I) x = y^T Q^T (A - mu I) Q y > 0 for all x != 0.
"""
from __future__ import annotations

from flint import arb, arb_mat


def gershgorin_discs(B: arb_mat) -> list:
    """(B_ii, R_i) per row, R_i an exact upper bound of sum_{j != i} |B_ij|: every
    eigenvalue of every symmetric matrix in B lies in the union of the real
    intervals [B_ii - R_i, B_ii + R_i] (Gershgorin)."""
    N = B.nrows()
    entries = B.entries()
    discs = []
    for i in range(N):
        radius = arb(0)
        for j, x in enumerate(entries[i * N:(i + 1) * N]):
            if j != i:
                radius += x.abs_upper()
        discs.append((entries[i * N + i], radius))
    return discs


def gershgorin_margins(B: arb_mat) -> list:
    """Balls enclosing lower bounds of B_ii - sum_{j != i} |B_ij|, one per row."""
    return [centre - radius for centre, radius in gershgorin_discs(B)]


def shifted(H: arb_mat, mu: arb) -> arb_mat:
    """H - mu I."""
    out = arb_mat(H)
    for i in range(H.nrows()):
        out[i, i] = H[i, i] - mu
    return out


def min_eigenvalue_exceeds(H: arb_mat, mu: arb, Q: arb_mat) -> bool:
    """True only if lambda_min(A) > mu is proved for every symmetric A in H."""
    B = Q.transpose() * shifted(H, mu) * Q
    return all(m > 0 for m in gershgorin_margins(B))
