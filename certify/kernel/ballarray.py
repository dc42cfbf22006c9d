"""Arrays of arb balls with the interface of fastfloat.Enc (TRUSTED).

A Balls holds a numpy array of dtype object whose entries are arb balls.  numpy only
moves the references and calls the arb methods (+, -, *, and sums of products for
`@`): no floating-point operation is done on the values, so the results are arb's
enclosures whatever the floating-point environment (docs/trust.md).  Each operation
encloses the exact result for every choice of operands in its input balls (the
enclosure property of arb).

kernel.dense.hessian evaluates the one formula of the dense Hessian either on Encs
(the fast float enclosure) or on Balls (the arb enclosure used by the arb tests and
by verify_bytes(fast=False)).
"""
from __future__ import annotations

import numpy as np
from flint import arb, arb_mat

ZERO = arb(0)


class Balls:
    """An array of arb balls (numpy dtype object), with Enc's operations."""

    __slots__ = ("a",)

    def __init__(self, a: np.ndarray):
        self.a = a

    @classmethod
    def from_arbs(cls, values, shape) -> "Balls":
        """The balls `values` (flat list, row-major) as an array of `shape`."""
        a = np.empty(len(values), dtype=object)
        a[:] = list(values)
        return cls(a.reshape(shape))

    def __getitem__(self, index) -> "Balls":
        return Balls(self.a[index])

    def transpose(self, *axes) -> "Balls":
        return Balls(self.a.transpose(*axes))

    def reshape(self, *shape) -> "Balls":
        return Balls(self.a.reshape(*shape))

    def __neg__(self) -> "Balls":
        return Balls(-self.a)

    def __add__(self, other: "Balls") -> "Balls":
        return Balls(self.a + other.a)

    def __sub__(self, other: "Balls") -> "Balls":
        return Balls(self.a - other.a)

    def __mul__(self, other: "Balls") -> "Balls":
        return Balls(self.a * other.a)

    def __matmul__(self, other: "Balls") -> "Balls":
        """Sums of products in arb (numpy's object loop)."""
        return Balls(self.a @ other.a)

    def times_identity(self, d: int) -> "Balls":
        """(n,) -> (n, d, d): x_i I_d for each entry x_i."""
        out = np.full((len(self.a), d, d), ZERO, dtype=object)
        for b in range(d):
            out[:, b, b] = self.a
        return Balls(out)

    def assign(self, index, value: "Balls") -> None:
        """self[index] = value, in place."""
        self.a[index] = value.a

    def symmetrised(self) -> "Balls":
        """The arb tests accept any enclosure of the symmetric members: no change."""
        return self

    def to_arb_mat(self) -> arb_mat:
        rows, cols = self.a.shape
        return arb_mat(rows, cols, self.a.ravel().tolist())
