"""Truncated Taylor series in one variable t with mpmath.iv coefficients.

A Jet of order N is a list c_0..c_N of intervals.  For a function h analytic near
the base point(s), the jet computed by the operations below from the jets of the
inputs contains, coefficient by coefficient, h^(n)(t_b)/n! for every base point
t_b of the base interval (every operation is the exact Taylor arithmetic of the
corresponding real operation, evaluated in interval arithmetic, so it is
inclusion-monotone: docs/independent-checker.md section 9).

    Jet(coeffs), constant(x, N), variable(x0, N)
    + - * / with Jets and scalars (int, Fraction-free iv numbers)
    JET.sqrt(x), JET.atan2(y, x)                (the context object used by pairs.pair)

The derivative rules used: (ab)_n = sum a_j b_{n-j}; a/b: c_n = (a_n - sum_{j<n} c_j b_{n-j})/b_0;
sqrt: s_0 = sqrt(a_0), s_n = (a_n - sum_{0<j<n} s_j s_{n-j}) / (2 s_0);
atan2(y, x): value atan2(y_0, x_0), derivative (x y' - y x') / (x^2 + y^2), integrated.
"""
from __future__ import annotations

from mpmath import iv


class Jet:
    __slots__ = ("c",)

    def __init__(self, c):
        self.c = c

    @property
    def order(self) -> int:
        return len(self.c) - 1

    # -- helpers ---------------------------------------------------------
    def _coerce(self, other):
        if isinstance(other, Jet):
            return other
        return Jet([other] + [0] * self.order)

    def __add__(self, other):
        if isinstance(other, Jet):
            return Jet([a + b for a, b in zip(self.c, other.c)])
        return Jet([self.c[0] + other] + self.c[1:])

    __radd__ = __add__

    def __neg__(self):
        return Jet([-a for a in self.c])

    def __sub__(self, other):
        if isinstance(other, Jet):
            return Jet([a - b for a, b in zip(self.c, other.c)])
        return Jet([self.c[0] - other] + self.c[1:])

    def __rsub__(self, other):
        return Jet([other - self.c[0]] + [-a for a in self.c[1:]])

    def __mul__(self, other):
        if isinstance(other, Jet):
            a, b = self.c, other.c
            return Jet([sum_products(a, b, n) for n in range(len(a))])
        return Jet([x * other for x in self.c])

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not isinstance(other, Jet):
            return Jet([x / other for x in self.c])
        a, b = self.c, other.c
        inv_b0 = 1 / b[0]
        out = []
        for n in range(len(a)):
            acc = a[n]
            for j in range(n):
                acc = acc - out[j] * b[n - j]
            out.append(acc * inv_b0)
        return Jet(out)

    def __rtruediv__(self, other):
        return self._coerce(other).__truediv__(self)

    def derivative(self):
        """The formal derivative, one order lower."""
        return Jet([n * self.c[n] for n in range(1, len(self.c))])

    def integral(self, constant):
        """The antiderivative with value `constant`, one order higher."""
        return Jet([constant] + [self.c[n - 1] / n for n in range(1, len(self.c) + 1)])


def sum_products(a, b, n):
    acc = a[0] * b[n]
    for j in range(1, n + 1):
        acc = acc + a[j] * b[n - j]
    return acc


def constant(x, N: int) -> Jet:
    return Jet([x] + [0] * N)


class JetContext:
    """The operations pairs.pair needs (sqrt, atan2, pi, prec), on Jets."""

    @property
    def prec(self):
        return iv.prec

    @property
    def pi(self):
        return iv.pi

    def mpf(self, x):
        return iv.mpf(x)

    @staticmethod
    def sqrt(x: Jet) -> Jet:
        a = x.c
        s0 = iv.sqrt(a[0])
        out = [s0]
        inv = 1 / (2 * s0)
        for n in range(1, len(a)):
            acc = a[n]
            for j in range(1, n):
                acc = acc - out[j] * out[n - j]
            out.append(acc * inv)
        return Jet(out)

    @staticmethod
    def atan2(y: Jet, x: Jet) -> Jet:
        value = iv.atan2(y.c[0], x.c[0])
        if y.order == 0:
            return Jet([value])
        y_, x_ = Jet(y.c[:-1]), Jet(x.c[:-1])          # order N - 1 suffices for the derivative
        z = (x_ * y.derivative() - y_ * x.derivative()) / (x_ * x_ + y_ * y_)
        return z.integral(value)


JET = JetContext()
