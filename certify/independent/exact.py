"""Exact integer matrices (Python integers) for the independent checker.

    matmul(A, B)          the exact product of two integer matrices (lists of rows)
    proposal(M, bits)     an integer matrix m and G with m 2^-G close to a float matrix M
    abs_row_sums(M)       [sum_j |M_ij|]

Every decision of the checker's matrix tests is taken on integers computed
here.  numpy enters only through `proposal`, whose output is ANY integer
matrix as far as soundness goes (the tests that use it hold for every matrix).

Fast exact products by packing (Kronecker substitution): a row b of B is stored
as the single integer P(b) = sum_j b_j 2^(S j).  P is linear, so
    sum_k A_ik P(B_k) = sum_j C_ij 2^(S j),   C = A B,
one big-integer multiply-add per nonzero A_ik.  If every |C_ij| < 2^(S-1) the
digits are recovered exactly: adding sum_j 2^(S-1) 2^(S j) makes every digit
C_ij + 2^(S-1) lie in [0, 2^S), so it is the base-2^S expansion of the sum,
which is unique; each digit is read from the byte string of the integer.
"""
from __future__ import annotations

import math

import numpy as np


def _bits(rows) -> int:
    """Bits of the largest absolute entry of an integer matrix."""
    top = 0
    for row in rows:
        if row:
            top = max(top, max(row), -min(row))
    return top.bit_length()


def matmul(A: list[list[int]], B: list[list[int]]) -> list[list[int]]:
    """C = A B exactly (A is n x p, B is p x m, integer entries)."""
    p = len(B)
    m = len(B[0]) if p else 0
    if any(len(row) != p for row in A) or any(len(row) != m for row in B):
        raise ValueError("matmul: shapes do not match")
    if m == 0 or p == 0:
        return [[0] * m for _ in A]
    # |C_ij| <= p max|A| max|B| < 2^(S - 1)
    bound_bits = _bits(A) + _bits(B) + max(1, p).bit_length()
    width = 8 * ((bound_bits + 1) // 8 + 1)          # S, a whole number of bytes, >= bound_bits + 2
    step = width // 8
    half = 1 << (width - 1)
    # every digit stored as x + 2^(S-1) in [0, 2^S), then the constant sum_j 2^(S-1) 2^(S j) removed
    bias = int.from_bytes(half.to_bytes(step, "little") * m, "little")
    packed = [int.from_bytes(b"".join((x + half).to_bytes(step, "little") for x in row), "little") - bias
              for row in B]
    nbytes = m * step
    out = []
    for row in A:
        total = bias
        for a, b in zip(row, packed):
            if a:
                total += a * b
        raw = total.to_bytes(nbytes, "little")      # fails loudly if a digit overflowed
        out.append([int.from_bytes(raw[j * step:(j + 1) * step], "little") - half for j in range(m)])
    return out


def matvec(A: list[list[int]], x: list[int]) -> list[int]:
    return [sum(a * b for a, b in zip(row, x)) for row in A]


def transpose(A: list[list[int]]) -> list[list[int]]:
    return [list(col) for col in zip(*A)]


def abs_row_sums(M: list[list[int]]) -> list[int]:
    return [sum(abs(x) for x in row) for row in M]


def identity_scaled(n: int, value: int) -> list[list[int]]:
    return [[value if i == j else 0 for j in range(n)] for i in range(n)]


def to_float(M: list[list[int]], G: int) -> np.ndarray:
    """The float matrix nearest to M 2^-G (a proposal input only)."""
    return np.array([[math.ldexp(float(x), -G) if abs(x).bit_length() < 1000 else _big_float(x, G)
                      for x in row] for row in M], dtype=float)


def _big_float(x: int, G: int) -> float:
    shift = abs(x).bit_length() - 60
    try:
        return math.ldexp(float(x >> shift), shift - G)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def proposal(M: np.ndarray, bits: int) -> tuple[list[list[int]], int]:
    """(m, G): integers m_ij = round(M_ij 2^G) with max |M| 2^G about 2^bits.
    Raises ArithmeticError if M has a non-finite entry."""
    M = np.asarray(M, dtype=float)
    if not np.all(np.isfinite(M)):
        raise ArithmeticError("non-finite float proposal")
    top = float(np.max(np.abs(M))) if M.size else 0.0
    if top == 0.0:
        return [[0] * M.shape[1] for _ in range(M.shape[0])], 0
    G = bits - math.frexp(top)[1]
    scaled = np.rint(np.ldexp(M, G))
    return [[int(v) for v in row] for row in scaled.tolist()], G
