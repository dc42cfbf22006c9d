"""Newton refinement of a critical point in mpmath (UNTRUSTED): dense (`newton`) and
reduced to a block ansatz (`reduced_newton`).

Iterates W <- W - H_float(W)^-1 grad F(W):

* grad F in mpmath (producer.mp_objective.gradient: the producer's own spelling
  of docs/mathematics.md section 2, not the kernel's), the iterate kept at
  prec + EXTRA_BITS bits;
* the linear solve with the float Hessian of producer.objective.hessian at the
  float rounding of the iterate (recomputed only when that rounding changes).

Convergence (docs/refinement.md).  Near a critical point W* with smallest
|eigenvalue| lambda, the float Hessian differs from H(W*) by about 1e-16 |H|
(its rounding errors and those of the float iterate), so each step multiplies
the error by about 1e-16 |H| / lambda (~1e-14 for the committed minima): some
45 bits per step once the start is float-accurate, about prec / 45 steps to
reach 2^-prec (the step limit, step_limit(prec), grows with prec).  The gradient is
scaled by a power of two before the float solve, so it never underflows.

Converged: the gradient at the iterate, evaluated at prec + EXTRA_BITS bits, is
below 2^-(prec - 16) and the Newton step from it is below 2^-(prec - 8 + STEP_BITS),
16 bits under the grid spacing 2^-(prec - 8); that step is taken and the centre
is the grid point nearest the result.  Since the result is within about
(step) x 1e-14 of W*, the centre is the grid point nearest W* itself, whatever
path Newton took (unless W* lies within a hair of a rounding tie).

Working precision of the gradients: -log2 |previous gradient| + RAMP_BITS bits,
at least FIRST_BITS and at most prec + EXTRA_BITS (its rounding errors stay
~2^-70 below the next gradient); a gradient accepted as converged is always
one evaluated at prec + EXTRA_BITS bits.  At 128 bits every gradient is at
192 bits anyway; at 2048 bits the ramp roughly halves the cost.

Only the kernel decides what the point is.  Failures raise RefineError with a
one-line reason: a start that is not finite or not smooth, an iterate off the
smooth set (a zero neuron, two parallel vectors), a (numerically) singular
float Hessian, a stall (no halving of |grad F| in STALL_STEPS steps) or no
convergence within step_limit(prec) steps.
"""
from __future__ import annotations

import numpy as np
from mpmath import mp

from . import mp_objective, objective
from .exact import normalise

EXTRA_BITS = 64              # guard bits of the working precision
STEP_BITS = 16               # converged: the last Newton step is below 2^-(prec - 8 + STEP_BITS)
FIRST_BITS = 192             # working precision of the first gradient (a float start: |grad| ~ 2^-50)
RAMP_BITS = 128              # later gradients: -log2 |previous gradient| + RAMP_BITS bits
SINGULAR_CONDITION = 1e12    # condition number (of the float Hessian, of the normalised reduced
                             # Hessian) above this: singular
STALL_STEPS = 8              # no halving of |grad| over this many steps: Newton has stalled
INVERT_AFTER = 2             # solves with one float Hessian before inverting it instead


class RefineError(ArithmeticError):
    """Newton did not converge from the given start; the message says why."""


def step_limit(prec: int) -> int:
    """Step limit: the ~prec/40 steps of the linear phase, with a margin of 4x,
    plus 8 for a start that is not yet in the quadratic region."""
    return 8 + prec // 10


def grid_round(x, grid_exponent: int) -> tuple[int, int]:
    """(m, e) with e = grid_exponent and m * 2^e the grid point nearest the finite
    mpf x (ties rounded up)."""
    sign, man, exp, _ = x._mpf_
    m = -man if sign else man
    shift = exp - grid_exponent
    if shift >= 0:
        return m << shift, grid_exponent
    return (m + (1 << (-shift - 1))) >> -shift, grid_exponent


