"""Method "transition": the k* at which the (q, k - q) family turns from a saddle into a
minimum (docs/families.md §8; format in docs/format.md "Method transition").

A chain of family pieces (kernel.family.method) over [k_first, k_last], each marked by the
state of the isotypic block "std_big" (the std representation of the big block, the block
whose eigenvalue crosses 0):
    "negative"  on the piece (a cover by sub-intervals, method.on_subintervals) the block has
                exactly one negative eigenvalue and no eigenvalue in [-MARGIN, MARGIN];
    "crossing"  exactly one such piece, with a claimed interval [s_lo*, s_hi*] inside it;
    "positive"  the block is positive definite.
In order of increasing k: negative pieces, the crossing piece, positive pieces.  Every other
block, the d > k block, the branch (Krawczyk) and the chain are proved as for a family.

On the crossing piece, with M(t) the std block at the branch point (scaled by a fixed
diagonal congruence) and M_poly(t) = sum_n M_n t^n the polynomial part of its Taylor model:
  inertia   on a cover by sub-intervals the enclosure has exactly one eigenvalue in (-mu, mu)
            and none below: the other four eigenvalues exceed mu (mu = the claimed margin);
  weyl      E = M - M_poly satisfies ||E||_2 <= eps < mu (row sums of the remainder balls),
            so the small eigenvalue lambda(t) of M is within eps of that of M_poly, whose
            other eigenvalues are in (0, Lam], Lam >= ||M_poly||_2;
  det       d(t) = det M_poly(t) (an exact polynomial with ball coefficients) has d' < 0 on
            the piece, d(t_hi*) < -eps Lam^4 and d(t_lo*) > eps Lam^4: lambda < 0 for
            t >= t_hi* (smaller k), lambda > 0 for t <= t_lo* (larger k);
  unique    on T* = [t_lo*, t_hi*], D(t) = det M(theta(t), t) has D' < 0 (Jacobi's formula,
            with dM/dt along the branch from theta' = -(d grad phi / d theta)^-1 d grad phi/ds
            solved rigorously), so lambda has exactly one zero t*: k* = (s_mid + t*)^-2 lies
            in [s_hi*^-2, s_lo*^-2].
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from flint import arb, arb_mat, arb_series, ctx

from .. import dyadic, format, krawczyk
from ..claims import ClaimResult, MatrixBox, prove_morse_index, prove_positive_definite
from ..fastfloat import approximate_eigenvectors
from ..format import FormatError
from ..inertia import negative_count_below
from ..reduced import blocks as reduced
from ..reduced.series import SJet, coefficient, constant, length_at_least
from . import method as family
from . import structure
from .model import Piece, horner, power

NAME = "transition"
KINDS = ("transition",)
KEYS = {"format", "version", "kind", "method", "blocks", "teacher", "d_max", "prec", "pieces",
        "crossing", "software"}
STATES = ("negative", "crossing", "positive")
CROSSING = "std_big"


@dataclass(frozen=True)
class Statement:
    """For every real k in [k_first, k_last]: one branch theta(k); every isotypic block but
    std_big and the d > k block positive definite; std_big has exactly one negative
    eigenvalue for k < k*, is singular at k*, positive definite for k > k*, with
    k* in [s_hi*^-2, s_lo*^-2] unique.  At integer k < k*: a nondegenerate saddle of Morse
    index k - q - 1 (= dim std_big) for every d >= k; at integer k > k*: a spurious minimum."""
    header: family.Header
    q: int
    pieces: tuple
    states: tuple
    star: tuple          # (s_lo*, s_hi*) dyadic strings
    margin: str          # mu

    @property
    def k_range(self) -> tuple:
        hi, lo = format.exact(self.pieces[0].s_hi), format.exact(self.pieces[-1].s_lo)
        return 1 / (hi * hi), 1 / (lo * lo)

    @property
    def k_star(self) -> tuple:
        """(k_lo*, k_hi*) exact fractions."""
        lo, hi = (format.exact(x) for x in self.star)
        return 1 / (hi * hi), 1 / (lo * lo)


def read(obj) -> Statement:
    header = family.read_header(obj, KINDS, KEYS)
    q = family.read_blocks(obj)
    pieces = family.read_pieces(obj["pieces"], q, extra_keys={"std"})
    states = tuple(p["std"] for p in obj["pieces"])
    if any(state not in STATES for state in states):
        raise FormatError("pieces", f"every piece needs 'std' in {list(STATES)}")
    if states.count("crossing") != 1:
        raise FormatError("pieces", "exactly one piece must be the crossing piece")
    c = states.index("crossing")
    if set(states[:c]) - {"negative"} or set(states[c + 1:]) - {"positive"}:
        raise FormatError("pieces", "in order of increasing k: negative pieces, the crossing piece, "
                                    "positive pieces")
    crossing = obj["crossing"]
    if not isinstance(crossing, dict) or set(crossing) != {"s", "margin"}:
        raise FormatError("crossing", "must have exactly the keys s and margin")
    star = format.read_vector(crossing["s"], 2, "crossing.s")
    lo, hi = (format.exact(x) for x in star)
    piece = pieces[c]
    if not format.exact(piece.s_lo) < lo < hi < format.exact(piece.s_hi):
        raise FormatError("crossing.s", "must be [s_lo*, s_hi*] strictly inside the crossing piece")
    margin = format.read_dyadic(crossing["margin"], "crossing.margin")
    if not format.exact(margin) > 0:
        raise FormatError("crossing.margin", "must be positive")
    return Statement(header, q, pieces, states, star, margin)


# ---------------------------------------------------------------------------
# linear algebra on enclosures
# ---------------------------------------------------------------------------
def row_norm(A: arb_mat) -> arb:
    """An upper bound of max_i sum_j |A_ij| (>= ||A||_2 for symmetric members)."""
    return max(krawczyk.row_abs_sums(A), key=lambda x: x.upper()).upper()


def determinant(rows: list):
    """Leibniz's formula on a small square list of numbers or series."""
    n = len(rows)
    total = None
    for perm in itertools.permutations(range(n)):
        sign = -1 if sum(1 for i in range(n) for j in range(i + 1, n) if perm[i] > perm[j]) % 2 else 1
        term = rows[0][perm[0]]
        for i in range(1, n):
            term = term * rows[i][perm[i]]
        term = term if sign > 0 else -term
        total = term if total is None else total + term
    return total


