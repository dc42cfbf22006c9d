"""Symmetry-reduced certificates ("method": "symmetric", kind "local_minimum").

Setting (docs/format.md, docs/symmetric.md): n = d = k, teacher I_k, blocks
p = (p_1..p_m) of consecutive indices, and the G-fixed points W(theta):
W_ii = alpha_a (i in block a), W_ij = beta_a (i != j both in a), W_ij = gamma_ab
(i in a, j in b, a != b).  Row i (in block a) has the value alpha_a at l = i and
    x(a, c) = beta_a if c = a else gamma_ac
at every other coordinate l of block c.  Hence, for i in a, j in b, i != j,
    |w_i|^2   = alpha_a^2 + sum_c (p_c - [c=a]) x(a,c)^2
    w_i . w_j = alpha_a x(b,a) + x(a,b) alpha_b + sum_c (p_c - [c=a] - [c=b]) x(a,c) x(b,c)
    w_i . e_l = alpha_a (l = i), x(a,c) (l in c, l != i)
all polynomials of degree <= 2 in theta with integer coefficients, and
    phi(theta) = F(W(theta)) = sum_a p_a |w|_a^2 / 4 + sum over pair classes of
                 (number of pairs) f(|u|^2, |v|^2, u.v) - (teacher classes) + k/4 + k(k-1)/(4 pi).
grad phi and Hess phi follow by the chain rule through f(A, B, q) (pairs.py):
    Hess = sum count (f_A A'' + f_B B'' + f_q q'' + [A' B' q'] F2 [A' B' q']^T).
Claims (docs/independent-checker.md):
    smooth      every occurring pair class has A > 0 and A B - q^2 > 0 on the box
    loss        phi evaluated on the box
    hessian     S - mu D > 0, S = Hess phi of the refined structure p' (two named points of
                every block split off) on the box and D its orbit sizes: lambda_min of the
                full k^2 x k^2 Hessian equals lambda_min(D^-1/2 S D^-1/2) (symmetric.md section 4)
    extra_dims  S_M - mu' P > 0, S_M the sums of M over pairs of refined blocks, P = diag(p')
    critical    Krawczyk for grad phi on the box (symmetric criticality: a zero of
                grad phi is a zero of grad F)
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from mpmath import iv

from . import intervals, reader, spectral
from .outcome import ClaimResult, NotSmooth
from .pairs import pair, teacher_constant

METHOD = "symmetric"
TOP_KEYS = {"format", "version", "kind", "method", "k", "n", "d", "d_max", "teacher",
            "blocks", "prec", "box", "claims", "software"}
MAX_K = 10 ** 7
MAX_BLOCKS = 3
EXTRA = "extra_min_eig_lower"


@dataclass(frozen=True)
class SymmetricStatement:
    k: int
    d_max: int | None
    blocks: tuple
    centre: list            # Fractions, in parameter order
    radius: Fraction
    prec: int
    claims: dict

    @property
    def covers_extra_dimensions(self) -> bool:
        return self.d_max is None or self.d_max > self.k


# ---------------------------------------------------------------------------
# parameters of a block structure
# ---------------------------------------------------------------------------
class Structure:
    """Parameter indices of a block structure p: alpha[a], beta[a] (p_a >= 2), gamma[(a, b)]."""

    def __init__(self, sizes):
        self.p = list(sizes)
        self.m = len(self.p)
        self.alpha, self.beta, self.gamma = {}, {}, {}
        self.names = []
        for a in range(self.m):
            for b in range(self.m):
                if a == b:
                    self.alpha[a] = len(self.names)
                    self.names.append(f"alpha_{a}")
                    if self.p[a] >= 2:
                        self.beta[a] = len(self.names)
                        self.names.append(f"beta_{a}")
                else:
                    self.gamma[(a, b)] = len(self.names)
                    self.names.append(f"gamma_{a}{b}")
        self.size = len(self.names)

    def x(self, a: int, c: int) -> int | None:
        """Index of the value of a row in block a at a coordinate of block c other than its own."""
        return self.beta.get(a) if a == c else self.gamma[(a, c)]

    def orbit_sizes(self) -> list[int]:
        out = [0] * self.size
        for a, o in self.alpha.items():
            out[o] = self.p[a]
        for a, o in self.beta.items():
            out[o] = self.p[a] * (self.p[a] - 1)
        for (a, b), o in self.gamma.items():
            out[o] = self.p[a] * self.p[b]
        return out


class Poly:
    """c0 + sum c_i theta_i + sum_{i <= j} c_ij theta_i theta_j, integer coefficients."""

    def __init__(self, const: int = 0):
        self.const, self.lin, self.quad = const, {}, {}

    def add(self, i, j, c: int):
        if c == 0 or i is None or j is None:
            return
        key = (min(i, j), max(i, j))
        self.quad[key] = self.quad.get(key, 0) + c

    def add_linear(self, i, c: int):
        if c:
            self.lin[i] = self.lin.get(i, 0) + c

    def value(self, theta):
        total = iv.mpf(self.const)
        for i, c in self.lin.items():
            total += c * theta[i]
        for (i, j), c in self.quad.items():
            total += c * (theta[i] * theta[j])
        return total

    def gradient(self, theta) -> dict:
        out = {}
        for i, c in self.lin.items():
            out[i] = out.get(i, 0) + iv.mpf(c)
        for (i, j), c in self.quad.items():
            out[i] = out.get(i, 0) + c * theta[j]
            out[j] = out.get(j, 0) + c * theta[i]
        return out

    def hessian(self) -> dict:
        """{(i, j): c} with i <= j, the upper triangle of the constant Hessian."""
        return {(i, j): (2 * c if i == j else c) for (i, j), c in self.quad.items()}


def norm_form(S: Structure, a: int) -> Poly:
    P = Poly()
    P.add(S.alpha[a], S.alpha[a], 1)
    for c in range(S.m):
        P.add(S.x(a, c), S.x(a, c), S.p[c] - (c == a))
    return P


def dot_form(S: Structure, a: int, b: int) -> Poly:
    P = Poly()
    P.add(S.alpha[a], S.x(b, a), 1)
    P.add(S.x(a, b), S.alpha[b], 1)
    for c in range(S.m):
        P.add(S.x(a, c), S.x(b, c), S.p[c] - (c == a) - (c == b))
    return P


def linear_form(index: int) -> Poly:
    P = Poly()
    P.add_linear(index, 1)
    return P


def coordinate_classes(S: Structure, theta, a: int, b: int) -> list:
    """(count, w_i[l], w_j[l]) over the coordinates l of two rows i in block a, j in block b,
    i != j, grouped into classes on which both are constant (count > 0 only):
      a = b:  l = i: (alpha_a, x(a,a)),  l = j: (x(a,a), alpha_a),  p_a - 2 more of block a:
              (x(a,a), x(a,a)),  block c != a: p_c times (x(a,c), x(a,c));
      a != b: l = i: (alpha_a, x(b,a)),  l = j: (x(a,b), alpha_b),  p_a - 1 more of block a:
              (x(a,a), x(b,a)),  p_b - 1 more of block b: (x(a,b), x(b,b)),
              block c != a, b: p_c times (x(a,c), x(b,c))."""
    def at(c, d):
        return theta[S.x(c, d)] if S.x(c, d) is not None else iv.mpf(0)
    alpha_a, alpha_b = theta[S.alpha[a]], theta[S.alpha[b]]
    if a == b:
        out = [(1, alpha_a, at(a, a)), (1, at(a, a), alpha_a), (S.p[a] - 2, at(a, a), at(a, a))]
    else:
        out = [(1, alpha_a, at(b, a)), (1, at(a, b), alpha_b),
               (S.p[a] - 1, at(a, a), at(b, a)), (S.p[b] - 1, at(a, b), at(b, b))]
    out += [(S.p[c], at(a, c), at(b, c)) for c in range(S.m) if c not in (a, b)]
    return [cls for cls in out if cls[0] > 0]


def student_gram_gap(S: Structure, theta, a: int, b: int):
    """|w_i|^2 |w_j|^2 - (w_i . w_j)^2 (i in a, j in b, i != j) by Lagrange's identity
    sum_{l < l'} (u_l v_l' - u_l' v_l)^2 = sum over pairs of classes s < t of
    c_s c_t (u_s v_t - u_t v_s)^2: a sum of nonnegative terms, with no cancellation."""
    classes = coordinate_classes(S, theta, a, b)
    gap = iv.mpf(0)
    for s, (c, u, v) in enumerate(classes):
        for c2, u2, v2 in classes[s + 1:]:
            minor = u * v2 - u2 * v
            gap += (c * c2) * (minor * minor)
    return gap


def teacher_gram_gap(S: Structure, theta, a: int, own: int | None):
    """|w_i|^2 |e_l|^2 - (w_i . e_l)^2 (i in a) = the sum of the squares of the coordinates of
    w_i other than l: l = i (own = None) or l in block `own` (l != i)."""
    gap = iv.mpf(0) if own is None else theta[S.alpha[a]] ** 2
    for c in range(S.m):
        number = S.p[c] - (c == a) - (c == own)
        if number:
            gap += number * theta[S.x(a, c)] ** 2
    return gap


def pair_classes(S: Structure):
    """(count, side a, side b or None (teacher), A, B, q, gap, label) for every class of pairs
    with count > 0: student pairs {i, j} (count +number) and student/teacher pairs (count
    -number); A, B, q are forms, gap(theta) encloses A B - q^2 by Lagrange's identity."""
    norms = [norm_form(S, a) for a in range(S.m)]
    out = []
    for a in range(S.m):
        for b in range(a, S.m):
            count = S.p[a] * (S.p[a] - 1) // 2 if a == b else S.p[a] * S.p[b]
            if count:
                out.append((count, a, b, norms[a], norms[b], dot_form(S, a, b),
                            lambda theta, a=a, b=b: student_gram_gap(S, theta, a, b),
                            f"w(block {a}), w(block {b})"))
    for a in range(S.m):
        out.append((-S.p[a], a, None, norms[a], Poly(1), linear_form(S.alpha[a]),
                    lambda theta, a=a: teacher_gram_gap(S, theta, a, None),
                    f"w(block {a}), its own e_i"))
        for c in range(S.m):
            number = S.p[c] - (c == a)
            if number:
                out.append((-S.p[a] * number, a, None, norms[a], Poly(1), linear_form(S.x(a, c)),
                            lambda theta, a=a, c=c: teacher_gram_gap(S, theta, a, c),
                            f"w(block {a}), e_l in block {c}"))
    return norms, out


# ---------------------------------------------------------------------------
# phi, its gradient and Hessian, in intervals
# ---------------------------------------------------------------------------
class Evaluation:
    value = None
    gradient: list
    hessian: list           # upper triangle filled, mirrored
    pairs: list             # (count, a, b, Pair) per class


def evaluate(S: Structure, theta: list, k: int, want_hessian: bool) -> Evaluation:
    """phi, grad phi (and Hess phi) enclosed for every theta in the interval vector."""
    norms, classes = pair_classes(S)
    D = S.size
    out = Evaluation()
    value = teacher_constant(iv, k)
    grad = [iv.mpf(0)] * D
    hess = [[iv.mpf(0)] * D for _ in range(D)] if want_hessian else None
    for a in range(S.m):                                    # sum_i |w_i|^2 / 4
        value += S.p[a] * norms[a].value(theta) / 4
        for o, x in norms[a].gradient(theta).items():
            grad[o] += S.p[a] * x / 4
        if want_hessian:
            for (i, j), c in norms[a].hessian().items():
                hess[i][j] += iv.mpf(S.p[a] * c) / 4
    out.pairs = []
    for count, a, b, Af, Bf, qf, gap, label in classes:
        A, B, q = Af.value(theta), Bf.value(theta), qf.value(theta)
        Dq = gap(theta)
        if not (intervals.lower(A) > 0 and intervals.lower(B) > 0 and intervals.lower(Dq) > 0):
            raise NotSmooth(f"pair class ({label}) may be degenerate (zero or parallel) on the box")
        P = pair(iv, A, B, q, Dq)
        out.pairs.append((count, a, b, P))
        value += count * P.f
        grads = (Af.gradient(theta), Bf.gradient(theta), qf.gradient(theta))
        firsts = (count * P.fA, count * P.fB, count * P.fq)
        for g, c in zip(grads, firsts):
            for o, x in g.items():
                grad[o] += c * x
        if not want_hessian:
            continue
        for form, c in zip((Af, Bf, qf), firsts):
            for (i, j), h in form.hessian().items():
                hess[i][j] += c * h
        second = ((P.fAA, P.fAB, P.fAq), (P.fAB, P.fBB, P.fBq), (P.fAq, P.fBq, P.fqq))
        for s in range(3):
            for t in range(3):
                c = count * second[s][t]
                for o, x in grads[s].items():
                    cx = c * x
                    for o2, y in grads[t].items():
                        if o <= o2:
                            hess[o][o2] += cx * y
    out.value, out.gradient = value, grad
    if want_hessian:
        for i in range(D):
            for j in range(i):
                hess[i][j] = hess[j][i]
        out.hessian = hess
    return out


# ---------------------------------------------------------------------------
# the refined structure (K fixes two points of every block)
# ---------------------------------------------------------------------------
def refine(S: Structure):
    """(S', parent): every block a is split into min(p_a, 2) singletons and, if
    p_a > 2, one block of p_a - 2; parent[A] = the original block of refined block A."""
    sizes, parent = [], []
    for a, size in enumerate(S.p):
        for _ in range(min(size, 2)):
            sizes.append(1)
            parent.append(a)
        if size > 2:
            sizes.append(size - 2)
            parent.append(a)
    return Structure(sizes), parent


def refined_parameters(S: Structure, R: Structure, parent: list, theta: list) -> list:
    """The same W(theta) in the refined parameters."""
    out = [None] * R.size
    for A, o in R.alpha.items():
        out[o] = theta[S.alpha[parent[A]]]
    for A, o in R.beta.items():
        out[o] = theta[S.beta[parent[A]]]
    for (A, B), o in R.gamma.items():
        a, b = parent[A], parent[B]
        out[o] = theta[S.beta[a]] if a == b else theta[S.gamma[(a, b)]]
    return out


def extra_block(R: Structure, ev: Evaluation):
    """(S_M, P): S_M[A][B] = sum_{i in A, j in B} M_ij (intervals), P = refined block sizes.
    M_ii = 1/2 + sum_{j != i} 2 f_A(w_i, w_j) - sum_l 2 f_A(w_i, e_l), M_ij = f_q(w_i, w_j)."""
    m, p = R.m, R.p
    diag = [iv.mpf(1) / 2 for _ in range(m)]
    off = [[None] * m for _ in range(m)]
    for count, a, b, P in ev.pairs:
        if b is None:                                  # teacher class: count = -p_a * number
            diag[a] += (count // p[a]) * 2 * P.fA
            continue
        if a == b:
            diag[a] += (p[a] - 1) * 2 * P.fA
        else:
            diag[a] += p[b] * 2 * P.fA
            diag[b] += p[a] * 2 * P.fB
        off[a][b] = off[b][a] = P.fq
    S_M = [[None] * m for _ in range(m)]
    for a in range(m):
        for b in range(m):
            if a == b:
                S_M[a][a] = p[a] * diag[a] + (p[a] * (p[a] - 1) * off[a][a] if p[a] >= 2 else 0)
            else:
                S_M[a][b] = p[a] * p[b] * off[a][b]
    return S_M, list(p)


# ---------------------------------------------------------------------------
# interval matrices -> Enclosures
# ---------------------------------------------------------------------------
def _half_log2(size: int) -> int:
    return (size.bit_length() - 1) // 2


def scaled_enclosure(S_iv: list, mu: Fraction, weights: list, G: int) -> spectral.Enclosure:
    """Enclosure of T (S - mu diag(weights)) T, T = diag(2^-tau_o), tau_o ~ log2 sqrt(weights_o):
    positive definite iff S - mu diag(weights) is (a congruence by a positive diagonal)."""
    N = len(S_iv)
    tau = [_half_log2(w) for w in weights]
    mid = [[0] * N for _ in range(N)]
    rad = [[0] * N for _ in range(N)]
    for i in range(N):
        for j in range(i, N):
            shift = tau[i] + tau[j]
            m, r = intervals.on_grid(S_iv[i][j], G - shift)        # S_ij 2^-shift on the grid 2^-G
            if i == j:
                mm, rr = intervals.fraction_on_grid(mu * weights[i], G - shift)
                m, r = m - mm, r + rr
            mid[i][j] = mid[j][i] = m
            rad[i][j] = rad[j][i] = r
    return spectral.Enclosure(mid, G, [sum(row) for row in rad])


def _matrix_enclosure(J: list, G: int) -> spectral.Enclosure:
    N = len(J)
    grid = [[intervals.on_grid(J[i][j], G) for j in range(N)] for i in range(N)]
    mid = [[grid[min(i, j)][max(i, j)][0] for j in range(N)] for i in range(N)]
    rowrad = [sum(grid[min(i, j)][max(i, j)][1] for j in range(N)) for i in range(N)]
    return spectral.Enclosure(mid, G, rowrad)


# ---------------------------------------------------------------------------
# reading and proving
# ---------------------------------------------------------------------------
def seconds(st: SymmetricStatement) -> float:
    """A rough estimate of prove(st): about 0.05 s whatever k (17 reduced parameters)."""
    return 0.2


def read(obj) -> SymmetricStatement:
    reader.header(obj, TOP_KEYS)
    if obj["kind"] != "local_minimum" or obj["method"] != METHOD:
        raise reader.FieldError("kind", "the symmetric method states a local_minimum only")
    k = reader.integer(obj, "k", 2, MAX_K)
    if reader.integer(obj, "n", 2, MAX_K) != k or reader.integer(obj, "d", 2, MAX_K) != k:
        raise reader.FieldError("n", "the symmetric method needs n = d = k")
    d_max = reader.optional_dimension(obj, "d_max", k)
    if type(obj["teacher"]) is not str or obj["teacher"] != "identity":
        raise reader.FieldError("teacher", "must be 'identity'")
    blocks = obj["blocks"]
    if (type(blocks) is not list or not 1 <= len(blocks) <= MAX_BLOCKS
            or any(type(x) is not int or x < 1 for x in blocks) or sum(blocks) != k):
        raise reader.FieldError("blocks", f"must be 1..{MAX_BLOCKS} positive integers with sum k")
    prec = reader.integer(obj, "prec", *reader.PREC_RANGE)
    centre, radius = reader.box(obj)
    size = Structure(blocks).size
    if type(centre) is not list or len(centre) != size:
        raise reader.FieldError("box.centre", f"must be a list of {size} numbers")
    centre = [reader.dyadic(x, "box.centre") for x in centre]
    expected = {"loss_lower", "loss_upper", "hessian_min_eig_lower"}
    if d_max is None or d_max > k:
        expected.add(EXTRA)
    claims = reader.claims(obj, expected, {})
    return SymmetricStatement(k, d_max, tuple(blocks), centre, radius, prec, claims)


def _inverse_proposal(J: spectral.Enclosure, weights: list) -> np.ndarray:
    """T inv(T J T) T with T = diag(2^-tau): a well-scaled float approximate inverse."""
    T = np.array([2.0 ** -_half_log2(w) for w in weights])
    scaled = J.floats() * T[:, None] * T[None, :]
    return np.linalg.inv(scaled) * T[:, None] * T[None, :]


def prove(st: SymmetricStatement) -> list[ClaimResult]:
    S = Structure(st.blocks)
    R, parent = refine(S)
    r = st.radius
    with intervals.precision(st.prec):
        box = [intervals.interval(c - r, c + r) for c in st.centre]
        point = [intervals.interval(c) for c in st.centre]
        try:
            on_box = evaluate(S, box, st.k, want_hessian=True)         # phi, Hess phi on the box
            at_centre = evaluate(S, point, st.k, want_hessian=False)   # phi, grad phi at c
        except NotSmooth as err:
            return [ClaimResult("smooth", False, str(err))]
        except (ArithmeticError, ValueError) as err:
            return [ClaimResult("smooth", False, f"pair functions not enclosed: {str(err)[:80]}")]
        results = [ClaimResult("smooth", True, "no zero neuron, no parallel pair on the box")]
        results.append(_refusing(lambda: _loss(st, on_box), "loss"))
        results.append(_refusing(lambda: _hessian(st, S, R, parent, box), "hessian"))
        if st.covers_extra_dimensions:
            results.append(_refusing(lambda: _extra(st, S, R, parent, box), "extra_dims"))
        results.append(_refusing(lambda: _critical(st, S, at_centre, on_box), "critical"))
    return results


def _loss(st, on_box) -> ClaimResult:
    """phi evaluated on the box (the closed form on the interval parameters)."""
    lo_claim, hi_claim = st.claims["loss_lower"], st.claims["loss_upper"]
    if not lo_claim > 0:
        return ClaimResult("loss", False, "claimed loss lower bound is not positive")
    lo, hi = intervals.lower(on_box.value), intervals.upper(on_box.value)
    text = f"F in [{float(lo):.15g}, {float(hi):.15g}] on the box"
    if lo_claim <= lo and hi <= hi_claim:
        return ClaimResult("loss", True, text + ", > 0")
    return ClaimResult("loss", False, text + ", not inside the claimed bounds")


def _hessian(st, S, R, parent, box) -> ClaimResult:
    mu = st.claims["hessian_min_eig_lower"]
    if not mu > 0:
        return ClaimResult("hessian", False, "claimed eigenvalue bound is not positive")
    refined = evaluate(R, refined_parameters(S, R, parent, box), st.k, want_hessian=True)
    enc = scaled_enclosure(refined.hessian, mu, R.orbit_sizes(), st.prec + 16)
    ok, detail = spectral.min_eigenvalue_exceeds(enc, Fraction(0))
    if ok:
        return ClaimResult("hessian", True, f"lambda_min > {float(mu):.10g} on the box "
                                            f"(reduced to {R.size} x {R.size}, exact congruence)")
    return ClaimResult("hessian", False, f"could not prove S - mu D > 0 ({detail})")


def _extra(st, S, R, parent, box) -> ClaimResult:
    mu = st.claims[EXTRA]
    if not mu > 0:
        return ClaimResult("extra_dims", False, "claimed eigenvalue bound is not positive")
    refined = evaluate(R, refined_parameters(S, R, parent, box), st.k, want_hessian=False)
    S_M, sizes = extra_block(R, refined)
    enc = scaled_enclosure(S_M, mu, sizes, st.prec + 16)
    ok, detail = spectral.min_eigenvalue_exceeds(enc, Fraction(0))
    if ok:
        return ClaimResult("extra_dims", True, f"lambda_min(M) > {float(mu):.10g} on the box")
    return ClaimResult("extra_dims", False, f"could not prove S_M - mu' P > 0 ({detail})")


def _critical(st, S, at_centre, on_box) -> ClaimResult:
    G = 2 * st.prec
    J = _matrix_enclosure(on_box.hessian, G)
    g = [intervals.on_grid(x, G) for x in at_centre.gradient]
    weights = S.orbit_sizes()
    ok, detail = spectral.unique_zero(J, [m for m, _ in g], [rad for _, rad in g], G, st.radius,
                                      C_float=_inverse_proposal(J, weights), c_bits=200,
                                      grid_bits=200)
    return ClaimResult("critical", ok, detail + (" (grad phi; symmetric criticality)" if ok else ""))


def _refusing(run, name: str) -> ClaimResult:
    try:
        return run()
    except NotSmooth as err:
        return ClaimResult(name, False, str(err))
    except (ArithmeticError, ValueError, MemoryError, np.linalg.LinAlgError) as err:
        return ClaimResult(name, False, f"not proved: {type(err).__name__}: {str(err)[:80]}")
