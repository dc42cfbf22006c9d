"""Families over real k ("method": "family"), derived from docs/families.md.

Statement (docs/format.md "Method family"): the block structure (q, k - q), q in {1, 2},
for every real k of [s_first^-2, s_last^-2] (s = k^-1/2, cut into pieces) has exactly one
zero theta(k) of the reduced gradient in the box of its piece, continuous in k, every
isotypic block of the reduced Hessian and the d > k matrix are positive definite there.

How this checker proves it (docs/independent-checker.md section 9): on sub-intervals T of
a piece's t-range (t = s - s_mid), chosen by deterministic bisection, every quantity Q
(the gradient along the centre curve, the block matrices on the box) is enclosed by a
Taylor form in t of low order N with a Lagrange remainder:
    Q(t) in sum_{n<N} Q_n(t0) (t - t0)^n + Q_N(T) (t - t0)^N,
the coefficients from truncated Taylor arithmetic (jets.py) at the midpoint t0 of T and
over T (remainder).  Claims:
    smooth      every pair geometry has |u|^2 > 0 and the Lagrange sum R > 0 on the region
    critical    Krawczyk for u -> w o grad phi(c(t) + w o u, k(t)) on U = [-1, 1]^D, each t
    hessian     the trivial block (grad^2 phi) and every block Z^T S Z positive definite
    extra_dims  Phi^T M Phi positive definite
    chain       at every junction one box contains the other (exact rationals)
Nothing from certify.kernel is imported; the formulas are those of symmetric.py, with block
sizes a + b p (p = k - q real).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from mpmath import iv

from . import intervals, reader, spectral
from .jets import JET, Jet
from .outcome import ClaimResult, NotSmooth
from .pairs import pair

METHOD = "family"
TOP_KEYS = {"format", "version", "kind", "method", "blocks", "teacher", "d_max", "prec",
            "pieces", "tail", "software"}
PIECE_KEYS = {"s", "order", "splits", "centre", "radius"}
MAX_PIECES = 4000
MAX_ORDER = 30
MAX_SPLITS = 256
GRAD_ORDER = 6          # Taylor order in t of the gradient along the centre curve
MAX_DEPTH = 5           # bisections of a piece (at most 2^5 sub-intervals)


# ---------------------------------------------------------------------------
# block structures with sizes a + b p
# ---------------------------------------------------------------------------
class Shape:
    """Parameters of a block structure whose block sizes are affine in p: sizes[a] = (a0, a1)
    meaning a0 + a1 p.  Same parameter order as symmetric.Structure: for each block a, for
    each block b: alpha_a, beta_a (if block a is not a single point) when a = b, else gamma_ab."""

    def __init__(self, sizes):
        self.sizes = [tuple(s) for s in sizes]
        self.m = len(self.sizes)
        self.alpha, self.beta, self.gamma, self.names = {}, {}, {}, []
        for a in range(self.m):
            for b in range(self.m):
                if a == b:
                    self.alpha[a] = len(self.names)
                    self.names.append(("alpha", a, a))
                    if self.sizes[a] != (1, 0):
                        self.beta[a] = len(self.names)
                        self.names.append(("beta", a, a))
                else:
                    self.gamma[(a, b)] = len(self.names)
                    self.names.append(("gamma", a, b))
        self.size = len(self.names)

    def x(self, a, c):
        return self.beta.get(a) if a == c else self.gamma[(a, c)]

    def count(self, c, minus: int = 0):
        """(a0 - minus, a1): the affine number p_c - minus, or None if it is identically 0."""
        a0, a1 = self.sizes[c]
        out = (a0 - minus, a1)
        return None if out == (0, 0) else out


def exact_quotient(x, d: int):
    """x / d without a float: an integer x gives an exact interval (or an int when d divides
    it), a jet is divided in interval arithmetic."""
    if isinstance(x, int):
        return x // d if x % d == 0 else iv.mpf(x) / d
    return x / d


def affine(ab, p):
    a0, a1 = ab
    return p * a1 + a0 if a1 else a0


class Numbers:
    """p_c and affine counts as jets (cached per evaluation)."""

    def __init__(self, p):
        self.p = p
        self.cache = {}

    def __call__(self, ab):
        if ab not in self.cache:
            self.cache[ab] = affine(ab, self.p)
        return self.cache[ab]


def classes(S: Shape, a: int, b: int):
    """(count, index of w_il, index of w_jl) over the coordinate classes of neurons i in a,
    j in b, i != j (families.md section 1 table); index None = the value 0 (never here)."""
    if a == b:
        out = [((1, 0), S.alpha[a], S.x(a, a)), ((1, 0), S.x(a, a), S.alpha[a]),
               (S.count(a, 2), S.x(a, a), S.x(a, a))]
    else:
        out = [((1, 0), S.alpha[a], S.x(b, a)), ((1, 0), S.x(a, b), S.alpha[b]),
               (S.count(a, 1), S.x(a, a), S.x(b, a)), (S.count(b, 1), S.x(a, b), S.x(b, b))]
    out += [(S.count(c), S.x(a, c), S.x(b, c)) for c in range(S.m) if c not in (a, b)]
    return [cls for cls in out if cls[0] is not None]


def own_classes(S: Shape, a: int):
    """(count, index) of the coordinates of a neuron of block a: its own, then the rest."""
    out = [((1, 0), S.alpha[a])]
    out += [(S.count(c, int(c == a)), S.x(a, c)) for c in range(S.m)]
    return [cls for cls in out if cls[0] is not None]


class Form:
    """sum coef_ij(p) theta_i theta_j (+ linear), coef affine in p: {(i, j): (a0, a1)}."""

    def __init__(self):
        self.quad, self.lin = {}, {}

    def add(self, i, j, ab):
        key = (min(i, j), max(i, j))
        old = self.quad.get(key, (0, 0))
        self.quad[key] = (old[0] + ab[0], old[1] + ab[1])

    def evaluate(self, theta, num):
        total = 0
        for i, c in self.lin.items():
            total = theta[i] * c + total
        for (i, j), ab in self.quad.items():
            total = theta[i] * theta[j] * num(ab) + total
        return total

    def gradient(self, theta, num) -> dict:
        out = {}
        for i, c in self.lin.items():
            out[i] = out.get(i, 0) + c
        for (i, j), ab in self.quad.items():
            c = num(ab)
            out[i] = theta[j] * c + out.get(i, 0)
            out[j] = theta[i] * c + out.get(j, 0)
        return out

    def hessian(self) -> dict:
        return {(i, j): ((2 * ab[0], 2 * ab[1]) if i == j else ab) for (i, j), ab in self.quad.items()}


def norm_form(S: Shape, a: int) -> Form:
    F = Form()
    for count, i in own_classes(S, a):
        F.add(i, i, count)
    return F


def dot_form(S: Shape, a: int, b: int) -> Form:
    F = Form()
    for count, i, j in classes(S, a, b):
        F.add(i, j, count)
    return F


def lagrange(S: Shape, theta, num, a: int, b: int):
    """|w_i|^2 |w_j|^2 - (w_i.w_j)^2 = sum_{s<t} c_s c_t (u_s v_t - u_t v_s)^2 (families.md section 1)."""
    cls = classes(S, a, b)
    total = 0
    for s, (c, u, v) in enumerate(cls):
        for c2, u2, v2 in cls[s + 1:]:
            minor = theta[u] * theta[v2] - theta[u2] * theta[v]
            total = minor * minor * (num(c) * num(c2)) + total
    return total


def teacher_gap(S: Shape, theta, num, a: int, own: int | None):
    """|w_i|^2 - w_il^2: the sum of the squares of the other coordinates (l = i if own is None,
    else l in block `own`, l != i)."""
    total = 0 if own is None else theta[S.alpha[a]] * theta[S.alpha[a]]
    for c in range(S.m):
        ab = S.count(c, int(c == a) + int(c == own))
        if ab is not None:
            total = theta[S.x(a, c)] * theta[S.x(a, c)] * num(ab) + total
    return total


def positive(x) -> bool:
    """The value (order-0 coefficient) of a jet or interval is > 0 on all of it."""
    v = x.c[0] if isinstance(x, Jet) else x
    return intervals.lower(v) > 0


def pair_terms(S: Shape, theta, num):
    """[(count jet, a, b or None, A, B, q forms, Pair)] for every class of pairs (student
    pairs with +count, student/teacher with -count), after checking smoothness."""
    norms = [norm_form(S, a) for a in range(S.m)]
    values = [F.evaluate(theta, num) for F in norms]
    for a in range(S.m):
        if not positive(values[a]):
            raise NotSmooth(f"a neuron of block {a} may be zero")
    out = []
    for a in range(S.m):
        for b in range(a, S.m):
            pa, pb = num(S.sizes[a]), num(S.sizes[b])
            if a == b:
                if S.count(a, 1) is None:
                    continue
                count = exact_quotient(pa * num(S.count(a, 1)), 2)       # p (p - 1) / 2
            else:
                count = pa * pb
            qf = dot_form(S, a, b)
            gap = lagrange(S, theta, num, a, b)
            if not positive(gap):
                raise NotSmooth(f"neurons of blocks {a}, {b} may be parallel")
            P = pair(JET, values[a], values[b], qf.evaluate(theta, num), gap)
            out.append((count, a, b, norms[a], norms[b], qf, P, None))
    one = Form()
    for a in range(S.m):
        pa = num(S.sizes[a])
        for own in [None] + list(range(S.m)):
            if own is None:
                number, lf = (1, 0), S.alpha[a]
            else:
                number, lf = S.count(own, int(own == a)), S.x(a, own)
                if number is None:
                    continue
            gap = teacher_gap(S, theta, num, a, own)
            if not positive(gap):
                raise NotSmooth(f"a neuron of block {a} may be parallel to a teacher vector")
            qf = Form()
            qf.lin[lf] = 1
            P = pair(JET, values[a], iv.mpf(1), theta[lf], gap)
            out.append((-(pa * num(number)), a, None, norms[a], one, qf, P, number))
    return out


def gradient_and_hessian(S: Shape, theta, num, keep=None, want_gradient=True, want_hessian=True):
    """grad phi and the entries (i, j), i <= j, i, j in keep (all if None), of Hess phi, as jets.
    phi = sum_a p_a |w_a|^2 / 4 + sum counts f(A, B, q) + const (symmetric.py docstring)."""
    D = S.size
    keep = set(range(D)) if keep is None else set(keep)
    grad = [0] * D
    hess = {}

    def addh(i, j, v):
        if i > j:
            i, j = j, i
        if i in keep and j in keep:
            hess[(i, j)] = v + hess.get((i, j), 0)

    for a in range(S.m):
        pa = num(S.sizes[a])
        F = norm_form(S, a)
        if want_gradient:
            for o, x in F.gradient(theta, num).items():
                grad[o] = x * pa / 4 + grad[o]
        if want_hessian:
            for (i, j), ab in F.hessian().items():
                addh(i, j, exact_quotient(num(ab) * pa, 4))
    for count, a, b, Af, Bf, qf, P, _ in pair_terms(S, theta, num):
        grads = (Af.gradient(theta, num), Bf.gradient(theta, num), qf.gradient(theta, num))
        firsts = (count * P.fA, count * P.fB, count * P.fq)
        if want_gradient:
            for g, c in zip(grads, firsts):
                for o, x in g.items():
                    grad[o] = c * x + grad[o]
        if not want_hessian:
            continue
        for form, c in zip((Af, Bf, qf), firsts):
            for (i, j), ab in form.hessian().items():
                addh(i, j, c * num(ab))
        second = ((P.fAA, P.fAB, P.fAq), (P.fAB, P.fBB, P.fBq), (P.fAq, P.fBq, P.fqq))
        for s in range(3):
            gs = {o: x for o, x in grads[s].items() if o in keep}
            if not gs:
                continue
            for t in range(3):
                gt = {o: x for o, x in grads[t].items() if o in keep}
                if not gt:
                    continue
                c = count * second[s][t]
                for o, x in gs.items():
                    cx = c * x
                    for o2, y in gt.items():
                        if o <= o2:
                            addh(o, o2, cx * y)
    return grad, hess


# ---------------------------------------------------------------------------
# the isotypic blocks (families.md section 2)
# ---------------------------------------------------------------------------
def coarse_shape(q: int) -> Shape:
    return Shape([(q, 0), (0, 1)])      # sizes q and p (p = k - q, num.p)


def parent_parameter(S: Shape, R: Shape, parent, name):
    kind, A, B = name
    a, b = parent[A], parent[B]
    if kind == "alpha":
        return S.alpha[a]
    if kind == "beta" or a == b:
        return S.beta[a]
    return S.gamma[(a, b)]


def orbit_size(R: Shape, name):
    """|orbit| as an affine-or-quadratic function of p: returned as a function of num."""
    kind, A, B = name
    if kind == "alpha":
        return lambda num: num(R.sizes[A])
    if kind == "beta":
        return lambda num: num(R.sizes[A]) * num(R.count(A, 1))
    return lambda num: num(R.sizes[A]) * num(R.sizes[B])


def complement_vectors(S: Shape, R: Shape, parent):
    """For the children o'_1.. o'_j of every coarse orbit o (j >= 2):
    |o'_{i+1}| e_{o'_1} - |o'_1| e_{o'_{i+1}} (families.md section 2, "std of the big block")."""
    children = {}
    for index, name in enumerate(R.names):
        children.setdefault(parent_parameter(S, R, parent, name), []).append(index)
    out = []
    for o in range(S.size):
        group = children.get(o, [])
        for other in group[1:]:
            first = group[0]
            out.append({first: orbit_size(R, R.names[other]), other: _neg(orbit_size(R, R.names[first]))})
    return out


def _neg(f):
    return lambda num: -f(num)


def _const(c):
    return lambda num: c


@dataclass
class Block:
    name: str
    q: int
    shape: Shape
    parent: tuple
    vectors: list           # dicts refined index -> function of num (the coefficient)


def _index(R: Shape, kind, a, b):
    if kind == "gamma":
        return R.gamma[(a, b)]
    return R.beta[a] if kind == "beta" else R.alpha[a]


def blocks(q: int) -> list:
    S = coarse_shape(q)
    out = []
    # std of the big block: refinement (q, 1, p - 1)
    R = Shape([(q, 0), (1, 0), (-1, 1)])
    out.append(Block("std_big", q, R, (0, 1, 1), complement_vectors(S, R, (0, 1, 1))))
    if q == 2:
        R = Shape([(1, 0), (1, 0), (0, 1)])                  # std of the small block: (1, 1, p)
        out.append(Block("std_small", q, R, (0, 0, 1), complement_vectors(S, R, (0, 0, 1))))
        R = Shape([(1, 0), (1, 0), (1, 0), (-1, 1)])         # std_small x std_big: a, b, x, R
        pm1 = lambda num: num.p - 1                          # noqa: E731
        neg_pm1 = lambda num: 1 - num.p                      # noqa: E731
        g = lambda a, b: _index(R, "gamma", a, b)            # noqa: E731
        out.append(Block("std_small x std_big", q, R, (0, 0, 1, 1), [
            {g(0, 2): pm1, g(0, 3): _const(-1), g(1, 2): neg_pm1, g(1, 3): _const(1)},
            {g(2, 0): pm1, g(3, 0): _const(-1), g(2, 1): neg_pm1, g(3, 1): _const(1)}]))
    # (p-2, 2) and (p-2, 1, 1): refinement (q, 1, 1, p - 2), blocks small, x, y, R
    R = Shape([(q, 0), (1, 0), (1, 0), (-2, 1)])
    g = lambda a, b: _index(R, "gamma", a, b)                # noqa: E731
    pp = lambda num: (num.p - 2) * (num.p - 3)               # noqa: E731
    m3 = lambda num: 3 - num.p                               # noqa: E731
    out.append(Block("(p-2,2) + (p-2,1,1)", q, R, (0, 1, 1, 1), [
        {g(1, 2): pp, g(2, 1): pp, g(1, 3): m3, g(3, 1): m3, g(2, 3): m3, g(3, 2): m3,
         _index(R, "beta", 3, 3): _const(2)},
        {g(1, 2): lambda num: num.p - 2, g(2, 1): lambda num: 2 - num.p, g(1, 3): _const(-1),
         g(3, 1): _const(1), g(2, 3): _const(1), g(3, 2): _const(-1)}]))
    return out


def extra_shape(q: int):
    if q == 1:
        return Shape([(1, 0), (1, 0), (-1, 1)]), (0, 1, 1)
    return Shape([(1, 0), (1, 0), (1, 0), (-1, 1)]), (0, 0, 1, 1)


def refined_theta(S: Shape, R: Shape, parent, theta):
    return [theta[parent_parameter(S, R, parent, name)] for name in R.names]


def block_matrix(block: Block, theta, num):
    """Z^T S Z, S = Hess phi of the refinement at the refined point (jets)."""
    S = coarse_shape(block.q)
    R = block.shape
    support = sorted({i for z in block.vectors for i in z})
    _, H = gradient_and_hessian(R, refined_theta(S, R, block.parent, theta), num, keep=support,
                                want_gradient=False)
    coeffs = [{i: f(num) for i, f in z.items()} for z in block.vectors]
    mu = len(coeffs)
    out = [[None] * mu for _ in range(mu)]
    for r in range(mu):
        for c in range(r, mu):
            total = 0
            for i, zi in coeffs[r].items():
                for j, zj in coeffs[c].items():
                    h = H.get((min(i, j), max(i, j)))
                    if h is not None:
                        total = h * (zi * zj) + total
            out[r][c] = out[c][r] = total
    return out


def extra_matrix(q: int, theta, num):
    """Phi^T M Phi on the refinement fixing one point of every block of size >= 2:
    entry (A, B) = sum_{i in A, j in B} M_ij with M_ii = 1/2 + sum_{j != i} 2 f_A(w_i, w_j)
    - sum_l 2 f_A(w_i, e_l), M_ij = f_q(w_i, w_j) (mathematics.md section 4; symmetric.py)."""
    S = coarse_shape(q)
    R, parent = extra_shape(q)
    rt = refined_theta(S, R, parent, theta)
    m = R.m
    p = [num(R.sizes[a]) for a in range(m)]
    diag = [iv.mpf(1) / 2 for _ in range(m)]
    off = [[None] * m for _ in range(m)]
    for count, a, b, _, _, _, P, number in pair_terms(R, rt, num):
        if b is None:
            diag[a] = P.fA * (num(number) * -2) + diag[a]
        elif a == b:
            diag[a] = P.fA * (num(R.count(a, 1)) * 2) + diag[a]
            off[a][a] = P.fq
        else:
            diag[a] = P.fA * (p[b] * 2) + diag[a]
            diag[b] = P.fB * (p[a] * 2) + diag[b]
            off[a][b] = off[b][a] = P.fq
    out = [[None] * m for _ in range(m)]
    for a in range(m):
        for b in range(m):
            if a == b:
                out[a][a] = diag[a] * p[a]
                if off[a][a] is not None:
                    out[a][a] = off[a][a] * (p[a] * num(R.count(a, 1))) + out[a][a]
            else:
                out[a][b] = off[a][b] * (p[a] * p[b])
    return out


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    s_lo: Fraction
    s_hi: Fraction
    order: int
    splits: int
    centre: tuple           # D tuples of Fractions (coefficients in t = s - s_mid)
    radius: tuple           # D positive Fractions
    std: str | None = None  # transition pieces only

    @property
    def s_mid(self) -> Fraction:
        return (self.s_lo + self.s_hi) / 2

    @property
    def half(self) -> Fraction:
        return (self.s_hi - self.s_lo) / 2

    def centre_at(self, t: Fraction) -> list:
        out = []
        for coeffs in self.centre:
            value = Fraction(0)
            for c in reversed(coeffs):
                value = value * t + c
            out.append(value)
        return out


@dataclass(frozen=True)
class FamilyStatement:
    q: int
    prec: int
    pieces: tuple

    @property
    def k_range(self) -> tuple:
        return 1 / self.pieces[0].s_hi ** 2, 1 / self.pieces[-1].s_lo ** 2


SECONDS_PER_PIECE = 6.0      # measured 2-4 s per piece at k < 30, up to 18 s near k = 5000


def seconds(st) -> float:
    """A rough estimate of prove(st) on one core: per piece, quadratic in the series
    length, linear in the precision above 256 bits (bench/bench_independent.py)."""
    return sum(SECONDS_PER_PIECE * ((p.order + 2) / 14) ** 2 * max(1.0, st.prec / 256) for p in st.pieces)


def read_blocks(obj) -> int:
    value = obj["blocks"]
    if (type(value) is not list or len(value) != 2 or type(value[0]) is not int
            or value[0] not in (1, 2) or type(value[1]) is not str or value[1] != f"k-{value[0]}"):
        raise reader.FieldError("blocks", 'must be [1, "k-1"] or [2, "k-2"]')
    return value[0]


def read_common(obj, keys: set, kind: str) -> tuple:
    reader.header(obj, keys)
    if obj["kind"] != kind or obj["method"] != kind:
        raise reader.FieldError("kind", f"method {kind!r} states kind {kind!r}")
    if type(obj["teacher"]) is not str or obj["teacher"] != "identity":
        raise reader.FieldError("teacher", "must be 'identity'")
    if obj["d_max"] is not None:
        raise reader.FieldError("d_max", "must be null (every input dimension d >= k)")
    q = read_blocks(obj)
    prec = reader.integer(obj, "prec", *reader.PREC_RANGE)
    return q, prec


def read_piece(value, D: int, field: str, extra: set = frozenset()) -> Piece:
    keys = PIECE_KEYS | set(extra)
    if type(value) is not dict or set(value) != keys:
        raise reader.FieldError(field, f"must have exactly the keys {sorted(keys)}")
    s = value["s"]
    if type(s) is not list or len(s) != 2:
        raise reader.FieldError(f"{field}.s", "must be [s_lo, s_hi]")
    lo, hi = reader.dyadic(s[0], f"{field}.s"), reader.dyadic(s[1], f"{field}.s")
    if not 0 < lo < hi < 1:
        raise reader.FieldError(f"{field}.s", "needs 0 < s_lo < s_hi < 1")
    order = reader.integer(value, "order", 0, MAX_ORDER)
    splits = reader.integer(value, "splits", 1, MAX_SPLITS)
    centre = reader.matrix(value["centre"], D, order + 1, f"{field}.centre")
    radius = value["radius"]
    if type(radius) is not list or len(radius) != D:
        raise reader.FieldError(f"{field}.radius", f"must be a list of {D} numbers")
    radius = tuple(reader.dyadic(x, f"{field}.radius") for x in radius)
    if not all(w > 0 for w in radius):
        raise reader.FieldError(f"{field}.radius", "every radius must be positive")
    std = value.get("std")
    if "std" in keys and (type(std) is not str or std not in ("negative", "crossing", "positive")):
        raise reader.FieldError(f"{field}.std", "must be 'negative', 'crossing' or 'positive'")
    return Piece(lo, hi, order, splits, tuple(tuple(row) for row in centre), radius, std)


def read_pieces(value, q: int, extra: set = frozenset()) -> tuple:
    D = coarse_shape(q).size
    if type(value) is not list or not 1 <= len(value) <= MAX_PIECES:
        raise reader.FieldError("pieces", f"must be a list of 1..{MAX_PIECES} pieces")
    pieces = tuple(read_piece(v, D, f"pieces[{i}]", extra) for i, v in enumerate(value))
    for i in range(len(pieces) - 1):
        if pieces[i + 1].s_hi != pieces[i].s_lo:
            raise reader.FieldError(f"pieces[{i + 1}].s", "must start exactly where piece "
                                                          f"{i} ends (no gap, no overlap)")
    if not pieces[0].s_hi ** 2 * (q + 3) < 1:
        raise reader.FieldError("pieces[0].s", f"the family needs k > {q + 3}")
    return pieces


def read(obj) -> FamilyStatement:
    q, prec = read_common(obj, TOP_KEYS, METHOD)
    if obj["tail"] is not None:
        raise reader.FieldError("tail", "must be null (no chart at k = infinity)")
    return FamilyStatement(q, prec, read_pieces(obj["pieces"], q))


# ---------------------------------------------------------------------------
# Taylor forms in t on a sub-interval
# ---------------------------------------------------------------------------
def _shifted(coeffs, base, N: int) -> list:
    """Coefficients 0..N of c(base + e) in e: sum_{m >= n} binom(m, n) c_m base^(m - n);
    base an exact Fraction (exact result) or an iv interval (enclosure)."""
    out = []
    for n in range(N + 1):
        value = 0
        for m in range(len(coeffs) - 1, n - 1, -1):
            value = value * base + _binom(m, n) * coeffs[m]
        out.append(value)
    return out


def _binom(m, n):
    from math import comb
    return comb(m, n)


def _iv(x):
    return intervals.interval(x) if isinstance(x, (Fraction, int)) else x


def inputs(piece: Piece, q: int, base, N: int, box: bool):
    """(theta jets, Numbers(p jet)) at base t (exact Fraction) or T (iv interval)."""
    theta = []
    base_iv = base if not isinstance(base, Fraction) else None
    for coeffs, w in zip(piece.centre, piece.radius):
        if base_iv is None:
            cs = [intervals.interval(c) for c in _shifted(coeffs, base, N)]
        else:
            cs = _shifted([intervals.interval(c) for c in coeffs], base_iv, N)
            cs = [_iv(c) for c in cs]
        if box:
            cs[0] = cs[0] + intervals.interval(-w, w)
        theta.append(Jet(cs))
    s0 = (intervals.interval(piece.s_mid + base) if base_iv is None
          else intervals.interval(piece.s_mid) + base_iv)
    s = Jet([s0, iv.mpf(1)] + [iv.mpf(0)] * (N - 1)) if N >= 1 else Jet([s0])
    p = 1 / (s * s) - q
    return theta, Numbers(p)


def collapse(at_t0, over_T, N: int, h: Fraction):
    """sum_{n<N} at_t0_n [-h^n, h^n] + over_T_N [-h^N, h^N] (t - t0 in [-h, h])."""
    total = _coeff(at_t0, 0)
    for n in range(1, N):
        total = total + _coeff(at_t0, n) * intervals.interval(-h ** n, h ** n)
    if N >= 1:
        total = total + _coeff(over_T, N) * intervals.interval(-h ** N, h ** N)
    else:
        total = _coeff(over_T, 0)
    return total


def _coeff(x, n):
    if isinstance(x, Jet):
        return x.c[n] if n < len(x.c) else iv.mpf(0)
    return _iv(x) if n == 0 else iv.mpf(0)


def _collapse_matrix(A, B, N, h):
    return [[collapse(a, b, N, h) for a, b in zip(ra, rb)] for ra, rb in zip(A, B)]


def _hessian_matrix(H: dict, D: int):
    return [[H.get((min(i, j), max(i, j)), 0) for j in range(D)] for i in range(D)]


def _enclosure(M, G: int, scale=None) -> spectral.Enclosure:
    """Enclosure of diag(2^-tau) M diag(2^-tau) (a congruence by a positive diagonal)."""
    N = len(M)
    tau = scale or [0] * N
    mid = [[0] * N for _ in range(N)]
    rad = [[0] * N for _ in range(N)]
    for i in range(N):
        for j in range(i, N):
            m, r = intervals.on_grid(M[i][j], G - tau[i] - tau[j])
            mid[i][j] = mid[j][i] = m
            rad[i][j] = rad[j][i] = r
    return spectral.Enclosure(mid, G, [sum(row) for row in rad])


def _diagonal_scale(M) -> list:
    out = []
    for i in range(len(M)):
        top = intervals.magnitude(M[i][i])
        out.append(((top.numerator // max(top.denominator, 1)).bit_length() - 1) // 2
                   if top >= 1 else -((top.denominator // max(top.numerator, 1)).bit_length() // 2))
    return out


def positive_definite(M, G: int) -> tuple:
    enc = _enclosure(M, G, _diagonal_scale(M))
    ok, detail = spectral.min_eigenvalue_exceeds(enc, Fraction(0))
    if ok or enc.size > 12:
        return ok, detail
    return exact_positive_definite(enc)


def exact_positive_definite(enc: spectral.Enclosure) -> tuple:
    """Every symmetric X in enc is positive definite if the integer matrix
    Y = mid - e I (e = max row radius, scale 2^-G) has all leading principal minors > 0
    (Sylvester's criterion, minors exact by Bareiss' fraction-free elimination): then
    lambda_min(mid 2^-G) > e 2^-G >= ||X - mid 2^-G||_2.  For nearly singular blocks,
    where a float Cholesky proposal cannot resolve the smallest eigenvalue."""
    if not enc.symmetric():
        return False, "midpoint not symmetric"
    e = max(enc.rowrad)
    n = enc.size
    A = [[enc.mid[i][j] - (e if i == j else 0) for j in range(n)] for i in range(n)]
    previous = 1
    for k in range(n):
        if A[k][k] <= 0:                        # A[k][k] is the (k+1)-th leading principal minor
            return False, f"leading principal minor {k + 1} of mid - eps I is not positive"
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                A[i][j] = (A[i][j] * A[k][k] - A[i][k] * A[k][j]) // previous
        previous = A[k][k]
    return True, "positive definite (exact leading minors of mid - eps I)"


class Interval:
    """One sub-interval [a, b] of a piece's t-range, its Taylor forms computed lazily."""

    def __init__(self, piece: Piece, q: int, a: Fraction, b: Fraction, prec: int):
        self.piece, self.q, self.prec = piece, q, prec
        # a centre of high order comes with tiny radii: the gradient needs a Taylor form of
        # the same order (any order is sound; this only chooses how tight the enclosure is)
        self.grad_order = GRAD_ORDER if piece.order <= 12 else piece.order
        self.t0, self.h = (a + b) / 2, (b - a) / 2
        self.T = intervals.interval(a, b)
        self._box = None

    def evaluations(self, N: int, box: bool):
        return (inputs(self.piece, self.q, self.t0, N, box), inputs(self.piece, self.q, self.T, N, box))

    def gradient(self) -> list:
        """w o grad phi(c(t), k(t)) for every t in the sub-interval, entrywise."""
        N = self.grad_order
        (th0, n0), (th1, n1) = self.evaluations(N, box=False)
        g0, _ = gradient_and_hessian(coarse_shape(self.q), th0, n0, want_hessian=False)
        g1, _ = gradient_and_hessian(coarse_shape(self.q), th1, n1, want_hessian=False)
        return [collapse(a, b, N, self.h) * intervals.interval(w)
                for a, b, w in zip(g0, g1, self.piece.radius)]

    def box(self):
        """Interval matrices on the region, each as (plus, minus, hull): with tau = t - t0 and
        M(t) = M_0 + M_1 tau + M_2(T) tau^2 (Lagrange), plus = M_0 + h M_1 + [0, h^2] M_2,
        minus = M_0 - h M_1 + [0, h^2] M_2 (the affine part at tau = +-h, the remainder
        added), hull = M_0 + [-h, h] M_1 + [0, h^2] M_2 (docs/independent-checker.md 9.3)."""
        if self._box is None:
            (th0, n0), (th1, n1) = self.evaluations(2, box=True)
            S = coarse_shape(self.q)
            D = S.size
            out = {}
            H0 = _hessian_matrix(gradient_and_hessian(S, th0, n0, want_gradient=False)[1], D)
            H1 = _hessian_matrix(gradient_and_hessian(S, th1, n1, want_gradient=False)[1], D)
            out["hessian"] = self._forms(H0, H1)
            out["blocks"] = [(b.name, self._forms(block_matrix(b, th0, n0), block_matrix(b, th1, n1)))
                             for b in blocks(self.q)]
            out["extra"] = self._forms(extra_matrix(self.q, th0, n0), extra_matrix(self.q, th1, n1))
            self._box = out
        return self._box

    def _forms(self, A, B):
        h = self.h
        rem = intervals.interval(0, h * h)
        hh = intervals.interval(h)
        sym = intervals.interval(-h, h)
        plus, minus, hull = [], [], []
        for ra, rb in zip(A, B):
            rp, rm, rh = [], [], []
            for a, b in zip(ra, rb):
                m0, m1, m2 = _coeff(a, 0), _coeff(a, 1), _coeff(b, 2) * rem
                rp.append(m0 + m1 * hh + m2)
                rm.append(m0 - m1 * hh + m2)
                rh.append(m0 + m1 * sym + m2)
            plus.append(rp)
            minus.append(rm)
            hull.append(rh)
        return plus, minus, hull


