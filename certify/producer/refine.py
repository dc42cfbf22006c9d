"""Newton refinement of a critical point at raised precision (UNTRUSTED).

Dense:

Iterates W <- W - H_float(W)^-1 grad F(W), with grad F evaluated in arb at
`prec + 64` bits (the midpoints of kernel.geometry.gradient, i.e. the kernel's own
definition of the formula) and the linear solve in floats.  Since
|H_float - H(W*)| ~ 1e-13 near a float-accurate start, each step shrinks the
error by ~1e-11, so a few steps take a float point to ~2^-prec.  The output is a
centre on the dyadic grid 2^-(prec - 8); only the kernel decides what it is.
"""
from __future__ import annotations

import numpy as np
from flint import arb, arb_mat, ctx

from ..kernel.dense import geometry
from ..kernel.reduced import blocks as kernel_blocks
from . import objective
from .exact import normalise

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


def _mid_matrix(A: arb_mat) -> np.ndarray:
    return np.array([[float(A[i, j].mid()) for j in range(A.ncols())] for i in range(A.nrows())])


def reduced_newton(blocks, theta0, prec: int, iters: int = 60) -> list:
    """Newton on grad phi = 0 in the reduced variables at prec + 64 bits; returns the
    centre as exact (m, e) pairs rounded to prec bits.  Raises RefineError."""
    blocks = list(blocks)
    work = prec + 64
    with ctx.workprec(work):
        theta = [arb(float(x)) for x in theta0]
        for _ in range(iters):
            try:
                jet = kernel_blocks.block_loss(blocks, kernel_blocks.jets(blocks, theta))
            except geometry.NotSmooth as err:
                raise RefineError(f"Newton left the smooth region: {err}") from None
            H = arb_mat([[jet.h[i, j].mid() for j in range(len(theta))] for i in range(len(theta))])
            g = arb_mat([[jet.g[i, 0].mid()] for i in range(len(theta))])
            try:
                step = H.solve(g)
            except ZeroDivisionError:
                raise RefineError("singular reduced Hessian in Newton") from None
            theta = [(t - step[i, 0]).mid() for i, t in enumerate(theta)]
            size = max(abs(float(step[i, 0].mid())) for i in range(len(theta)))
            if size < 2.0 ** -(prec + 20):
                break
        else:
            if size > 2.0 ** -(prec - 20):
                raise RefineError(f"reduced Newton did not converge (last step {size:.1e})")
    out = []
    with ctx.workprec(prec):
        for t in theta:
            m, e = (+t).mid().man_exp() if t != 0 else (0, 0)
            out.append(normalise(int(m), int(e)))
    return out
