"""F, its gradient, its Hessian and the d > k block M in arb ball arithmetic,
written pair by pair straight from docs/mathematics.md.

Not used by the kernel: the kernel's definitions are certify/kernel/dense/geometry.py
(F, grad F, M, pair scalars) and certify/kernel/dense/hessian.py (the Hessian),
which arrange the same formulas differently (matrix products of pair scalars).
Tests compare the two arrangements, so a slip in either shows.  Inputs are W (n rows of d arb balls,
the student) and V (k rows of d arb balls, the teacher); every function returns
balls that contain the exact value for EVERY choice of points in the input
balls, at the working precision `flint.ctx.prec`.

The closed forms need every |w_i| > 0 and no two of {w_i} u {v_j} parallel
(sin t > 0).  `pair` checks both in ball arithmetic and raises NotSmooth when
it cannot prove them, so a formula is never evaluated where it is invalid.

    f(u,v)  = |u||v| (s + (pi - t) c) / (2 pi)                 c = cos t, s = sin t
    g(u,v)  = (|v| s ub + (pi - t) v) / (2 pi)                 = d f(u,v) / du
    h1(u,v) = |v| s / (2 pi |u|) (I - ub ub^T + n n^T)         = d g(u,v) / du
    h2(u,v) = ((pi - t) I + ub n^T + vb m^T) / (2 pi)          = d g(u,v) / dv
    ub = u/|u|, vb = v/|v|, n = (vb - c ub)/s, m = (ub - c vb)/s
"""
from __future__ import annotations

from flint import arb, arb_mat

from certify.kernel.pair import NotSmooth  # the same refusal as the kernel's


def norm(u):
    """|u| as a ball; raises NotSmooth unless |u| > 0 is proved."""
    r = sum((x * x for x in u), arb(0)).sqrt()
    if not r > 0:
        raise NotSmooth("a neuron may be the zero vector in the box")
    return r


class Pair:
    """Geometry of an ordered pair (u, v): norms, unit vectors, cos t, sin t, t,
    and n = (vb - c ub)/s, m = (ub - c vb)/s.  Requires s > 0 proved."""

    def __init__(self, u, v, u_norm=None, v_norm=None):
        self.u_norm = u_norm if u_norm is not None else norm(u)
        self.v_norm = v_norm if v_norm is not None else norm(v)
        self.ub = [x / self.u_norm for x in u]
        self.vb = [x / self.v_norm for x in v]
        self.cos = sum((a * b for a, b in zip(self.ub, self.vb)), arb(0))
        sin2 = 1 - self.cos * self.cos
        if not sin2 > 0:
            raise NotSmooth("two vectors may be parallel in the box")
        self.sin = sin2.sqrt()
        self.angle = self.cos.acos()

    @property
    def n(self):
        return [(b - self.cos * a) / self.sin for a, b in zip(self.ub, self.vb)]

    @property
    def m(self):
        return [(a - self.cos * b) / self.sin for a, b in zip(self.ub, self.vb)]


def f_pair(p: Pair):
    """f(u,v) = E[relu(u.x) relu(v.x)] for a non-parallel pair."""
    pi = arb.pi()
    return p.u_norm * p.v_norm * (p.sin + (pi - p.angle) * p.cos) / (2 * pi)


def loss(W, V):
    """F(W) = 1/2 sum_ij f(w_i,w_j) - sum_ij f(w_i,v_j) + 1/2 sum_ij f(v_i,v_j),
    with f(u,u) = |u|^2/2 on the diagonal."""
    total = arb(0)
    for rows, sign in ((W, 1), (V, 1)):
        norms = [norm(u) for u in rows]
        total += sign * sum((r * r for r in norms), arb(0)) / 4
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                total += sign * f_pair(Pair(rows[i], rows[j], norms[i], norms[j]))
    w_norms, v_norms = [norm(u) for u in W], [norm(v) for v in V]
    for i, w in enumerate(W):
        for j, v in enumerate(V):
            total -= f_pair(Pair(w, v, w_norms[i], v_norms[j]))
    return total


