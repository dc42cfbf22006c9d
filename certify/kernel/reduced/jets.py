"""Second-order jets in ball arithmetic: value, gradient and Hessian carried
through the chain rule, so that a formula evaluated on Jet variables at balls
encloses the exact derivatives at every point of the balls."""
from __future__ import annotations

from flint import arb, arb_mat


class Jet:
    """A C^2 function of theta in R^D at a ball of points: value v (arb),
    gradient g (D x 1 arb_mat), Hessian h (D x D arb_mat), each enclosing the
    exact quantity at every point of the input balls."""
    __slots__ = ("v", "g", "h")

    def __init__(self, v, g, h):
        self.v, self.g, self.h = v, g, h

    @staticmethod
    def variable(value, index: int, D: int) -> "Jet":
        g = arb_mat(D, 1)
        g[index, 0] = 1
        return Jet(value, g, arb_mat(D, D))

    def __add__(self, o):
        if isinstance(o, Jet):
            return Jet(self.v + o.v, self.g + o.g, self.h + o.h)
        return Jet(self.v + o, self.g, self.h)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, -self.g, -self.h)

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, Jet):
            return Jet(self.v * o.v, self.g * o.v + o.g * self.v,
                       self.h * o.v + o.h * self.v
                       + self.g * o.g.transpose() + o.g * self.g.transpose())
        o = arb(o)
        return Jet(self.v * o, self.g * o, self.h * o)

    __rmul__ = __mul__

    @staticmethod
    def compose(derivs, P, q) -> "Jet":
        """The Jet of g(P, q) from derivs = (g, g_P, g_q, g_PP, g_Pq, g_qq) at the values of the
        Jets P, q (chain rule to second order); P or q may be a plain number."""
        P, q = (x if isinstance(x, Jet) else None for x in (P, q))
        ref = P or q
        D = ref.g.nrows()
        P = P or Jet(arb(0), arb_mat(D, 1), arb_mat(D, D))
        q = q or Jet(arb(0), arb_mat(D, 1), arb_mat(D, D))
        g, gP, gq, gPP, gPq, gqq = derivs
        a, b = P.g, q.g
        return Jet(g, a * gP + b * gq,
                   P.h * gP + q.h * gq + (a * a.transpose()) * gPP
                   + (a * b.transpose() + b * a.transpose()) * gPq + (b * b.transpose()) * gqq)

    def __truediv__(self, o):
        """Division by a number (not a Jet)."""
        o = arb(o)
        return Jet(self.v / o, self.g / o, self.h / o)


def value(x):
    return x.v if isinstance(x, Jet) else x
