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

Real block sizes (families in real k, docs/families.md): a block size is either a
Python int (the integer theory above) or a "real size", an arb ball or a Jet standing
for a real number p > 3.  Every count is then the same polynomial in the sizes
(p_a, p_a - 1, p_a (p_a - 1) / 2, p_a p_b, ...), so phi, its derivatives and the
reduced matrices are the real-analytic continuation in the sizes; a real size is
treated like an integer size >= 4 (it has a beta parameter and refines into two
singletons plus a real block p - 2 > 1).  Integer sizes run exactly the integer code.
"""
from __future__ import annotations

from flint import arb, arb_mat

from ..pair import NotSmooth, f
from .jets import Jet


def is_real_size(p) -> bool:
    """True for a real block size (arb or Jet), False for an integer one."""
    return not isinstance(p, int)


def has_pairs(p) -> bool:
    """The block has pairs i != j (a beta parameter): p >= 2; always for a real size."""
    return is_real_size(p) or p >= 2


def pair_count(p):
    """p (p - 1) / 2, the number of unordered pairs in a block (exact for integers)."""
    return p * (p - 1) // 2 if not is_real_size(p) else p * (p - 1) / 2


def quarter(p):
    """p / 4 as an arb (or Jet): exact."""
    return arb(p) / 4 if not is_real_size(p) else p / 4


def value(x):
    """The value of a Jet (or of any jet type: attribute v); a number itself."""
    return getattr(x, "v", x)


def ball(x) -> arb:
    """An arb containing the value of a number: an arb or int itself, the value of a Jet
    (or of a series-valued jet), the constant term of an arb_series (0 if it has none: an
    exactly zero series)."""
    while not isinstance(x, (arb, int)):
        if hasattr(x, "v"):
            x = x.v
        else:
            coeffs = x.coeffs()
            x = coeffs[0] if coeffs else 0
    return arb(x)


def f_derivatives(P, q, R):
    """(f, f_P, f_q, f_PP, f_Pq, f_qq) at P = |u|^2 |v|^2, q = u.v, R = P - q^2 = r^2 for
    f = (r + (pi - t) q) / (2 pi), t = angle(u, v) = pi/2 - atan(q / r)  (docs/symmetric.md):
        f_P = r / (4 pi P)          f_q = (pi - t) / (2 pi)
        f_PP = (2 q^2 - P) / (8 pi P^2 r)   f_Pq = -q / (4 pi P r)   f_qq = 1 / (2 pi r).
    Arguments are arbs or arb_series (then every output is the series of the composite).
    R is passed separately so that callers can compute it without cancellation.
    Raises NotSmooth unless P > 0 and R > 0 (u, v nonzero and not parallel)."""
    if not (ball(P) > 0 and ball(R) > 0):
        raise NotSmooth("a neuron may be zero or parallel to another vector on the box")
    pi = arb.pi()
    r = R.sqrt()
    inv_P, inv_r = 1 / P, 1 / r           # divisions by a ball certainly > 0 only
    t = pi / 2 - (q * inv_r).atan()
    return (f(r, q, t), r * inv_P / (4 * pi), (pi - t) / (2 * pi),
            (2 * q * q - P) * inv_P * inv_P * inv_r / (8 * pi), -q * inv_P * inv_r / (4 * pi),
            inv_r / (2 * pi))


def pair_f(P, q, R=None):
    """f(P, q) with its derivatives carried by Jets (or by any jet type with a `compose`):
    P, q, R numbers or jets, R = P - q^2 (computed here when not given)."""
    if R is None:
        R = value(P) - value(q) * value(q)
    jet = next((x for x in (P, q) if hasattr(x, "compose")), None)
    derivs = f_derivatives(value(P), value(q), value(R))
    return derivs[0] if jet is None else jet.compose(derivs, P, q)


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
                if has_pairs(blocks[a]):
                    names.append(("beta", a, a))
    return names


def orbit_size(blocks, name):
    """|o|: p_a (alpha), p_a (p_a - 1) (beta), p_a p_b (gamma) (an int, or real)."""
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
        if has_pairs(p):
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
    out = [(1, al[a])] + ([(blocks[a] - 1, be[a])] if has_pairs(blocks[a]) else [])
    return out + [(blocks[b], ga[a][b]) for b in range(len(blocks)) if b != a]


def lagrange(classes):
    """(|u|^2 |v|^2, u.v, |u|^2 |v|^2 - (u.v)^2) for two vectors whose coordinates fall into
    classes (count, u_l, v_l): the last by Lagrange's identity, a sum over pairs of classes of
    c_s c_t (u_s v_t - u_t v_s)^2, with no cancellation."""
    uu = sum((c * u * u for c, u, _ in classes), arb(0))
    vv = sum((c * v * v for c, _, v in classes), arb(0))
    uv = sum((c * u * v for c, u, v in classes), arb(0))
    R = arb(0)
    for i, (c, u, v) in enumerate(classes):
        for c2, u2, v2 in classes[i + 1:]:
            minor = u * v2 - u2 * v
            R = R + (c * c2) * (minor * minor)
    return uu * vv, uv, R


def neuron_pair_classes(blocks, al, be, ga, a, b, zeta=None):
    """Coordinate classes (count, w_i[l], w_j[l]) over l for i in B_a, j in B_b, i != j:
    a == b: (1, al_a, be_a) at l = i, (1, be_a, al_a) at l = j, (p_a - 2, be_a, be_a) on the
            rest of B_a, (p_c, ga_ac, ga_ac) on B_c;
    a != b: (1, al_a, ga_ba) at l = i, (1, ga_ab, al_b) at l = j, (p_a - 1, be_a, ga_ba),
            (p_b - 1, ga_ab, be_b), (p_c, ga_ac, ga_bc) on B_c, c != a, b;
    and (1, zeta_a, zeta_b) for one extra input coordinate (when zeta is given)."""
    m = len(blocks)
    if a == b:
        out = [(1, al[a], be[a]), (1, be[a], al[a]), (blocks[a] - 2, be[a], be[a])]
        out += [(blocks[c], ga[a][c], ga[a][c]) for c in range(m) if c != a]
    else:
        out = [(1, al[a], ga[b][a]), (1, ga[a][b], al[b]), (blocks[a] - 1, be[a], ga[b][a]),
               (blocks[b] - 1, ga[a][b], be[b])]
        out += [(blocks[c], ga[a][c], ga[b][c]) for c in range(m) if c not in (a, b)]
    return out + ([(1, zeta[a], zeta[b])] if zeta is not None else [])


def neuron_classes(blocks, al, be, ga, a, zeta=None):
    """Coordinate classes (count, w_i[l]) of a neuron i in B_a: al_a at l = i, be_a on the
    other p_a - 1 indices of B_a, ga_ab on B_b, and zeta_a on the extra coordinate."""
    out = [(1, al[a])] + ([(blocks[a] - 1, be[a])] if has_pairs(blocks[a]) else [])
    out += [(blocks[b], ga[a][b]) for b in range(len(blocks)) if b != a]
    return out + ([(1, zeta[a])] if zeta is not None else [])


def block_loss(blocks, theta: dict, zeta=None):
    """phi(theta) = F(W(theta)) with teacher I_k:
       1/2 sum_ij f(w_i,w_j) - sum_il f(w_i,e_l) + 1/2 sum_ll' f(e_l,e_l'),  f(u,u) = |u|^2/2,
    every sum grouped by pair geometry with its count.  zeta (one number per block, optional):
    the point [W(theta), z] with one extra input coordinate, z_i = zeta_a for i in B_a (the
    teacher has 0 there); its Hessian in zeta at zeta = 0 is the d > k block M restricted to
    vectors constant on blocks (docs/families.md).  Every P - q^2 is computed by Lagrange's
    identity (neuron_pair_classes, neuron_classes), without cancellation."""
    m, k = len(blocks), sum(blocks)
    al = [theta[("alpha", a, a)] for a in range(m)]
    be = [theta.get(("beta", a, a), 0) for a in range(m)]
    ga = [[theta.get(("gamma", a, b), 0) for b in range(m)] for a in range(m)]
    total = k * (1 / arb(4) + (k - 1) / (4 * arb.pi()))     # teacher: k/4 + k(k-1)/(4 pi)
    for a, p in enumerate(blocks):
        own = neuron_classes(blocks, al, be, ga, a, zeta)
        N = sum((c * x * x for c, x in own), arb(0))              # |w_i|^2
        total = total + N * quarter(p)                            # 1/2 sum_i |w_i|^2 / 2
        if has_pairs(p):
            total = total + pair_f(*lagrange(neuron_pair_classes(blocks, al, be, ga, a, a, zeta))) \
                * pair_count(p)
        for b in range(a + 1, m):
            total = total + pair_f(*lagrange(neuron_pair_classes(blocks, al, be, ga, a, b, zeta))) \
                * (p * blocks[b])
        for i, (count, dot) in enumerate(own[:-1] if zeta is not None else own):
            # teacher vectors e_l with w_i . e_l = dot: |w_i|^2 - dot^2 = the other coordinates
            R = sum((c * x * x for j, (c, x) in enumerate(own) if j != i), arb(0)) \
                + (count - 1) * dot * dot
            total = total - pair_f(N, dot, R) * (p * count)
    return total


def refine(blocks):
    """(p', parent): every block of size p is split into min(p, 2) singletons and,
    if p > 2, a block of the other p - 2 indices (in this order).  A real size must
    be proved > 3 (ValueError otherwise): its refined block p - 2 > 1 is again real."""
    refined, parent = [], []
    for a, p in enumerate(blocks):
        if is_real_size(p) and not ball(p) > 3:
            raise ValueError("a real block size must be > 3")
        for _ in range(2 if is_real_size(p) else min(p, 2)):
            refined.append(1)
            parent.append(a)
        if is_real_size(p) or p > 2:
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
            if a != b or has_pairs(p[a]):
                P = N[a] * N[b]
                r2 = P - Q[a][b] * Q[a][b]
                if not (P > 0 and r2 > 0):
                    raise NotSmooth("two neurons may be parallel on the box")
                angle[a][b] = (Q[a][b] / P.sqrt()).acos()
                sine_norm[a][b] = r2.sqrt() / N[a].sqrt()
    M = arb_mat(m, m)
    for a in range(m):
        norm = N[a].sqrt()
        s = sum(((p[b] - (a == b)) * sine_norm[a][b] for b in range(m)
                 if is_real_size(p[b]) or p[b] - (a == b) > 0), arb(0))
        for count, dot in teacher_dots(p, a, al, be, ga):
            r2 = N[a] - dot * dot
            if not r2 > 0:
                raise NotSmooth("a neuron may be parallel to a teacher vector on the box")
            s -= count * (r2.sqrt() / norm)
        M[a, a] = arb(1) / 2 + s / (2 * pi * norm)
        if has_pairs(p[a]):
            M[a, a] += (p[a] - 1) * (pi - angle[a][a]) / (2 * pi)
        for b in range(m):
            if b != a:
                M[a, b] = arb(p[a] * p[b]).sqrt() * (pi - angle[a][b]) / (2 * pi)
    return M