def newton(W0: np.ndarray, V: np.ndarray, prec: int = 128, max_steps: int | None = None):
    """Refine the float point W0 (n x d; teacher V, k x d) to a dyadic centre
    (n x d list of (m, e) on the grid 2^-(prec - 8)); raises RefineError otherwise.
    Converged: the gradient at the iterate, evaluated at prec + EXTRA_BITS bits, is
    below 2^-(prec - 16), and the Newton step from it is below 2^-(prec - 8 + STEP_BITS);
    the centre is the grid point nearest the iterate after that last step.
    max_steps: the step limit (default step_limit(prec))."""
    W0 = np.asarray(W0, dtype=float)
    V = np.asarray(V, dtype=float)
    if not (np.all(np.isfinite(W0)) and np.all(np.isfinite(V))):
        raise RefineError("start point is not finite")
    steps = step_limit(prec) if max_steps is None else max_steps
    full = prec + EXTRA_BITS
    target = mp.mpf(2) ** -(prec - 16)
    W = [[mp.mpf(x) for x in row] for row in W0]
    Vm = [[mp.mpf(x) for x in row] for row in V]
    solver = _FloatNewtonSolver(V)
    sizes, work = [], min(full, FIRST_BITS)
    while True:
        with mp.workprec(work):
            try:
                grad = mp_objective.gradient(W, Vm)
            except mp_objective.NotSmooth as err:
                where = "the start point is not smooth" if not sizes else "Newton left the smooth region"
                raise RefineError(f"{where}: {err}") from None
            size = max(abs(x) for row in grad for x in row)
        if size < target and work < full:
            work = full              # accept only a gradient evaluated at full precision
            continue
        Wf = np.array([[float(x) for x in row] for row in W])
        scale = mp.mag(size)         # grad / 2^scale is O(1): no float underflow at any precision
        g = np.array([float(mp.ldexp(x, -scale)) for row in grad for x in row])
        delta = solver.step(Wf, g).reshape(Wf.shape)
        converged = size < target and scale + mp.mag(np.max(np.abs(delta))) < -(prec - 8 + STEP_BITS)
        with mp.workprec(full):
            W = [[x - mp.ldexp(s, scale) for x, s in zip(row, srow)]
                 for row, srow in zip(W, delta.tolist())]
        if converged:
            return [[grid_round(x, -(prec - 8)) for x in row] for row in W]
        sizes.append(size)
        if len(sizes) > steps or (len(sizes) > STALL_STEPS and size > sizes[-1 - STALL_STEPS] / 2):
            break
        work = min(full, max(FIRST_BITS, RAMP_BITS - mp.mag(size)))
    raise RefineError(f"Newton did not converge: gradient still {float(size):.3g} after "
                      f"{len(sizes) - 1} steps (target 2^-{prec - 16}); start closer to a critical point")


