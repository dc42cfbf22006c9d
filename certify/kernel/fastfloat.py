"""Rigorous binary64 mid-rad arithmetic with a-priori error bounds (TRUSTED).

The soundness proofs are in docs/fast-checks.md; the lemma names below refer
to it.  Model (any IEEE 754 binary64 rounding mode, hence u = 2^-52 rather than
2^-53): for x, y finite binary64 and op in {+, -, *, /, sqrt, fma}, the computed
result is  (x op y)(1 + delta) + eps  with |delta| <= U, |eps| <= ETA, and eps = 0
for + and - (Lemma M).  Every function below that returns "yes" re-checks
finiteness; a NaN or overflow can only make a test fail.

An Enc is a pair of float arrays (mid, rad) with rad >= 0, standing for the set
of real arrays X with |X - mid| <= rad entrywise.  Each operation returns an Enc
that contains the exact result for every choice of operands in its inputs
(Lemmas A, P, G); radii are rounded upward by `up` (Lemma U).

Three decisions are made here, each ending in exact comparisons:
  positive_definite   lambda_min(X) > mu for every symmetric X in an Enc
                      (floating-point Cholesky of mid - s I, Lemma C)
  eigenvalue_counts   #{eigenvalues of X below +mu and below -mu}, the same for every
                      symmetric X in an Enc (Gershgorin counting on a congruence, Lemma I)
  krawczyk_contains   K(X) in the interior of X (Krawczyk's test, Lemma K)
Each first checks the floating-point environment (kernel.fpenv, the checks of the
calling thread) and says "no" if it is not the model.

The arb tests (posdef, krawczyk, inertia) take a real matrix chosen freely:
approximate_inverse and approximate_eigenvectors propose it from numpy.  Those
two are guesses whose values no proof relies on (any finite real matrix is
admissible; a poor one only makes a test fail), converted to arb exactly.
"""
from __future__ import annotations

import numpy as np
from flint import arb, arb_mat

import functools

from . import binary64, fpenv

U = 2.0 ** -52          # relative error of one rounding, any rounding mode
ETA = 2.0 ** -1074      # absolute error of one underflowing * or /
F = 1.0 + 2.0 ** -38    # Lemma U: covers (1 - U)^-(D + 2) for D <= MAX_DEPTH + 96
TINY = 2.0 ** -1000     # Lemma U: covers every underflow loss of one operation
MAX_DEPTH = 4000        # longest chain of roundings in one operation (inner dimensions)


def up(x):
    """fl(fl(x * F) + TINY): an upper bound of any nonnegative quantity that x
    approximates from below with at most MAX_DEPTH + 96 roundings (Lemma U)."""
    return x * F + TINY


def float_above(x: arb) -> float:
    """The least binary64 number >= every point of the ball x, constructed exactly from
    the upper endpoint (kernel.binary64: integer arithmetic, no stepping through
    floats); ArithmeticError if it is not finite."""
    top = x.upper()
    if not top.is_finite():
        raise ArithmeticError("ball is not finite")
    m, e = top.man_exp()
    f = binary64.ceil(int(m), int(e))
    if f == float("inf"):
        raise ArithmeticError("ball is not finite in binary64")
    return f


def environment_ok() -> bool:
    """The calling thread computes in the model of the module doc (kernel.fpenv)."""
    return fpenv.problem(threads=False) is None


def require_finite(*arrays) -> None:
    for a in arrays:
        if not np.all(np.isfinite(a)):
            raise ArithmeticError("float enclosure is not finite")


