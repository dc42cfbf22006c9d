"""Method "dense": read and prove a certificate whose box is an n x d matrix.

For the box X = {W : |W_ia - c_ia| <= r} of a Statement, with teacher V:
  smooth       every |w_i| > 0 and no two of {w_i} u {v_j} parallel on X
               (so F is real-analytic on a neighbourhood of X);
  loss         loss_lower <= F(W) <= loss_upper on X, and loss_lower > 0 for a
               local minimum, so F(W*) > 0 = inf F: the minimum is spurious;
  hessian      lambda_min(H(W)) > mu for every W in X, mu = hessian_min_eig_lower > 0;
  extra_dims   lambda_min(M(W)) > mu' for every W in X (only when d_max > d), so
               [W*, 0] is the same kind of critical point for every input dimension
               in [d, d_max] (docs/mathematics.md section 4);
  critical     grad F has exactly one zero W* in X (strict convexity once
               `hessian` is proved, else Krawczyk).
Kind "saddle" (fastfloat.eigenvalue_counts, then kernel.inertia): instead of `hessian`,
  index        every H(W), W in X, has no eigenvalue in [-mu, mu] (mu =
               hessian_min_abs_eig_lower > 0) and exactly morse_index negative
               ones; and `loss` without the sign condition on loss_lower.

Precision: F, grad F(c) and the pair scalars (kernel.dense.geometry) are evaluated
at the statement's `prec` bits (near-parallel pairs lose bits in 1 - cos^2); the
Hessian enclosure (kernel.dense.hessian: floats for the fast tests, arb balls for
the arb tests) and the matrix tests need only resolve O(1) margins and run at
MATRIX_PREC bits.  Ball arithmetic is rigorous at any precision: a lower
precision can only widen balls, i.e. make a test fail.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import ctx

from .. import dyadic, format
from ..ballarray import Balls
from ..claims import (MATRIX_PREC, ClaimResult, MatrixBox, prove_critical_point, prove_loss,
                      prove_morse_index, prove_positive_definite)
from ..cost import Plan
from ..format import EXTRA_CLAIM, FormatError
from . import geometry
from .cost import cost  # noqa: F401  (the method's cost model, kernel.methods)
from .hessian import hessian_enclosure

NAME = "dense"
KINDS = ("local_minimum", "saddle")
MAX_VARIABLES = 1600          # n * d (k = 40 for n = d = k): bounds time and memory
KEYS = {"teacher"}            # fields beyond format.HEADER_KEYS
MINIMUM_CLAIMS = {"loss_lower", "loss_upper", "hessian_min_eig_lower"}
SADDLE_CLAIMS = {"loss_lower", "loss_upper", "hessian_min_abs_eig_lower", "morse_index"}


@dataclass(frozen=True)
class Statement:
    """The box holds exactly one critical point W* of F (teacher rows `teacher`), a
    strict local minimum (kind "local_minimum") or a nondegenerate saddle with
    claims["morse_index"] negative Hessian eigenvalues (kind "saddle"), for every
    input dimension in [d, d_max] (d_max None: unbounded), with the stated bounds."""
    header: format.Header
    teacher: tuple          # k rows of d dyadic strings
    box: format.Box         # centre: n rows of d dyadic strings
    claims: dict            # claim name -> dyadic string (morse_index: int)


def require_orthonormal(teacher: tuple) -> None:
    """Exact check that the teacher rows are orthonormal: with every entry
    written as A_ia * 2^E for one common exponent E <= 0 and integers A_ia,
    V V^T = I  <=>  sum_a A_ia A_ja = 4^(-E) [i = j]  (integer arithmetic)."""
    parsed = [[dyadic.parse(x) for x in row] for row in teacher]
    E = min([0] + [e for row in parsed for m, e in row if m])
    rows = [{a: m << (e - E) for a, (m, e) in enumerate(row) if m} for row in parsed]
    one = 1 << (-2 * E)
    for i, a in enumerate(rows):
        for j, b in enumerate(rows[: i + 1]):
            dot = sum(x * b[col] for col, x in a.items() if col in b)
            if dot != (one if i == j else 0):
                raise FormatError("teacher", f"rows {j} and {i} are not orthonormal")


def read(obj) -> Statement:
    """Validate the decoded JSON of a dense certificate (docs/format.md)."""
    header = format.read_header(obj, KEYS, KINDS, (1, MAX_VARIABLES))
    n, d, k = header.n, header.d, header.k
    if n * d > MAX_VARIABLES:
        raise FormatError("n", f"n * d = {n * d} exceeds {MAX_VARIABLES} variables")
    teacher = format.read_matrix(obj["teacher"], k, d, "teacher")
    require_orthonormal(teacher)
    box = format.read_box(obj, lambda value: format.read_matrix(value, n, d, "box.centre"))
    base = SADDLE_CLAIMS if header.kind == "saddle" else MINIMUM_CLAIMS
    claims = format.read_claims(obj, base | format.extra_claim(header),
                                {"morse_index": (1, n * d - 1)})
    return Statement(header, teacher, box, claims)


def _balls(statement: Statement):
    """(W, c, r, V) at the working precision: the box as balls, its exact centre and
    radius, the exact teacher."""
    W, c, r = statement.box.balls()
    V = [[dyadic.to_arb(x) for x in row] for row in statement.teacher]
    return W, c, r, V


def loss(statement: Statement):
    """A ball containing F(W) for every W in the box (NotSmooth if not smooth there)."""
    with ctx.workprec(statement.header.prec):
        W, _, _, V = _balls(statement)
        return geometry.loss(W, V)


def prove(statement: Statement, plan: Plan | None = None) -> list[ClaimResult]:
    """Every claim of the statement, each proved, refused or (within `plan`, default:
    fast tests first and every arb fallback allowed) too costly to check, in order."""
    plan = plan or Plan.unlimited()
    header = statement.header
    claims = {key: value if type(value) is int else dyadic.to_arb(value)
              for key, value in statement.claims.items()}
    saddle = header.kind == "saddle"
    try:
        with ctx.workprec(header.prec):   # pair scalars tight even for near-parallel pairs
            W, c, r, V = _balls(statement)
            geo = geometry.Geometry(W, V)     # raises NotSmooth unless smooth on the box
            loss = geometry.loss_of(geo, V)
            grad = [g for row in geometry.gradient(c, V) for g in row]
        with ctx.workprec(MATRIX_PREC):
            M = (MatrixBox.of_arb_mat(geo.extra_dimension_block())
                 if header.covers_extra_dimensions else None)
        H = MatrixBox(lambda: hessian_enclosure(geo), lambda: hessian_enclosure(geo, Balls).to_arb_mat())
        results = [ClaimResult("smooth", True, "no zero neuron, no parallel pair on the box"),
                   prove_loss(loss, claims["loss_lower"], claims["loss_upper"], plan, spurious=not saddle)]
    except geometry.NotSmooth as err:
        return [ClaimResult("smooth", False, str(err))]
    convex_mu = None
    with ctx.workprec(MATRIX_PREC):
        if saddle:
            results.append(prove_morse_index(H, claims["hessian_min_abs_eig_lower"], claims["morse_index"],
                                             plan))
        else:
            results.append(prove_positive_definite(H, claims["hessian_min_eig_lower"], "hessian", plan))
            if results[-1].proved:
                convex_mu = claims["hessian_min_eig_lower"]
        if M is not None:
            results.append(prove_positive_definite(M, claims[EXTRA_CLAIM], "extra_dims", plan))
        results.append(prove_critical_point(grad, r, H, plan, convex_mu))
    return results
