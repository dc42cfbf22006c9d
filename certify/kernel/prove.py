"""Re-prove every claim of a Statement: every "yes" is an arb comparison.

For the box X = {W : |W_ia - c_ia| <= r} of a Statement, with teacher V:
  smooth       every |w_i| > 0 and no two of {w_i} u {v_j} parallel on X
               (so F is real-analytic on a neighbourhood of X);
  critical     grad F has exactly one zero W* in X (strict convexity once
               `hessian` is proved, else Krawczyk);
  hessian      lambda_min(H(W)) > mu for every W in X, mu = hessian_min_eig_lower > 0;
  extra_dims   lambda_min(M(W)) > mu' for every W in X (only when d_max > d), so
               [W*, 0] is a strict local minimum for every input dimension >= d;
  loss         loss_lower <= F(W) <= loss_upper on X, and loss_lower > 0,
               so F(W*) > 0 = inf F: the minimum is spurious.
Kind "saddle" (kernel.inertia): instead of `hessian`,
  index        every H(W), W in X, has no eigenvalue in [-mu, mu] (mu =
               hessian_min_abs_eig_lower > 0) and exactly morse_index negative
               ones; and `loss` without the sign condition on loss_lower.
Matrix claims are tried first with the floating-point tests of
kernel.fastfloat (a-priori error bounds, docs/fast-checks.md), then with the
arb tests of kernel.posdef / kernel.krawczyk on the same enclosure; numpy
supplies only unchecked preconditioners (kernel.preconditioners).

Precision: F, grad F(c) and the pair scalars (kernel.geometry) are evaluated at
the statement's `prec` bits (F and grad F must resolve quantities of size
~2^-prec; near-parallel pairs lose bits in 1 - cos^2); the Hessian enclosure
and the matrix tests need only to resolve O(1) margins and run at MATRIX_PREC
bits.  Ball arithmetic is rigorous at any
precision: a lower precision can only widen balls, i.e. make a test fail.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import arb, arb_mat, ctx

from . import dyadic, fastfloat, geometry, inertia, krawczyk, posdef, preconditioners
from .statement import EXTRA_CLAIM, Statement

MATRIX_PREC = 53


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    proved: bool
    detail: str


def box_balls(statement: Statement):
    """(W, V, centre, r): W = centre +- r as arb balls, V and centre exact."""
    r = dyadic.to_arb(statement.radius)
    spread = arb(0, dyadic.parse(statement.radius))  # the ball [-r, r]
    centre = [[dyadic.to_arb(x) for x in row] for row in statement.centre]
    W = [[c + spread for c in row] for row in centre]
    V = [[dyadic.to_arb(x) for x in row] for row in statement.teacher]
    return W, V, centre, r


class MatrixBox:
    """A symmetric interval matrix, built on first use (None if it cannot be):
    `enc()` a float mid-rad enclosure (kernel.fastfloat) for the fast tests,
    `arb()` the same set as an arb_mat, or an exactly given arb_mat, for the
    arb tests (the fallback when a fast test fails)."""

    def __init__(self, make_enc, exact: arb_mat | None = None):
        self._make_enc, self._exact, self._enc = make_enc, exact, False

    def enc(self):
        if self._enc is False:
            try:
                with ctx.workprec(MATRIX_PREC):
                    self._enc = self._make_enc()
            except ArithmeticError:          # includes geometry.NotSmooth: refuse
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


def prove_positive_definite(H: MatrixBox, mu: arb, name: str) -> ClaimResult:
    """lambda_min > mu for every symmetric matrix enclosed by H, with mu > 0:
    the float Cholesky test (fastfloat.positive_definite) first, the arb
    congruence test (posdef) if it fails."""
    if not mu > 0:
        return ClaimResult(name, False, "claimed eigenvalue bound is not positive")
    enc = H.enc()
    if enc is not None and fastfloat.positive_definite(enc, mu):
        return ClaimResult(name, True, f"lambda_min > {mu.mid().str(10, radius=False)} on the box"
                                       " (float Cholesky with a-priori bounds)")
    A = H.arb()
    if A is None:
        return ClaimResult(name, False, "no enclosure of the matrix on the box")
    try:
        _, Q = preconditioners.approximate_eigenvectors(A)
    except ArithmeticError as err:
        return ClaimResult(name, False, str(err))
    if posdef.min_eigenvalue_exceeds(A, mu, Q):
        return ClaimResult(name, True, f"lambda_min > {mu.mid().str(10, radius=False)} on the box")
    return ClaimResult(name, False, "could not prove lambda_min > claimed bound on the box")


def prove_morse_index(H: arb_mat, mu: arb, index: int) -> ClaimResult:
    """Every symmetric matrix in H has exactly `index` negative eigenvalues and
    none in [-mu, mu], with mu > 0 (kernel.inertia)."""
    if H is None:
        return ClaimResult("index", False, "no enclosure of the Hessian on the box")
    if not mu > 0:
        return ClaimResult("index", False, "claimed eigenvalue gap is not positive")
    try:
        _, Q = preconditioners.approximate_eigenvectors(H)
    except ArithmeticError as err:
        return ClaimResult("index", False, str(err))
    proved = inertia.certified_index(H, mu, Q)
    if proved is None:
        return ClaimResult("index", False, "could not prove that no eigenvalue lies in [-mu, mu] on the box")
    if proved != index:
        return ClaimResult("index", False, f"the Morse index is {proved}, not the claimed {index}")
    return ClaimResult("index", True, f"Morse index {index}, no eigenvalue in "
                                      f"[-{mu.mid().str(10, radius=False)}, {mu.mid().str(10, radius=False)}] on the box")


def prove_loss(F: arb, lower: arb, upper: arb, spurious: bool = True) -> ClaimResult:
    """lower <= F <= upper, F a ball enclosing the loss on the box (and lower > 0
    when `spurious`)."""
    if spurious and not lower > 0:
        return ClaimResult("loss", False, "claimed loss lower bound is not positive")
    if lower <= F and F <= upper:
        return ClaimResult("loss", True, f"F in {F.str(12)} on the box" + (", > 0" if spurious else ""))
    return ClaimResult("loss", False, f"F on the box is {F.str(12)}, not inside the claimed bounds")


def prove_critical_point(grad, r: arb, H: MatrixBox, convex_mu: arb | None = None) -> ClaimResult:
    """Exactly one zero of g in the box c + [-r, r]^N: grad (rows of balls)
    encloses g(c), H encloses g' on the box.  convex_mu: None, or a PROVED
    mu > 0 with lambda_min(H(W)) > mu for every W in the box; then
    |g(c)|_2 < mu r / 2 proves the claim by strict convexity (docs/fast-checks.md,
    Lemma E).  Otherwise Krawczyk's test: float first, arb if it fails."""
    y = [g for row in grad for g in row]
    if convex_mu is not None and convex_mu > 0:
        half = convex_mu * r / 2
        if sum((g * g for g in y), arb(0)) < half * half:
            return ClaimResult("critical", True, "exactly one zero of grad F in the box (strict"
                                                 " convexity: lambda_min > mu on the box, |grad F(c)| < mu r/2)")
    enc = H.enc()
    if enc is not None and fastfloat.krawczyk_contains(y, enc, r):
        return ClaimResult("critical", True, "Krawczyk: exactly one zero of grad F in the box"
                                             " (float test with a-priori bounds)")
    J = H.arb()
    if J is None:
        return ClaimResult("critical", False, "no enclosure of the Hessian on the box")
    try:
        C = preconditioners.approximate_inverse(J)
    except ArithmeticError as err:
        return ClaimResult("critical", False, str(err))
    if krawczyk.unique_zero_in_box(y, J, C, r):
        return ClaimResult("critical", True, "Krawczyk: exactly one zero of grad F in the box")
    return ClaimResult("critical", False, "Krawczyk test failed: no proof of a zero of grad F in the box")


