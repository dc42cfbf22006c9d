"""F, grad F and their derivatives in mpmath, straight from the closed forms of
docs/mathematics.md, and the defining Gaussian expectation by quadrature.

    f(u, v) = |u||v| (sin t + (pi - t) cos t) / (2 pi),   f(u, u) = |u|^2 / 2
    F(W)    = 1/2 sum_ij f(w_i, w_j) - sum_ij f(w_i, v_j) + 1/2 sum_ij f(v_i, v_j)
    grad_{w_i} F = w_i / 2 + sum_{j != i} g(w_i, w_j) - sum_j g(w_i, v_j),
    g(u, v) = (|v| sin t u/|u| + (pi - t) v) / (2 pi)

Points are exact (Fractions); results are mpmath numbers at DPS digits.  The
Hessian and the d > k block M are central differences of the 60-digit gradient
(step 2^-80), so they share no formula with any implementation of H or M.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

DPS = 60
FD_STEP = Fraction(1, 2 ** 80)


def mp(q) -> mpmath.mpf:
    """An exact rational as an mpf (exact for dyadics at the working precision)."""
    q = Fraction(q)
    return mpmath.mpf(q.numerator) / q.denominator


def _f(u, v, nu, nv):
    c = sum(a * b for a, b in zip(u, v)) / (nu * nv)
    c = max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))
    t = mpmath.acos(c)
    return nu * nv * (mpmath.sin(t) + (mpmath.pi - t) * c) / (2 * mpmath.pi)


def mp_loss(W, V, dps: int = DPS) -> mpmath.mpf:
    """F(W) for exact (Fraction) W and V; raises ZeroDivisionError at a zero neuron."""
    with mpmath.workdps(dps):
        W = [[mp(x) for x in row] for row in W]
        V = [[mp(x) for x in row] for row in V]
        nw = [mpmath.sqrt(sum(x * x for x in u)) for u in W]
        nv = [mpmath.sqrt(sum(x * x for x in v)) for v in V]
        if min(nw) == 0:
            raise ZeroDivisionError("zero neuron")
        total = mpmath.mpf(0)
        for rows, norms in ((W, nw), (V, nv)):
            for i in range(len(rows)):
                total += norms[i] ** 2 / 4
                for j in range(i + 1, len(rows)):
                    total += _f(rows[i], rows[j], norms[i], norms[j])
        for i, w in enumerate(W):
            for j, v in enumerate(V):
                total -= _f(w, v, nw[i], nv[j])
        return +total


def mp_gradient(W, V, dps: int = DPS) -> list:
    """grad F as a flat list (row-major) of mpf, for exact W and V."""
    with mpmath.workdps(dps):
        W = [[mp(x) for x in row] for row in W]
        V = [[mp(x) for x in row] for row in V]
        out = []
        for i, w in enumerate(W):
            nw = mpmath.sqrt(sum(x * x for x in w))
            ub = [x / nw for x in w]
            row = [x / 2 for x in w]
            others = [(1, q) for j, q in enumerate(W) if j != i] + [(-1, q) for q in V]
            for sign, q in others:
                nq = mpmath.sqrt(sum(x * x for x in q))
                c = sum(a * b for a, b in zip(w, q)) / (nw * nq)
                c = max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))
                t = mpmath.acos(c)
                s = mpmath.sin(t)
                row = [r + sign * (nq * s * a + (mpmath.pi - t) * b) / (2 * mpmath.pi)
                       for r, a, b in zip(row, ub, q)]
            out.extend(row)
        return out


def fd_hessian_column(W, V, i: int, a: int, h: Fraction = FD_STEP) -> list:
    """Column (i, a) of the Hessian: central difference of mp_gradient (floats)."""
    with mpmath.workdps(DPS):
        plus = [list(row) for row in W]
        minus = [list(row) for row in W]
        plus[i][a] += h
        minus[i][a] -= h
        gp, gm = mp_gradient(plus, V), mp_gradient(minus, V)
        return [float((x - y) / (2 * mp(h))) for x, y in zip(gp, gm)]


def fd_hessian(W, V) -> np.ndarray:
    """The (n d) x (n d) Hessian by central differences of the 60-digit gradient."""
    n, d = len(W), len(W[0])
    return np.array([fd_hessian_column(W, V, i, a) for i in range(n) for a in range(d)]).T


def fd_extra_block(W, V) -> np.ndarray:
    """The n x n block M of the d > k lemma: the Hessian of F at [W, 0] in dimension
    d + 1 on the new coordinate (central differences of mp_gradient)."""
    n, d = len(W), len(W[0])
    W1 = [list(row) + [Fraction(0)] for row in W]
    V1 = [list(row) + [Fraction(0)] for row in V]
    cols = [fd_hessian_column(W1, V1, i, d) for i in range(n)]
    return np.array([[col[j * (d + 1) + d] for j in range(n)] for col in cols])


def symmetric_min_eig(M: np.ndarray, tol: float = 1e-12) -> float:
    """lambda_min of a finite-difference matrix, after checking it is symmetric."""
    assert np.abs(M - M.T).max() < tol, np.abs(M - M.T).max()
    return float(np.linalg.eigvalsh((M + M.T) / 2)[0])


# ---------------------------------------------------------------------------
# the Gaussian expectation itself, by quadrature (no angle formula)
# ---------------------------------------------------------------------------
def radial_moment():
    """int_0^oo rho^3 exp(-rho^2/2) drho / (2 pi): E over the plane in polar coords."""
    return mpmath.quad(lambda r: r ** 3 * mpmath.exp(-r * r / 2), [0, mpmath.inf]) / (2 * mpmath.pi)


def angular_quad(func, normals):
    """int_0^{2 pi} func(phi) dphi with breakpoints where some relu(p.e(phi)) kinks."""
    pts = {mpmath.mpf(0), 2 * mpmath.pi}
    for p in normals:
        base = mpmath.atan2(p[1], p[0])
        for off in (mpmath.pi / 2, -mpmath.pi / 2):
            pts.add((base + off) % (2 * mpmath.pi))
    return mpmath.quad(func, sorted(pts))


def f_by_quadrature(u, v, dps=30):
    """E[relu(u.x) relu(v.x)], x ~ N(0, I_d), reduced to the plane of u, v
    (Gram-Schmidt, no angle formula) and integrated in polar coordinates."""
    with mpmath.workdps(dps):
        u = [mpmath.mpf(float(x)) for x in u]
        v = [mpmath.mpf(float(x)) for x in v]

        def dot(a, b):
            return mpmath.fsum(x * y for x, y in zip(a, b))
        e1 = [x / mpmath.sqrt(dot(u, u)) for x in u]
        r = [y - dot(v, e1) * x for x, y in zip(e1, v)]
        e2 = [x / mpmath.sqrt(dot(r, r)) for x in r]
        u2 = (dot(u, e1), dot(u, e2))
        v2 = (dot(v, e1), dot(v, e2))

        def relu(p, c, s):
            return max(p[0] * c + p[1] * s, 0)
        ang = angular_quad(lambda ph: relu(u2, mpmath.cos(ph), mpmath.sin(ph))
                           * relu(v2, mpmath.cos(ph), mpmath.sin(ph)), [u2, v2])
        return radial_moment() * ang


def loss_by_quadrature_2d(W, V, dps=20):
    """F(W) for d = 2 directly from 1/2 E[(sum relu(w.x) - sum relu(v.x))^2]
    (no pairwise decomposition), polar coordinates, breakpoints at every kink."""
    with mpmath.workdps(dps):
        Wm = [[mpmath.mpf(float(x)) for x in row] for row in W]
        Vm = [[mpmath.mpf(float(x)) for x in row] for row in V]

        def resid2(ph):
            c, s = mpmath.cos(ph), mpmath.sin(ph)
            r = (mpmath.fsum(max(w[0] * c + w[1] * s, 0) for w in Wm)
                 - mpmath.fsum(max(v[0] * c + v[1] * s, 0) for v in Vm))
            return r * r

        return radial_moment() * angular_quad(resid2, Wm + Vm) / 2


def pair_f_by_quadrature_norms(u):
    """f(u, u) by quadrature (e2 is undefined there: the plane is spanned by u alone)."""
    with mpmath.workdps(30):
        nu = mpmath.sqrt(mpmath.fsum(mpmath.mpf(float(x)) ** 2 for x in u))
        return radial_moment() * angular_quad(lambda ph: max(nu * mpmath.cos(ph), 0) ** 2, [(nu, 0)])