class Enc:
    """mid +- rad, entrywise (numpy float64 arrays of one shape)."""

    __slots__ = ("mid", "rad")

    def __init__(self, mid, rad):
        self.mid, self.rad = mid, rad

    @classmethod
    def from_arbs(cls, values, shape) -> "Enc":
        """Enclosure of arb balls (flat list, row-major): mid = float(ball midpoint),
        rad = up(float(ball radius) + U |mid|)  (Lemma A)."""
        mid = np.array([float(x.mid()) for x in values], dtype=np.float64).reshape(shape)
        rad = np.array([float(x.rad()) for x in values], dtype=np.float64).reshape(shape)
        rad = up(rad + U * np.abs(mid))
        require_finite(mid, rad)
        return cls(mid, rad)

    @classmethod
    def exact(cls, mid) -> "Enc":
        """A float matrix (e.g. a LAPACK proposal) as an exact Enc: converted to float64
        first (exactly: every float32 is a float64), so that every later product is a
        binary64 operation whatever dtype the proposal came in."""
        mid = proposal(mid)
        return cls(mid, np.zeros_like(mid))

    def __getitem__(self, index) -> "Enc":
        return Enc(self.mid[index], self.rad[index])

    def transpose(self, *axes) -> "Enc":
        return Enc(self.mid.transpose(*axes), self.rad.transpose(*axes))

    def reshape(self, *shape) -> "Enc":
        return Enc(self.mid.reshape(*shape), self.rad.reshape(*shape))

    def __neg__(self) -> "Enc":
        return Enc(-self.mid, self.rad)

    def __add__(self, other: "Enc") -> "Enc":
        """Lemma A: |x + y - fl(xm + ym)| <= xr + yr + 2U |fl(xm + ym)|."""
        mid = self.mid + other.mid
        return Enc(mid, up(self.rad + other.rad + 2 * U * np.abs(mid)))

    def __sub__(self, other: "Enc") -> "Enc":
        return self + (-other)

    def __mul__(self, other: "Enc") -> "Enc":
        """Lemma P: |x y - fl(xm ym)| <= |xm| yr + xr (|ym| + yr) + 2U |fl(xm ym)| + 2 ETA."""
        mid = self.mid * other.mid
        raw = np.abs(self.mid) * other.rad + self.rad * (np.abs(other.mid) + other.rad)
        return Enc(mid, up(raw + 2 * U * np.abs(mid)))

    def __matmul__(self, other: "Enc") -> "Enc":
        """Lemma G: for A in self, B in other (inner dimension p),
        |A B - fl(Am Bm)| <= |Am| (Br + g |Bm|) + Ar (|Bm| + Br) + 2 p ETA,  g = 2 p U >= gamma_p;
        the computed g |Bm| may underflow by ETA before |Am| multiplies it, hence
        |Am| (Br + g |Bm| + ETA) in the radius."""
        p = self.mid.shape[-1]
        if p > MAX_DEPTH:
            raise ArithmeticError("inner dimension too large for the a-priori bound")
        g = 2 * p * U
        mid = self.mid @ other.mid
        absb = np.abs(other.mid)
        raw = np.abs(self.mid) @ (other.rad + g * absb + ETA)
        if np.any(self.rad):          # Ar = 0 makes the last term exactly 0
            raw = raw + self.rad @ (absb + other.rad)
        return Enc(mid, up(raw))

    def times_identity(self, d: int) -> "Enc":
        """(n,) -> (n, d, d): x_i I_d for each entry (exact: products with 0 and 1)."""
        eye = np.eye(d)
        return Enc(self.mid[:, None, None] * eye, self.rad[:, None, None] * eye)

    def assign(self, index, value: "Enc") -> None:
        """self[index] = value, in place."""
        self.mid[index] = value.mid
        self.rad[index] = value.rad

    def symmetrised(self) -> "Enc":
        """Lemma S: for an Enc of matrices of which only the symmetric members matter,
        mid made exactly symmetric by copying its upper triangle, rad = max(rad, rad^T).
        Still an enclosure of every symmetric member
        (|X_ij - mid_ji| = |X_ji - mid_ji| <= rad_ji); finiteness is required."""
        require_finite(self.mid, self.rad)
        mid = np.triu(self.mid) + np.triu(self.mid, 1).T
        return Enc(mid, np.maximum(self.rad, self.rad.T))


def row_sum_bounds(A) -> np.ndarray:
    """Upper bounds of sum_j |A_ij| (Lemma U: at most ncols roundings)."""
    if A.shape[1] > MAX_DEPTH:
        raise ArithmeticError("matrix too large for the a-priori bound")
    return up(np.abs(A).sum(axis=1))