def solve(A: arb_mat, b: arb_mat) -> arb_mat | None:
    """A ball vector containing the solution x of A x = b for every A, b in the balls, or None.
    With C any matrix (a float inverse of mid A) and delta >= ||I - C A||_inf < 1:
    x = C b + (I - C A) x, so |x|_inf <= |C b|_inf / (1 - delta) and
    |x - C b|_i <= delta |x|_inf."""
    from ..fastfloat import approximate_inverse
    try:
        C = approximate_inverse(A)
    except ArithmeticError:
        return None
    delta = row_norm(krawczyk.identity(A.nrows()) - C * A)
    if not delta < 1:
        return None
    x0 = C * b
    size = max((x0[i, 0].abs_upper() for i in range(x0.nrows())), key=lambda x: x.upper())
    spread = arb(0, (delta * size / (1 - delta)).upper())
    return arb_mat([[x0[i, 0] + spread] for i in range(x0.nrows())])


def scaled(M: arb_mat, scale: list) -> arb_mat:
    n = M.nrows()
    return arb_mat([[M[i, j] * scale[i] * scale[j] for j in range(n)] for i in range(n)])


# ---------------------------------------------------------------------------
# the crossing piece
# ---------------------------------------------------------------------------
class _Directional:
    """Stand-in for model.Evaluation: theta and k as series in sigma along the branch direction,
    theta = X* + sigma theta', s = S* + sigma (length 2)."""

    def __init__(self, theta_box: list, theta_prime: list, s_ball: arb):
        self.length = 2
        self._theta = [arb_series([x, d], prec=2) for x, d in zip(theta_box, theta_prime)]
        s = arb_series([s_ball, arb(1)], prec=2)
        self.k = 1 / (s * s)

    def theta(self):
        return self._theta


