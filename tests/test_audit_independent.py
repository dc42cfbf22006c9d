"""Audit of the independent checker's family and transition kinds (certify/independent/
family.py, jets.py, transition.py; docs/independent-checker.md sections 9 and 10).

Refusal and enclosure tests that tests/test_independent_family.py lacks.  Each was checked
to fail under a temporary mutation of the checker (named in its docstring), then the
checker was restored.  Most are unit tests on synthetic matrices and jets (milliseconds);
one runs the independent checker on a one-piece family (about 10 s).
"""
from __future__ import annotations

import copy
import json
import random
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from mpmath import iv, mp

from certify.independent import family, intervals, spectral, transition, verify_bytes
from certify.independent.jets import JET, Jet
from helpers import ROOT, encode
from oracle.numbers import dyadic, frac

Q1 = ROOT / "tests" / "data" / "families" / "family_q1_k6-6.6.json"
T1 = ROOT / "certificates" / "families" / "transition_S1xSk-1.json"


def ivm(rows):
    """A matrix of (point or [lo, hi]) iv intervals from numbers or pairs."""
    return [[iv.mpf(x) if not isinstance(x, tuple) else iv.mpf(list(x)) for x in row] for row in rows]


# ---------------------------------------------------------------------------
# the exact Sylvester test for nearly singular blocks (section 9)
# ---------------------------------------------------------------------------
def test_exact_positive_definite_refuses_singular_and_indefinite_midpoints():
    """Mutation killed: `A[k][k] <= 0` -> `< 0` (a zero leading minor accepted), and
    the loop stopping before the last minor."""
    ok = family.exact_positive_definite(spectral.Enclosure([[2, 1], [1, 2]], 0, [0, 0]))
    assert ok[0]
    assert not family.exact_positive_definite(spectral.Enclosure([[1, 1], [1, 1]], 0, [0, 0]))[0]
    assert not family.exact_positive_definite(
        spectral.Enclosure([[3, 1, 1], [1, 3, 1], [1, 1, 0]], 0, [0, 0, 0]))[0]   # only det < 0
    assert family.exact_positive_definite(
        spectral.Enclosure([[3, 1, 1], [1, 3, 1], [1, 1, 3]], 0, [0, 0, 0]))[0]


def test_exact_positive_definite_subtracts_the_largest_row_radius():
    """mid = 4 I with row radii (0, 5): the enclosure contains diag(4, -1).
    Mutations killed: mid used without `- e`, or e the smallest row radius."""
    assert not family.exact_positive_definite(spectral.Enclosure([[4, 0], [0, 4]], 0, [0, 5]))[0]
    assert not family.exact_positive_definite(spectral.Enclosure([[4, 0], [0, 4]], 0, [4, 4]))[0]
    assert family.exact_positive_definite(spectral.Enclosure([[4, 0], [0, 4]], 0, [3, 3]))[0]


# ---------------------------------------------------------------------------
# Taylor forms on a sub-interval (section 9 items 2 and 3)
# ---------------------------------------------------------------------------
def _forms(A, B, h):
    dummy = object.__new__(family.Interval)
    dummy.h = Fraction(h)
    return family.Interval._forms(dummy, A, B)


def test_definite_on_needs_both_ends():
    """M(t) = X(tau) + Y is a convex combination of the two end forms only if both are
    proved.  Mutations killed: `forms[:2]` -> `forms[:1]` or `forms[1:2]`."""
    pos, neg = ivm([[1]]), ivm([[-1]])
    assert family.definite_on((pos, pos, pos), 128)[0]
    assert not family.definite_on((pos, neg, pos), 128)[0]
    assert not family.definite_on((neg, pos, pos), 128)[0]


def test_box_forms_carry_the_linear_term_and_the_lagrange_remainder():
    """1 x 1 examples with h = 1: M(tau) = 1 - 2 tau^2 (remainder coefficient -2 over T)
    and M(tau) = 1 + 2 tau; both are negative at an end of the sub-interval.
    Mutations killed: the remainder m2 or the linear term m1 left out of plus/minus."""
    quadratic = _forms([[Jet([iv.mpf(1), iv.mpf(0), iv.mpf(0)])]],
                       [[Jet([iv.mpf(0), iv.mpf(0), iv.mpf(-2)])]], 1)
    assert not family.definite_on(quadratic, 128)[0]
    linear = _forms([[Jet([iv.mpf(1), iv.mpf(2), iv.mpf(0)])]], [[Jet([iv.mpf(0)] * 3)]], 1)
    assert not family.definite_on(linear, 128)[0]
    hull = linear[2][0][0]
    assert intervals.lower(hull) <= -1 and intervals.upper(hull) >= 3
    fine = _forms([[Jet([iv.mpf(1), iv.mpf(0), iv.mpf(0)])]],
                  [[Jet([iv.mpf(0), iv.mpf(0), iv.mpf(-2)])]], Fraction(1, 2))
    assert family.definite_on(fine, 128)[0]                     # 1 - 2 tau^2 > 0 for |tau| <= 1/2


