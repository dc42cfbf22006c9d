"""Float Newton iterations (UNTRUSTED: they only propose points).

    newton(derivatives, x0)   Newton's method for grad = 0: x <- x - H(x)^-1 g(x)
    minimise(jet, x0)         saddle-free damped Newton on a function phi

Both take callbacks, so one loop serves the dense objective (producer.objective)
and the reduced loss of a block ansatz (producer.reduced.float_jet).  A callback
may raise ArithmeticError (e.g. the point left the smooth region): the loop then
stops and returns the best point it has.
"""
from __future__ import annotations

import numpy as np


def newton(derivatives, x0, steps: int = 60, tol: float = 1e-12):
    """(x, gmax): Newton for g(x) = 0 with (g, H) = derivatives(x) (g shaped like x,
    H square of size x.size), from x0.  Stops when gmax = max|g| <= tol, after
    `steps` steps, or when a step fails (singular H, non-finite values); returns the
    iterate with the smallest gmax seen (inf if none could be evaluated)."""
    x = np.array(x0, dtype=float, copy=True)
    best, best_g = x.copy(), np.inf
    with np.errstate(all="ignore"):
        for _ in range(steps + 1):
            try:
                g, H = derivatives(x)
            except ArithmeticError:
                break
            gmax = float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf
            if gmax < best_g:
                best, best_g = x.copy(), gmax
            if not gmax > tol:
                break
            try:
                step = np.linalg.solve(H, np.ravel(g)).reshape(x.shape)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            x = x - step
    return best, best_g


def minimise(jet, x0, iters: int = 100, tol: float = 1e-13):
    """(x, |g|): saddle-free damped Newton on phi with (phi, g, H) = jet(x): the step
    -|H|^{-1} g (eigenvalues of H replaced by max(|lambda|, 1e-8)), length capped at
    0.5, halved until Armijo's condition holds (the full step is taken once H > 0).
    Stops when |g|_2 < tol or after iters steps."""
    x = np.array(x0, dtype=float, copy=True)
    gnorm = np.inf
    with np.errstate(all="ignore"):
        for _ in range(iters):
            try:
                phi0, g, H = jet(x)
            except ArithmeticError:
                return x, np.inf
            if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
                return x, np.inf
            gnorm = float(np.linalg.norm(g))
            if gnorm < tol:
                break
            lam, Q = np.linalg.eigh(H)
            step = -Q @ ((Q.T @ g) / np.maximum(np.abs(lam), 1e-8))
            step *= min(1.0, 0.5 / max(np.linalg.norm(step), 1e-300))
            for alpha in 0.5 ** np.arange(30):
                try:
                    phi1 = jet(x + alpha * step)[0]
                except ArithmeticError:
                    continue
                if not np.isfinite(phi1):
                    continue
                if phi1 <= phi0 + 1e-4 * alpha * float(g @ step) or (lam[0] > 0 and alpha == 1.0):
                    break
            x = x + alpha * step
    return x, gnorm