def branch_slope(q: int, theta_box: list, s_ball: arb) -> list | None:
    """An enclosure of d theta / ds = -(d2 phi/d theta2)^-1 d2 phi/(d theta ds) for every theta in
    theta_box, s in s_ball (None if not proved)."""
    D = len(theta_box)
    one = constant(arb(1), 1)
    s = s_ball
    k = SJet(constant(1 / (s * s), 1), {D: constant(-2 / (s * s * s), 1)},
             {(D, D): constant(6 / (s * s * s * s), 1)})
    theta = [SJet(constant(x, 1), {i: one}, {}) for i, x in enumerate(theta_box)]
    sizes = structure.sizes(q, k)
    jet = reduced.block_loss(sizes, dict(zip(reduced.parameter_names(sizes), theta)))
    H = jet.hessian(D + 1)
    A = arb_mat([[coefficient(H[i][j], 0) for j in range(D)] for i in range(D)])
    b = arb_mat([[-coefficient(H[i][D], 0)] for i in range(D)])
    x = solve(A, b)
    return None if x is None else [x[i, 0] for i in range(D)]


def crossing_polynomials(piece: Piece, model) -> dict:
    """The scaled Taylor model of the crossing block on a piece: scale (a fixed diagonal
    congruence from the t = 0 coefficient), coeffs (M_n), eps >= ||E||_2 with E the remainder
    part, lam >= ||M_poly(t)||_2 on T, and the coefficients of d = det M_poly and of d'."""
    N = piece.order
    _, h, _ = piece.balls()
    T = arb(0, h)
    size = model.coeffs[0].nrows()
    scale = [arb(1 / math.sqrt(max(abs(float(model.coeffs[0][i, i].mid())), 1e-300))) for i in range(size)]
    coeffs = [scaled(C, scale) for C in model.coeffs]
    eps = row_norm(scaled(model.rem * power(T, N + 1) + model.var, scale))
    lam = row_norm(horner(coeffs, T))
    with length_at_least(size * N + 1):
        series = [[arb_series([C[a, b] for C in coeffs], prec=size * N + 1) for b in range(size)]
                  for a in range(size)]
        d = determinant(series)
        dd = d.derivative()
    return {"scale": scale, "coeffs": coeffs, "eps": eps, "lam": lam, "size": size,
            "d": [coefficient(d, n) for n in range(size * N + 1)],
            "dd": [coefficient(dd, n) for n in range(size * N)]}


def prove_crossing(q: int, piece: Piece, models: dict, star: tuple, mu: arb) -> str | None:
    """None if every crossing claim holds on the piece, else the reason."""
    block = next(b for b in structure.blocks(q) if b.name == CROSSING)
    model = models[CROSSING]
    s_mid, h, _ = piece.balls()
    P = crossing_polynomials(piece, model)
    scale, eps, lam, size = P["scale"], P["eps"], P["lam"], P["size"]
    if not eps < mu:
        return f"the Taylor-model error {eps.str(3)} is not below the margin"
    def one_small_eigenvalue(T):
        M = scaled(model.enclose(T), scale)
        try:
            Q = approximate_eigenvectors(M)
        except ArithmeticError:
            return False
        return negative_count_below(M, -mu, Q) == 0 and negative_count_below(M, mu, Q) == 1

    d_coeffs, dd_coeffs = P["d"], P["dd"]
    edges = piece.edges()
    failed = family.on_subintervals(one_small_eigenvalue, edges)
    if failed is not None:
        return f"sub-interval {failed}: could not prove exactly one eigenvalue in (-mu, mu) and none below"
    failed = family.on_subintervals(lambda T: horner(dd_coeffs, T) < 0, edges)
    if failed is not None:
        return f"sub-interval {failed}: could not prove that det of the block decreases in s"
    t_lo, t_hi = (dyadic.to_arb(x) - s_mid for x in star)
    threshold = eps * power(lam, size - 1)
    if not (horner(d_coeffs, t_hi) < -threshold and horner(d_coeffs, t_lo) > threshold):
        return "the determinant does not change sign with margin across [s_lo*, s_hi*]"
    # uniqueness on T*: D(t) = det M(theta(t), t) strictly decreasing
    T_star = t_lo.union(t_hi)
    theta_box = [horner([dyadic.to_arb(c) for c in row], T_star) + dyadic.to_arb(w) * arb(0, 1)
                 for row, w in zip(piece.centre, piece.radius)]
    s_ball = s_mid + T_star
    slope = branch_slope(q, theta_box, s_ball)
    if slope is None:
        return "could not enclose the slope of the branch on [s_lo*, s_hi*]"
    with length_at_least(2):
        jet = family.block_jet(q, block, _Directional(theta_box, slope, s_ball))
    H = jet.hessian(size)
    M = scaled(model.enclose(T_star), scale)
    Mp = scaled(arb_mat([[coefficient(H[a][b], 1) for b in range(size)] for a in range(size)]), scale)
    rows = [[M[a, b] for b in range(size)] for a in range(size)]
    derivative = arb(0)
    for i in range(size):                                    # Jacobi: D' = sum_i det(M, row i -> M')
        replaced = [rows[a] if a != i else [Mp[i, b] for b in range(size)] for a in range(size)]
        derivative += determinant(replaced)
    if not derivative < 0:
        return "could not prove that det of the block is strictly monotone on [s_lo*, s_hi*]"
    return None


