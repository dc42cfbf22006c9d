"""F, grad F and the reduced loss phi in mpmath (UNTRUSTED: the producer's formulas).

The high-precision spelling, on the producer side, of the formulas that Newton
refinement needs (certify.refine for the dense problem,
certify.symmetric_pipeline.reduced_newton for the block ansatz).  It is written
from docs/mathematics.md and docs/symmetric.md, not from the kernel: nothing
here is trusted, the kernel (certify/kernel/) re-proves every claim.

Everything is built on one pair function (docs/symmetric.md section 2)

    f(P, q) = (r + (pi - t) q) / (2 pi),   r = sqrt(P - q^2),   t = acos(q / sqrt P),

which is f(u, v) = E[relu(u.x) relu(v.x)] of docs/mathematics.md Lemma 1 written
in P = |u|^2 |v|^2 and q = u.v (there r = |u||v| sin t and q = |u||v| cos t, so
f = |u||v| (sin t + (pi - t) cos t) / (2 pi)).  It is defined for P > 0 and
P - q^2 > 0 (u, v nonzero and not parallel) and raises NotSmooth otherwise.

In the mpmath habit each formula is written once, generic over the number type:
a `ctx` argument supplies sqrt, acos, atan2, pi, mpf and fdot --

    mpmath.mp        mpf numbers at the working precision (refinement),
    mpmath.fp        Python floats (the symmetric search, cross-checks),
    JetContext(ctx)  forward-mode derivatives: `Jet` numbers carry a value, a
                     gradient and (order 2) a Hessian through the chain rule.

The formulas:
    pair_f     f(P, q) (any context, Jets included)
    loss       F (docs/mathematics.md section 1)
    pair_g, gradient
               grad F (docs/mathematics.md section 2): g(u, v) = grad_u f written
               out, (r/(2 pi)) u/|u|^2 + ((pi - t)/(2 pi)) v; the one derivative
               spelled by hand, because refinement evaluates it for every pair at
               every Newton step and a jet of f costs 5 times as much (the tests
               check it against the first-order jet of pair_f, pair_f_partials)
    phi        the reduced loss of the block ansatz (docs/symmetric.md section 2)
    phi_jet    phi with its gradient and Hessian in theta, by second-order jets
"""
from __future__ import annotations

from functools import lru_cache

from mpmath import mp


class NotSmooth(ArithmeticError):
    """A neuron is zero or two vectors are parallel: f is not differentiable there."""


# ---------------------------------------------------------------------------
# forward-mode jets
# ---------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _lower_pairs(D: int) -> tuple:
    """(i, j), j <= i, in the packed order of Jet.h."""
    return tuple((i, j) for i in range(D) for j in range(i + 1))


