"""Enclosures over one piece of a family: Taylor models in t = s - s_mid (docs/families.md §5).

A piece is an interval s in [s_lo, s_hi] (s = k^(-1/2)), a centre c(t) (one polynomial in
t = s - s_mid per parameter, degree N = order) and radii w: the box at parameter t is
    X(t) = {theta : |theta_i - c_i(t)| <= w_i},   theta_i = c_i(t) + w_i u_i,  u in U = [-1, 1]^D.
For a quantity Q(u, t) (a vector or a matrix of derivatives of a reduced loss) three
series evaluations give, for every sub-interval T_j of T = [-h, h] (h = (s_hi - s_lo) / 2),

    Q(u, t) in  sum_{n <= N} Q_n t^n  +  R t^(N+1)  +  V          (u in U, t in T_j)

  Q_n  the Taylor coefficients of Q(0, .) at t = 0 (series at the exact point);
  R    coefficient N + 1 of the series at the ball T: it encloses Q^(N+1)(0, tau)/(N+1)! for
       every tau in T, the Lagrange remainder of Taylor's formula between 0 and t;
  V    coefficient 1 of the series in tau of Q(tau u, t) at tau in [0, 1], u in U, t in T:
       it encloses d/dtau Q(tau u, t), so Q(u, t) - Q(0, t) = int_0^1 (...) dtau lies in it
       (V is omitted when u = 0 is all that is needed, as for the gradient at the centre).
Every arithmetic step is ball arithmetic, so these are enclosures of the exact values.
The smoothness of the loss on the whole region {(X(t), t) : t in T} is checked by the
third evaluation (any degenerate pair geometry raises NotSmooth).
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import arb, arb_mat, arb_series

from .. import dyadic
from ..reduced.series import SJet, coefficient, constant


@dataclass(frozen=True)
class Piece:
    """s_lo < s_hi (dyadic strings); order N; splits (number of sub-intervals T_j); centre: one
    list of N + 1 polynomial coefficients (in t = s - s_mid) per parameter; radius: w_i > 0."""
    s_lo: str
    s_hi: str
    order: int
    splits: int
    centre: tuple
    radius: tuple

    def balls(self):
        """(s_mid, h, [T_j]): the exact midpoint, the exact half-width, the sub-intervals of T."""
        lo, hi = dyadic.to_arb(self.s_lo), dyadic.to_arb(self.s_hi)
        mid, h = (lo + hi) / 2, (hi - lo) / 2
        edges = self.edges()
        return mid, h, [edges[j].union(edges[j + 1]) for j in range(self.splits)]

    def edges(self) -> list:
        """Balls containing t_j = -h + 2h j / splits, j = 0..splits (t = s - s_mid)."""
        lo, hi = dyadic.to_arb(self.s_lo), dyadic.to_arb(self.s_hi)
        h = (hi - lo) / 2
        return [-h + 2 * h * j / self.splits for j in range(self.splits + 1)]


def horner(coeffs: list, t):
    """sum_n coeffs[n] t^n (numbers or series); the zero polynomial (arb 0) if coeffs is empty."""
    if not coeffs:
        return arb(0)
    out = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        out = out * t + c
    return out


def power(x: arb, n: int) -> arb:
    out = arb(1)
    for _ in range(n):
        out = out * x
    return out


class Evaluation:
    """The values of the coarse parameters and of k at one of the three evaluation points of a
    piece, as series of one length: `point` (t at 0, length N + 1), `remainder` (t at the ball T,
    length N + 2), `box` (series in tau of length 2, t = T, u = tau u0 with u0 in U)."""

    def __init__(self, piece: Piece, mode: str):
        mid, h, _ = piece.balls()
        N = piece.order
        centre = [[dyadic.to_arb(c) for c in row] for row in piece.centre]
        self.w = [dyadic.to_arb(x) for x in piece.radius]
        if mode == "box":
            length, T = 2, arb(0, h)
            t = constant(T, length)
            u = arb_series([arb(0, 1), arb(0, 1)], prec=length)   # tau0 u0 and u0, u0 in [-1,1], tau0 in [0,1]
            self.u = [u] * len(centre)
        else:
            length = N + 1 if mode == "point" else N + 2
            t = arb_series([arb(0) if mode == "point" else arb(0, h), arb(1)], prec=length)
            self.u = [constant(0, length)] * len(centre)
        self.length = length
        s = constant(mid, length) + t
        self.k = 1 / (s * s)
        self.c = [horner([constant(x, length) for x in row], t) for row in centre]

    def theta(self) -> list:
        """theta_i = c_i(t) + w_i u_i, as series."""
        return [c + u * w for c, u, w in zip(self.c, self.u, self.w)]

    def branch_variables(self) -> list:
        """theta as SJet variables u_i (d theta_i / d u_i = w_i)."""
        return [SJet.variable(x, i, w) for i, (x, w) in enumerate(zip(self.theta(), self.w))]


@dataclass
class Model:
    """Q(u, t) in sum_n coeffs[n] t^n + rem t^(N+1) + var, entrywise (lists or arb_mats)."""
    coeffs: list
    rem: object
    var: object | None

    def enclose(self, Tj: arb):
        N = len(self.coeffs) - 1
        out = horner(self.coeffs, Tj) + self.rem * power(Tj, N + 1)
        return out + self.var if self.var is not None else out


def vector_model(point: list, remainder: list, N: int) -> Model:
    """Model of a vector of series (u = 0 only)."""
    coeffs = [arb_mat([[coefficient(x, n)] for x in point]) for n in range(N + 1)]
    rem = arb_mat([[coefficient(x, N + 1)] for x in remainder])
    return Model(coeffs, rem, None)


def matrix_model(point: list, remainder: list, box: list, N: int) -> Model:
    """Model of a square matrix (lists of lists of series)."""
    def mat(M, n):
        return arb_mat([[coefficient(x, n) for x in row] for row in M])
    return Model([mat(point, n) for n in range(N + 1)], mat(remainder, N + 1), mat(box, 1))
