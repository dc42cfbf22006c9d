"""Jets whose coefficients are truncated power series in one auxiliary variable t.

An SJet is (value, gradient, Hessian) in a few jet variables x_1..x_D, each entry an
arb_series in t of one fixed length L: the Taylor coefficients, in t, of the value and of
the partial derivatives of a function F(x, t) at a base point.  Evaluating a formula on
SJets carries both expansions at once (the chain rule in x to second order, series
arithmetic in t to order L - 1).  With ball arithmetic, if the base point of t is a ball
T (the series variable t means "base + t"), coefficient n encloses F^(n)(x, tau) / n! for
every tau in T: the Lagrange remainder term of a Taylor expansion (docs/families.md).

Storage is sparse: gradient {i: series}, Hessian {(i, j): series} for i <= j (the mixed
partial d2/dx_i dx_j), so that the cost follows the few variables each pair geometry
depends on.  Used by kernel.reduced.blocks through `compose` (pair_f) and plain
arithmetic; numbers mix in as constants (arb, int, arb_series).
"""
from __future__ import annotations

from contextlib import contextmanager

from flint import arb, arb_mat, arb_series, ctx


def constant(x, length: int) -> arb_series:
    """x (arb, int or arb_series) as an arb_series of the given length."""
    if isinstance(x, arb_series):
        return x
    return arb_series([x if isinstance(x, arb) else arb(x)], prec=length)


@contextmanager
def length_at_least(length: int):
    """python-flint truncates every series result to ctx.cap terms: raise the cap for a block."""
    old = ctx.cap
    ctx.cap = max(old, length)
    try:
        yield
    finally:
        ctx.cap = old


def coefficient(s: arb_series, n: int) -> arb:
    """Coefficient n of a series; ArithmeticError if the series is known to fewer terms (a
    truncated series says nothing about its higher coefficients)."""
    if n >= s.prec:
        raise ArithmeticError(f"series known to {s.prec} terms, coefficient {n} requested")
    c = s.coeffs()
    return c[n] if n < len(c) else arb(0)


class SJet:
    """Value v (arb_series), gradient g {i: arb_series}, Hessian h {(i, j): arb_series, i <= j}."""
    __slots__ = ("v", "g", "h")

    def __init__(self, v: arb_series, g: dict | None = None, h: dict | None = None):
        self.v, self.g, self.h = v, g or {}, h or {}

    @staticmethod
    def variable(value: arb_series, index: int, slope=None) -> "SJet":
        """The jet variable x_index with the given value series (slope: d value / d x, default 1)."""
        one = constant(arb(1) if slope is None else slope, value.prec)
        return SJet(value, {index: one}, {})

    @property
    def length(self) -> int:
        return self.v.prec

    def _lift(self, o):
        return o if isinstance(o, SJet) else SJet(constant(o, self.length))

    def __add__(self, o):
        if not isinstance(o, SJet):
            return SJet(self.v + constant(o, self.length), self.g, self.h)
        g, h = dict(self.g), dict(self.h)
        for key, x in o.g.items():
            g[key] = g[key] + x if key in g else x
        for key, x in o.h.items():
            h[key] = h[key] + x if key in h else x
        return SJet(self.v + o.v, g, h)

    __radd__ = __add__

    def __neg__(self):
        return SJet(-self.v, {k: -x for k, x in self.g.items()}, {k: -x for k, x in self.h.items()})

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def _scale(self, c):
        return SJet(self.v * c, {k: x * c for k, x in self.g.items()}, {k: x * c for k, x in self.h.items()})

    def __mul__(self, o):
        if not isinstance(o, SJet):
            return self._scale(o if isinstance(o, (arb, arb_series)) else arb(o))
        v = self.v * o.v
        g = {k: x * o.v for k, x in self.g.items()}
        for k, x in o.g.items():
            g[k] = g[k] + x * self.v if k in g else x * self.v
        h = {k: x * o.v for k, x in self.h.items()}
        for k, x in o.h.items():
            h[k] = h[k] + x * self.v if k in h else x * self.v
        _add_outer(h, self.g, o.g, None, symmetric=False)
        return SJet(v, g, h)

    __rmul__ = __mul__

    def __truediv__(self, o):
        """Division by a number or series (not by an SJet)."""
        return self._scale(1 / (o if isinstance(o, (arb, arb_series)) else arb(o)))

    @staticmethod
    def compose(derivs, P, q) -> "SJet":
        """The SJet of g(P, q) from the series derivs = (g, g_P, g_q, g_PP, g_Pq, g_qq) at the
        values of P, q (chain rule to second order in x; P or q may be a plain number)."""
        ref = P if isinstance(P, SJet) else q
        P, q = ref._lift(P), ref._lift(q)
        g0, gP, gq, gPP, gPq, gqq = derivs
        grad = {k: x * gP for k, x in P.g.items()}
        for k, x in q.g.items():
            grad[k] = grad[k] + x * gq if k in grad else x * gq
        h = {k: x * gP for k, x in P.h.items()}
        for k, x in q.h.items():
            h[k] = h[k] + x * gq if k in h else x * gq
        _add_outer(h, P.g, P.g, gPP, symmetric=True)
        _add_outer(h, q.g, q.g, gqq, symmetric=True)
        _add_outer(h, P.g, q.g, gPq, symmetric=False)
        return SJet(g0, grad, h)

    def gradient(self, D: int) -> list:
        zero = constant(0, self.length)
        return [self.g.get(i, zero) for i in range(D)]

    def hessian(self, D: int) -> list:
        """The full D x D list of Hessian series."""
        zero = constant(0, self.length)
        return [[self.h.get((min(i, j), max(i, j)), zero) for j in range(D)] for i in range(D)]


def _add_outer(h: dict, A: dict, B: dict, c, symmetric: bool) -> None:
    """h += c * (A B^T + B A^T) on the upper triangle (symmetric=False: the product rule's
    a_i b_j + a_j b_i), or h += c * A A^T (symmetric=True, A is B).  c None means 1."""
    for i, x in A.items():
        for j, y in B.items():
            if symmetric and i > j:
                continue
            t = x * y
            if not symmetric and i == j:
                t = t * 2
            if c is not None:
                t = t * c
            key = (i, j) if i <= j else (j, i)
            h[key] = h[key] + t if key in h else t


def matrix_coefficient(M: list, n: int) -> arb_mat:
    """Coefficient n of a square list-of-lists of series, as an arb_mat."""
    return arb_mat([[coefficient(x, n) for x in row] for row in M])
