"""Matrix tests of the independent checker, decided in exact integer arithmetic.

An Enclosure (mid, G, rowrad) stands for the set of real matrices X with

    sum_j |X_ij - mid_ij 2^-G| <= rowrad_i 2^-G     for every row i,

mid an exactly symmetric integer matrix.  For a symmetric X in it, ||X - M||_2 <= eps
with M = mid 2^-G and eps = max_i rowrad_i 2^-G (the spectral norm of a symmetric
matrix is at most its largest absolute row sum).

    min_eigenvalue_exceeds(enc, bound)   every symmetric X in enc has lambda_min(X) > bound
    morse_index(enc, mu, p)              every symmetric X in enc has exactly p eigenvalues
                                         < -mu and none in [-mu, mu]
    unique_zero(J, g, r)                 Krawczyk: a map whose Jacobian on the box
                                         c + [-r, r]^N lies in J, with g enclosing its value
                                         at c, has exactly one zero in the box

numpy proposes a shift, a Cholesky factor, eigenvectors, an approximate inverse;
each is rounded to integers and enters the exact computations as an arbitrary
matrix: the lemmas (docs/independent-checker.md) hold for every such matrix.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from . import exact

L_BITS = 56          # bits kept of a proposed Cholesky factor
Q_BITS = 40          # ... of proposed eigenvectors
C_BITS = 60          # ... of a proposed inverse (dense)
KRAWCZYK_GRID = 72   # the Jacobian's midpoint is rounded to this many bits below its top


@dataclass
class Enclosure:
    mid: list          # N x N integers, exactly symmetric
    G: int             # value scale: entry = mid_ij 2^-G
    rowrad: list       # N nonnegative integers, row-sum radii in units of 2^-G

    @property
    def size(self) -> int:
        return len(self.mid)

    def eps(self) -> Fraction:
        return Fraction(max(self.rowrad, default=0), 1) / _pow2(self.G)

    def floats(self) -> np.ndarray:
        """mid 2^-G in floats (for proposals only; computed once)."""
        if getattr(self, "_floats", None) is None:
            self._floats = exact.to_float(self.mid, self.G)
        return self._floats

    def symmetric(self) -> bool:
        return all(self.mid[i][j] == self.mid[j][i] for i in range(self.size) for j in range(i))


def _pow2(G: int) -> Fraction:
    return Fraction(1 << G) if G >= 0 else Fraction(1, 1 << -G)


def rescale(M: list, G: int, new_G: int) -> list:
    """M 2^-G written at scale 2^-new_G, new_G >= G (exact)."""
    shift = new_G - G
    if shift < 0:
        raise ValueError("rescale can only refine the grid")
    return [[x << shift for x in row] for row in M]


def _round(q: Fraction) -> int:
    """The integer nearest to q (ties up)."""
    return (2 * q.numerator + q.denominator) // (2 * q.denominator)


def _dyadic_on_grid(q: Fraction, G: int) -> int | None:
    """q 2^G if it is an integer, else None."""
    scaled = q * _pow2(G)
    return scaled.numerator if scaled.denominator == 1 else None


# ---------------------------------------------------------------------------
# lambda_min > bound (Cholesky of a shifted midpoint, residual in integers)
# ---------------------------------------------------------------------------
def min_eigenvalue_exceeds(enc: Enclosure, bound: Fraction) -> tuple[bool, str]:
    """Lemma C of docs/independent-checker.md: pick a shift sigma and any L; if
    Z = M - sigma I - L L^T (exact) has max absolute row sum z and
    sigma - z - eps > bound, then lambda_min(X) > bound for every symmetric X in enc."""
    N = enc.size
    if N == 0:
        return False, "empty matrix"
    if not enc.symmetric():
        return False, "midpoint not symmetric"
    target = Fraction(bound) + enc.eps()
    try:
        M = enc.floats()
        estimate = float(np.linalg.eigvalsh(M)[0])
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return False, "no eigenvalue estimate"
    if not np.isfinite(estimate):
        return False, "no eigenvalue estimate"
    slack = N * 2.0 ** -48 * (1.0 + float(np.max(np.abs(np.diag(M)))))
    for _ in range(3):
        shift = float(target) + slack
        if not shift < estimate:
            return False, f"lambda_min is about {estimate:.10g}, not above {float(target):.10g}"
        try:
            L = np.linalg.cholesky(M - shift * np.eye(N))
            Lint, GL = exact.proposal(L, L_BITS)
        except (np.linalg.LinAlgError, ArithmeticError, ValueError):
            return False, "shifted midpoint is not positive definite in floats"
        Gz = max(enc.G, 2 * GL)
        sigma_int = _round(Fraction(shift) * _pow2(Gz))   # the shift used: sigma = sigma_int 2^-Gz
        LLt = exact.matmul(Lint, exact.transpose(Lint))
        lift_M, lift_L = Gz - enc.G, Gz - 2 * GL
        z = 0
        for i in range(N):
            row_M, row_L = enc.mid[i], LLt[i]
            total = 0
            for j in range(N):
                value = (row_M[j] << lift_M) - (row_L[j] << lift_L)
                if i == j:
                    value -= sigma_int
                total += abs(value)
            z = max(z, total)
        lower = Fraction(sigma_int - z) / _pow2(Gz)
        if lower > target:
            return True, f"lambda_min > {float(bound):.10g} (shift {shift:.10g}, residual {float(z / _pow2(Gz)):.2e})"
        slack = 2 * float(Fraction(z) / _pow2(Gz)) + 2 * slack
    return False, f"residual too large to prove lambda_min > {float(bound):.10g}"


# ---------------------------------------------------------------------------
# exactly p eigenvalues below -mu, none in [-mu, mu]
# ---------------------------------------------------------------------------
def morse_index(enc: Enclosure, mu: Fraction, p: int) -> tuple[bool, str]:
    """Lemma I of docs/independent-checker.md, with Q any N x p integer matrix (scale
    2^-GQ):  (i) lambda_min(M + gamma Q Q^T) > mu + eps gives lambda_{p+1}(X) > mu;
    (ii) lambda_max(Q^T (M + mu I) Q) < -||Q^T Q||_inf eps gives lambda_p(X) < -mu."""
    N = enc.size
    if not 1 <= p <= N - 1:
        return False, f"Morse index {p} outside 1..{N - 1}"
    if not enc.symmetric():
        return False, "midpoint not symmetric"
    try:
        M = enc.floats()
        w, vectors = np.linalg.eigh(M)
        Qint, GQ = exact.proposal(vectors[:, :p], Q_BITS)
    except (np.linalg.LinAlgError, ArithmeticError, ValueError):
        return False, "no eigenvector proposal"
    # (i) raise the p lowest eigenvalues by gamma: then lambda_min > mu
    gamma = int(abs(w[0]) + abs(w[p]) + 2 * float(mu)) + 1          # any gamma > 0 is sound
    QQt = exact.matmul(Qint, exact.transpose(Qint))          # scale 2^-2GQ
    G1 = max(enc.G, 2 * GQ)
    lifted = rescale(enc.mid, enc.G, G1)
    scale = gamma << (G1 - 2 * GQ)
    raised = [[lifted[i][j] + scale * QQt[i][j] for j in range(N)] for i in range(N)]
    raised_enc = Enclosure(raised, G1, [x << (G1 - enc.G) for x in enc.rowrad])
    ok, detail = min_eigenvalue_exceeds(raised_enc, mu)
    if not ok:
        return False, f"could not prove that at most {p} eigenvalues are <= mu ({detail})"
    # (ii) Q spans p directions on which X + mu I is negative definite
    mu_q = Fraction(mu)
    Gm = max(enc.G, mu_q.denominator.bit_length() - 1)
    mu_int = _dyadic_on_grid(mu_q, Gm)
    shifted = rescale(enc.mid, enc.G, Gm)
    for i in range(N):
        shifted[i][i] += mu_int
    Qt = exact.transpose(Qint)
    Y = exact.matmul(Qt, exact.matmul(shifted, Qint))         # scale 2^-(Gm + 2GQ)
    QtQ = exact.matmul(Qt, Qint)                              # scale 2^-2GQ
    norm = Fraction(max(exact.abs_row_sums(QtQ)), 1) / _pow2(2 * GQ)
    negated = Enclosure([[-x for x in row] for row in Y], Gm + 2 * GQ, [0] * p)
    ok, detail = min_eigenvalue_exceeds(negated, norm * enc.eps())
    if not ok:
        return False, f"could not prove {p} eigenvalues below -mu ({detail})"
    return True, f"exactly {p} eigenvalues below -{float(mu):.6g}, none in [-mu, mu]"


# ---------------------------------------------------------------------------
# Krawczyk
# ---------------------------------------------------------------------------
def coarsen(enc: Enclosure, G_new: int) -> Enclosure:
    """The same set described on the coarser grid 2^-G_new (G_new <= G): each
    midpoint entry moves by at most half a unit, so every row sum grows by N/2 units."""
    shift = enc.G - G_new
    if shift <= 0:
        return enc
    half = 1 << (shift - 1)
    mid = [[(x + half) >> shift for x in row] for row in enc.mid]
    rad = [-((-x) >> shift) + (enc.size + 1) // 2 for x in enc.rowrad]
    return Enclosure(mid, G_new, rad)


def unique_zero(J: Enclosure, g_mid: list, g_rad: list, Gg: int, r: Fraction,
                C_float: np.ndarray | None = None, c_bits: int = C_BITS,
                grid_bits: int = KRAWCZYK_GRID) -> tuple[bool, str]:
    """Lemma K of docs/independent-checker.md: G: box -> R^N continuously differentiable
    on a neighbourhood of the box X = c + [-r, r]^N, G'(W) in J for every W in X, and
    G(c)_i in [(g_mid_i - g_rad_i) 2^-Gg, (g_mid_i + g_rad_i) 2^-Gg].  With any real C
    (here the rounded proposal), if for every i
        |(C G(c))_i| + r (sum_j |(I - C mid)_ij| + sum_k |C_ik| rowrad_k) < r
    then G has exactly one zero in X (and it lies in the interior)."""
    N = J.size
    if N == 0 or len(g_mid) != N:
        return False, "empty system"
    top = max((abs(x).bit_length() for row in J.mid for x in row), default=0)
    J = coarsen(J, J.G - max(0, top - grid_bits))
    try:
        C = C_float if C_float is not None else np.linalg.inv(J.floats())
        Cint, GC = exact.proposal(C, c_bits)
    except (np.linalg.LinAlgError, ArithmeticError, ValueError):
        return False, "no approximate inverse"
    P = exact.matmul(Cint, J.mid)                       # scale 2^-(GC + G)
    G_P = GC + J.G
    if G_P < 0:
        return False, "proposed inverse or Jacobian too large"
    one = 1 << G_P
    worst = Fraction(0)
    for i in range(N):
        row_C = Cint[i]
        spread = sum(abs(((one if i == j else 0) - P[i][j])) for j in range(N))
        spread += sum(abs(c) * rad for c, rad in zip(row_C, J.rowrad))
        centre = abs(sum(c * g for c, g in zip(row_C, g_mid))) + sum(abs(c) * rad for c, rad in zip(row_C, g_rad))
        bound = Fraction(centre) / _pow2(GC + Gg) + r * Fraction(spread) / _pow2(G_P)
        worst = max(worst, bound / r)
        if not bound < r:
            return False, f"Krawczyk test fails in row {i} (|K - c|_i / r >= {float(bound / r):.3g})"
    return True, f"Krawczyk: exactly one zero in the box (max |K - c| / r = {float(worst):.3g})"


# ---------------------------------------------------------------------------
# strong convexity around a Newton point
# ---------------------------------------------------------------------------
def unique_zero_convex(H: Enclosure, g_mid: list, g_rad: list, Gg: int, r: Fraction,
                       mu: Fraction) -> tuple[bool, str]:
    """Lemma N of docs/independent-checker.md.  F is C^2 near X = c + [-r, r]^N, grad F(c)
    is enclosed by (g_mid, g_rad, Gg), H(W) lies in the Enclosure H and lambda_min(H(W)) > mu > 0
    for every W in X (proved by the caller).  For any s with |s|_inf < r let
    c' = c - s, rho = r - |s|_inf and
        b_i = |g_mid_i 2^-Gg - (mid s)_i 2^-G| + g_rad_i 2^-Gg + rowrad_i 2^-G |s|_inf
    (a bound on |grad F(c')_i|).  If |b|_2 < mu rho / 2, grad F has exactly one zero in X."""
    N = H.size
    if not mu > 0 or len(g_mid) != N:
        return False, "no positive curvature bound"
    try:
        g_float = exact.to_float([g_mid], Gg)[0]
        step = np.linalg.solve(H.floats(), g_float)
        s_rows, Gs = exact.proposal(step.reshape(N, 1), C_BITS)
    except (np.linalg.LinAlgError, ArithmeticError, ValueError):
        return False, "no Newton step proposal"
    s = [row[0] for row in s_rows]
    s_top = max(abs(x) for x in s)
    rho = r - Fraction(s_top) / _pow2(Gs)
    if not rho > 0:
        return False, "the Newton point lies outside the box"
    Hs = exact.matvec(H.mid, s)                                 # scale 2^-(G + Gs)
    Gm = max(Gg, H.G + Gs)
    lift_g, lift_h = Gm - Gg, Gm - H.G - Gs
    total = 0
    for i in range(N):
        b = (abs((g_mid[i] << lift_g) - (Hs[i] << lift_h)) + (g_rad[i] << lift_g)
             + ((H.rowrad[i] * s_top) << lift_h))
        total += b * b
    need = mu * rho / 2
    if Fraction(total) / _pow2(2 * Gm) < need * need:
        return True, (f"exactly one zero of grad F in the box (strong convexity, mu = {float(mu):.6g}, "
                      f"Newton point at {float(Fraction(s_top) / _pow2(Gs) / r):.3g} r from the centre)")
    return False, "gradient at the Newton point too large for the strong-convexity test"

