"""The pair function of the loss, in arb: the one definition every method uses.

For u, v in R^d with angle t (docs/mathematics.md section 1),

    f(u, v) = E[relu(u.x) relu(v.x)] = (r + (pi - t) q) / (2 pi),   x ~ N(0, I_d),
    q = u.v = |u||v| cos t,   r = |u||v| sin t,

and F = 1/2 sum_ij f(w_i, w_j) - sum_ij f(w_i, v_j) + 1/2 sum_ij f(v_i, v_j), with
f(u, u) = |u|^2 / 2.  F is real-analytic where no w_i is 0 and no two of
{w_i} u {v_j} are parallel (sin t > 0 for every pair): NotSmooth is raised
unless that is proved on the input balls.
"""
from __future__ import annotations

from flint import arb


class NotSmooth(ArithmeticError):
    """A neuron may be zero or two vectors may be parallel somewhere in the box."""


def sin_angle(c: arb) -> tuple:
    """(sin t, t) for cos t = c; NotSmooth unless sin t > 0 is proved."""
    s2 = 1 - c * c
    if not s2 > 0:
        raise NotSmooth("two vectors may be parallel in the box")
    return s2.sqrt(), c.acos()


def f(r, q, t):
    """f = (r + (pi - t) q) / (2 pi) from r = |u||v| sin t, q = u.v and the angle t."""
    pi = arb.pi()
    return (r + (pi - t) * q) / (2 * pi)