def proposal(x) -> np.ndarray:
    """A numpy proposal (Cholesky factor, eigenvectors, inverse) as a C-contiguous
    float64 array; raises ArithmeticError unless every entry is finite."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    require_finite(x)
    return x


def quiet(test):
    """Run a fast test with numpy's floating-point warnings off: an overflow or a NaN
    is caught by the test's own finiteness checks (a "no"), and must not become an
    exception when warnings are errors (python -W error)."""
    @functools.wraps(test)
    def wrapped(*args, **kwargs):
        with np.errstate(all="ignore"):
            return test(*args, **kwargs)
    return wrapped


@quiet
def positive_definite(H: Enc, mu: arb) -> bool:
    """True only if lambda_min(X) > mu for every real symmetric X with
    |X - H.mid| <= H.rad, where H.mid is exactly symmetric (Lemma C):

      L is ANY float matrix (numpy's Cholesky factor of fl(H.mid - s I); its
      accuracy is not assumed).  Z = (H.mid - s I) - L L^T is symmetric, and
      Lemmas A and G enclose it; nu >= max_i sum_j |Z_ij| bounds ||Z||_2.
      L L^T is positive semidefinite, so lambda_min(H.mid - s I) >= -nu (Weyl);
      X - H.mid is symmetric with ||X - H.mid||_2 <= rho = max_i sum_j H.rad_ij.
    Hence lambda_min(X) >= s - nu - rho, compared with mu in arb (every float
    converts to arb exactly)."""
    mid = H.mid
    N = mid.shape[0]
    if N > MAX_DEPTH // 2 or not mu > 0 or not environment_ok():
        return False
    if mid.shape != (N, N) or not np.array_equal(mid, mid.T):
        return False                  # Z is symmetric only if the midpoint is
    try:
        require_finite(mid, H.rad)
        rho = float(np.max(row_sum_bounds(H.rad)))
        mu_f = float_above(mu)
    except ArithmeticError:
        return False
    g = 2 * (2 * N + 8) * U
    diag = np.diag(mid)
    # the shift: a float guess, s ~ mu + rho + a few times the expected Cholesky residual
    s = mu_f + rho + 4 * g * (float(np.abs(diag).sum()) + N * (mu_f + rho)) + 2.0 ** -900
    A = mid.copy()
    A[np.diag_indices(N)] = diag - s
    try:
        L = proposal(np.linalg.cholesky(A))
        if not np.isfinite(s):
            return False
        shifted_mid = Enc.exact(mid) - Enc.exact(s * np.eye(N))   # s * 1 and s * 0 are exact
        Z = shifted_mid - Enc.exact(L) @ Enc.exact(L.T)
        require_finite(Z.mid, Z.rad)
        nu = float(np.max(row_sum_bounds(np.abs(Z.mid) + Z.rad)))
    except (ArithmeticError, np.linalg.LinAlgError):
        return False
    if not np.isfinite(nu):
        return False
    lower = binary64.to_arb(s) - binary64.to_arb(nu) - binary64.to_arb(rho)
    return bool(lower > mu)


def gershgorin_signs(S: Enc) -> np.ndarray:
    """For a square Enc S: +1 where row i's Gershgorin disc is proved to lie in
    (0, inf) for every member, -1 where in (-inf, 0), 0 where neither: with
    R_i = up(sum_{j != i} (|S.mid_ij| + S.rad_ij) + S.rad_ii) (Lemma U), every
    member's disc [X_ii - sum_{j != i} |X_ij|, X_ii + ...] lies in
    [S.mid_ii - R_i, S.mid_ii + R_i]; S.mid_ii > R_i and S.mid_ii < -R_i are exact
    float comparisons."""
    off = np.abs(S.mid) + S.rad
    off[np.diag_indices(len(off))] = 0.0
    R = up(row_sum_bounds(off) + np.diag(S.rad))
    centre = np.diag(S.mid)
    return np.where(centre > R, 1, np.where(centre < -R, -1, 0))


@quiet
def eigenvalue_counts(H: Enc, mu: arb):
    """(p_plus, p_minus) such that every real symmetric X with |X - H.mid| <= H.rad
    has exactly p_plus eigenvalues < mu and p_minus eigenvalues < -mu, with neither
    +mu nor -mu an eigenvalue (requires mu > 0); None if not proved (Lemma I):

      Q is ANY float matrix (LAPACK eigenvectors of H.mid; not trusted).  For
      s = +mu and s = -mu, Enc(Q^T) @ H @ Enc(Q) - Enc(s) * (Enc(Q^T) @ Enc(Q))
      encloses Q^T (X - s I) Q (Lemmas G, P, A), a symmetric matrix; if every
      Gershgorin disc of the enclosure avoids 0 and p_s of them are negative,
      then Q^T (X - s I) Q is nonsingular with p_s negative eigenvalues
      (Gershgorin counting, kernel.inertia), hence so is X - s I (Sylvester).
    Then X has p_plus - p_minus eigenvalues in [-mu, mu) and, if p_plus = p_minus,
    Morse index p_plus with no eigenvalue in [-mu, mu]."""
    N = H.mid.shape[0]
    if N > MAX_DEPTH or H.mid.shape != (N, N) or not mu > 0 or not environment_ok():
        return None
    try:
        require_finite(H.mid, H.rad)
        Q = proposal(np.linalg.eigh(H.mid)[1])
        Qe, QTe = Enc.exact(Q), Enc.exact(Q.T)
        B = (QTe @ H) @ Qe
        G = QTe @ Qe
        counts = []
        for shift in (mu, -mu):
            S = B - Enc.from_arbs([shift], ()) * G
            require_finite(S.mid, S.rad)
            signs = gershgorin_signs(S)
            if not np.all(signs):
                return None
            counts.append(int(np.count_nonzero(signs < 0)))
    except (ArithmeticError, np.linalg.LinAlgError):
        return None
    return tuple(counts)


@quiet
def krawczyk_contains(y: list, J: Enc, r: arb) -> bool:
    """True only if Krawczyk's test passes (Lemma K): y encloses g(c) (arb balls),
    J encloses g'(x) for every x in X = c + [-r, r]^N, C = float inverse of J.mid
    (any real C is allowed).  Proves, for every i,
        |(C y)_i| + r sum_j |(I - C J)_ij| < r        for all J in the Enc,
    by  |C y| <= up(|C| yu),  yu_i >= |y_i|,  and
        sum_j |(I - C J)_ij| <= sum_j |Z_ij| + 2U |Z_ii| + (|C| (g |J.mid| 1 + J.rad 1))_i
    with P = fl(C J.mid), Z = fl(I - P), g = 2 N U (Lemma G)."""
    N = J.mid.shape[0]
    if N > MAX_DEPTH or not r > 0 or not environment_ok():
        return False
    try:
        require_finite(J.mid, J.rad)
        C = proposal(np.linalg.inv(J.mid))
        yu = np.array([float_above(v.abs_upper()) for v in y])
        r_f = float_above(r)
    except (ArithmeticError, np.linalg.LinAlgError):
        return False
    absC = np.abs(C)
    g = 2 * N * U
    Z = -(C @ J.mid)
    Z[np.diag_indices(N)] += 1.0
    inner = up(g * row_sum_bounds(J.mid) + row_sum_bounds(J.rad))
    rows = up(row_sum_bounds(Z) + 2 * U * np.abs(np.diag(Z)) + up(absC @ inner))
    cy = up(absC @ yu)
    bound = up(cy + r_f * rows)
    if not np.all(np.isfinite(bound)):
        return False
    return bool(binary64.to_arb(float(np.max(bound))) < r)


# ---------------------------------------------------------------------------
# float guesses for the arb tests (any output is admissible; see module doc)
# ---------------------------------------------------------------------------
def midpoint_floats(A: arb_mat) -> np.ndarray:
    """Nearest binary64 values of the midpoints of A, as an array."""
    values = [float(x.mid()) for x in A.entries()]
    return np.array(values, dtype=float).reshape(A.nrows(), A.ncols())


def exact_arb_mat(M: np.ndarray) -> arb_mat:
    """The float matrix M as an arb_mat (exact; ArithmeticError on non-finite entries)."""
    M = proposal(M)
    return arb_mat(M.shape[0], M.shape[1], M.ravel().tolist())


@quiet
def approximate_inverse(J: arb_mat) -> arb_mat:
    """C ~ mid(J)^-1, the matrix of Krawczyk's test (any real C is sound)."""
    try:
        return exact_arb_mat(np.linalg.inv(midpoint_floats(J)))
    except np.linalg.LinAlgError as err:
        raise ArithmeticError(f"midpoint Jacobian is singular: {err}") from None


@quiet
def approximate_eigenvectors(H: arb_mat) -> arb_mat:
    """Q ~ eigenvectors of the symmetrised midpoint of H, the congruence of the
    posdef and inertia tests (any real Q is sound)."""
    Hm = midpoint_floats(H)
    if not np.all(np.isfinite(Hm)):
        raise ArithmeticError("Hessian enclosure is not finite")
    try:
        return exact_arb_mat(np.linalg.eigh((Hm + Hm.T) / 2)[1])
    except np.linalg.LinAlgError as err:
        raise ArithmeticError(f"no eigenvectors of the midpoint: {err}") from None