def test_collapse_uses_every_coefficient_and_the_remainder_over_T():
    """sum_{n<N} h_n(t0) tau^n + h_N(T) tau^N on |tau| <= 1 must contain 1 whenever one
    of those coefficients is 1.  Mutation killed: coefficient N taken from the jet at t0."""
    N = 6
    zero = Jet([iv.mpf(0)] * (N + 1))
    for n in range(N + 1):
        c = [iv.mpf(0)] * (N + 1)
        c[n] = iv.mpf(1)
        at_t0, over_T = (Jet(c), zero) if n < N else (zero, Jet(c))
        value = family.collapse(at_t0, over_T, N, Fraction(1))
        assert intervals.upper(value) >= 1, n
        if n % 2:
            assert intervals.lower(value) <= -1, n           # tau^n = -1 at tau = -1


# ---------------------------------------------------------------------------
# jets: the Taylor arithmetic at higher order (the formula tests use order 0 only)
# ---------------------------------------------------------------------------
def _expression(ctx, t, one):
    a = t * t + 2 * one + t * 3
    b = -(t * t * t) + one / 2 + t
    r = ctx.sqrt(a)
    return (ctx.atan2(r, b) * r + b / a) / (a * b + 7 * one)


def test_jet_coefficients_are_the_taylor_coefficients():
    """+, -, *, /, sqrt, atan2 on jets of order 5: at a point they agree with mpmath's
    Taylor coefficients of the same expression; with a base interval they contain the
    coefficients at every sampled base point.  Mutations killed: any change in the
    division, square-root or atan2 recurrences (e.g. the atan2 integral without / n)."""
    N = 5
    mp.prec = 120

    def exact(t0):
        return mp.taylor(lambda t: _expression(mp, t, mp.mpf(1)), t0, N)

    with intervals.precision(120):
        t0 = Fraction(1, 3)
        point = _expression(JET, Jet([intervals.interval(t0), iv.mpf(1)] + [iv.mpf(0)] * (N - 1)),
                            Jet([iv.mpf(1)] + [iv.mpf(0)] * N))
        for n, ref in enumerate(exact(mp.mpf(1) / 3)):
            mid = (intervals.lower(point.c[n]) + intervals.upper(point.c[n])) / 2
            assert abs(mp.mpf(mid.numerator) / mid.denominator - ref) < 1e-25 * (1 + abs(ref)), n
        T = intervals.interval(Fraction(1, 4), Fraction(1, 2))
        wide = _expression(JET, Jet([T, iv.mpf(1)] + [iv.mpf(0)] * (N - 1)), Jet([iv.mpf(1)] + [iv.mpf(0)] * N))
        for s in (Fraction(1, 4), Fraction(3, 10), Fraction(2, 5), Fraction(1, 2)):
            for n, ref in enumerate(exact(mp.mpf(s.numerator) / s.denominator)):
                assert float(wide.c[n].a) <= float(ref) <= float(wide.c[n].b), (s, n)


# ---------------------------------------------------------------------------
# transition: the std_big tests and the branch slope (section 10)
# ---------------------------------------------------------------------------
class _Dummy:
    prec = 128


def _negative_on(monkeypatch, plus, minus):
    monkeypatch.setattr(transition, "std_forms", lambda I: (ivm(plus), ivm(minus), ivm(plus)))
    with intervals.precision(128):
        return transition.test_negative(_Dummy())[0]


def _diag(*d):
    return [[d[i] if i == j else 0 for j in range(len(d))] for i in range(len(d))]


def test_negative_needs_one_negative_direction_at_both_ends(monkeypatch):
    """Mutation killed: only the plus end tested (`for end in (plus,)`)."""
    assert _negative_on(monkeypatch, _diag(-1, 1, 2, 3, 4), _diag(-1, 1, 2, 3, 4))
    assert not _negative_on(monkeypatch, _diag(-1, 1, 2, 3, 4), _diag(1, 1, 2, 3, 4))


