"""The pair function f(A, B, q) and its derivatives, once, generic over the number type.

For vectors u, v (u, v nonzero, not parallel) let A = |u|^2, B = |v|^2, q = u.v and
D = A B - q^2 > 0.  With R = sqrt(D) = |u||v| sin t and t = atan2(R, q) in (0, pi)
(the angle between u and v):

    f(A, B, q) = E[relu(u.x) relu(v.x)] = (R + (pi - t) q) / (2 pi)         (x ~ N(0, I))

and, differentiating with dR/dA = B/(2R), dR/dq = -q/R, dt/dA = q/(2AR), dt/dq = -1/R
(docs/independent-checker.md, section "The pair function"):

    f_A  = R / (4 pi A)               f_B  = R / (4 pi B)               f_q  = (pi - t) / (2 pi)
    f_AA = (q^2 - D) / (8 pi A^2 R)   f_BB = (q^2 - D) / (8 pi B^2 R)   f_qq = 1 / (2 pi R)
    f_AB = 1 / (8 pi R)               f_Aq = -q / (4 pi A R)            f_Bq = -q / (4 pi B R)

Every loss, gradient and Hessian of the checker is a sum of these through the
chain rule.  `ctx` is mpmath.iv (enclosures: every result contains the exact
value for all points of the input intervals) or mpmath.mp (the tests).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Pair:
    """f and its first and second partial derivatives in (A, B, q) at one pair geometry."""
    f: object
    fA: object
    fB: object
    fq: object
    fAA: object
    fAB: object
    fBB: object
    fAq: object
    fBq: object
    fqq: object


def _constants(ctx):
    """(pi, 1/(2 pi), 1/(4 pi), 1/(8 pi)) at the context's current precision (cached)."""
    key = (id(ctx), ctx.prec)
    if key not in _CONSTANTS:
        pi = +ctx.pi
        _CONSTANTS[key] = (pi, 1 / (2 * pi), 1 / (4 * pi), 1 / (8 * pi))
    return _CONSTANTS[key]


_CONSTANTS: dict = {}


def pair(ctx, A, B, q, D=None, second: bool = True) -> Pair:
    """The pair function at (A, B, q); D = A B - q^2 may be passed as a tighter
    enclosure (it must be positive: the caller checks that first).  With
    second=False only f, f_A, f_B, f_q are computed (the others are None)."""
    if D is None:
        D = A * B - q * q
    pi, inv2pi, inv4pi, inv8pi = _constants(ctx)
    R = ctx.sqrt(D)
    rest = -ctx.atan2(R, q) + pi                 # pi - t (the series operand first: jets.py)
    inv_A, inv_B = 1 / A, 1 / B
    if not second:
        return Pair(f=(R + rest * q) * inv2pi, fA=R * inv_A * inv4pi, fB=R * inv_B * inv4pi,
                    fq=rest * inv2pi, fAA=None, fAB=None, fBB=None, fAq=None, fBq=None, fqq=None)
    inv_R = 1 / R
    q_over_R = q * inv_R
    curvature = (q * q - D) * inv_R * inv8pi     # (2 q^2 - A B) / (8 pi R)
    return Pair(
        f=(R + rest * q) * inv2pi,
        fA=R * inv_A * inv4pi,
        fB=R * inv_B * inv4pi,
        fq=rest * inv2pi,
        fAA=curvature * inv_A * inv_A,
        fAB=inv_R * inv8pi,
        fBB=curvature * inv_B * inv_B,
        fAq=-(q_over_R * inv_A * inv4pi),
        fBq=-(q_over_R * inv_B * inv4pi),
        fqq=inv_R * inv2pi,
    )


def teacher_constant(ctx, k: int):
    """1/2 sum_{l, l'} f(v_l, v_l') for k orthonormal teacher rows: f(v, v) = 1/2 and
    f(v_l, v_l') = 1/(2 pi) (t = pi/2, q = 0, R = 1) for l != l'."""
    return ctx.mpf(k) / 4 + ctx.mpf(k) * (k - 1) / (4 * ctx.pi)
