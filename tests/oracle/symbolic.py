"""Exact symbolic derivatives (sympy) of the pair function and of F, evaluated at
exact rational points.

    f(u, v) = (sqrt(|u|^2 |v|^2 - (u.v)^2) + (pi - acos(u.v / (|u||v|))) u.v) / (2 pi)

written with dot products only (|u||v| sin t = sqrt(P - q^2), P = |u|^2 |v|^2, q = u.v).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp


def sym_f(u, v):
    uu = sum(a * a for a in u)
    vv = sum(a * a for a in v)
    uv = sum(a * b for a, b in zip(u, v))
    return (sp.sqrt(uu * vv - uv ** 2) + (sp.pi - sp.acos(uv / sp.sqrt(uu * vv))) * uv) / (2 * sp.pi)


def sym_loss(n: int, k: int, d: int):
    """(symbols w0..w_{nd-1}, F) for teacher = first k rows of I_d."""
    ws = sp.symbols(f"w0:{n * d}")  # not real=True: keeps sqrt(x**2) from becoming Abs
    W = [ws[i * d:(i + 1) * d] for i in range(n)]
    V = [[sp.Integer(1) if a == j else sp.Integer(0) for a in range(d)] for j in range(k)]
    F = sum(sum(a * a for a in w) / 4 for w in W)            # 1/2 sum_i f(w_i,w_i)
    F += sum(sym_f(W[i], W[j]) for i in range(n) for j in range(i + 1, n))
    F -= sum(sym_f(w, v) for w in W for v in V)
    F += sp.Rational(k, 4) + sp.Rational(k * (k - 1), 2) / (2 * sp.pi)  # teacher-teacher
    return ws, F


_CACHE = {}


def loss_jet(n: int, k: int, d: int, W, dps: int = 80):
    """(F, grad, Hess) as mpmath numbers at the exact rational point W (n x d)."""
    if (n, k, d) not in _CACHE:
        ws, F = sym_loss(n, k, d)
        grad = [sp.diff(F, s) for s in ws]
        upper = {(i, j): sp.diff(grad[i], ws[j]) for i in range(len(ws)) for j in range(i, len(ws))}
        hess = [[upper[min(i, j), max(i, j)] for j in range(len(ws))] for i in range(len(ws))]   # symmetric
        _CACHE[(n, k, d)] = sp.lambdify(ws, [F, grad, hess], modules="mpmath")
    fn = _CACHE[(n, k, d)]
    with mpmath.workdps(dps):
        args = []
        for x in (x for row in W for x in row):
            q = Fraction(x)
            args.append(mpmath.mpf(q.numerator) / q.denominator)
        F, g, h = fn(*args)
        return +F, [+x for x in g], [[+x for x in row] for row in h]


def f_of_P_q_jet(Pv, qv) -> list:
    """[f, f_P, f_q, f_PP, f_Pq, f_qq] of f(P, q) = (sqrt(P - q^2) + (pi - acos(q/sqrt P)) q)/(2 pi)
    at the rational point (Pv, qv), as floats."""
    P, q = sp.symbols("P q", positive=True)
    f = (sp.sqrt(P - q ** 2) + (sp.pi - sp.acos(q / sp.sqrt(P))) * q) / (2 * sp.pi)
    exprs = [f, sp.diff(f, P), sp.diff(f, q), sp.diff(f, P, 2), sp.diff(f, P, q), sp.diff(f, q, 2)]
    sub = {P: sp.Rational(Fraction(Pv)), q: sp.Rational(Fraction(qv))}
    return [float(e.subs(sub).evalf(40)) for e in exprs]
