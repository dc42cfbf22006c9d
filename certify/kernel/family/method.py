"""Method "family": the (q, k - q) branch of critical points for every real k of a range,
a strict spurious local minimum at every integer k in it, for every input dimension d >= k
(docs/families.md, format in docs/format.md "Method family").

The certificate is a chain of pieces in s = k^(-1/2) (decreasing s, increasing k), each
with a box X(t) = c(t) +- w moving with t = s - s_mid (kernel.family.model).  Per piece, on
a cover of its t-range by sub-intervals T_j (on_subintervals), with Taylor-model enclosures
over X(t) x T_j:
  smooth      every pair geometry is nondegenerate on the whole region (else NotSmooth);
  critical    Krawczyk's test for u -> w * grad phi(c(t) + w u, k(t)) on U = [-1, 1]^D with
              t as a parameter (the enclosures hold for every t in T_j): for every real k
              of the piece exactly one zero theta(k) of grad phi in X(t);
  hessian     the Hessian of phi in u (the trivial isotypic block) and every other isotypic
              block of kernel.family.structure are positive definite on the region;
  extra_dims  the d > k matrix M, reduced to vectors constant on the blocks of
              structure.extra_structure, is positive definite on the region;
  chain       at each junction between consecutive pieces one box contains the other (exact
              rational arithmetic), so both pieces follow the same zero: one continuous branch.
A pair geometry that is nondegenerate includes every (neuron, teacher vector) pair, so no
neuron is parallel to a teacher vector: then F > 0 at the critical point (docs/families.md,
kink lemma) and the minimum at every integer k is spurious.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from flint import arb, arb_mat, ctx

from .. import dyadic, format
from ..claims import ClaimResult, MatrixBox, prove_critical_point, prove_positive_definite
from ..cost import OVERRUN, UNLIMITED, Cost, Estimate, Plan
from ..format import FormatError
from ..pair import NotSmooth
from ..reduced import blocks as reduced
from ..reduced.series import SJet, constant, length_at_least
from . import structure
from .model import Evaluation, Piece, horner, matrix_model, vector_model

NAME = "family"
KINDS = ("family",)
KEYS = {"format", "version", "kind", "method", "blocks", "teacher", "d_max", "prec", "pieces",
        "tail", "software"}
MAX_PIECES = 4000
MAX_ORDER = 30
MAX_SPLITS = 256
MARGIN = arb(2) ** -200        # positive definiteness is proved as lambda_min > MARGIN > 0
SPLIT_PREC = 96                # the per-sub-interval tests only resolve O(1) margins of the models


@dataclass(frozen=True)
class Header:
    kind: str
    method: str
    prec: int


@dataclass(frozen=True)
class Statement:
    """For every real k in [k_first, k_last] (k = s^-2 over the pieces) the reduced gradient of
    the (q, k - q) structure has exactly one zero theta(k) in the box of its piece, continuous
    in k; at every integer k there, W(theta(k)) is a strict spurious local minimum of F for
    every input dimension d >= k."""
    header: Header
    q: int
    pieces: tuple

    @property
    def k_range(self) -> tuple:
        """(k_first, k_last) as exact fractions."""
        hi, lo = format.exact(self.pieces[0].s_hi), format.exact(self.pieces[-1].s_lo)
        return 1 / (hi * hi), 1 / (lo * lo)


def read_header(obj, kinds: tuple, keys: set) -> Header:
    """The common fields of the family and transition certificates."""
    format.read_envelope(obj, keys, kinds)
    if obj["teacher"] != "identity":
        raise FormatError("teacher", "must be the string 'identity' (V = first k rows of I_d)")
    if obj["d_max"] is not None:
        raise FormatError("d_max", "must be null: the statement is for every input dimension d >= k")
    return Header(obj["kind"], obj["method"], format.read_int(obj, "prec", *format.PREC_RANGE))


def read_blocks(obj) -> int:
    """blocks = [q, "k-q"], q in structure.SMALL_BLOCKS."""
    value = obj["blocks"]
    if (not isinstance(value, list) or len(value) != 2 or type(value[0]) is not int
            or value[0] not in structure.SMALL_BLOCKS or value[1] != f"k-{value[0]}"):
        raise FormatError("blocks", "must be [1, \"k-1\"] or [2, \"k-2\"]")
    return value[0]


PIECE_KEYS = {"s", "order", "splits", "centre", "radius"}


def read_piece(value, D: int, field: str, extra_keys: set = frozenset()) -> Piece:
    keys = PIECE_KEYS | set(extra_keys)
    if not isinstance(value, dict) or set(value) != keys:
        raise FormatError(field, f"must have exactly the keys {', '.join(sorted(keys))}")
    s = format.read_vector(value["s"], 2, f"{field}.s")
    lo, hi = format.exact(s[0]), format.exact(s[1])
    if not 0 < lo < hi < 1:
        raise FormatError(f"{field}.s", "must be [s_lo, s_hi] with 0 < s_lo < s_hi < 1 (s = k^-1/2)")
    order = format.read_int(value, "order", 0, MAX_ORDER)
    splits = format.read_int(value, "splits", 1, MAX_SPLITS)
    centre = format.read_matrix(value["centre"], D, order + 1, f"{field}.centre")
    radius = format.read_vector(value["radius"], D, f"{field}.radius")
    if not all(format.exact(w) > 0 for w in radius):
        raise FormatError(f"{field}.radius", "every radius must be positive")
    return Piece(s[0], s[1], order, splits, centre, radius)


def read_pieces(value, q: int, field: str = "pieces", extra_keys: set = frozenset()) -> tuple:
    """A nonempty chain of pieces in order of increasing k: piece i+1 starts (s_hi) exactly where
    piece i ends (s_lo): no gap, no overlap; the first starts above k = q + 3 (big block > 3)."""
    D = len(reduced.parameter_names(structure.sizes(q, 10)))
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PIECES:
        raise FormatError(field, f"must be a list of 1..{MAX_PIECES} pieces")
    pieces = tuple(read_piece(p, D, f"{field}[{i}]", extra_keys) for i, p in enumerate(value))
    for i in range(len(pieces) - 1):
        end, start = format.exact(pieces[i].s_lo), format.exact(pieces[i + 1].s_hi)
        if start != end:
            raise FormatError(f"{field}[{i + 1}].s", "a gap or an overlap: each piece must start (s_hi) "
                                                     "exactly where the previous one ends (s_lo)")
    s_top = format.exact(pieces[0].s_hi)
    if not s_top * s_top * (q + 3) < 1:
        raise FormatError(f"{field}[0].s", f"below the family's start: k must exceed {q + 3} "
                                           "(the big block must have more than 3 indices)")
    return pieces


def read(obj) -> Statement:
    header = read_header(obj, KINDS, KEYS)
    q = read_blocks(obj)
    if obj["tail"] is not None:
        raise FormatError("tail", "must be null (no chart at k = infinity in this version)")
    return Statement(header, q, read_pieces(obj["pieces"], q))


# ---------------------------------------------------------------------------
# the quantities of a piece, at one evaluation point (kernel.family.model.Evaluation)
# ---------------------------------------------------------------------------
def branch_jet(q: int, E: Evaluation) -> SJet:
    """phi of the structure (q, k - q) in the jet variables u (theta = c(t) + w u)."""
    sizes = structure.sizes(q, E.k)
    return reduced.block_loss(sizes, dict(zip(reduced.parameter_names(sizes), E.branch_variables())))


def block_jet(q: int, block: structure.Block, E: Evaluation) -> SJet:
    """phi of the block's refinement at the refined point of theta, in the jet variables y:
    refined parameters = refined point + sum_j y_j z_j.  Its Hessian in y is the block matrix."""
    sizes = structure.sizes(q, E.k)
    coarse = dict(zip(reduced.parameter_names(sizes), E.theta()))
    p = E.k - q
    refined = block.sizes(p)
    point = structure.refined_point(coarse, refined, block.parent)
    theta = dict(point)                        # series; jets only where a direction enters
    for j, z in enumerate(block.vectors(p)):
        y = SJet.variable(constant(0, E.length), j)
        for name, coeff in z.items():
            theta[name] = y * coeff + theta[name]
    return reduced.block_loss(refined, theta)


def extra_jet(q: int, E: Evaluation) -> SJet:
    """phi with one extra input coordinate, z = zeta_a on refined block a, as a jet in zeta at 0:
    its Hessian is M restricted to the vectors constant on the refined blocks."""
    sizes = structure.sizes(q, E.k)
    coarse = dict(zip(reduced.parameter_names(sizes), E.theta()))
    refined_sizes, parent = structure.extra_structure(q)
    refined = refined_sizes(E.k - q)
    point = structure.refined_point(coarse, refined, parent)
    zeta = [SJet.variable(constant(0, E.length), a) for a in range(len(refined))]
    return reduced.block_loss(refined, point, zeta=zeta)


def piece_models(q: int, piece: Piece) -> dict:
    """Models (kernel.family.model) of: the gradient and Hessian in u of phi, every block
    matrix, the reduced M.  Raises NotSmooth if a pair geometry may degenerate."""
    evaluations = {mode: Evaluation(piece, mode) for mode in ("point", "remainder", "box")}
    N = piece.order
    D = len(piece.centre)
    jets = {mode: branch_jet(q, E) for mode, E in evaluations.items()}
    models = {"gradient": vector_model(jets["point"].gradient(D), jets["remainder"].gradient(D), N),
              "hessian": matrix_model(*(jets[m].hessian(D) for m in ("point", "remainder", "box")), N)}
    for block in structure.blocks(q):
        jets = {mode: block_jet(q, block, E) for mode, E in evaluations.items()}
        size = len(block.vectors(3))
        models[block.name] = matrix_model(*(jets[m].hessian(size) for m in ("point", "remainder", "box")), N)
    jets = {mode: extra_jet(q, E) for mode, E in evaluations.items()}
    size = len(structure.extra_structure(q)[0](3))
    models["extra"] = matrix_model(*(jets[m].hessian(size) for m in ("point", "remainder", "box")), N)
    return models


def equilibrated(M: arb_mat) -> arb_mat:
    """S M S with S = diag(1 / sqrt|mid M_ii|) (binary64 numbers, exact in arb): a congruence,
    so M is positive definite exactly when S M S is; it only makes the test well scaled."""
    n = M.nrows()
    scale = [arb(1 / math.sqrt(max(abs(float(M[i, i].mid())), 1e-300))) for i in range(n)]
    return arb_mat([[M[i, j] * scale[i] * scale[j] for j in range(n)] for i in range(n)])


def test_plan(fast: bool) -> Plan:
    """A fresh plan for one sub-interval test: fast tests as the verification chose,
    every arb fallback allowed (the budget was checked against cost() up front)."""
    return Plan(None, fast, UNLIMITED)


SECONDS_PER_PIECE = 0.26      # (1, k-1), D = 5, order 12, prec <= 256, splits 8 (bench/bench_family.py)
SECONDS_PER_TEST = 0.002      # one sub-interval test at D = 5 (about 1 ms measured, x2)


def piece_seconds(piece: Piece, D: int, prec: int) -> float:
    """A piece's Taylor models (series of length order + 2: quadratic in it; linear in the
    precision above 256 bits; cubic in D) and its sub-interval tests (four claims, each
    tried on the whole range and bisected where it fails: about 2 + log2(splits) tests
    when they pass; a run past that is stopped by Plan.overrun)."""
    models = SECONDS_PER_PIECE * (D / 5) ** 3 * ((piece.order + 2) / 14) ** 2 * max(1.0, prec / 256)
    tests = SECONDS_PER_TEST * (D / 5) ** 3 * 4 * (2 + math.log2(piece.splits))
    return models + tests


def cost(statement) -> Estimate:
    """The estimate of a family or transition statement: a sum over its pieces
    (piece_seconds); the junction tests (nested_at_junction, a few arb operations) are negligible."""
    D = len(reduced.parameter_names(structure.sizes(statement.q, 2 * statement.q + 2)))
    prec = statement.header.prec
    seconds = 0.05 + sum(piece_seconds(p, D, prec) for p in statement.pieces)
    return Estimate(Cost(seconds, 5e7 + 2e5 * len(statement.pieces)), Cost(), Cost())


def prove_piece(q: int, piece: Piece, index: int, fast: bool = True) -> dict:
    """claim name -> None (proved) or the reason it was not, for one piece."""
    try:
        with length_at_least(piece.order + 2):
            models = piece_models(q, piece)
    except NotSmooth as err:
        return {"smooth": f"piece {index}: {err}"}
    except (ArithmeticError, ValueError, ZeroDivisionError) as err:   # a ball too wide to continue
        return {"smooth": f"piece {index}: no enclosure ({str(err)[:80]})"}
    return test_splits(q, piece, models, index, fast=fast)


def on_subintervals(test, edges: list):
    """None if test(T) holds for a cover of [edges[0], edges[-1]] by unions of consecutive
    sub-intervals [edges[i], edges[j]] (tried whole first, bisected where it fails, down to
    single sub-intervals), else the index of a single sub-interval where it fails.  Sound
    because a claim proved on a union holds on each of its parts."""
    def cover(i: int, j: int):
        if test(edges[i].union(edges[j])):
            return None
        if j - i == 1:
            return i
        m = (i + j) // 2
        failed = cover(i, m)
        return failed if failed is not None else cover(m, j)
    return cover(0, len(edges) - 1)


def test_splits(q: int, piece: Piece, models: dict, index: int, skip: tuple = (), fast: bool = True) -> dict:
    """The claims critical, hessian (every block but those in `skip`), extra_dims on the piece,
    each on a cover by unions of its sub-intervals (on_subintervals)."""
    failures = {name: None for name in ("smooth", "critical", "hessian", "extra_dims")}
    edges = piece.edges()
    names = [name for name in ["hessian"] + [b.name for b in structure.blocks(q)] if name not in skip]

    def critical(T):
        g, J = models["gradient"].enclose(T), models["hessian"].enclose(T)
        return prove_critical_point([g[i, 0] for i in range(g.nrows())], arb(1), MatrixBox.of_arb_mat(J),
                                    test_plan(fast)).proved

    def positive(name):
        def test(T):
            block = MatrixBox.of_arb_mat(equilibrated(models[name].enclose(T)))
            return prove_positive_definite(block, MARGIN, name, test_plan(fast)).proved
        return test

    with ctx.workprec(min(ctx.prec, SPLIT_PREC)):
        failed = on_subintervals(critical, edges)
        if failed is not None:
            failures["critical"] = f"piece {index}, sub-interval {failed}: no Krawczyk proof of a unique zero"
        for name in names:
            failed = on_subintervals(positive(name), edges)
            if failed is not None:
                failures["hessian"] = f"piece {index}, sub-interval {failed}, block {name!r}: not proved positive definite"
                break
        failed = on_subintervals(positive("extra"), edges)
        if failed is not None:
            failures["extra_dims"] = f"piece {index}, sub-interval {failed}: not proved positive definite"
    return failures


def centre_at(piece: Piece, s: arb) -> list:
    """Balls containing the centre c(s - s_mid) of a piece at s (Horner in arb)."""
    t = s - (dyadic.to_arb(piece.s_lo) + dyadic.to_arb(piece.s_hi)) / 2
    return [horner([dyadic.to_arb(c) for c in row], t) for row in piece.centre]


def nested_at_junction(before: Piece, after: Piece) -> bool:
    """At s = before.s_lo = after.s_hi: one box contains the other, proved by arb
    comparisons (each true only if it holds for every point of its balls), at a cost
    independent of the sizes of the numbers."""
    s = dyadic.to_arb(before.s_lo)
    ca, cb = centre_at(before, s), centre_at(after, s)
    wa = [dyadic.to_arb(w) for w in before.radius]
    wb = [dyadic.to_arb(w) for w in after.radius]
    a_in_b = all(abs(x - y) + u <= v for x, y, u, v in zip(ca, cb, wa, wb))
    b_in_a = all(abs(x - y) + v <= u for x, y, u, v in zip(ca, cb, wa, wb))
    return a_in_b or b_in_a


def overrun_result(plan: Plan, done: int, pieces: int) -> ClaimResult:
    return ClaimResult("pieces", False, f"stopped after {done} of {pieces} pieces: the run took more "
                                        f"than {OVERRUN} times the time limit ({plan.budget})",
                       too_costly=True)


def prove_chain(pieces: tuple, prec: int) -> ClaimResult:
    """At every junction one box contains the other (arb at prec bits)."""
    with ctx.workprec(prec):
        nested = [nested_at_junction(pieces[i], pieces[i + 1]) for i in range(len(pieces) - 1)]
    for i, ok in enumerate(nested):
        if not ok:
            return ClaimResult("chain", False, f"at the junction of pieces {i} and {i + 1} neither box "
                                               "contains the other")
    return ClaimResult("chain", True, f"{len(pieces)} pieces, nested boxes at every junction: one "
                                      "continuous branch")


def prove(statement: Statement, plan: Plan | None = None) -> list:
    """Every claim over every piece, each proved or refused (plan: whether the fast tests
    are used; the budget is checked against cost() before the call)."""
    fast = True if plan is None else plan.fast
    q = statement.q
    failures = {name: None for name in ("smooth", "critical", "hessian", "extra_dims")}
    with ctx.workprec(statement.header.prec):
        for i, piece in enumerate(statement.pieces):
            if plan is not None and plan.overrun():
                return [overrun_result(plan, i, len(statement.pieces))]
            for name, reason in prove_piece(q, piece, i, fast).items():
                if reason is not None and failures[name] is None:
                    failures[name] = reason
            if failures["smooth"] is not None:
                break
    lo, hi = statement.k_range
    span = f"every real k in [{float(lo):.6g}, {float(hi):.6g}]"
    details = {"smooth": f"no zero neuron and no parallel pair on any box, {span}",
               "critical": f"exactly one zero of grad phi in the box, {span}",
               "hessian": f"every isotypic block of the Hessian positive definite, {span}",
               "extra_dims": f"the d > k block positive definite, {span}"}
    if failures["smooth"] is not None:
        return [ClaimResult("smooth", False, failures["smooth"])]
    results = [ClaimResult(name, failures[name] is None, failures[name] or details[name])
               for name in ("smooth", "critical", "hessian", "extra_dims")]
    return results + [prove_chain(statement.pieces, statement.header.prec)]


def loss(statement: Statement):
    """A ball containing phi(c(t), k(t)) over the first piece (for display only)."""
    piece = statement.pieces[0]
    with ctx.workprec(statement.header.prec), length_at_least(piece.order + 2):
        E = Evaluation(piece, "remainder")
        sizes = structure.sizes(statement.q, E.k)
        out = reduced.block_loss(sizes, dict(zip(reduced.parameter_names(sizes), E.c)))
        return out.coeffs()[0]