def test_critical(I: Interval) -> tuple:
    G = 2 * I.prec
    H = I.box()["hessian"][2]
    w = [intervals.interval(x) for x in I.piece.radius]
    D = len(w)
    J = [[H[i][j] * w[i] * w[j] for j in range(D)] for i in range(D)]
    Jenc = _enclosure(J, G)
    g = [intervals.on_grid(x, G) for x in I.gradient()]
    return spectral.unique_zero(Jenc, [m for m, _ in g], [r for _, r in g], G, Fraction(1),
                                c_bits=100, grid_bits=max(100, I.prec))


def definite_on(forms, G: int) -> tuple:
    """Every M(t), t in the sub-interval, is positive definite: M(t) = X(tau) + Y with
    X(tau) = M_0 + M_1 tau a convex combination of X(h) and X(-h) and Y = M_2 tau^2 in
    [0, h^2] M_2; plus contains X(h) + Y and minus X(-h) + Y, both proved positive definite,
    and positive definite matrices form a convex cone."""
    for end in forms[:2]:
        ok, detail = positive_definite(end, G)
        if not ok:
            return False, detail
    return True, "positive definite"


def test_hessian(I: Interval, skip=()) -> tuple:
    G = 2 * I.prec
    box = I.box()
    ok, detail = definite_on(box["hessian"], G)
    if not ok:
        return False, f"trivial block: {detail}"
    for name, M in box["blocks"]:
        if name in skip:
            continue
        ok, detail = definite_on(M, G)
        if not ok:
            return False, f"block {name}: {detail}"
    return True, "positive definite"


