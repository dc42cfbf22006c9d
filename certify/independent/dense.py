"""Dense certificates ("method": "dense"; kinds "local_minimum" and "saddle").

The box X = {W : |W_ia - c_ia| <= r}, teacher V (k orthonormal rows), and
    F(W) = sum_i |w_i|^2 / 4 + sum_{i<j} f(w_i, w_j) - sum_{i,l} f(w_i, v_l) + k/4 + k(k-1)/(4 pi)
with f(u, v) = f(|u|^2, |v|^2, u.v) of certify.independent.pairs.  By the chain rule,
for a pair term f(|u|^2, |v|^2, u.v):
    grad_u  = 2 f_A u + f_q v
    d2/du2  = 2 f_A I + 4 f_AA u u^T + 2 f_Aq (u v^T + v u^T) + f_qq v v^T
    d2/dudv = f_q I + f_qq (u v^T + v u^T) + 2 f_Aq u u^T + 2 f_Bq v v^T      (4 f_AB = f_qq)
so every d x d block of the Hessian is a multiple of I plus outer products of
the vectors {w_i} u {v_l}, and the n x n matrix of the multiples of I is the
matrix M of the d > k lemma.  Claims (docs/independent-checker.md):
    smooth      exact rational bounds on the Gram matrix over X: |w_i|^2 > 0 and
                |u|^2 |v|^2 - (u.v)^2 > 0 for every student/student and student/teacher pair
    loss        F evaluated on the box enclosures of the norms and pair functions
    hessian     lambda_min(H) > mu on X (spectral.min_eigenvalue_exceeds)
    index       exactly p eigenvalues < -mu, none in [-mu, mu] on X (spectral.morse_index)
    extra_dims  lambda_min(M) > mu' on X
    critical    Krawczyk for grad F on X (spectral.unique_zero)
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from mpmath import iv

from . import exact, intervals, reader, spectral
from .outcome import ClaimResult, NotSmooth
from .pairs import pair, teacher_constant

METHOD = "dense"
KINDS = ("local_minimum", "saddle")
TOP_KEYS = {"format", "version", "kind", "method", "k", "n", "d", "d_max", "teacher",
            "prec", "box", "claims", "software"}
MAX_VARIABLES = 1600          # n * d
EXTRA = "extra_min_eig_lower"
VECTOR_GRID = 64              # the Hessian's midpoint uses the vectors rounded to 2^-64
COEFFICIENT_GRID = 64         # ... and its scalar coefficients rounded to 2^-64
HESSIAN_GRID = 112            # the midpoint is stored on 2^-112; bounds are in these units
GRADIENT_GUARD = 24           # gradient coefficients on 2^-(prec + 24)


@dataclass(frozen=True)
class DenseStatement:
    kind: str
    k: int
    n: int
    d: int
    d_max: int | None
    teacher: list            # k rows of d Fractions
    centre: list             # n rows of d Fractions
    radius: Fraction
    prec: int
    claims: dict

    @property
    def covers_extra_dimensions(self) -> bool:
        return self.d_max is None or self.d_max > self.d


def seconds(st: DenseStatement) -> float:
    """A rough estimate of prove(st) on one core: cubic in the n d Hessian dimension
    (0.85 s at n d = 400, 62 s measured at 1600; bench/bench_independent.py)."""
    return 0.05 + 0.85 * (st.n * st.d / 400) ** 3


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
def _orthonormal(rows: list) -> bool:
    """V V^T = I exactly (integers after a common power-of-two scaling)."""
    E = max((x.denominator.bit_length() - 1 for row in rows for x in row), default=0)
    ints = [[x.numerator << (E - (x.denominator.bit_length() - 1)) for x in row] for row in rows]
    one = 1 << (2 * E)
    for i, a in enumerate(ints):
        for j in range(i + 1):
            if sum(x * y for x, y in zip(a, ints[j])) != (one if i == j else 0):
                return False
    return True


def read(obj) -> DenseStatement:
    reader.header(obj, TOP_KEYS)
    kind = obj["kind"]
    if kind not in KINDS or obj["method"] != METHOD:
        raise reader.FieldError("kind", "the dense method states a local_minimum or a saddle")
    k = reader.integer(obj, "k", 1, MAX_VARIABLES)
    n = reader.integer(obj, "n", k, MAX_VARIABLES)
    d = reader.integer(obj, "d", k, MAX_VARIABLES)
    if n * d > MAX_VARIABLES:
        raise reader.FieldError("n", f"n * d must be at most {MAX_VARIABLES}")
    d_max = reader.optional_dimension(obj, "d_max", d)
    prec = reader.integer(obj, "prec", *reader.PREC_RANGE)
    teacher = reader.matrix(obj["teacher"], k, d, "teacher")
    if not _orthonormal(teacher):
        raise reader.FieldError("teacher", "rows are not exactly orthonormal")
    centre, radius = reader.box(obj)
    centre = reader.matrix(centre, n, d, "box.centre")
    if kind == "saddle":
        expected = {"loss_lower", "loss_upper", "hessian_min_abs_eig_lower", "morse_index"}
    else:
        expected = {"loss_lower", "loss_upper", "hessian_min_eig_lower"}
    if d_max is None or d_max > d:
        expected.add(EXTRA)
    claims = reader.claims(obj, expected, {"morse_index": (1, n * d - 1)})
    return DenseStatement(kind, k, n, d, d_max, teacher, centre, radius, prec, claims)


# ---------------------------------------------------------------------------
# the geometry of the box: exact Gram bounds, then pair functions in intervals
# ---------------------------------------------------------------------------
def _up(q: Fraction, G: int) -> Fraction:
    """The least multiple of 2^-G that is >= q."""
    scaled = q * (1 << G)
    return Fraction(-((-scaled.numerator) // scaled.denominator), 1 << G)


def _nearest(q: Fraction) -> int:
    return (2 * q.numerator + q.denominator) // (2 * q.denominator)


class Geometry:
    """Vectors x_0..x_{n-1} = students (box radius r), x_n.. = teachers (exact).

    The stored rows are rounded to x~ on the grid 2^-Gx (Gx = the radius's exponent
    + 64, at most 2 prec + 128: finer only slows the arithmetic) with dev_p >=
    |x_p - x~_p|_inf, exactly and rounded up (0 when nothing was rounded).  Every point of
    the box then has |x_p - x~_p|_inf <= delta_p = dev_p + r_p (r_p = r for students, 0
    for teachers), and
        |x_p . x_q - x~_p . x~_q| <= delta_q |x~_p|_1 + delta_p |x~_q|_1 + d delta_p delta_q.
    The same bound with delta = dev encloses the centre itself."""

    def __init__(self, st: DenseStatement):
        self.n, self.k, self.d, self.r = st.n, st.k, st.d, st.radius
        r_bits = st.radius.denominator.bit_length() - st.radius.numerator.bit_length()
        self.Gx = Gx = max(VECTOR_GRID, min(r_bits + 64, 2 * st.prec + 128))
        self.X, self.dev = [], []
        for row in st.centre + st.teacher:
            ints = [_nearest(x * (1 << Gx)) for x in row]
            self.X.append(ints)
            self.dev.append(_up(max(abs(x - Fraction(m, 1 << Gx)) for x, m in zip(row, ints)), Gx + 8))
        self.gram = exact.matmul(self.X, exact.transpose(self.X))
        self.unit = Fraction(1, 1 << (2 * Gx))
        self.l1 = [Fraction(sum(abs(x) for x in row), 1 << Gx) for row in self.X]
        # the radius rounded up: bounds for a larger box hold on the box (short denominators)
        self.rad = [_up(self.r, Gx + 8)] * self.n + [Fraction(0)] * self.k

    def dot(self, p: int, q: int) -> Fraction:
        """x~_p . x~_q exactly."""
        return self.gram[p][q] * self.unit

    def err(self, p: int, q: int, box: bool = True) -> Fraction:
        dp = self.dev[p] + (self.rad[p] if box else 0)
        dq = self.dev[q] + (self.rad[q] if box else 0)
        return dq * self.l1[p] + dp * self.l1[q] + self.d * dp * dq

    def dev_units(self, p: int) -> int:
        """dev_p in units of 2^-Gx, rounded up."""
        scaled = self.dev[p] * (1 << self.Gx)
        return -((-scaled.numerator) // scaled.denominator)

    def pairs(self):
        """(p, q, sign): student pairs p < q (+1) and student/teacher pairs (-1)."""
        n, k = self.n, self.k
        for p in range(n):
            for q in range(p + 1, n):
                yield p, q, 1
            for q in range(n, n + k):
                yield p, q, -1

    def name(self, p: int) -> str:
        return f"w_{p}" if p < self.n else f"v_{p - self.n}"

    def smooth_bounds(self):
        """Exact bounds over X: {p: (lo, hi)} of |x_p|^2 and {(p, q): (q_lo, q_hi, D_lo, D_hi)}
        of x_p . x_q and D = |x_p|^2 |x_q|^2 - (x_p . x_q)^2.  Raises NotSmooth unless every
        norm and every D is proved positive on X (A B >= A_lo B_lo needs A_lo, B_lo > 0)."""
        norms = {}
        for p in range(self.n + self.k):
            value, e = self.dot(p, p), self.err(p, p)
            norms[p] = (value - e, value + e)
            if not norms[p][0] > 0:
                raise NotSmooth(f"{self.name(p)} may be zero on the box")
        out = {}
        for p, q, _ in self.pairs():
            value, e = self.dot(p, q), self.err(p, q)
            q_lo, q_hi = value - e, value + e
            (a_lo, a_hi), (b_lo, b_hi) = norms[p], norms[q]
            square_hi = max(q_lo * q_lo, q_hi * q_hi)
            square_lo = Fraction(0) if q_lo <= 0 <= q_hi else min(q_lo * q_lo, q_hi * q_hi)
            D_lo, D_hi = a_lo * b_lo - square_hi, a_hi * b_hi - square_lo
            if not D_lo > 0:
                raise NotSmooth(f"{self.name(p)} and {self.name(q)} may be parallel on the box")
            out[(p, q)] = (q_lo, q_hi, D_lo, D_hi)
        return norms, out


def box_pairs(geo: Geometry, norms, bounds) -> dict:
    """{(p, q): Pair} enclosing the pair functions at every W in X."""
    A = {p: intervals.interval(*norms[p]) for p in norms}
    out = {}
    for (p, q), (q_lo, q_hi, D_lo, D_hi) in bounds.items():
        out[(p, q)] = pair(iv, A[p], A[q], intervals.interval(q_lo, q_hi), intervals.interval(D_lo, D_hi))
    return out


def centre_pairs(geo: Geometry) -> dict:
    """{(p, q): Pair} at the centre (intervals from rounding the centre and the arithmetic);
    first derivatives only (the gradient needs no more)."""
    def around(value, e):
        return value - e, value + e
    A = {p: around(geo.dot(p, p), geo.err(p, p, box=False)) for p in range(geo.n + geo.k)}
    out = {}
    for p, q, _ in geo.pairs():
        (a_lo, a_hi), (b_lo, b_hi) = A[p], A[q]
        q_lo, q_hi = around(geo.dot(p, q), geo.err(p, q, box=False))
        square_hi = max(q_lo * q_lo, q_hi * q_hi)
        square_lo = Fraction(0) if q_lo <= 0 <= q_hi else min(q_lo * q_lo, q_hi * q_hi)
        out[(p, q)] = pair(iv, intervals.interval(a_lo, a_hi), intervals.interval(b_lo, b_hi),
                           intervals.interval(q_lo, q_hi),
                           intervals.interval(a_lo * b_lo - square_hi, a_hi * b_hi - square_lo),
                           second=False)
    return out


# ---------------------------------------------------------------------------
# loss on the box, gradient at the centre
# ---------------------------------------------------------------------------
def gradient_at_centre(geo: Geometry, at_centre: dict, prec: int):
    """(g_mid, g_rad, Gg): grad F(c)_(i,a) in [(g_mid - g_rad) 2^-Gg, (g_mid + g_rad) 2^-Gg].

    grad_{w_i} F = (1/2 + sum_p s_p 2 f_A^(i)) w_i + sum_p s_p f_q x_p  (s_p = +1 for a
    student partner, -1 for a teacher), f_A^(i) the partial in the argument that is w_i."""
    n, d = geo.n, geo.d
    Gc = prec + GRADIENT_GUARD
    own = [[(1 << Gc) // 2, 0] for _ in range(n)]                 # 1/2 exactly
    partners = [[] for _ in range(n)]                             # (p, m, rad)
    for (p, q), P in at_centre.items():
        sign = 1 if q < n else -1
        m, rad = intervals.on_grid(sign * 2 * P.fA, Gc)
        own[p][0] += m
        own[p][1] += rad
        m, rad = intervals.on_grid(sign * P.fq, Gc)
        partners[p].append((q, m, rad))
        if q < n:
            m, rad = intervals.on_grid(2 * P.fB, Gc)
            own[q][0] += m
            own[q][1] += rad
            m, rad = intervals.on_grid(P.fq, Gc)
            partners[q].append((p, m, rad))
    g_mid, g_rad = [], []
    X = geo.X                            # rounded centres x~ (scale 2^-Gx), |x - x~| <= dev
    for i in range(n):
        own_m, own_r = own[i]
        rounding = (abs(own_m) + own_r) * geo.dev_units(i) + sum(
            (abs(m) + rad) * geo.dev_units(q) for q, m, rad in partners[i])
        for a in range(d):
            mid = own_m * X[i][a] + sum(m * X[q][a] for q, m, _ in partners[i])
            rad = own_r * abs(X[i][a]) + sum(rad * abs(X[q][a]) for q, _, rad in partners[i])
            g_mid.append(mid)
            g_rad.append(rad + rounding)
    return g_mid, g_rad, Gc + geo.Gx


# ---------------------------------------------------------------------------
# Hessian and M on the box
# ---------------------------------------------------------------------------
class Bounds:
    """Nonnegative upper bounds as integers in units of 2^-HESSIAN_GRID."""
    G = HESSIAN_GRID

    @classmethod
    def of(cls, q: Fraction) -> int:
        scaled = q * (1 << cls.G)
        return -((-scaled.numerator) // scaled.denominator)      # ceiling

    @classmethod
    def grid(cls, value: int, G: int) -> int:
        """|value| 2^-G in units (G <= HESSIAN_GRID)."""
        return abs(value) << (cls.G - G)

    @classmethod
    def mul(cls, a: int, b: int) -> int:
        return -((-a * b) >> cls.G)


def _term_bound(c_abs: int, c_rad: int, x: tuple, y: tuple, d: int) -> int:
    """Max absolute row sum of c x y^T - c^ x^ y^^T over the box, in units:
        c_rad (|x^|_inf + dx)(|y^|_1 + d dy) + |c^| (dx |y^|_1 + |x^|_inf d dy + d dx dy),
    x = (|x^|_inf, |x^|_1, dx) likewise y (c within c_rad of c^, x within dx of x^ entrywise)."""
    mul = Bounds.mul
    x_inf, _, dx = x
    _, y_one, dy = y
    return (mul(c_rad, mul(x_inf + dx, y_one + d * dy))
            + mul(c_abs, mul(dx, y_one) + d * mul(x_inf, dy) + d * mul(dx, dy)))


def hessian_and_extra(geo: Geometry, on_box: dict):
    """(H, M): Enclosures of the Hessian (N x N, N = n d) and of M (n x n) valid on X."""
    n, d, E = geo.n, geo.d, geo.Gx
    Gv, Gk = VECTOR_GRID, COEFFICIENT_GRID
    # vectors rounded to 2^-Gv; deviation bound = rounding + box radius
    xhat, shape = [], []
    for p, row in enumerate(geo.X):
        if E >= Gv:
            half = 1 << (E - Gv - 1) if E > Gv else 0
            rounded = [(x + half) >> (E - Gv) for x in row]
        else:
            rounded = [x << (Gv - E) for x in row]
        worst = geo.dev[p] + max((abs(Fraction(x, 1 << E) - Fraction(y, 1 << Gv))
                                  for x, y in zip(row, rounded)), default=Fraction(0))
        xhat.append(rounded)
        shape.append((Bounds.grid(max((abs(x) for x in rounded), default=0), Gv),
                      Bounds.grid(sum(abs(x) for x in rounded), Gv),
                      Bounds.of(worst + geo.rad[p])))

    def coefficient(value):
        m, rad = intervals.on_grid(value, Gk)
        return m, Bounds.grid(rad, Gk)

    # per neuron: identity coefficient, u u^T coefficient, z (u x^T + x u^T), e (x x^T)
    ident = [[(1 << Gk) // 2, 0] for _ in range(n)]
    uu = [[0, 0] for _ in range(n)]
    cross = [[] for _ in range(n)]           # (p, m, rad) of the u x_p^T + x_p u^T terms
    outer = [[] for _ in range(n)]           # (p, m, rad) of the x_p x_p^T terms
    off = {}                                 # (i, j) -> grids of (f_q, f_qq, 2 f_Aq, 2 f_Bq)
    M_mid = [[0] * n for _ in range(n)]
    M_rad = [[0] * n for _ in range(n)]
    for (p, q), P in on_box.items():
        sign = 1 if q < n else -1
        sides = [(p, q, P.fA, P.fAA, P.fAq)]
        if q < n:
            sides.append((q, p, P.fB, P.fBB, P.fBq))
        for i, other, fA, fAA, fAq in sides:
            m, rad = coefficient(sign * 2 * fA)
            ident[i][0] += m
            ident[i][1] += rad
            m, rad = coefficient(sign * 4 * fAA)
            uu[i][0] += m
            uu[i][1] += rad
            cross[i].append((other,) + coefficient(sign * 2 * fAq))
            outer[i].append((other,) + coefficient(sign * P.fqq))
        if q < n:
            grids = (coefficient(P.fq), coefficient(P.fqq), coefficient(2 * P.fAq), coefficient(2 * P.fBq))
            off[(p, q)] = grids
            M_mid[p][q] = M_mid[q][p] = grids[0][0]
            M_rad[p][q] = M_rad[q][p] = grids[0][1]
    for i in range(n):
        M_mid[i][i], M_rad[i][i] = ident[i][0], ident[i][1]
    M = spectral.Enclosure(M_mid, Gk, [-((-sum(row)) >> (Bounds.G - Gk)) for row in M_rad])

    # midpoint blocks at scale 2^-(Gk + 2 Gv), error bounds in units
    N = n * d
    S = Gk + 2 * Gv
    drop = S - HESSIAN_GRID
    half = 1 << (drop - 1)
    mid = [[0] * N for _ in range(N)]
    block_bound = [[0] * n for _ in range(n)]

    def place(i, j, block):
        for a in range(d):
            target = mid[i * d + a]
            row = block[a]
            for b in range(d):
                target[j * d + b] = (row[b] + half) >> drop

    for (i, j), (c_I, c_uv, c_uu, c_vv) in off.items():
        # H_ij = c_I I + c_uv (u v^T + v u^T) + c_uu u u^T + c_vv v v^T = c_I I + u y1^T + v y2^T
        u, v = xhat[i], xhat[j]
        y1 = [c_uv[0] * vb + c_uu[0] * ub for ub, vb in zip(u, v)]
        y2 = [c_uv[0] * ub + c_vv[0] * vb for ub, vb in zip(u, v)]
        ident_term = c_I[0] << (2 * Gv)
        block = [[ua * y1b + va * y2b for y1b, y2b in zip(y1, y2)] for ua, va in zip(u, v)]
        for t in range(d):
            block[t][t] += ident_term
        place(i, j, block)
        place(j, i, block)      # H_ji = H_ij^T = H_ij (both symmetric)
        lift = Bounds.G - Gk
        bound = (c_I[1] + _term_bound(abs(c_uv[0]) << lift, c_uv[1], shape[i], shape[j], d)
                 + _term_bound(abs(c_uv[0]) << lift, c_uv[1], shape[j], shape[i], d)
                 + _term_bound(abs(c_uu[0]) << lift, c_uu[1], shape[i], shape[i], d)
                 + _term_bound(abs(c_vv[0]) << lift, c_vv[1], shape[j], shape[j], d))
        block_bound[i][j] = block_bound[j][i] = bound
    for i in range(n):
        u = xhat[i]
        z = [0] * d
        for p, m, _ in cross[i]:
            xp = xhat[p]
            for t in range(d):
                z[t] += m * xp[t]
        w = [uu[i][0] * ut + zt for ut, zt in zip(u, z)]
        partners = [p for p, _, _ in outer[i]]
        weighted = [[xhat[p][t] * m for p, m, _ in outer[i]] for t in range(d)]     # d x P
        stack = [xhat[p] for p in partners]                                          # P x d
        block = exact.matmul(weighted, stack) if partners else [[0] * d for _ in range(d)]
        ident_term = ident[i][0] << (2 * Gv)
        for s in range(d):
            row = block[s]
            us, zs = u[s], z[s]
            for t in range(d):
                row[t] += us * w[t] + zs * u[t]
            row[s] += ident_term
        place(i, i, block)
        bound = ident[i][1] + _term_bound(abs(uu[i][0]) << (Bounds.G - Gk), uu[i][1], shape[i], shape[i], d)
        for p, m, rad in cross[i]:
            c = abs(m) << (Bounds.G - Gk)
            bound += _term_bound(c, rad, shape[i], shape[p], d) + _term_bound(c, rad, shape[p], shape[i], d)
        for p, m, rad in outer[i]:
            bound += _term_bound(abs(m) << (Bounds.G - Gk), rad, shape[p], shape[p], d)
        block_bound[i][i] = bound
    rounding = (N + 1) // 2          # midpoint rounded to 2^-HESSIAN_GRID: half a unit per entry
    rowrad = []
    for i in range(n):
        total = sum(block_bound[i]) + rounding
        rowrad += [total] * d
    return spectral.Enclosure(mid, HESSIAN_GRID, rowrad), M


# ---------------------------------------------------------------------------
# the claims
# ---------------------------------------------------------------------------
def loss_on_box(geo: Geometry, norms: dict, on_box: dict):
    """F on the whole box as one interval: the closed form evaluated on the box
    enclosures of |w_i|^2 and of the pair functions."""
    total = iv.mpf(0)
    for p in range(geo.n):
        total += intervals.interval(*norms[p]) / 4
    for (p, q), P in on_box.items():
        total += P.f if q < geo.n else -P.f
    return total + teacher_constant(iv, geo.k)


def _loss_claim(st, F_box, spurious: bool) -> ClaimResult:
    lo_claim, hi_claim = st.claims["loss_lower"], st.claims["loss_upper"]
    if spurious and not lo_claim > 0:
        return ClaimResult("loss", False, "claimed loss lower bound is not positive")
    lo, hi = intervals.lower(F_box), intervals.upper(F_box)
    text = f"F in [{float(lo):.15g}, {float(hi):.15g}] on the box"
    if lo_claim <= lo and hi <= hi_claim:
        return ClaimResult("loss", True, text + (", > 0" if spurious else ""))
    return ClaimResult("loss", False, text + ", not inside the claimed bounds")


def _positive(value, name: str):
    if not value > 0:
        return ClaimResult(name, False, "claimed eigenvalue bound is not positive")
    return None


def prove(st: DenseStatement) -> list[ClaimResult]:
    saddle = st.kind == "saddle"
    with intervals.precision(st.prec):
        try:
            geo = Geometry(st)
            norms, bounds = geo.smooth_bounds()
        except NotSmooth as err:
            return [ClaimResult("smooth", False, str(err))]
        results = [ClaimResult("smooth", True, "no zero neuron, no parallel pair on the box")]
        try:
            on_box = box_pairs(geo, norms, bounds)
            at_centre = centre_pairs(geo)
            H, M = hessian_and_extra(geo, on_box)
            g = gradient_at_centre(geo, at_centre, st.prec)
            F_box = loss_on_box(geo, norms, on_box)
        except (ArithmeticError, ValueError) as err:
            return [ClaimResult("smooth", False, f"pair functions not enclosed: {str(err)[:80]}")]
        results.append(_refusing(lambda: _loss_claim(st, F_box, spurious=not saddle), "loss"))
        if saddle:
            mu, p = st.claims["hessian_min_abs_eig_lower"], st.claims["morse_index"]
            results.append(_positive(mu, "index") or _refusing(
                lambda: ClaimResult("index", *spectral.morse_index(H, mu, p)), "index"))
        else:
            mu = st.claims["hessian_min_eig_lower"]
            results.append(_positive(mu, "hessian") or _refusing(
                lambda: ClaimResult("hessian", *spectral.min_eigenvalue_exceeds(H, mu)), "hessian"))
        if st.covers_extra_dimensions:
            mu_x = st.claims[EXTRA]
            results.append(_positive(mu_x, "extra_dims") or _refusing(
                lambda: ClaimResult("extra_dims", *spectral.min_eigenvalue_exceeds(M, mu_x)), "extra_dims"))
        results.append(_refusing(lambda: _critical(st, H, g, results[2], saddle), "critical"))
    return results


def _critical(st, H, g, curvature: ClaimResult, saddle: bool) -> ClaimResult:
    """Exactly one zero of grad F in X.  Local minima: the strong-convexity test around
    a Newton point (spectral.unique_zero_convex) with the proved hessian bound, or, if
    that claim was refused, with a bound mu0 proved here; then Krawczyk (always for saddles)."""
    if not saddle:
        mu = st.claims["hessian_min_eig_lower"] if curvature.proved else _fallback_curvature(H)
        if mu is not None:
            ok, detail = spectral.unique_zero_convex(H, g[0], g[1], g[2], st.radius, mu)
            if ok:
                return ClaimResult("critical", True, detail)
    return ClaimResult("critical", *spectral.unique_zero(H, g[0], g[1], g[2], st.radius))


def _fallback_curvature(H) -> Fraction | None:
    """A positive lower bound on lambda_min(H) over the box, proved here, or None."""
    try:
        estimate = float(np.linalg.eigvalsh(H.floats())[0])
    except (np.linalg.LinAlgError, ValueError):
        return None
    if not estimate > 0:
        return None
    mu0 = Fraction(estimate / 2)
    return mu0 if spectral.min_eigenvalue_exceeds(H, mu0)[0] else None


def _refusing(run, name: str) -> ClaimResult:
    """run(), or a refusal if the computation cannot be carried out (non-finite
    proposals, overflow): refusing is always sound."""
    try:
        return run()
    except (ArithmeticError, ValueError, MemoryError) as err:
        return ClaimResult(name, False, f"not proved: {type(err).__name__}: {str(err)[:80]}")
