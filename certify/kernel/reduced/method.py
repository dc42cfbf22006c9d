"""Method "symmetric": read and prove a block-symmetric certificate (docs/symmetric.md).

The box is X = {theta : |theta_o - c_o| <= r} in the parameters of the block
ansatz (kernel.reduced.blocks); W(theta) is the G-fixed k x k point.  Claims:
  smooth     every |w_i| > 0 and no pair among {w_i} u {e_l} parallel on X
             (every pair of the full problem has one of the geometries checked).
  loss       loss_lower <= phi <= loss_upper on X, loss_lower > 0.
  hessian    lambda_min(H(W)) > mu on X.  K = the subgroup of G fixing min(p_a, 2)
             named indices of every block pointwise; K = Delta of the refined block
             structure p' (`blocks.refine`).  H commutes with G, so Fix(K) is
             H-invariant and every irreducible type of G occurring in R^{k x k} has a
             nonzero K-fixed vector, hence spec(H) = spec(H restricted to Fix(K)) as
             sets.  In the orthonormal basis E_o / sqrt|o| of Fix(K) that restriction
             is D^{-1/2} (Hess phi_{p'}) D^{-1/2}, D = diag of the orbit sizes |o|.
  extra_dims the n x n matrix M of the d > k lemma, restricted the same way to the
             K-fixed vectors of R^n (constant on refined blocks).
  critical   Krawczyk for grad phi on X.  grad F(W) lies in Fix(G) for W in Fix(G)
             (equivariance), and grad phi = (<E_o, grad F>)_o is injective on Fix(G),
             so the unique zero theta* of grad phi in X gives grad F(W(theta*)) = 0.
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import ctx

from .. import dyadic, format
from ..claims import MATRIX_PREC, ClaimResult, MatrixBox, prove_critical_point, prove_loss, prove_positive_definite
from ..cost import Plan
from ..format import EXTRA_CLAIM, FormatError
from ..pair import NotSmooth
from . import blocks as reduced
from .cost import cost  # noqa: F401  (the method's cost model, kernel.methods)

NAME = "symmetric"
KINDS = ("local_minimum",)
MAX_K = 10 ** 7           # counts are exact integers in arb; cost does not depend on k
MAX_BLOCKS = 3            # refined structure: <= 9 blocks, <= 84 parameters (m = 4 would take ~25 s)
KEYS = {"teacher", "blocks"}
CLAIMS = {"loss_lower", "loss_upper", "hessian_min_eig_lower"}


@dataclass(frozen=True)
class Statement:
    """W(theta*) for the unique zero theta* of grad phi in the box is a strict local
    minimum of F (teacher I_k, n = d = k) with the stated bounds, for every input
    dimension in [d, d_max] (None: unbounded)."""
    header: format.Header
    blocks: tuple
    box: format.Box          # centre: dyadic strings, order of blocks.parameter_names
    claims: dict


def read(obj) -> Statement:
    """Validate the decoded JSON of a symmetric certificate (docs/format.md)."""
    header = format.read_header(obj, KEYS, KINDS, (2, MAX_K))
    k = header.k
    if header.n != k or header.d != k:
        raise FormatError("n", "the symmetric method needs n = d = k")
    if obj["teacher"] != "identity":
        raise FormatError("teacher", "must be the string 'identity' (V = first k rows of I_d)")
    blocks = obj["blocks"]
    if (not isinstance(blocks, list) or not 1 <= len(blocks) <= MAX_BLOCKS
            or any(type(p) is not int or p < 1 for p in blocks) or sum(blocks) != k):
        raise FormatError("blocks", f"must be 1..{MAX_BLOCKS} positive integers with sum k")
    size = len(reduced.parameter_names(blocks))
    box = format.read_box(obj, lambda value: format.read_vector(value, size, "box.centre"))
    claims = format.read_claims(obj, CLAIMS | format.extra_claim(header))
    return Statement(header, tuple(blocks), box, claims)


def loss(statement: Statement):
    """A ball containing phi(theta) for every theta in the box (NotSmooth if not smooth)."""
    with ctx.workprec(statement.header.prec):
        box, _, _ = statement.box.balls()
        return reduced.block_loss(list(statement.blocks),
                                  dict(zip(reduced.parameter_names(statement.blocks), box)))


def prove(statement: Statement, plan: Plan | None = None) -> list[ClaimResult]:
    """Every claim, each proved, refused or too costly to check (within `plan`), in the
    order of the dense prover."""
    plan = plan or Plan.unlimited()
    blocks = list(statement.blocks)
    claims = {key: dyadic.to_arb(value) for key, value in statement.claims.items()}
    with ctx.workprec(statement.header.prec):
        box, centre, r = statement.box.balls()
        try:
            F = loss(statement)                                              # phi on the box
            J = reduced.block_loss(blocks, reduced.jets(blocks, box)).h      # Hess phi on the box
            grad = reduced.block_loss(blocks, reduced.jets(blocks, centre)).g  # grad phi at the centre
            H = reduced.reduced_hessian(blocks, box)
            M = (reduced.reduced_extra_block(blocks, box)
                 if statement.header.covers_extra_dimensions else None)
        except NotSmooth as err:
            return [ClaimResult("smooth", False, str(err))]
    with ctx.workprec(MATRIX_PREC):     # the matrix tests resolve O(1) margins, as in the dense method
        results = [ClaimResult("smooth", True, "no zero neuron, no parallel pair on the box"),
                   prove_loss(F, claims["loss_lower"], claims["loss_upper"], plan),
                   prove_positive_definite(MatrixBox.of_arb_mat(H), claims["hessian_min_eig_lower"],
                                           "hessian", plan)]
        if M is not None:
            results.append(prove_positive_definite(MatrixBox.of_arb_mat(M), claims[EXTRA_CLAIM],
                                                   "extra_dims", plan))
        # Krawczyk for grad phi (phi is not claimed convex on the box: no Lemma E)
        y = [grad[i, 0] for i in range(grad.nrows())]
        results.append(prove_critical_point(y, r, MatrixBox.of_arb_mat(J), plan))
    return results
