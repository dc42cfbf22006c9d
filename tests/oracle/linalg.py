"""Exact rational linear algebra (Fractions, sympy): the truth the matrix tests of
the kernel (posdef, inertia, krawczyk, fastfloat) are judged against.

    pivots(A)              pivots of exact symmetric Gaussian elimination
    is_positive_definite(A, shift)   lambda_min(A) > shift, exactly
    solve(A, b)            the exact solution of A x = b
    inertia(A)             (#negative, #zero, #positive) eigenvalues, exactly: the
                           characteristic polynomial of a real symmetric matrix has
                           only real roots, so Descartes' rule of signs counts them
                           exactly
    count_below(A, s)      #{eigenvalues of A < s}, exactly
"""
from __future__ import annotations

from fractions import Fraction

import sympy


def pivots(A) -> list:
    """Pivots of exact Gaussian elimination of the symmetric rational matrix A
    (A is positive definite iff every pivot is > 0; stops at the first <= 0)."""
    A = [[Fraction(x) for x in row] for row in A]
    n = len(A)
    out = []
    for k in range(n):
        p = A[k][k]
        out.append(p)
        if p <= 0:
            return out
        for i in range(k + 1, n):
            f = A[i][k] / p
            for j in range(k, n):
                A[i][j] -= f * A[k][j]
    return out


def is_positive_definite(A, shift=Fraction(0)) -> bool:
    """lambda_min(A) > shift for the symmetric rational matrix A, exactly."""
    n = len(A)
    M = [[Fraction(A[i][j]) - (Fraction(shift) if i == j else 0) for j in range(n)] for i in range(n)]
    return all(p > 0 for p in pivots(M))


def solve(A, b) -> list:
    """The exact solution of A x = b (A square, nonsingular, rational)."""
    n = len(A)
    M = [[Fraction(x) for x in row] + [Fraction(y)] for row, y in zip(A, b)]
    for k in range(n):
        piv = next(i for i in range(k, n) if M[i][k] != 0)
        M[k], M[piv] = M[piv], M[k]
        for i in range(n):
            if i != k:
                f = M[i][k] / M[k][k]
                M[i] = [x - f * y for x, y in zip(M[i], M[k])]
    return [M[i][n] / M[i][i] for i in range(n)]


def _sign_changes(coefficients) -> int:
    signs = [c > 0 for c in coefficients if c != 0]
    return sum(a != b for a, b in zip(signs, signs[1:]))


def inertia(A) -> tuple[int, int, int]:
    """(#negative, #zero, #positive) eigenvalues of the real symmetric rational matrix A,
    exactly (Descartes' rule of signs on the characteristic polynomial, which is exact
    for polynomials with only real roots)."""
    n = len(A)
    S = sympy.Matrix(n, n, lambda i, j: sympy.Rational(Fraction(A[i][j])))
    assert S == S.T, "inertia needs a symmetric matrix"
    x = sympy.Symbol("x")
    coeffs = sympy.Poly(S.charpoly(x).as_expr(), x).all_coeffs()     # highest degree first
    zeros = 0
    while coeffs and coeffs[-1] == 0:
        coeffs.pop()
        zeros += 1
    positive = _sign_changes(coeffs)
    mirrored = [c * (-1) ** (len(coeffs) - 1 - i) for i, c in enumerate(coeffs)]   # p(-x)
    negative = _sign_changes(mirrored)
    assert negative + zeros + positive == n
    return negative, zeros, positive


def count_below(A, s) -> int:
    """#{eigenvalues of the symmetric rational matrix A that are < s}, exactly."""
    n = len(A)
    shifted = [[Fraction(A[i][j]) - (Fraction(s) if i == j else 0) for j in range(n)] for i in range(n)]
    return inertia(shifted)[0]
