"""Newton refinement of a critical point at raised precision (UNTRUSTED).

Iterates W <- W - H_float(W)^-1 grad F(W), with grad F evaluated in arb at
`prec + 64` bits (the midpoints of kernel.geometry.gradient, i.e. the kernel's own
definition of the formula) and the linear solve in floats.  Since
|H_float - H(W*)| ~ 1e-13 near a float-accurate start, each step shrinks the
error by ~1e-11, so a few steps take a float point to ~2^-prec.  The output is a
centre on the dyadic grid 2^-(prec - 8); only the kernel decides what it is.
"""
from __future__ import annotations

import numpy as np
from flint import arb, ctx

from . import objective
from .kernel import geometry

EXTRA_BITS = 64


class RefineError(ArithmeticError):
    """Newton did not converge from the given start."""


def _to_float(W_arb) -> np.ndarray:
    return np.array([[float(x.mid()) for x in row] for row in W_arb])


def grid_round(x: arb, grid_exponent: int) -> tuple[int, int]:
    """(m, e) with e = grid_exponent and m * 2^e the grid point nearest mid(x)."""
    m, e = x.mid().man_exp() if not x.mid().is_zero() else (0, 0)
    shift = e - grid_exponent
    if shift >= 0:
        return m << shift, grid_exponent
    return (m + (1 << (-shift - 1))) >> -shift, grid_exponent


def newton(W0: np.ndarray, V: np.ndarray, prec: int = 128, max_steps: int = 12):
    """Refine the float point W0 to a dyadic centre (n x d list of (m, e)) whose
    gradient is below 2^-(prec - 16); raises RefineError otherwise."""
    W0 = np.asarray(W0, dtype=float)
    if not np.all(np.isfinite(W0)):
        raise RefineError("start point is not finite")
    target = arb(2) ** -(prec - 16)
    with ctx.workprec(prec + EXTRA_BITS):
        W = [[arb(x) for x in row] for row in W0]
        Va = [[arb(x) for x in row] for row in V]
        for _ in range(max_steps):
            try:
                grad = geometry.gradient(W, Va)
            except geometry.NotSmooth as err:
                raise RefineError(f"Newton left the smooth region: {err}") from None
            size = max(abs(g.mid()) for row in grad for g in row)
            if size < target:
                return [[grid_round(x, -(prec - 8)) for x in row] for row in W]
            g = np.array([[float(x.mid()) for x in row] for row in grad])
            H = objective.hessian(_to_float(W), V)
            try:
                step = np.linalg.solve(H, g.ravel()).reshape(g.shape)
            except np.linalg.LinAlgError:
                raise RefineError("Hessian is singular at the Newton iterate") from None
            if not np.all(np.isfinite(step)):
                raise RefineError("Newton step is not finite")
            W = [[x - arb(s) for x, s in zip(row, srow)] for row, srow in zip(W, step)]
    raise RefineError(f"gradient still {float(size):.3g} after {max_steps} Newton steps")
