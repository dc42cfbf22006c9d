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


def gershgorin_margins(B: arb_mat) -> list:
    """Balls enclosing lower bounds of B_ii - sum_{j != i} |B_ij|, one per row."""
    N = B.nrows()
    entries = B.entries()
    margins = []
    for i in range(N):
        row = entries[i * N:(i + 1) * N]
        off = arb(0)
        for j, x in enumerate(row):
            if j != i:
                off += x.abs_upper()
        margins.append(row[i] - off)
    return margins


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
