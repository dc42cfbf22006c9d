"""The proof steps every method shares: each returns a ClaimResult, and every "yes"
is an arb comparison (or a fast float test with proved bounds, kernel.fastfloat).

  prove_loss              lower <= F <= upper on the box (and lower > 0 for a minimum)
  prove_positive_definite lambda_min > mu for every symmetric matrix of a MatrixBox
  prove_morse_index       exactly p negative eigenvalues and none in [-mu, mu]
  prove_critical_point    exactly one zero of g in the box (strict convexity or Krawczyk)

Matrix claims try the floating-point tests first (docs/fast-checks.md) when the
plan allows them (kernel.cost.Plan: fast tests on, the floating-point environment
checked by kernel.fpenv), then the arb tests of kernel.posdef / kernel.krawczyk /
kernel.inertia on an arb enclosure of the same matrices, if the plan admits that
fallback (budget left, no claim refused yet).  A claim whose fallback is not
admitted for its cost is "too costly to check": not proved, not refused.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import arb, arb_mat, ctx

from . import fastfloat, inertia, krawczyk, posdef
from .cost import Plan

MATRIX_PREC = 53      # the matrix tests resolve O(1) margins only


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    proved: bool
    detail: str
    too_costly: bool = False     # not proved only because its arb test was over budget


def _text(x: arb) -> str:
    return x.mid().str(10, radius=False)


class MatrixBox:
    """A set of symmetric matrices, given by two enclosures built on first use:
    `enc()`  a float mid-rad enclosure (kernel.fastfloat.Enc) for the fast tests,
             None if it cannot be built (not finite, not smooth);
    `arb()`  an arb_mat enclosure for the arb tests, built without floating point.
    A float enclosure is built only if the calling thread passes kernel.fpenv."""

    def __init__(self, make_enc, make_arb):
        self._make_enc, self._make_arb = make_enc, make_arb
        self._enc = self._arb = False

    def enc(self):
        if self._enc is False:
            try:
                with ctx.workprec(MATRIX_PREC):      # numpy warnings off: finiteness is checked
                    self._enc = fastfloat.quiet(self._make_enc)() if fastfloat.environment_ok() else None
            except ArithmeticError:          # includes NotSmooth: refuse
                self._enc = None
        return self._enc

    def arb(self):
        if self._arb is False:
            try:
                with ctx.workprec(MATRIX_PREC):
                    self._arb = self._make_arb()
            except ArithmeticError:
                self._arb = None
        return self._arb

    @classmethod
    def of_arb_mat(cls, A: arb_mat) -> "MatrixBox":
        shape = (A.nrows(), A.ncols())
        return cls(lambda: fastfloat.Enc.from_arbs(A.entries(), shape).symmetrised(), lambda: A)


def _settle(plan: Plan, result: ClaimResult) -> ClaimResult:
    """Record a refusal in the plan (no arb fallback is tried after one)."""
    if not result.proved and not result.too_costly:
        plan.refused = True
    return result


def _not_tried(plan: Plan, name: str, fast_test: str) -> ClaimResult:
    """The result when the arb fallback of `name` is not admitted by the plan."""
    before = f"the {fast_test} failed and " if plan.fast else ""
    if plan.refused:
        return ClaimResult(name, False, f"{before}the arb test was not tried (another claim is refused)")
    return ClaimResult(name, False, f"{before}the arb test would take {plan.fallback_cost(name)} "
                                    f"(limits: {plan.budget})", too_costly=True)


def _arb_inputs(plan: Plan, name: str, fast_test: str, box: MatrixBox, propose):
    """(A, P) for the arb test of claim `name`: the arb enclosure of `box` and a float
    proposal propose(A) (any real matrix is sound) -- or the ClaimResult that ends the
    claim: fallback not admitted by the plan, no enclosure, no proposal."""
    if not plan.admit(name):
        return _not_tried(plan, name, fast_test)
    A = box.arb()
    if A is None:
        return _settle(plan, ClaimResult(name, False, "no enclosure of the matrix on the box"))
    try:
        return A, propose(A)
    except ArithmeticError as err:
        return _settle(plan, ClaimResult(name, False, str(err)))


def _tests(plan: Plan, fast_test: str, arb_test: str) -> str:
    """The tests that were tried and failed, for a refusal."""
    return f"{fast_test} and {arb_test}" if plan.fast else arb_test


def prove_loss(F: arb, lower: arb, upper: arb, plan: Plan, spurious: bool = True) -> ClaimResult:
    """lower <= F <= upper, F a ball enclosing the loss on the box (and lower > 0
    when `spurious`: then F > 0 = inf F on the box)."""
    if spurious and not lower > 0:
        return _settle(plan, ClaimResult("loss", False, "claimed loss lower bound is not positive"))
    if lower <= F and F <= upper:
        return ClaimResult("loss", True, f"F in {F.str(12)} on the box" + (", > 0" if spurious else ""))
    return _settle(plan, ClaimResult("loss", False, f"F on the box is {F.str(12)}, not inside the "
                                                    "claimed bounds"))


def prove_positive_definite(H: MatrixBox, mu: arb, name: str, plan: Plan) -> ClaimResult:
    """lambda_min > mu > 0 for every symmetric matrix enclosed by H: the float
    Cholesky test (fastfloat.positive_definite) first, the arb congruence test
    (posdef) if it fails."""
    if not mu > 0:
        return _settle(plan, ClaimResult(name, False, "claimed eigenvalue bound is not positive"))
    if plan.fast:
        enc = H.enc()
        if enc is not None and fastfloat.positive_definite(enc, mu):
            return ClaimResult(name, True, f"lambda_min > {_text(mu)} on the box"
                                           " (float Cholesky with a-priori bounds)")
    inputs = _arb_inputs(plan, name, "float Cholesky test", H, fastfloat.approximate_eigenvectors)
    if isinstance(inputs, ClaimResult):
        return inputs
    A, Q = inputs
    if posdef.min_eigenvalue_exceeds(A, mu, Q):
        return ClaimResult(name, True, f"lambda_min > {_text(mu)} on the box (arb congruence test)")
    return _settle(plan, ClaimResult(name, False, "could not prove lambda_min > claimed bound on the box "
                                                  f"({_tests(plan, 'float Cholesky test', 'arb congruence test')})"))


def _index_result(counts, index: int, mu: arb, how: str) -> ClaimResult:
    """The result for PROVED counts (p_plus, p_minus): #eigenvalues < +mu and < -mu,
    the same for every matrix of the set (kernel.inertia)."""
    below_plus, below_minus = counts
    if below_plus != below_minus:
        return ClaimResult("index", False, f"every matrix on the box has {below_plus - below_minus} "
                                           f"eigenvalue(s) in [-mu, mu] ({how})")
    if below_plus != index:
        return ClaimResult("index", False, f"the Morse index is {below_plus}, not the claimed {index} ({how})")
    return ClaimResult("index", True, f"Morse index {index}, no eigenvalue in "
                                      f"[-{_text(mu)}, {_text(mu)}] on the box ({how})")


def prove_morse_index(H: MatrixBox, mu: arb, index: int, plan: Plan) -> ClaimResult:
    """Every symmetric matrix in H has exactly `index` negative eigenvalues and
    none in [-mu, mu], with mu > 0: the float Gershgorin count on a congruence
    (fastfloat.eigenvalue_counts) first, the arb one (kernel.inertia) if it fails.
    Counts that are PROVED but disagree with the claim refuse it at once."""
    if not mu > 0:
        return _settle(plan, ClaimResult("index", False, "claimed eigenvalue gap is not positive"))
    if plan.fast:
        enc = H.enc()
        counts = fastfloat.eigenvalue_counts(enc, mu) if enc is not None else None
        if counts is not None:
            return _settle(plan, _index_result(counts, index, mu, "float Gershgorin count with a-priori bounds"))
    inputs = _arb_inputs(plan, "index", "float Gershgorin count", H, fastfloat.approximate_eigenvectors)
    if isinstance(inputs, ClaimResult):
        return inputs
    A, Q = inputs
    counts = inertia.eigenvalue_counts(A, mu, Q)
    if counts is None:
        return _settle(plan, ClaimResult("index", False, "could not prove that no eigenvalue lies in [-mu, mu] "
                                                         "on the box ("
                                                         f"{_tests(plan, 'float', 'arb Gershgorin count')})"))
    return _settle(plan, _index_result(counts, index, mu, "arb Gershgorin count"))


def prove_critical_point(y: list, r: arb, J: MatrixBox, plan: Plan,
                         convex_mu: arb | None = None) -> ClaimResult:
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
    if plan.fast:
        enc = J.enc()
        if enc is not None and fastfloat.krawczyk_contains(y, enc, r):
            return ClaimResult("critical", True, "Krawczyk: exactly one zero of the gradient in the box"
                                                 " (float test with a-priori bounds)")
    inputs = _arb_inputs(plan, "critical", "float Krawczyk test", J, fastfloat.approximate_inverse)
    if isinstance(inputs, ClaimResult):
        return inputs
    A, C = inputs
    if krawczyk.unique_zero_in_box(y, A, C, r):
        return ClaimResult("critical", True, "Krawczyk: exactly one zero of the gradient in the box (arb test)")
    return _settle(plan, ClaimResult("critical", False, "no proof of a zero of the gradient in the box ("
                                                        f"{_tests(plan, 'float', 'arb Krawczyk test')})"))
