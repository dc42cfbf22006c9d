"""Symmetry-reduced certificates ("method": "symmetric"): reader and prover.

TRUSTED.  Imports only python-flint, the standard library and other kernel
modules.  The mathematics is derived in docs/symmetric.md; in short:

Setting: n = k = d, teacher V = I_k, blocks p = (p_1, ..., p_m) with sum k,
index blocks B_a consecutive.  G = Delta(S_p1 x ... x S_pm) permutes neurons
and input coordinates together; F(P W P^T) = F(W).  W is G-fixed iff
    W[i,i] = alpha_a   (i in B_a)
    W[i,j] = beta_a    (i != j both in B_a; only when p_a >= 2)
    W[i,j] = gamma_ab  (i in B_a, j in B_b, a != b)
theta = these numbers in the order of `parameter_names`; W(theta) = sum theta_o E_o
(E_o the 0/1 indicator of the orbit o of G on index pairs).  phi(theta) = F(W(theta))
is computed in closed form from the few distinct pair geometries (`block_loss`);
sums over neurons are counts p_a times one representative term, never loops over k.

Claims proved on the box X = {theta : |theta_o - c_o| <= r}:
  critical   Krawczyk for grad phi on X.  grad F(W) lies in Fix(G) for W in Fix(G)
             (equivariance), and grad phi = (<E_o, grad F>)_o is injective on Fix(G),
             so the unique zero theta* of grad phi in X gives grad F(W(theta*)) = 0.
  hessian    lambda_min(H(W)) > mu on X.  K = the subgroup of G fixing min(p_a, 2)
             named indices of every block pointwise; K = Delta of the refined block
             structure p' (`refine`).  H commutes with G, so Fix(K) is H-invariant and
             every irreducible type of G occurring in R^{k x k} has a nonzero K-fixed
             vector (docs/symmetric.md), hence spec(H) = spec(H restricted to Fix(K)) as
             sets.  In the orthonormal basis E_o / sqrt|o| of Fix(K) that restriction is
             D^{-1/2} (Hess phi_{p'}) D^{-1/2}, D = diag of the orbit sizes |o|.
  extra_dims the n x n matrix M of the d > k lemma, restricted the same way to the
             K-fixed vectors of R^n (constant on refined blocks).
  loss       loss_lower <= phi <= loss_upper on X, loss_lower > 0.
  smooth     every |w_i| > 0 and no pair among {w_i} u {e_l} parallel on X
             (every pair of the full problem has one of the geometries checked).

Derivatives are carried by `Jet` (value, gradient, Hessian in ball arithmetic):
the chain rule evaluated on balls encloses the exact derivatives for every point
of the input balls.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import arb, arb_mat, ctx

from . import dyadic
from .geometry import NotSmooth
from .prove import (ClaimResult, MatrixBox, prove_critical_point, prove_loss,
                    prove_positive_definite)
from .statement import (BASE_CLAIMS, EXTRA_CLAIM, PREC_RANGE, FormatError, check_header)
from .statement import read_dyadic, read_int  # the same field readers as the dense format

METHOD = "symmetric"
MAX_K = 10 ** 7           # counts are exact integers in arb; cost does not depend on k
MAX_BLOCKS = 3            # refined structure: <= 9 blocks, <= 84 parameters (m = 4 would take ~25 s)
TOP_KEYS = {"format", "version", "kind", "method", "k", "n", "d", "d_max", "teacher",
            "blocks", "prec", "box", "claims", "software"}
OPTIONAL_TOP_KEYS = {"info"}


# ---------------------------------------------------------------------------
# second-order jets in ball arithmetic
# ---------------------------------------------------------------------------
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


def value(x):
    return x.v if isinstance(x, Jet) else x


def pair_f(P, q):
    """f = E[relu(u.x) relu(v.x)] = (r + (pi - t) q) / (2 pi) for a pair with
    P = |u|^2 |v|^2, q = u.v, r = sqrt(P - q^2) = |u||v| sin t, t = acos(q / sqrt P).
    Raises NotSmooth unless P > 0 and r^2 > 0 (u, v nonzero and not parallel).
    Partial derivatives (docs/symmetric.md):
        f_P = r / (4 pi P)          f_q = (pi - t) / (2 pi)
        f_PP = (2 q^2 - P) / (8 pi P^2 r)   f_Pq = -q / (4 pi P r)   f_qq = 1 / (2 pi r)"""
    Pv, qv = value(P), value(q)
    r2 = Pv - qv * qv
    if not (Pv > 0 and r2 > 0):
        raise NotSmooth("a neuron may be zero or parallel to another vector on the box")
    pi = arb.pi()
    r = r2.sqrt()
    t = (qv / Pv.sqrt()).acos()
    f = (r + (pi - t) * qv) / (2 * pi)
    if not isinstance(P, Jet) and not isinstance(q, Jet):
        return f
    fP, fq = r / (4 * pi * Pv), (pi - t) / (2 * pi)
    fPP = (2 * qv * qv - Pv) / (8 * pi * Pv * Pv * r)
    fPq = -qv / (4 * pi * Pv * r)
    fqq = 1 / (2 * pi * r)
    gP, gq = P.g, q.g
    return Jet(f, gP * fP + gq * fq,
               P.h * fP + q.h * fq + (gP * gP.transpose()) * fPP
               + (gP * gq.transpose() + gq * gP.transpose()) * fPq + (gq * gq.transpose()) * fqq)


# ---------------------------------------------------------------------------
# the block ansatz
# ---------------------------------------------------------------------------
def parameter_names(blocks) -> list:
    """Orbits of G on index pairs, in certificate order: for a, then b (0-based):
    ('alpha', a, a) and, if p_a >= 2, ('beta', a, a) when a == b; ('gamma', a, b) otherwise."""
    names = []
    for a in range(len(blocks)):
        for b in range(len(blocks)):
            if a != b:
                names.append(("gamma", a, b))
            else:
                names.append(("alpha", a, a))
                if blocks[a] >= 2:
                    names.append(("beta", a, a))
    return names


def orbit_size(blocks, name) -> int:
    """|o|: p_a (alpha), p_a (p_a - 1) (beta), p_a p_b (gamma)."""
    kind, a, b = name
    return blocks[a] * (blocks[a] - 1) if kind == "beta" else blocks[a] * (1 if kind == "alpha" else blocks[b])


def pair_data(blocks, theta: dict):
    """(N, Q): N[a] = |w_i|^2 (i in B_a), Q[a][b] = w_i . w_j (i in B_a, j in B_b, i != j;
    Q[a][a] only when p_a >= 2).  theta maps parameter names to numbers or Jets."""
    m = len(blocks)
    al = [theta[("alpha", a, a)] for a in range(m)]
    be = [theta.get(("beta", a, a), 0) for a in range(m)]
    ga = [[theta.get(("gamma", a, b), 0) for b in range(m)] for a in range(m)]
    N, Q = [], [[None] * m for _ in range(m)]
    for a, p in enumerate(blocks):
        cross = sum((blocks[b] * ga[a][b] * ga[a][b] for b in range(m) if b != a), arb(0))
        N.append(al[a] * al[a] + (p - 1) * be[a] * be[a] + cross)
        if p >= 2:
            Q[a][a] = 2 * al[a] * be[a] + (p - 2) * be[a] * be[a] + cross
    for a in range(m):
        for b in range(m):
            if a != b:
                others = sum((blocks[c] * ga[a][c] * ga[b][c] for c in range(m) if c not in (a, b)),
                             arb(0))
                Q[a][b] = (al[a] * ga[b][a] + ga[a][b] * al[b] + (blocks[a] - 1) * be[a] * ga[b][a]
                           + (blocks[b] - 1) * ga[a][b] * be[b] + others)
    return N, Q, al, be, ga


def teacher_dots(blocks, a, al, be, ga):
    """[(count, w_i . e_l)] over l in [k] for i in B_a: alpha_a once, beta_a (p_a - 1) times,
    gamma_ab p_b times."""
    out = [(1, al[a])] + ([(blocks[a] - 1, be[a])] if blocks[a] >= 2 else [])
    return out + [(blocks[b], ga[a][b]) for b in range(len(blocks)) if b != a]


def block_loss(blocks, theta: dict):
    """phi(theta) = F(W(theta)) with teacher I_k:
       1/2 sum_ij f(w_i,w_j) - sum_il f(w_i,e_l) + 1/2 sum_ll' f(e_l,e_l'),  f(u,u) = |u|^2/2,
    every sum grouped by pair geometry with its count."""
    m, k = len(blocks), sum(blocks)
    N, Q, al, be, ga = pair_data(blocks, theta)
    total = k * (1 / arb(4) + (k - 1) / (4 * arb.pi()))     # teacher: k/4 + k(k-1)/(4 pi)
    for a, p in enumerate(blocks):
        total = total + N[a] * (arb(p) / 4)                     # 1/2 sum_i |w_i|^2 / 2
        if p >= 2:
            total = total + pair_f(N[a] * N[a], Q[a][a]) * (p * (p - 1) // 2)
        for b in range(a + 1, m):
            total = total + pair_f(N[a] * N[b], Q[a][b]) * (p * blocks[b])
        for count, dot in teacher_dots(blocks, a, al, be, ga):
            total = total - pair_f(N[a], dot) * (p * count)
    return total


def refine(blocks):
    """(p', parent): every block of size p is split into min(p, 2) singletons and,
    if p > 2, a block of the other p - 2 indices (in this order)."""
    refined, parent = [], []
    for a, p in enumerate(blocks):
        for _ in range(min(p, 2)):
            refined.append(1)
            parent.append(a)
        if p > 2:
            refined.append(p - 2)
            parent.append(a)
    return refined, parent


def refined_theta(blocks, theta: dict):
    """(p', theta'): the same W written in the block ansatz of the refined structure."""
    refined, parent = refine(blocks)
    out = {}
    for name in parameter_names(refined):
        kind, a, b = name
        if kind != "gamma":
            out[name] = theta[(kind, parent[a], parent[a])]
        elif parent[a] == parent[b]:
            out[name] = theta[("beta", parent[a], parent[a])]
        else:
            out[name] = theta[("gamma", parent[a], parent[b])]
    return refined, out


def jets(blocks, point: list) -> dict:
    """theta as Jet variables at the balls `point` (certificate order)."""
    names = parameter_names(blocks)
    return {name: Jet.variable(x, i, len(names)) for i, (name, x) in enumerate(zip(names, point))}


def normalised(blocks, S: arb_mat) -> arb_mat:
    """D^{-1/2} S D^{-1/2}, D = diag of the orbit sizes of `blocks`."""
    scale = [1 / arb(orbit_size(blocks, name)).sqrt() for name in parameter_names(blocks)]
    D = len(scale)
    return arb_mat([[S[i, j] * scale[i] * scale[j] for j in range(D)] for i in range(D)])


def reduced_hessian(blocks, point: list) -> arb_mat:
    """Symmetric matrix whose eigenvalues are exactly those of the full Hessian H(W(theta))
    (as a set), enclosing it for every theta in the balls `point`."""
    theta = dict(zip(parameter_names(blocks), point))
    refined, theta_r = refined_theta(blocks, theta)
    names = parameter_names(refined)
    variables = {name: Jet.variable(theta_r[name], i, len(names)) for i, name in enumerate(names)}
    return normalised(refined, block_loss(refined, variables).h)


def reduced_extra_block(blocks, point: list) -> arb_mat:
    """M (d > k lemma) restricted to the K-fixed vectors of R^n, in the orthonormal basis
    1_{B'_a} / sqrt(p'_a):  entries sqrt(p'_a p'_b) (pi - t_ab) / (2 pi) off the diagonal and
    M_ii + (p'_a - 1)(pi - t_aa) / (2 pi) on it, with
    M_ii = 1/2 + (sum_{j != i} |w_j| sin t_ij - sum_l sin t(w_i, e_l)) / (2 pi |w_i|)."""
    theta = dict(zip(parameter_names(blocks), point))
    p, theta_r = refined_theta(blocks, theta)
    N, Q, al, be, ga = pair_data(p, theta_r)
    m, pi = len(p), arb.pi()
    angle = [[None] * m for _ in range(m)]
    sine_norm = [[None] * m for _ in range(m)]      # |w_j| sin t_ij = r / |w_i|
    for a in range(m):
        for b in range(m):
            if a != b or p[a] >= 2:
                P = N[a] * N[b]
                r2 = P - Q[a][b] * Q[a][b]
                if not (P > 0 and r2 > 0):
                    raise NotSmooth("two neurons may be parallel on the box")
                angle[a][b] = (Q[a][b] / P.sqrt()).acos()
                sine_norm[a][b] = r2.sqrt() / N[a].sqrt()
    M = arb_mat(m, m)
    for a in range(m):
        norm = N[a].sqrt()
        s = sum((p[b] - (a == b)) * sine_norm[a][b] for b in range(m) if p[b] - (a == b) > 0)
        for count, dot in teacher_dots(p, a, al, be, ga):
            r2 = N[a] - dot * dot
            if not r2 > 0:
                raise NotSmooth("a neuron may be parallel to a teacher vector on the box")
            s -= count * (r2.sqrt() / norm)
        M[a, a] = arb(1) / 2 + s / (2 * pi * norm)
        if p[a] >= 2:
            M[a, a] += (p[a] - 1) * (pi - angle[a][a]) / (2 * pi)
        for b in range(m):
            if b != a:
                M[a, b] = arb(p[a] * p[b]).sqrt() * (pi - angle[a][b]) / (2 * pi)
    return M


# ---------------------------------------------------------------------------
# the statement
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SymmetricStatement:
    """W(theta*) for the unique zero theta* of grad phi in centre +- radius is a strict
    local minimum of F (teacher I_k, n = d = k) with the stated bounds, for every input
    dimension in [d, d_max] (None: unbounded)."""
    k: int
    d_max: int | None
    blocks: tuple
    centre: tuple          # dyadic strings, order of parameter_names(blocks)
    radius: str
    prec: int
    claims: dict

    @property
    def covers_extra_dimensions(self) -> bool:
        return self.d_max is None or self.d_max > self.k


def read_statement(obj) -> SymmetricStatement:
    """Validate the decoded JSON of a symmetric certificate (docs/format.md)."""
    check_header(obj, TOP_KEYS, OPTIONAL_TOP_KEYS)
    if obj["kind"] != "local_minimum":
        raise FormatError("kind", "the symmetric method proves kind 'local_minimum' only")
    if obj["method"] != METHOD:
        raise FormatError("method", f"must be {METHOD!r}")
    k = read_int(obj, "k", 2, MAX_K)
    if read_int(obj, "n", 2, MAX_K) != k or read_int(obj, "d", 2, MAX_K) != k:
        raise FormatError("n", "the symmetric method needs n = d = k")
    d_max = obj["d_max"]
    if d_max is not None and (type(d_max) is not int or d_max < k):
        raise FormatError("d_max", "must be null (no upper limit) or an integer >= d")
    if obj["teacher"] != "identity":
        raise FormatError("teacher", "must be the string 'identity' (V = first k rows of I_d)")
    blocks = obj["blocks"]
    if (not isinstance(blocks, list) or not 1 <= len(blocks) <= MAX_BLOCKS
            or any(type(p) is not int or p < 1 for p in blocks) or sum(blocks) != k):
        raise FormatError("blocks", f"must be 1..{MAX_BLOCKS} positive integers with sum k")
    prec = read_int(obj, "prec", *PREC_RANGE)
    box = obj["box"]
    if not isinstance(box, dict) or set(box) != {"centre", "radius"}:
        raise FormatError("box", "must be an object with exactly 'centre' and 'radius'")
    size = len(parameter_names(blocks))
    centre = box["centre"]
    if not isinstance(centre, list) or len(centre) != size:
        raise FormatError("box.centre", f"must be a list of {size} numbers (one per parameter)")
    centre = tuple(read_dyadic(x, "box.centre") for x in centre)
    radius = read_dyadic(box["radius"], "box.radius")
    if not dyadic.parse(radius)[0] > 0:
        raise FormatError("box.radius", "must be positive")
    claims = obj["claims"]
    expected = BASE_CLAIMS | ({EXTRA_CLAIM} if d_max is None or d_max > k else set())
    if not isinstance(claims, dict) or set(claims) != expected:
        raise FormatError("claims", f"must have exactly the keys {sorted(expected)}")
    claims = {key: read_dyadic(value, f"claims.{key}") for key, value in claims.items()}
    return SymmetricStatement(k, d_max, tuple(blocks), centre, radius, prec, claims)


# ---------------------------------------------------------------------------
# the proof
# ---------------------------------------------------------------------------
def box_balls(statement: SymmetricStatement):
    """(box, centre, r): theta_o = c_o +- r as balls, the exact centre, r exact."""
    centre = [dyadic.to_arb(x) for x in statement.centre]
    spread = arb(0, dyadic.parse(statement.radius))
    return [c + spread for c in centre], centre, dyadic.to_arb(statement.radius)


def prove(statement: SymmetricStatement) -> list[ClaimResult]:
    """Every claim, each proved or refused, in the order of the dense prover."""
    blocks = list(statement.blocks)
    claims = {key: dyadic.to_arb(value) for key, value in statement.claims.items()}
    with ctx.workprec(statement.prec):
        box, centre, r = box_balls(statement)
        try:
            F = block_loss(blocks, dict(zip(parameter_names(blocks), box)))  # phi on the box
            J = block_loss(blocks, jets(blocks, box)).h                  # Hess phi on the box
            grad = block_loss(blocks, jets(blocks, centre)).g            # grad phi at the centre
            H = reduced_hessian(blocks, box)
            M = reduced_extra_block(blocks, box) if statement.covers_extra_dimensions else None
        except NotSmooth as err:
            return [ClaimResult("smooth", False, str(err))]
        results = [ClaimResult("smooth", True, "no zero neuron, no parallel pair on the box"),
                   prove_loss(F, claims["loss_lower"], claims["loss_upper"])]
        results.append(prove_positive_definite(MatrixBox.of_arb_mat(H), claims["hessian_min_eig_lower"],
                                               "hessian"))
        if M is not None:
            results.append(prove_positive_definite(MatrixBox.of_arb_mat(M), claims[EXTRA_CLAIM],
                                                   "extra_dims"))
        # Krawczyk for grad phi (phi is not claimed convex on the box: no Lemma E)
        y = [[grad[i, 0]] for i in range(grad.nrows())]
        results.append(prove_critical_point(y, r, MatrixBox.of_arb_mat(J)))
    return results
