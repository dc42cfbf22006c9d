"""The saddle -> minimum transition of a family ("method": "transition"), from docs/families.md 8.

Statement (docs/format.md "Method transition"): along the one branch theta(k) of the
(q, k - q) structure over the pieces, every isotypic block but std_big and the d > k block
are positive definite; std_big has exactly one negative eigenvalue (and none zero) for
k < k*, is positive definite for k > k*, with exactly one k* in [s_hi*^-2, s_lo*^-2].

Proof (docs/independent-checker.md section 10), with t = s - s_mid on each piece:
    family claims   smooth, critical, hessian (std_big skipped), extra_dims, chain: family.py
    negative piece  on every t of it: v^T M v < 0 and M + gamma v v^T > 0 (one negative
                    eigenvalue, none zero), M the std_big block on the box
    positive piece  M > 0
    crossing piece  M > 0 on [-h, t_lo*]; one negative eigenvalue, none zero on [t_hi*, h];
                    on T* = [t_lo*, t_hi*]: M + gamma v v^T > 0 (at most one eigenvalue <= 0)
                    and D(t) = det M(theta(t), t) has D' < 0 (Jacobi's formula, with the
                    branch slope theta' = -(Hess phi)^-1 d_s grad phi enclosed)
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from mpmath import iv, mp

from . import family, intervals, reader
from .jets import Jet
from .outcome import NotSmooth

METHOD = "transition"
TOP_KEYS = {"format", "version", "kind", "method", "blocks", "teacher", "d_max", "prec",
            "pieces", "crossing", "software"}
STATES = ("negative", "crossing", "positive")
STD = "std_big"
CROSSING_DEPTH = 64      # bisections towards the ends of the crossing interval


@dataclass(frozen=True)
class TransitionStatement:
    q: int
    prec: int
    pieces: tuple
    star: tuple          # (s_lo*, s_hi*)
    margin: Fraction


def seconds(st: TransitionStatement) -> float:
    """A rough estimate of prove(st): the family estimate, times 6 (the crossing piece and
    its neighbours are bisected to depth 64; 193-320 s measured for 6-7 pieces)."""
    return 6 * family.seconds(st)


def read(obj) -> TransitionStatement:
    q, prec = family.read_common(obj, TOP_KEYS, METHOD)
    pieces = family.read_pieces(obj["pieces"], q, extra={"std"})
    states = [p.std for p in pieces]
    if states.count("crossing") != 1:
        raise reader.FieldError("pieces", "exactly one piece must be the crossing piece")
    c = states.index("crossing")
    if set(states[:c]) - {"negative"} or set(states[c + 1:]) - {"positive"}:
        raise reader.FieldError("pieces", "in order of increasing k: negative pieces, the crossing "
                                          "piece, positive pieces")
    crossing = obj["crossing"]
    if type(crossing) is not dict or set(crossing) != {"s", "margin"}:
        raise reader.FieldError("crossing", "must have exactly the keys 's' and 'margin'")
    star = crossing["s"]
    if type(star) is not list or len(star) != 2:
        raise reader.FieldError("crossing.s", "must be [s_lo*, s_hi*]")
    lo, hi = reader.dyadic(star[0], "crossing.s"), reader.dyadic(star[1], "crossing.s")
    piece = pieces[c]
    if not piece.s_lo < lo < hi < piece.s_hi:
        raise reader.FieldError("crossing.s", "must lie strictly inside the crossing piece")
    margin = reader.dyadic(crossing["margin"], "crossing.margin")
    if not margin > 0:
        raise reader.FieldError("crossing.margin", "must be positive")
    return TransitionStatement(q, prec, pieces, (lo, hi), margin)


# ---------------------------------------------------------------------------
# the std_big block on a sub-interval
# ---------------------------------------------------------------------------
def std_forms(I: family.Interval):
    return dict(I.box()["blocks"])[STD]


def _floats(M) -> np.ndarray:
    return np.array([[float(x.mid) for x in row] for row in M])


def _low_vector(M) -> list:
    """An integer vector near the eigenvector of the smallest eigenvalue of mid M (a proposal
    only: numpy's eigenvector, refined by two steps of inverse iteration in mpmath.mp at the
    working precision, for blocks whose smallest eigenvalue is far below float resolution)."""
    w, V = np.linalg.eigh(_floats(M))
    n = len(M)
    with mp.workprec(max(iv.prec, 64)):
        A = mp.matrix([[x.mid for x in row] for row in M])
        x = mp.matrix([float(c) for c in V[:, 0]])
        try:
            for _ in range(2):
                x = mp.lu_solve(A, x)
                top = max(abs(x[i]) for i in range(n))
                x = x / top
        except ZeroDivisionError:
            x = mp.matrix([float(c) for c in V[:, 0]])
        bits = max(iv.prec // 2, 52)
        top = max(abs(x[i]) for i in range(n))
        v = [int(mp.nint(x[i] / top * mp.mpf(2) ** bits)) for i in range(n)]
    return v, float(w[0]), float(w[-1])


def quadratic_upper(M, v) -> Fraction:
    total = 0
    for i, vi in enumerate(v):
        for j, vj in enumerate(v):
            if vi and vj:
                total = M[i][j] * (vi * vj) + total
    return intervals.upper(total)


def raised(M, v, gamma: Fraction):
    g = intervals.interval(gamma)
    return [[M[i][j] + g * (v[i] * v[j]) for j in range(len(v))] for i in range(len(v))]


def _gamma(v, low: float, top: float) -> Fraction:
    """Any gamma > 0 is sound; this one lifts the low eigenvalue to about the top one."""
    norm2 = sum(x * x for x in v)
    return Fraction(abs(low) + abs(top) + 1e-300).limit_denominator(2 ** 40) / norm2 + Fraction(1, 2 ** 200)


def at_most_one_nonpositive(M, v, gamma, G) -> tuple:
    """Every symmetric X in M has at most one eigenvalue <= 0 if X + gamma v v^T > 0."""
    return family.positive_definite(raised(M, v, gamma), G)


def test_negative(I: family.Interval) -> tuple:
    """On every t of I: exactly one negative eigenvalue, none zero (docs section 10)."""
    plus, minus, _ = std_forms(I)
    v, low, top = _low_vector(plus)
    gamma = _gamma(v, low, top)
    G = 2 * I.prec
    for end in (plus, minus):
        if not quadratic_upper(end, v) < 0:
            return False, "no negative direction proved"
        ok, detail = at_most_one_nonpositive(end, v, gamma, G)
        if not ok:
            return False, f"more than one eigenvalue may be <= 0 ({detail})"
    return True, "exactly one negative eigenvalue, none zero"


def test_positive(I: family.Interval) -> tuple:
    return family.definite_on(std_forms(I), 2 * I.prec)


# ---------------------------------------------------------------------------
# uniqueness of the crossing on T*
# ---------------------------------------------------------------------------
def determinant(M):
    n = len(M)
    total = 0
    for perm in itertools.permutations(range(n)):
        sign = 1
        seen = list(perm)
        for i in range(n):                       # parity by counting inversions
            for j in range(i + 1, n):
                if seen[i] > seen[j]:
                    sign = -sign
        term = M[0][perm[0]]
        for i in range(1, n):
            term = term * M[i][perm[i]]
        total = term * sign + total
    return total


def branch_slope(A, b) -> list:
    """An enclosure of every x with A x = -b, A in the interval matrix A, b in b: with any C
    and R = I - C A, delta = max_i sum_j |R_ij| < 1: x = z + R x, z = -C b, so
    |x|_inf <= |z|_inf / (1 - delta) =: X and x in z + R [-X, X]."""
    D = len(A)
    Cf = np.linalg.inv(_floats(A))
    C = [[intervals.interval(Fraction(float(c))) for c in row] for row in Cf.tolist()]
    R = [[(1 if i == j else 0) - sum((C[i][k] * A[k][j] for k in range(D)), iv.mpf(0)) for j in range(D)]
         for i in range(D)]
    delta = max(sum(intervals.magnitude(x) for x in row) for row in R)
    if not delta < 1:
        raise ArithmeticError("branch slope: |I - C A| >= 1")
    z = [-sum((C[i][k] * b[k] for k in range(D)), iv.mpf(0)) for i in range(D)]
    X = max(intervals.magnitude(x) for x in z) / (1 - delta)
    box = intervals.interval(-X, X)
    return [z[i] + sum((R[i][j] * box for j in range(D)), iv.mpf(0)) for i in range(D)]


def test_unique_crossing(piece, q, prec, t_lo: Fraction, t_hi: Fraction) -> tuple:
    G = 2 * prec
    I = family.Interval(piece, q, t_lo, t_hi, prec)
    M_hull = std_forms(I)[2]
    v, low, top = _low_vector(M_hull)
    ok, detail = at_most_one_nonpositive(M_hull, v, _gamma(v, low, top), G)
    if not ok:
        return False, f"on [s_lo*, s_hi*] more than one eigenvalue may be <= 0 ({detail})"
    A = I.box()["hessian"][2]                              # Hess phi on the region of T*
    theta, num = family.inputs(piece, q, I.T, 1, box=True)
    region = [Jet([x.c[0], iv.mpf(0)]) for x in theta]      # theta in X*, direction 0; s = S* + e
    grad, _ = family.gradient_and_hessian(family.coarse_shape(q), region, num, want_hessian=False)
    b = [g.c[1] for g in grad]                               # d_s grad phi on the region
    slope = branch_slope(A, b)
    along = [Jet([x.c[0], d]) for x, d in zip(theta, slope)]
    block = [bl for bl in family.blocks(q) if bl.name == STD][0]
    M = family.block_matrix(block, along, num)
    M0 = [[x.c[0] for x in row] for row in M]
    M1 = [[x.c[1] for x in row] for row in M]
    derivative = 0
    for i in range(len(M0)):                                  # Jacobi's formula
        rows = [M1[r] if r == i else M0[r] for r in range(len(M0))]
        derivative = determinant(rows) + derivative
    if intervals.upper(derivative) < 0:
        return True, f"det decreasing on [s_lo*, s_hi*] (D' < {float(intervals.upper(derivative)):.3g})"
    return False, "the determinant is not proved monotone on [s_lo*, s_hi*]"


# ---------------------------------------------------------------------------
def prove(st: TransitionStatement) -> list:
    failures = {"smooth": None, "critical": None, "hessian": None, "extra_dims": None, "std_index": None}
    family_tests = {"critical": family.test_critical,
                    "hessian": lambda I: family.test_hessian(I, skip=(STD,)),
                    "extra_dims": family.test_extra}

    def record(i, found, state=""):
        for name, reason in found.items():
            if reason is not None and failures[name] is None:
                failures[name] = f"piece {i}{state}, {reason}"

    with intervals.precision(st.prec):
        for i, piece in enumerate(st.pieces):
            if failures["smooth"] is not None:
                break
            tests = {n: t for n, t in family_tests.items() if failures[n] is None}
            record(i, family.cover(piece, st.q, st.prec, tests))
            if failures["std_index"] is not None or failures["smooth"] is not None:
                continue
            if piece.std == "negative":
                record(i, family.cover(piece, st.q, st.prec, {"std_index": test_negative}), " (negative)")
            elif piece.std == "positive":
                record(i, family.cover(piece, st.q, st.prec, {"std_index": test_positive}), " (positive)")
            else:
                h = piece.half
                t_lo, t_hi = st.star[0] - piece.s_mid, st.star[1] - piece.s_mid
                record(i, family.cover(piece, st.q, st.prec, {"std_index": test_positive},
                                       CROSSING_DEPTH, (-h, t_lo)), " (crossing, k > k*)")
                if failures["std_index"] is None:
                    record(i, family.cover(piece, st.q, st.prec, {"std_index": test_negative},
                                           CROSSING_DEPTH, (t_hi, h)), " (crossing, k < k*)")
                if failures["std_index"] is None:
                    try:
                        ok, detail = test_unique_crossing(piece, st.q, st.prec, t_lo, t_hi)
                    except NotSmooth as err:
                        ok, detail = False, str(err)
                    if not ok:
                        failures["std_index"] = f"piece {i} (crossing): {detail}"
    out = family.results(failures, st.pieces, ["critical", "hessian", "extra_dims", "std_index"])
    if failures["smooth"] is None:
        klo, khi = 1 / st.star[1] ** 2, 1 / st.star[0] ** 2
        for r in out:
            if r.claim == "hessian" and r.proved:
                r.detail = r.detail.replace("every isotypic block", f"every isotypic block but {STD}")
            if r.claim == "std_index" and r.proved:
                r.detail = (f"{STD}: one negative eigenvalue for k < k*, positive definite for k > k*, "
                            f"k* unique in [{float(klo):.17g}, {float(khi):.17g}]")
    return out