def test_extra(I: Interval) -> tuple:
    return definite_on(I.box()["extra"], 2 * I.prec)


FAMILY_TESTS = {"critical": test_critical, "hessian": test_hessian, "extra_dims": test_extra}


def cover(piece: Piece, q: int, prec: int, tests: dict, max_depth: int = MAX_DEPTH,
          t_range: tuple | None = None) -> dict:
    """claim -> None (proved on a cover of the piece's t-range by sub-intervals obtained by
    repeated bisection) or the reason of the first failure.  NotSmooth on a sub-interval is
    treated as a failure of every pending claim there (then bisected like any failure);
    at the depth limit it is reported under "smooth"."""
    failures = {name: None for name in tests}
    failures["smooth"] = None
    h = piece.half

    def visit(a: Fraction, b: Fraction, depth: int, pending: list):
        pending = [name for name in pending if failures[name] is None]   # one failure suffices
        if not pending or failures["smooth"] is not None:
            return
        I = Interval(piece, q, a, b, prec)
        again = []
        for name in pending:
            try:
                ok, detail = tests[name](I)
            except NotSmooth as err:
                if depth >= max_depth:
                    failures["smooth"] = f"t in [{float(a):.6g}, {float(b):.6g}]: {err}"
                    return
                ok, detail = False, str(err)
            if not ok:
                if depth >= max_depth:
                    failures[name] = f"t in [{float(a):.6g}, {float(b):.6g}]: {detail}"
                else:
                    again.append(name)
        if again:
            mid = (a + b) / 2
            visit(a, mid, depth + 1, again)
            visit(mid, b, depth + 1, again)

    lo, hi = t_range or (-h, h)
    visit(lo, hi, 0, list(tests))
    return failures


