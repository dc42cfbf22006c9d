"""Contract of certify.kernel.claims, the proof steps every method shares: each
ClaimResult says "proved" only when the claim holds on the whole set (exact
constructions: affine gradients with known zeros, matrices with known spectra), the
strict-convexity shortcut (Lemma E) uses the Euclidean norm, and the arb tests decide
whenever the float enclosure is missing or not finite."""
from __future__ import annotations

from fractions import Fraction

from flint import arb, arb_mat, ctx

from certify.kernel import claims as prove
from certify.kernel.cost import Plan
from certify.kernel.pair import NotSmooth
from oracle.linalg import solve



def test_critical_point_by_convexity_can_fail_and_falls_back_to_krawczyk():
    """g(x) = mu (x - c) + y0 in one variable (H = [mu]): the zero c - y0/mu is in
    the box iff |y0| < mu r; Lemma E needs |y0| < mu r / 2, Krawczyk |y0| < mu r."""
    mu, r = arb(1) / 2, arb((1, -10))
    H = prove.MatrixBox.of_arb_mat(arb_mat([[mu]]))
    with ctx.workprec(53):
        inside = prove.prove_critical_point([arb((1, -13))], r, H, Plan.unlimited(), convex_mu=mu)
        assert inside.proved and "convexity" in inside.detail          # 2^-13 < mu r / 2 = 2^-12
        edge = prove.prove_critical_point([arb((3, -13))], r, H, Plan.unlimited(), convex_mu=mu)
        assert edge.proved and "Krawczyk" in edge.detail                 # mu r/2 < 3 2^-13 < mu r
        outside = prove.prove_critical_point([arb((5, -13))], r, H, Plan.unlimited(), convex_mu=mu)
        assert not outside.proved                                        # zero outside the box
        assert not prove.prove_critical_point([arb((1, -13))], arb(0), H, Plan.unlimited(), convex_mu=mu).proved


def test_arb_fallback_is_used_when_the_float_enclosure_is_missing():
    """MatrixBox whose float enclosure cannot be built: the arb tests decide."""

    def no_float():
        raise ArithmeticError("no float enclosure")

    A = arb_mat([[arb(2), arb(1)], [arb(1), arb(2)]])          # eigenvalues 1 and 3
    box = prove.MatrixBox(no_float, lambda: A)
    with ctx.workprec(53):
        res = prove.prove_positive_definite(box, arb((1, -1)), "hessian", Plan.unlimited())
        assert res.proved and "float" not in res.detail
        assert not prove.prove_positive_definite(box, arb(1), "hessian", Plan.unlimited()).proved   # lambda_min = 1
        crit = prove.prove_critical_point([arb((1, -20)), arb((1, -20))], arb((1, -10)), box, Plan.unlimited())
        assert crit.proved and "float" not in crit.detail
        fast = prove.prove_positive_definite(prove.MatrixBox.of_arb_mat(A), arb((1, -1)), "hessian", Plan.unlimited())
        assert fast.proved and "float" in fast.detail


def test_matrix_box_with_a_non_finite_entry_falls_back_to_arb_and_refuses_false_claims():
    with ctx.workprec(53):
        A = arb_mat([[arb(2), arb("0 +/- 1e400")], [arb("0 +/- 1e400"), arb(2)]])
        box = prove.MatrixBox.of_arb_mat(A)
        assert box.enc() is None
        assert not prove.prove_positive_definite(box, arb(1), "hessian", Plan.unlimited()).proved


def test_lemma_e_uses_the_euclidean_norm():
    """g(x) = A (x - x*), A = mu P + L (I - P), P the projector on w = (5, 1, ..., 1)
    (N = 26, |w|^2 = 50).  g(c) = gamma 1 with gamma = 0.45 mu r: |g(c)|_inf < mu r / 2
    but the zero x* = c - A^-1 g(c) has x*_1 - c_1 = -(3 gamma / mu + small) < -r:
    it is OUTSIDE the box.  A max-norm version of Lemma E would accept; the
    Euclidean one (|g|_2 = 2.3 mu r) and Krawczyk must refuse."""
    N, Lbig = 26, 1
    mu_q, r_q = Fraction(1, 8), Fraction(1, 2 ** 10)
    w = [Fraction(5)] + [Fraction(1)] * (N - 1)
    P = [[w[i] * w[j] / 50 for j in range(N)] for i in range(N)]
    A = [[mu_q * P[i][j] + Lbig * ((1 if i == j else 0) - P[i][j]) for j in range(N)] for i in range(N)]
    gamma = Fraction(45, 100) * mu_q * r_q
    disp = solve(A, [gamma] * N)                     # c - x*
    assert disp[0] > r_q                              # the zero is outside the box
    with ctx.workprec(200):
        H = arb_mat([[arb(a.numerator) / a.denominator for a in row] for row in A])
        g = [arb(gamma.numerator) / gamma.denominator for _ in range(N)]
        mu_claim = arb(mu_q.numerator) / mu_q.denominator * (1 - arb(2) ** -20)   # lambda_min(A) > this
        r = arb(r_q.numerator) / r_q.denominator
    with ctx.workprec(53):
        arb_only = prove.MatrixBox(lambda: None, lambda: H)     # no float enclosure: the arb tests decide
        assert not prove.prove_critical_point(g, r, arb_only, Plan.unlimited(), convex_mu=mu_claim).proved
        assert not prove.prove_critical_point(g, r, prove.MatrixBox.of_arb_mat(H), Plan.unlimited(), convex_mu=mu_claim).proved
        # the same map with g(c) ten times smaller: the zero is inside, Lemma E proves it
        small = [x / 10 for x in g]
        res = prove.prove_critical_point(small, r, arb_only, Plan.unlimited(), convex_mu=mu_claim)
        assert res.proved and "convexity" in res.detail
    assert abs(solve(A, [gamma / 10] * N)[0]) < r_q