class _FloatNewtonSolver:
    """Solves H(Wf) delta = g with the float Hessian of producer.objective at the float
    point Wf.  H is recomputed only when Wf changes; the first INVERT_AFTER solves
    with one H use LU (np.linalg.solve), later ones its inverse with one step of
    iterative refinement (as accurate, and cheap when many steps share one H, as at
    high precision).  RefineError if H is not finite or (numerically) singular."""

    def __init__(self, V: np.ndarray):
        self.V, self.point, self.H, self.inverse, self.uses = V, None, None, None, 0

    def step(self, Wf: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.point is None or not np.array_equal(Wf, self.point):
            with np.errstate(all="ignore"):
                self.H = objective.hessian(Wf, self.V)
            if not np.all(np.isfinite(self.H)):
                raise RefineError("the float Hessian is not finite at the Newton iterate")
            self.point, self.inverse, self.uses = Wf, None, 0
        self.uses += 1
        try:
            if self.inverse is None and self.uses > INVERT_AFTER:
                self.inverse = np.linalg.inv(self.H)
            if self.inverse is None:
                delta = np.linalg.solve(self.H, g)
            else:
                delta = self.inverse @ g
                delta += self.inverse @ (g - self.H @ delta)
        except np.linalg.LinAlgError:
            raise RefineError("the Hessian is singular at the Newton iterate") from None
        # |H| |delta| / |g| <= cond(H) (infinity norms): a lower bound on the condition number
        condition = np.max(np.abs(self.H).sum(1)) * np.max(np.abs(delta)) / np.max(np.abs(g))
        if not (np.all(np.isfinite(delta)) and condition < SINGULAR_CONDITION):
            raise RefineError(f"the Hessian is numerically singular at the Newton iterate "
                              f"(condition number > {condition:.1e})")
        return delta


def reduced_newton(blocks, theta0, prec: int, iters: int = 60) -> list:
    """Newton on grad phi = 0 in the reduced variables, in mpmath at prec + 64 bits:
    phi, its gradient and Hessian from second-order jets of the producer's closed
    form (certify.mp_objective.phi_jet, docs/symmetric.md section 2), the D x D
    system (D <= 12) solved by mpmath LU at the same precision, so convergence is
    quadratic.  Stops when the step is below 2^-(prec + 20) (accepts a last step
    below 2^-(prec - 20) after `iters` steps).  Returns the centre as exact (m, e)
    pairs: each parameter truncated (rounded towards zero) to prec significant
    bits.  Raises RefineError with the reason (the iterate left the smooth set,
    singular reduced Hessian, no convergence)."""
    blocks = list(blocks)
    theta0 = np.asarray(theta0, dtype=float)
    if theta0.shape != (len(mp_objective.parameter_names(blocks)),) or not np.all(np.isfinite(theta0)):
        raise RefineError("reduced Newton: the start is not a finite vector of the block parameters")
    with mp.workprec(prec + 64):
        theta = [mp.mpf(x) for x in theta0.tolist()]
        for _ in range(iters):
            try:
                jet = mp_objective.phi_jet(blocks, theta)
            except mp_objective.NotSmooth as err:
                raise RefineError(f"reduced Newton left the smooth region: {err}") from None
            H = jet.hessian()
            try:
                step = mp.lu_solve(mp.matrix(H), mp.matrix(jet.g))
            except ZeroDivisionError:
                raise RefineError("reduced Newton: the reduced Hessian is singular") from None
            size = max(abs(s) for s in step)
            if not mp.isfinite(size):
                raise RefineError("reduced Newton: the step is not finite")
            condition = _condition_estimate(blocks, H, jet.g, step)
            if condition > SINGULAR_CONDITION:
                raise RefineError("reduced Newton: the reduced Hessian is numerically singular "
                                   f"(condition number > {float(condition):.1e})")
            theta = [t - s for t, s in zip(theta, step)]
            if size < mp.mpf(2) ** -(prec + 20):
                break
        else:
            if size > mp.mpf(2) ** -(prec - 20):
                raise RefineError(f"reduced Newton did not converge (last step {float(size):.1e})")
    return [normalise(*_truncate(t, prec)) for t in theta]


def _condition_estimate(blocks, H, g, step):
    """A lower bound |A| |y| / |b| on the condition number (infinity norms) of the
    orbit-normalised Hessian A = D^-1/2 H D^-1/2 (D = diag of orbit sizes), with
    A y = b for b = D^-1/2 g, y = D^1/2 step: unlike H, A is well conditioned at a
    nondegenerate point whatever k is (docs/symmetric.md section 4)."""
    root = [mp.sqrt(mp_objective.orbit_size(blocks, name)) for name in mp_objective.parameter_names(blocks)]
    norm_A = max(mp.fsum(abs(H[i][j]) / (root[i] * root[j]) for j in range(len(root))) for i in range(len(root)))
    norm_b = max(abs(gi) / r for gi, r in zip(g, root))
    norm_y = max(abs(s) * r for s, r in zip(step, root))
    return norm_A * norm_y / norm_b if norm_b else mp.mpf(0)


def _truncate(x, bits: int) -> tuple[int, int]:
    """(m, e) with m 2^e = the mpf x rounded towards zero to `bits` significant bits."""
    sign, man, exp, bc = x._mpf_
    if bc > bits:
        man, exp = man >> (bc - bits), exp + bc - bits
    return (-man if sign else man), exp