cost = family.cost      # the same pieces, one more block test each (kernel.family.method.cost)


def prove(statement: Statement, plan=None) -> list:
    """Every claim over every piece, each proved or refused (plan: whether the fast tests
    are used; the budget is checked against cost() before the call)."""
    fast = True if plan is None else plan.fast
    q = statement.q
    failures = {name: None for name in ("smooth", "critical", "hessian", "extra_dims", "std_index")}
    mu = format.exact(statement.margin)
    with ctx.workprec(statement.header.prec):
        mu = arb(mu.numerator) / mu.denominator
        for i, (piece, state) in enumerate(zip(statement.pieces, statement.states)):
            if plan is not None and plan.overrun():
                return [family.overrun_result(plan, i, len(statement.pieces))]
            try:
                with length_at_least(piece.order + 2):
                    models = family.piece_models(q, piece)
            except (ArithmeticError, ValueError, ZeroDivisionError) as err:
                failures["smooth"] = f"piece {i}: {str(err)[:100]}"
                break
            for name, reason in family.test_splits(q, piece, models, i, skip=(CROSSING,), fast=fast).items():
                if reason is not None and failures[name] is None:
                    failures[name] = reason
            if failures["std_index"] is None:
                reason = _std_state(q, piece, models, state, statement, mu, fast)
                if reason is not None:
                    failures["std_index"] = f"piece {i} ({state}): {reason}"
    if failures["smooth"] is not None:
        return [ClaimResult("smooth", False, failures["smooth"])]
    lo, hi = statement.k_range
    klo, khi = statement.k_star
    span = f"every real k in [{float(lo):.6g}, {float(hi):.6g}]"
    details = {"smooth": f"no zero neuron and no parallel pair on any box, {span}",
               "critical": f"exactly one zero of grad phi in the box, {span}",
               "hessian": f"every isotypic block but {CROSSING} positive definite, {span}",
               "extra_dims": f"the d > k block positive definite, {span}",
               "std_index": f"{CROSSING}: one negative eigenvalue for k < k*, positive definite for "
                            f"k > k*, k* unique in [{math.nextafter(float(klo), -math.inf):.17g}, "
                            f"{math.nextafter(float(khi), math.inf):.17g}]"}
    results = [ClaimResult(name, failures[name] is None, failures[name] or details[name])
               for name in ("smooth", "critical", "hessian", "extra_dims", "std_index")]
    return results + [family.prove_chain(statement.pieces, statement.header.prec)]


def _std_state(q, piece, models, state, statement, mu, fast: bool = True) -> str | None:
    if state == "crossing":
        try:
            return prove_crossing(q, piece, models, statement.star, mu)
        except (ArithmeticError, ValueError, ZeroDivisionError) as err:
            return f"no enclosure ({str(err)[:80]})"
    def test(T):
        block = MatrixBox.of_arb_mat(family.equilibrated(models[CROSSING].enclose(T)))
        if state == "negative":
            return prove_morse_index(block, family.MARGIN, 1, family.test_plan(fast)).proved
        return prove_positive_definite(block, family.MARGIN, CROSSING, family.test_plan(fast)).proved

    with ctx.workprec(min(ctx.prec, family.SPLIT_PREC)):
        failed = family.on_subintervals(test, piece.edges())
    return None if failed is None else f"sub-interval {failed}: the std block is not proved {state}"


def loss(statement: Statement):
    """A ball containing phi(c(t), k(t)) over the first piece (for display only)."""
    return family.loss(statement)