def _pairs_of(W, V, i, w_norms, v_norms):
    """[(sign, j, Pair(w_i, q))] for q = w_j (j != i, sign +1) and q = v_j (sign -1)."""
    out = [(1, j, Pair(W[i], W[j], w_norms[i], w_norms[j])) for j in range(len(W)) if j != i]
    out += [(-1, j, Pair(W[i], v, w_norms[i], v_norms[j])) for j, v in enumerate(V)]
    return out


def gradient(W, V):
    """grad_{w_i} F = 1/2 w_i + sum_{j!=i} g(w_i,w_j) - sum_j g(w_i,v_j); n rows of d balls."""
    pi2 = 2 * arb.pi()
    w_norms, v_norms = [norm(u) for u in W], [norm(v) for v in V]
    grad = []
    for i, w in enumerate(W):
        row = [x / 2 for x in w]
        for sign, _, p in _pairs_of(W, V, i, w_norms, v_norms):
            a = sign * p.v_norm * p.sin / pi2
            b = sign * (arb.pi() - p.angle) / pi2
            v = [x * p.v_norm for x in p.vb]
            row = [r + a * ub + b * vv for r, ub, vv in zip(row, p.ub, v)]
        grad.append(row)
    return grad


def hessian(W, V):
    """The (n d) x (n d) Hessian, row/column index i*d + a, as an arb_mat:
    diagonal blocks 1/2 I + sum_{j!=i} h1(w_i,w_j) - sum_j h1(w_i,v_j),
    off-diagonal blocks h2(w_i, w_j)."""
    n, d = len(W), len(W[0])
    pi2 = 2 * arb.pi()
    w_norms, v_norms = [norm(u) for u in W], [norm(v) for v in V]
    rows = [[None] * (n * d) for _ in range(n * d)]
    for i in range(n):
        pairs = _pairs_of(W, V, i, w_norms, v_norms)
        # diagonal block: (1/2 + S) I - S ub ub^T + sum_j coef_j n_j n_j^T
        coefs = [sign * p.v_norm * p.sin / (pi2 * w_norms[i]) for sign, _, p in pairs]
        S = sum(coefs, arb(0))
        normals = arb_mat([p.n for _, _, p in pairs])
        scaled = arb_mat([[c * x for x in p.n] for c, (_, _, p) in zip(coefs, pairs)])
        nn = normals.transpose() * scaled
        ub = pairs[0][2].ub
        for a in range(d):
            for b in range(d):
                entry = nn[a, b] - S * ub[a] * ub[b]
                rows[i * d + a][i * d + b] = entry + (S + arb(1) / 2) if a == b else entry
        # off-diagonal blocks h2(w_i, w_j) = ((pi - t) I + ub n^T + vb m^T)/(2 pi)
        for sign, j, p in pairs:
            if sign < 0:
                continue
            nv = [x / pi2 for x in p.n]
            mv = [x / pi2 for x in p.m]
            diag = (arb.pi() - p.angle) / pi2
            for a in range(d):
                ua, va, row = p.ub[a], p.vb[a], rows[i * d + a]
                for b in range(d):
                    entry = ua * nv[b] + va * mv[b]
                    row[j * d + b] = entry + diag if a == b else entry
    return arb_mat(rows)


def extra_dimension_block(W, V):
    """The n x n matrix M of the d > k lemma: the Hessian restricted to one input
    coordinate orthogonal to every w_i and v_j.
        M_ii = 1/2 + sum_{j!=i} |w_j| s_ij / (2 pi |w_i|) - sum_j |v_j| s'_ij / (2 pi |w_i|)
        M_ij = (pi - t_ij) / (2 pi)"""
    n = len(W)
    pi2 = 2 * arb.pi()
    w_norms, v_norms = [norm(u) for u in W], [norm(v) for v in V]
    M = arb_mat(n, n)
    for i in range(n):
        diag = arb(1) / 2
        for sign, j, p in _pairs_of(W, V, i, w_norms, v_norms):
            diag += sign * p.v_norm * p.sin / (pi2 * w_norms[i])
            if sign > 0:
                M[i, j] = (arb.pi() - p.angle) / pi2
        M[i, i] = diag
    return M
