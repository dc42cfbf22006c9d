"""The reduced loss phi(theta) = F(W(theta)) of a block ansatz, in closed form (docs/symmetric.md).

Setting: n = k = d, teacher V = I_k, blocks p = (p_1, ..., p_m) with sum k,
index blocks B_a consecutive.  G = Delta(S_p1 x ... x S_pm) permutes neurons
and input coordinates together; F(P W P^T) = F(W).  W is G-fixed iff
    W[i,i] = alpha_a   (i in B_a)
    W[i,j] = beta_a    (i != j both in B_a; only when p_a >= 2)
    W[i,j] = gamma_ab  (i in B_a, j in B_b, a != b)
theta = these numbers in the order of `parameter_names`; W(theta) = sum theta_o E_o
(E_o the 0/1 indicator of the orbit o of G on index pairs).  phi is computed from
the few distinct pair geometries; sums over neurons are counts p_a times one
representative term, never loops over k.  Every function takes numbers that are
arb balls or Jets (kernel.reduced.jets) alike.
"""
from __future__ import annotations

from flint import arb, arb_mat

from ..pair import NotSmooth, f
from .jets import Jet, value


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
    fv = f(r, qv, t)
    if not isinstance(P, Jet) and not isinstance(q, Jet):
        return fv
    fP, fq = r / (4 * pi * Pv), (pi - t) / (2 * pi)
    fPP = (2 * qv * qv - Pv) / (8 * pi * Pv * Pv * r)
    fPq = -qv / (4 * pi * Pv * r)
    fqq = 1 / (2 * pi * r)
    gP, gq = P.g, q.g
    return Jet(fv, gP * fP + gq * fq,
               P.h * fP + q.h * fq + (gP * gP.transpose()) * fPP
               + (gP * gq.transpose() + gq * gP.transpose()) * fPq + (gq * gq.transpose()) * fqq)


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


