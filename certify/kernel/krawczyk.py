"""Existence and uniqueness of a zero of a C^1 map g in a box (Krawczyk's test).

Box X = {x : |x_i - c_i| <= r for all i}.  J is an arb_mat enclosing the
Jacobian g'(x) for every x in X, y encloses g(c), and C is any real matrix
(in practice a float approximate inverse of g'(c), converted exactly).

Krawczyk operator: K(X) = c - C g(c) + (I - C J)(X - c).  If K(X) lies in the
interior of X then g has exactly one zero in X (Krawczyk 1969; Rump, Acta
Numerica 19 (2010)).  With X - c = [-r, r]^N the i-th component of K(X)
lies in c_i + [-R_i, R_i] with

    R_i = |(C y)_i| + r * sum_j |(I - C J)_ij|,

so the test is  R_i < r  for every i, decided in ball arithmetic.
"""
from __future__ import annotations

from flint import arb, arb_mat


def row_abs_sums(A: arb_mat) -> list:
    """Upper bounds (as exact arbs) of sum_j |A_ij| for every row i."""
    cols = A.ncols()
    entries = A.entries()
    sums = []
    for i in range(A.nrows()):
        total = arb(0)
        for x in entries[i * cols:(i + 1) * cols]:
            total += x.abs_upper()
        sums.append(total)
    return sums


def krawczyk_radii(y: list, J: arb_mat, C: arb_mat, r: arb) -> list:
    """Balls enclosing R_i = |(C y)_i| + r sum_j |(I - C J)_ij| (see module doc)."""
    N = J.nrows()
    Cy = C * arb_mat([[v] for v in y])
    D = identity(N) - C * J
    sums = row_abs_sums(D)
    return [Cy[i, 0].abs_upper() + r * sums[i] for i in range(N)]


def identity(N: int) -> arb_mat:
    """The N x N identity matrix."""
    eye = arb_mat(N, N)
    for i in range(N):
        eye[i, i] = 1
    return eye


def unique_zero_in_box(y: list, J: arb_mat, C: arb_mat, r: arb) -> bool:
    """True only if K(X) is proved to lie in the interior of X, i.e. g has exactly
    one zero in X = c + [-r, r]^N (y encloses g(c), J encloses g' on X)."""
    return all(R < r for R in krawczyk_radii(y, J, C, r))