def test_prove_loss_is_the_claimed_interval_around_the_ball():
    F = arb(1) / 3                                     # a ball around 1/3
    third_down, third_up = arb((5, -4)), arb((11, -5))  # 5/16 < 1/3 < 11/32
    assert prove.prove_loss(F, third_down, third_up, Plan.unlimited()).proved
    assert not prove.prove_loss(F, arb((11, -5)), arb(1), Plan.unlimited()).proved          # lower bound above F
    assert not prove.prove_loss(F, arb(0), arb((5, -4)), Plan.unlimited()).proved           # upper bound below F
    assert not prove.prove_loss(F, arb(0), arb(1), Plan.unlimited()).proved                 # spurious needs lower > 0
    assert prove.prove_loss(F, arb(0), arb(1), Plan.unlimited(), spurious=False).proved     # a saddle does not
    assert not prove.prove_loss(F, arb(-1), arb((5, -4)), Plan.unlimited(), spurious=False).proved
    wide = arb(1) / 3 + arb(0, (1, -3))                # [0.208, 0.459]: not inside [5/16, 1]
    assert not prove.prove_loss(wide, third_down, arb(1), Plan.unlimited()).proved


def test_prove_morse_index_names_the_true_index():
    A = arb_mat([[arb(-1), arb(0), arb(0)], [arb(0), arb(2), arb(0)], [arb(0), arb(0), arb(-3)]])
    box = prove.MatrixBox.of_arb_mat(A)
    with ctx.workprec(53):
        assert prove.prove_morse_index(box, arb((1, -1)), 2, Plan.unlimited()).proved
        wrong = prove.prove_morse_index(box, arb((1, -1)), 1, Plan.unlimited())
        assert not wrong.proved and "is 2, not the claimed 1" in wrong.detail
        assert not prove.prove_morse_index(box, arb((3, -1)), 2, Plan.unlimited()).proved      # |lambda| = 1 inside the gap
        assert not prove.prove_morse_index(box, arb(0), 2, Plan.unlimited()).proved
        assert not prove.prove_morse_index(box, arb(-1), 2, Plan.unlimited()).proved


def test_matrix_box_that_cannot_be_built_refuses():
    """An enclosure whose construction finds a non-smooth point (NotSmooth) or any other
    arithmetic problem is None: every matrix claim is then refused, never assumed."""
    def not_smooth():
        raise NotSmooth("two vectors may be parallel in the box")
    box = prove.MatrixBox(not_smooth, not_smooth)
    assert box.enc() is None and box.arb() is None
    with ctx.workprec(53):
        assert not prove.prove_positive_definite(box, arb((1, -10)), "hessian", Plan.unlimited()).proved
        assert not prove.prove_morse_index(box, arb((1, -10)), 1, Plan.unlimited()).proved
        assert not prove.prove_critical_point([arb(0)], arb(1), box, Plan.unlimited()).proved


def test_prove_critical_point_on_affine_maps_with_known_zeros():
    """g(x) = A (x - x*) with rational A and x* = c + offset r e_1: proved iff inside."""
    A = [[Fraction(3), Fraction(1, 2)], [Fraction(1, 2), Fraction(2)]]
    H = arb_mat([[arb(float(v)) for v in row] for row in A])
    r = Fraction(1, 2 ** 12)
    for offset, inside in ((Fraction(1, 4), True), (Fraction(3, 4), True), (Fraction(5, 4), False),
                           (Fraction(1), False), (Fraction(3), False)):
        shift = [offset * r, Fraction(0)]                   # c - x*
        g = [sum(A[i][j] * shift[j] for j in range(2)) for i in range(2)]
        assert solve(A, g) == shift
        y = [arb(v.numerator) / v.denominator for v in g]
        with ctx.workprec(53):
            result = prove.prove_critical_point(y, arb((1, -12)), prove.MatrixBox.of_arb_mat(H), Plan.unlimited())
        assert result.proved == inside, offset