def nested(before: Piece, after: Piece) -> bool:
    """At s = before.s_lo = after.s_hi, one box contains the other (exact)."""
    s = before.s_lo
    c1 = before.centre_at(s - before.s_mid)
    c2 = after.centre_at(s - after.s_mid)
    inner_2 = all(abs(x - y) + w2 <= w1 for x, y, w1, w2 in zip(c1, c2, before.radius, after.radius))
    inner_1 = all(abs(x - y) + w1 <= w2 for x, y, w1, w2 in zip(c1, c2, before.radius, after.radius))
    return inner_1 or inner_2


def prove_chain(pieces) -> ClaimResult:
    for i in range(len(pieces) - 1):
        if not nested(pieces[i], pieces[i + 1]):
            return ClaimResult("chain", False, f"at the junction of pieces {i} and {i + 1} neither box "
                                               "contains the other")
    return ClaimResult("chain", True, f"{len(pieces)} pieces, nested boxes at every junction")


def prove(st: FamilyStatement) -> list:
    failures = {"smooth": None, "critical": None, "hessian": None, "extra_dims": None}
    with intervals.precision(st.prec):
        for i, piece in enumerate(st.pieces):
            if failures["smooth"] is not None:
                break
            tests = {name: test for name, test in FAMILY_TESTS.items() if failures[name] is None}
            for name, reason in cover(piece, st.q, st.prec, tests).items():
                if reason is not None and failures[name] is None:
                    failures[name] = f"piece {i}, {reason}"
    return results(failures, st.pieces, "critical hessian extra_dims".split())


def results(failures: dict, pieces, names) -> list:
    if failures["smooth"] is not None:
        return [ClaimResult("smooth", False, failures["smooth"])]
    lo, hi = 1 / pieces[0].s_hi ** 2, 1 / pieces[-1].s_lo ** 2
    span = f"every real k in [{float(lo):.8g}, {float(hi):.8g}]"
    details = {"critical": f"one zero of grad phi in the box, {span}",
               "hessian": f"every isotypic block positive definite, {span}",
               "extra_dims": f"Phi^T M Phi positive definite, {span}"}
    out = [ClaimResult("smooth", True, f"no zero neuron, no parallel pair, {span}")]
    for name in names:
        out.append(ClaimResult(name, failures[name] is None, failures[name] or details.get(name, span)))
    out.append(prove_chain(pieces))
    return out
