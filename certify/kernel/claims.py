"""The proof steps every method shares: each returns a ClaimResult, and every "yes"
is an arb comparison (or a fast float test with proved bounds, kernel.fastfloat).

  prove_loss              lower <= F <= upper on the box (and lower > 0 for a minimum)
  prove_positive_definite lambda_min > mu for every symmetric matrix of a MatrixBox
  prove_morse_index       exactly p negative eigenvalues and none in [-mu, mu]
  prove_critical_point    exactly one zero of g in the box (strict convexity or Krawczyk)

Matrix claims try the floating-point tests first (docs/fast-checks.md), then the
arb tests of kernel.posdef / kernel.krawczyk / kernel.inertia on the same set.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import arb, arb_mat, ctx

from . import fastfloat, inertia, krawczyk, posdef

MATRIX_PREC = 53      # the matrix tests resolve O(1) margins only


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    proved: bool
    detail: str


def _text(x: arb) -> str:
    return x.mid().str(10, radius=False)


class MatrixBox:
    """A symmetric interval matrix, built on first use (None if it cannot be):
    `enc()` a float mid-rad enclosure (kernel.fastfloat) for the fast tests,
    `arb()` the same set as an arb_mat for the arb tests (the fallback)."""

    def __init__(self, make_enc, exact: arb_mat | None = None):
        self._make_enc, self._exact, self._enc = make_enc, exact, False

    def enc(self):
        if self._enc is False:
            try:
                with ctx.workprec(MATRIX_PREC):
                    self._enc = self._make_enc()
            except ArithmeticError:          # includes NotSmooth: refuse
                self._enc = None
        return self._enc

    def arb(self):
        if self._exact is None and self.enc() is not None:
            self._exact = self.enc().to_arb_mat()
        return self._exact

    @classmethod
    def of_arb_mat(cls, A: arb_mat) -> "MatrixBox":
        shape = (A.nrows(), A.ncols())
        return cls(lambda: fastfloat.symmetrised(fastfloat.Enc.from_arbs(A.entries(), shape)), A)


def prove_loss(F: arb, lower: arb, upper: arb, spurious: bool = True) -> ClaimResult:
    """lower <= F <= upper, F a ball enclosing the loss on the box (and lower > 0
    when `spurious`: then F > 0 = inf F on the box)."""
    if spurious and not lower > 0:
        return ClaimResult("loss", False, "claimed loss lower bound is not positive")
    if lower <= F and F <= upper:
        return ClaimResult("loss", True, f"F in {F.str(12)} on the box" + (", > 0" if spurious else ""))
    return ClaimResult("loss", False, f"F on the box is {F.str(12)}, not inside the claimed bounds")


def prove_positive_definite(H: MatrixBox, mu: arb, name: str) -> ClaimResult:
    """lambda_min > mu > 0 for every symmetric matrix enclosed by H: the float
    Cholesky test (fastfloat.positive_definite) first, the arb congruence test
    (posdef) if it fails."""
    if not mu > 0:
        return ClaimResult(name, False, "claimed eigenvalue bound is not positive")
    enc = H.enc()
    if enc is not None and fastfloat.positive_definite(enc, mu):
        return ClaimResult(name, True, f"lambda_min > {_text(mu)} on the box"
                                       " (float Cholesky with a-priori bounds)")
    A = H.arb()
    if A is None:
        return ClaimResult(name, False, "no enclosure of the matrix on the box")
    try:
        Q = fastfloat.approximate_eigenvectors(A)
    except ArithmeticError as err:
        return ClaimResult(name, False, str(err))
    if posdef.min_eigenvalue_exceeds(A, mu, Q):
        return ClaimResult(name, True, f"lambda_min > {_text(mu)} on the box")
    return ClaimResult(name, False, "could not prove lambda_min > claimed bound on the box")


def prove_morse_index(H: MatrixBox, mu: arb, index: int) -> ClaimResult:
    """Every symmetric matrix in H has exactly `index` negative eigenvalues and
    none in [-mu, mu], with mu > 0 (kernel.inertia)."""
    if not mu > 0:
        return ClaimResult("index", False, "claimed eigenvalue gap is not positive")
    A = H.arb()
    if A is None:
        return ClaimResult("index", False, "no enclosure of the Hessian on the box")
    try:
        Q = fastfloat.approximate_eigenvectors(A)
    except ArithmeticError as err:
        return ClaimResult("index", False, str(err))
    proved = inertia.certified_index(A, mu, Q)
    if proved is None:
        return ClaimResult("index", False, "could not prove that no eigenvalue lies in [-mu, mu] on the box")
    if proved != index:
        return ClaimResult("index", False, f"the Morse index is {proved}, not the claimed {index}")
    return ClaimResult("index", True, f"Morse index {index}, no eigenvalue in "
                                      f"[-{_text(mu)}, {_text(mu)}] on the box")


def prove_critical_point(y: list, r: arb, J: MatrixBox, convex_mu: arb | None = None) -> ClaimResult:
    """Exactly one zero of g in the box c + [-r, r]^N: the balls y enclose g(c), J
    encloses g' on the box.  convex_mu: None, or a PROVED mu > 0 with
    lambda_min(J) > mu on the box; then |g(c)|_2 < mu r / 2 proves the claim by
    strict convexity (docs/fast-checks.md, Lemma E).  Otherwise Krawczyk's test:
    float first, arb if it fails."""
    if convex_mu is not None and convex_mu > 0:
        half = convex_mu * r / 2
        if sum((g * g for g in y), arb(0)) < half * half:
            return ClaimResult("critical", True, "exactly one zero of the gradient in the box (strict"
                                                 " convexity: lambda_min > mu on the box, |grad(c)| < mu r/2)")
    enc = J.enc()
    if enc is not None and fastfloat.krawczyk_contains(y, enc, r):
        return ClaimResult("critical", True, "Krawczyk: exactly one zero of the gradient in the box"
                                             " (float test with a-priori bounds)")
    A = J.arb()
    if A is None:
        return ClaimResult("critical", False, "no enclosure of the Hessian on the box")
    try:
        C = fastfloat.approximate_inverse(A)
    except ArithmeticError as err:
        return ClaimResult("critical", False, str(err))
    if krawczyk.unique_zero_in_box(y, A, C, r):
        return ClaimResult("critical", True, "Krawczyk: exactly one zero of the gradient in the box")
    return ClaimResult("critical", False, "Krawczyk test failed: no proof of a zero of the gradient in the box")