def test_negative_refuses_two_negative_eigenvalues(monkeypatch):
    """Mutation killed: the lift test M + gamma v v^T > 0 skipped."""
    assert not _negative_on(monkeypatch, _diag(-1, -2, 2, 3, 4), _diag(-1, -2, 2, 3, 4))
    assert not _negative_on(monkeypatch, _diag(-1, 0, 2, 3, 4), _diag(-1, 0, 2, 3, 4))


def test_branch_slope_encloses_every_solution():
    """A = diag([1, 3], 1), b = (1, 0): the solutions -1/a fill [-1, -1/3].
    Mutation killed: the a-priori bound X = |z|_inf without the factor 1 / (1 - delta).
    (delta >= 1 is refused with ArithmeticError; without the explicit guard the empty
    interval [-X, X], X < 0, raises it too, so that guard is redundant.)"""
    with intervals.precision(128):
        box = transition.branch_slope(ivm([[(1, 3), 0], [0, 1]]), [iv.mpf(1), iv.mpf(0)])
        assert intervals.lower(box[0]) <= -1 and intervals.upper(box[0]) >= Fraction(-1, 3)
        with pytest.raises(ArithmeticError):
            transition.branch_slope(ivm([[(-1, 3)]]), [iv.mpf(1)])    # delta = 2


def test_leibniz_determinant_matches_numpy():
    """Mutation killed: a wrong permutation sign."""
    rng = np.random.default_rng(5)
    for n in (2, 3, 5):
        A = rng.integers(-9, 10, size=(n, n))
        with intervals.precision(128):
            det = transition.determinant(ivm(A.tolist()))
        assert abs(float(det.mid) - np.linalg.det(A)) < 1e-6 * (1 + abs(np.linalg.det(A)))


# ---------------------------------------------------------------------------
# the reader
# ---------------------------------------------------------------------------
def test_crossing_interval_touching_the_lower_end_of_its_piece_is_an_error():
    """Mutation killed: `piece.s_lo <= lo` (the existing test only touches the upper end)."""
    out = json.loads(T1.read_text())
    c = [p["std"] for p in out["pieces"]].index("crossing")
    out["crossing"]["s"][0] = out["pieces"][c]["s"][0]
    verdict = verify_bytes(encode(out))
    assert verdict.error and "crossing.s" in verdict.error


def test_empty_piece_is_an_error():
    """s_lo = s_hi: a piece of width zero.  Mutation killed: `lo <= hi` in read_piece."""
    out = json.loads(Q1.read_text())
    out["pieces"] = out["pieces"][:1]
    out["pieces"][0]["s"][0] = out["pieces"][0]["s"][1]
    verdict = verify_bytes(encode(out))
    assert verdict.error and "pieces[0].s" in verdict.error


# ---------------------------------------------------------------------------
# coverage of the whole piece by bisection
# ---------------------------------------------------------------------------
def _reexpanded(piece, lo, hi):
    """The same centre polynomials written about the new midpoint (exact)."""
    shift = (lo + hi) / 2 - (frac(piece["s"][0]) + frac(piece["s"][1])) / 2
    rows = []
    for row in piece["centre"]:
        c = [frac(x) for x in row]
        rows.append([dyadic(sum(comb(m, n) * c[m] * shift ** (m - n) for m in range(n, len(c))))
                     for n in range(len(c))])
    piece["centre"], piece["s"] = rows, [dyadic(lo), dyadic(hi)]


def test_range_extended_below_k_star_at_one_end_only_is_refused():
    """The first (1, k - 1) piece extended at its large-s end only, down to k ~ 5.50 < k*
    ~ 5.5855 (centre re-expanded exactly about the new midpoint): std_big is not positive
    definite there.  The failure lies in the right half of the piece only, so this kills
    the mutation of `cover` that visits only the left half after a failure (the symmetric
    extension of test_independent_family.py does not).  About 10 s."""
    out = json.loads(Q1.read_text())
    out["pieces"] = out["pieces"][:1]
    piece = out["pieces"][0]
    _reexpanded(piece, frac(piece["s"][0]), Fraction(round(Fraction(4264, 10000) * 2 ** 30), 2 ** 30))
    assert 1 / frac(piece["s"][1]) ** 2 < Fraction(5585, 1000)
    verdict = verify_bytes(encode(out))
    assert not verdict.accepted
    assert {r.claim for r in verdict.results if not r.proved} & {"hessian", "critical", "smooth"}