def prove(statement: Statement) -> list[ClaimResult]:
    """Every claim of the statement, each proved or refused, in order."""
    claims = {key: value if type(value) is int else dyadic.to_arb(value)
              for key, value in statement.claims.items()}
    saddle = statement.kind == "saddle"
    with ctx.workprec(statement.prec):
        W, V, centre, r = box_balls(statement)
    try:
        with ctx.workprec(statement.prec):   # pair scalars tight even for near-parallel pairs
            geo = geometry.Geometry(W, V)    # raises NotSmooth unless smooth on the box
        with ctx.workprec(MATRIX_PREC):
            H = MatrixBox(lambda: fastfloat.hessian_enclosure(geo))
            M = (MatrixBox.of_arb_mat(geo.extra_dimension_block())
                 if statement.covers_extra_dimensions else None)
    except geometry.NotSmooth as err:
        return [ClaimResult("smooth", False, str(err))]
    try:
        with ctx.workprec(statement.prec):
            loss = prove_loss(geometry.loss(W, V), claims["loss_lower"], claims["loss_upper"],
                              spurious=not saddle)
            grad = geometry.gradient(centre, V)
    except geometry.NotSmooth as err:   # cannot happen after the pass above; refuse anyway
        return [ClaimResult("smooth", False, str(err))]
    results = [ClaimResult("smooth", True, "no zero neuron, no parallel pair on the box"), loss]
    convex_mu = None
    with ctx.workprec(MATRIX_PREC):
        if saddle:
            results.append(prove_morse_index(H.arb(), claims["hessian_min_abs_eig_lower"], claims["morse_index"]))
        else:
            results.append(prove_positive_definite(H, claims["hessian_min_eig_lower"], "hessian"))
            if results[-1].proved:
                convex_mu = claims["hessian_min_eig_lower"]
        if M is not None:
            results.append(prove_positive_definite(M, claims[EXTRA_CLAIM], "extra_dims"))
        results.append(prove_critical_point(grad, r, H, convex_mu))
    return results