class Jet:
    """A function of D variables at a point, to order 1 or 2: value v, gradient g
    (list of D numbers) and Hessian h (the lower triangle packed row by row,
    D(D+1)/2 numbers; None for order 1).  The arithmetic is the chain rule, in
    whatever number type the entries have."""
    __slots__ = ("v", "g", "h")

    def __init__(self, v, g, h=None):
        self.v, self.g, self.h = v, g, h

    @staticmethod
    def variables(values, order: int = 2, zero=0) -> list:
        """Independent variables x_i = values[i] (gradient e_i, Hessian 0)."""
        D = len(values)
        out = []
        for i, x in enumerate(values):
            g = [zero] * D
            g[i] = zero + 1
            out.append(Jet(x, g, [zero] * (D * (D + 1) // 2) if order == 2 else None))
        return out

    def hessian(self) -> list:
        """The D x D Hessian as a list of rows (unpacked)."""
        D = len(self.g)
        H = [[None] * D for _ in range(D)]
        for (i, j), x in zip(_lower_pairs(D), self.h):
            H[i][j] = H[j][i] = x
        return H

    # -- arithmetic ---------------------------------------------------------
    def __add__(self, o):
        if isinstance(o, Jet):
            h = None if self.h is None or o.h is None else [x + y for x, y in zip(self.h, o.h)]
            return Jet(self.v + o.v, [x + y for x, y in zip(self.g, o.g)], h)
        return Jet(self.v + o, self.g, self.h)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, [-x for x in self.g], None if self.h is None else [-x for x in self.h])

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if not isinstance(o, Jet):
            return Jet(self.v * o, [x * o for x in self.g],
                       None if self.h is None else [x * o for x in self.h])
        a, b = self.v, o.v
        g = [x * b + y * a for x, y in zip(self.g, o.g)]
        if self.h is None or o.h is None:
            return Jet(a * b, g)
        p, r = self.g, o.g
        h = [x * b + y * a + p[i] * r[j] + p[j] * r[i]
             for (i, j), x, y in zip(_lower_pairs(len(p)), self.h, o.h)]
        return Jet(a * b, g, h)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, Jet):
            return self * o.reciprocal()
        return self * (1 / o)

    def __rtruediv__(self, o):
        return self.reciprocal() * o

    def reciprocal(self):
        y = 1 / self.v
        return self.compose(y, -y * y, 2 * y * y * y)

    def compose(self, f0, f1, f2):
        """phi(self) for a scalar function with phi = f0, phi' = f1, phi'' = f2 at self.v."""
        g = [f1 * x for x in self.g]
        if self.h is None:
            return Jet(f0, g)
        p = self.g
        h = [f1 * x + f2 * p[i] * p[j] for (i, j), x in zip(_lower_pairs(len(p)), self.h)]
        return Jet(f0, g, h)


def value(x):
    """The value of a Jet, or x itself."""
    return x.v if isinstance(x, Jet) else x


class JetContext:
    """The functions of `base` (mpmath.mp or mpmath.fp) extended to Jets."""

    def __init__(self, base=mp):
        self.base = base

    @property
    def pi(self):
        return self.base.pi

    def mpf(self, x):
        return self.base.mpf(x)

    def sqrt(self, x):
        if not isinstance(x, Jet):
            return self.base.sqrt(x)
        s = self.base.sqrt(x.v)
        d1 = 1 / (2 * s)
        return x.compose(s, d1, -d1 / (2 * x.v))                # (sqrt)'' = -1/(4 x^{3/2})

    def acos(self, x):
        if not isinstance(x, Jet):
            return self.base.acos(x)
        c = x.v
        w = 1 - c * c
        d1 = -1 / self.base.sqrt(w)                              # acos' = -1/sqrt(1 - c^2)
        return x.compose(self.base.acos(c), d1, d1 * c / w)      # acos'' = -c/(1 - c^2)^{3/2}

    def fdot(self, xs, ys):
        xs, ys = list(xs), list(ys)
        if any(isinstance(x, Jet) for x in xs + ys):
            return sum((x * y for x, y in zip(xs, ys)), self.base.mpf(0))
        return self.base.fdot(xs, ys)


# ---------------------------------------------------------------------------
# the pair function and the pair gradient
# ---------------------------------------------------------------------------
def pair_f(P, q, ctx=mp):
    """f = (r + (pi - t) q) / (2 pi) with r = sqrt(P - q^2), t = acos(q / sqrt P):
    E[relu(u.x) relu(v.x)] for P = |u|^2 |v|^2, q = u.v.  Raises NotSmooth unless
    P > 0 and P - q^2 > 0 (u, v nonzero and not parallel)."""
    r2 = P - q * q
    _check_pair(value(P), value(r2))
    c = q / ctx.sqrt(P)
    if not -1 < value(c) < 1:        # r2 > 0 up to rounding only: arccos would leave the reals
        raise NotSmooth("two vectors are parallel")
    pi = ctx.pi
    return (ctx.sqrt(r2) + (pi - ctx.acos(c)) * q) / (2 * pi)


def pair_f_partials(P, q, ctx=mp):
    """(f_P, f_q): the first partial derivatives of pair_f, from a first-order jet."""
    zero = ctx.mpf(0)
    f = pair_f(Jet(P, [zero + 1, zero]), Jet(q, [zero, zero + 1]), JetContext(ctx))
    return f.g[0], f.g[1]


def pair_g(P, q, ctx=mp, pi=None):
    """(r / (2 pi), (pi - t) / (2 pi)) for a pair (u, v) with P = |u|^2 |v|^2, q = u.v,
    r = sqrt(P - q^2) = |u||v| sin t, t = atan2(r, q) (= acos(q / sqrt P), the angle
    in [0, pi]; atan2 saves a square root and a division).  The gradient of
    docs/mathematics.md section 2 is then
        g(u, v) = grad_u f(u, v) = (|v| sin t u/|u| + (pi - t) v) / (2 pi)
                = (r / (2 pi)) u / |u|^2 + ((pi - t) / (2 pi)) v.
    Raises NotSmooth unless P > 0 and P - q^2 > 0 (exactly parallel vectors, e.g.
    v = 2u, give P - q^2 = 0 exactly).  pi: mpf(pi) at the working precision, to
    save its conversion (computed if omitted)."""
    pi = ctx.mpf(ctx.pi) if pi is None else pi
    r2 = P - q * q
    _check_pair(P, r2)
    r = ctx.sqrt(r2)
    two_pi = 2 * pi
    return r / two_pi, (pi - ctx.atan2(r, q)) / two_pi       # t = atan2(r, q) = acos(q / sqrt P)


def _check_pair(P, r2) -> None:
    if not P > 0:
        raise NotSmooth("a neuron is the zero vector")
    if not r2 > 0:
        raise NotSmooth("two vectors are parallel")


# ---------------------------------------------------------------------------
# the dense problem: student W (n x d), teacher V (k x d)
# ---------------------------------------------------------------------------
def _rows(M, ctx):
    return [[ctx.mpf(x) for x in row] for row in M]


def _sparse_dot(u, v, support, ctx):
    """u.v over the coordinates in `support` (where v may be nonzero)."""
    return ctx.fdot([u[a] for a in support], [v[a] for a in support])


def loss(W, V, ctx=mp):
    """F(W) = 1/2 sum_ij f(w_i,w_j) - sum_ij f(w_i,v_j) + 1/2 sum_ij f(v_i,v_j)
    (docs/mathematics.md section 1), the diagonal terms being f(u, u) = |u|^2/2."""
    W, V = _rows(W, ctx), _rows(V, ctx)
    nw = [ctx.fdot(w, w) for w in W]
    nv = [ctx.fdot(v, v) for v in V]
    total = (sum(nw, ctx.mpf(0)) + sum(nv, ctx.mpf(0))) / 4
    for X, nx, name in ((W, nw, "w"), (V, nv, "v")):
        for i in range(len(X)):
            for j in range(i + 1, len(X)):
                total += _named(pair_f, nx[i] * nx[j], ctx.fdot(X[i], X[j]), ctx,
                                f"{name}_{i}", f"{name}_{j}")
    for i, w in enumerate(W):
        for j, v in enumerate(V):
            total -= _named(pair_f, nw[i] * nv[j], ctx.fdot(w, v), ctx, f"w_{i}", f"v_{j}")
    return total


def _named(function, P, q, ctx, a: str, b: str):
    """function(P, q, ctx), its NotSmooth naming the pair (a, b) (0-based rows)."""
    try:
        return function(P, q, ctx)
    except NotSmooth as err:
        what = f"{a} is the zero vector" if "zero" in str(err) else f"{a} and {b} are parallel"
        raise NotSmooth(what) from None


def gradient(W, V, ctx=mp) -> list:
    """grad F as an n x d list (docs/mathematics.md section 2):

        grad_{w_i} F = 1/2 w_i + sum_{j != i} g(w_i, w_j) - sum_j g(w_i, v_j),
        g(u, v) = (r/(2 pi)) u/|u|^2 + ((pi - t)/(2 pi)) v           (pair_g),

    assembled as c_i w_i + sum_{j != i} A_ij w_j - sum_j B_ij v_j with
    c_i = 1/2 + (sum_{j != i} r_ij - sum_j r'_ij) / (2 pi |w_i|^2),
    A_ij = (pi - t_ij)/(2 pi), B_ij = (pi - t'_ij)/(2 pi) (t, r: angle of w_i and
    w_j and |w_i||w_j| sin t; t', r': the same for w_i and v_j).  Each entry is
    one exactly rounded fdot.  Raises NotSmooth, naming the vectors (0-based
    rows), when a neuron is zero or two of the vectors are parallel."""
    W, V = _rows(W, ctx), _rows(V, ctx)
    n, k, d = len(W), len(V), len(W[0])
    pi = ctx.mpf(ctx.pi)
    zero = ctx.mpf(0)
    nw = [ctx.fdot(w, w) for w in W]
    nv = [ctx.fdot(v, v) for v in V]
    for rows, norms, name in ((W, nw, "w"), (V, nv, "v")):
        for i, x in enumerate(norms):
            if not x > 0:
                raise NotSmooth(f"{name}_{i} is the zero vector")
    support = [[a for a in range(d) if V[j][a] != 0] for j in range(k)]
    r_sum = [zero] * n                 # (sum_{j != i} r_ij - sum_j r'_ij) / (2 pi)
    A = [[zero] * n for _ in range(n)]
    B = [[zero] * k for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            try:
                r, b = pair_g(nw[i] * nw[j], ctx.fdot(W[i], W[j]), ctx, pi)
            except NotSmooth:
                raise NotSmooth(f"w_{i} and w_{j} are parallel") from None
            r_sum[i] += r
            r_sum[j] += r
            A[i][j] = A[j][i] = b
        for j in range(k):
            q = ctx.fdot([W[i][a] for a in support[j]], [V[j][a] for a in support[j]])
            try:
                r, b = pair_g(nw[i] * nv[j], q, ctx, pi)
            except NotSmooth:
                raise NotSmooth(f"w_{i} and v_{j} are parallel") from None
            r_sum[i] -= r
            B[i][j] = b
    c = [ctx.mpf(0.5) + r_sum[i] / nw[i] for i in range(n)]
    # column a of grad F: a combination of w_1..w_n, w_i and the v_j with v_ja != 0
    columns = []
    for a in range(d):
        teacher = [j for j in range(k) if V[j][a] != 0]
        columns.append((teacher, [W[j][a] for j in range(n)] + [V[j][a] for j in teacher]))
    grad = []
    for i in range(n):
        row = []
        for a, (teacher, ys) in enumerate(columns):
            xs = A[i] + [-B[i][j] for j in teacher]
            row.append(ctx.fdot(xs + [c[i]], ys + [W[i][a]]))
        grad.append(row)
    return grad


# ---------------------------------------------------------------------------
# the block ansatz (docs/symmetric.md): n = k = d, teacher I_k, blocks p
# ---------------------------------------------------------------------------
def parameter_names(blocks) -> list:
    """The orbits of Delta(S_p1 x ... x S_pm) on index pairs, in certificate order:
    for a, then b: ('alpha', a, a) and, when p_a >= 2, ('beta', a, a) if a == b;
    ('gamma', a, b) otherwise (docs/symmetric.md section 1)."""
    names = []
    for a, p in enumerate(blocks):
        for b in range(len(blocks)):
            if a == b:
                names += [("alpha", a, a)] + ([("beta", a, a)] if p >= 2 else [])
            else:
                names.append(("gamma", a, b))
    return names


def orbit_size(blocks, name) -> int:
    """|o|, the number of index pairs in the orbit: p_a (alpha_a), p_a (p_a - 1) (beta_a),
    p_a p_b (gamma_ab) (docs/symmetric.md section 1)."""
    kind, a, b = name
    return {"alpha": blocks[a], "beta": blocks[a] * (blocks[a] - 1), "gamma": blocks[a] * blocks[b]}[kind]


def phi(blocks, theta, ctx=mp):
    """phi(theta) = F(W(theta)) for teacher I_k, in closed form over the blocks
    (docs/symmetric.md section 2): with N_a = |w_i|^2 and Q_ab = w_i.w_j (i in B_a,
    j in B_b, i != j),

        phi = sum_a p_a N_a / 4 + sum_a p_a (p_a - 1)/2 f(N_a^2, Q_aa)
              + sum_{a<b} p_a p_b f(N_a N_b, Q_ab) - sum_a p_a sum_l f(N_a, w_i.e_l)
              + k/4 + k (k - 1)/(4 pi),

    the sum over l grouped as alpha_a (once), beta_a (p_a - 1 times), gamma_ab
    (p_b times).  Every sum over neurons is a count times one term: the cost does
    not depend on k.  theta: numbers or Jets in the order of parameter_names."""
    m, k = len(blocks), sum(blocks)
    zero = ctx.mpf(0)
    theta = [x if isinstance(x, Jet) else ctx.mpf(x) for x in theta]
    names = parameter_names(blocks)
    if len(theta) != len(names):
        raise ValueError(f"blocks {tuple(blocks)} have {len(names)} parameters, got {len(theta)}")
    par = dict(zip(names, theta))
    al = [par[("alpha", a, a)] for a in range(m)]
    be = [par.get(("beta", a, a), zero) for a in range(m)]
    ga = [[par.get(("gamma", a, b), zero) for b in range(m)] for a in range(m)]
    p = blocks
    cross = [sum((p[b] * ga[a][b] * ga[a][b] for b in range(m) if b != a), zero) for a in range(m)]
    N = [al[a] * al[a] + (p[a] - 1) * be[a] * be[a] + cross[a] for a in range(m)]
    total = ctx.mpf(k) / 4 + ctx.mpf(k * (k - 1)) / (4 * ctx.pi)
    for a in range(m):
        total = total + N[a] * (ctx.mpf(p[a]) / 4)
        if p[a] >= 2:
            Q_aa = 2 * al[a] * be[a] + (p[a] - 2) * be[a] * be[a] + cross[a]
            total = total + pair_f(N[a] * N[a], Q_aa, ctx) * (p[a] * (p[a] - 1) // 2)
        for b in range(a + 1, m):
            Q_ab = (al[a] * ga[b][a] + ga[a][b] * al[b] + (p[a] - 1) * be[a] * ga[b][a]
                    + (p[b] - 1) * ga[a][b] * be[b]
                    + sum((p[c] * ga[a][c] * ga[b][c] for c in range(m) if c not in (a, b)), zero))
            total = total + pair_f(N[a] * N[b], Q_ab, ctx) * (p[a] * p[b])
        dots = [(1, al[a])] + ([(p[a] - 1, be[a])] if p[a] >= 2 else [])
        dots += [(p[b], ga[a][b]) for b in range(m) if b != a]
        for count, x in dots:
            total = total - pair_f(N[a], x, ctx) * (p[a] * count)
    return total


def phi_jet(blocks, theta, order: int = 2, ctx=mp) -> Jet:
    """phi with its gradient (and, order 2, Hessian) in theta, by forward-mode jets."""
    theta = [ctx.mpf(x) for x in theta]
    return phi(blocks, Jet.variables(theta, order, ctx.mpf(0)), JetContext(ctx))
