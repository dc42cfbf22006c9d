"""The verifier refuses FALSE mathematical claims in well-formed certificates
(exit 1 on the command line), naming the refused claim: the global minimum claimed
spurious, saddles claimed minima, shifted boxes, claims just above the truth, wrong
Morse indices, wrong block structures.  The expected outcome is known from
mathematics or from an independent computation (tests/oracle), never from what
the code under test computed."""
from __future__ import annotations

import copy
import time
from fractions import Fraction

import numpy as np
import pytest
from flint import arb

from certify.kernel.verify import verify_bytes
from certify.producer import objective, refine
from certify.producer.dense import DenseProblem
from certify.producer.exact import format_dyadic, from_float, round_arb
from certify.producer.reduced import orbit_matrices
from helpers import (assert_refused_claim, encode, exact_centre, failed_claims, refused_claims,
                     statement_object, verify_obj)
from oracle.fmt import format_problem
from oracle.formulas import fd_extra_block, symmetric_min_eig
from oracle.numbers import dyadic, frac, scaled_text, shifted_text, to_float_matrix, to_fractions

ANY_MATHEMATICAL = ["loss", "critical", "hessian", "extra_dims"]


def identity_strings(k):
    return [["1" if i == j else "0" for j in range(k)] for i in range(k)]


# ---------------------------------------------------------------------------
# the global minimum (F = 0) is never a spurious minimum
# ---------------------------------------------------------------------------
def test_global_minimum_claimed_as_spurious_is_refused(k6):
    k6["box"]["centre"] = identity_strings(k6["k"])
    verdict = verify_obj(k6)
    # w_i = v_i: the closed forms are invalid there (and F = 0 < loss_lower)
    assert_refused_claim(verdict, ["smooth"])
    assert "parallel" in verdict.first_failure()


def test_box_around_the_global_minimum_is_refused(k6):
    """A box that contains W = V (so a zero of grad F with F = 0) is refused."""
    rng = np.random.default_rng(7)
    k = k6["k"]
    k6["box"]["centre"] = [[dyadic(Fraction(int(i == j)) + Fraction(float(x)))
                           for j, x in enumerate(row)] for i, row in
                           enumerate(1e-20 * rng.normal(size=(k, k)))]
    k6["box"]["radius"] = "1*2^-30"
    assert_refused_claim(verify_obj(k6), ["smooth"])


def test_perturbed_global_minimum_is_refused(k6):
    rng = np.random.default_rng(3)
    k = k6["k"]
    W = np.eye(k) + 1e-3 * rng.normal(size=(k, k))
    k6["box"]["centre"] = [[from_float(x) for x in row] for row in W]
    verdict = verify_obj(k6)             # the k6 claims: F is ~1e-6 here, not 0.025
    assert_refused_claim(verdict, ANY_MATHEMATICAL)
    # honest bounds for this box: every claim true except that it is critical
    V = objective.identity_teacher(k, k)
    obj = statement_object(DenseProblem(V, k), exact_centre(W), -100)
    assert obj["kind"] == "local_minimum" and obj["d_max"] is None
    verdict = verify_obj(obj)
    assert_refused_claim(verdict, ["critical"], alone=True)
    assert "Krawczyk" in verdict.first_failure()


def test_relabelled_k7_padded_consistently_is_refused(k6):
    """k = n = d = 7 with the k = 6 point padded by w_7 = v_7 (a parallel pair)."""
    k = 7
    k6.update(k=k, n=k, d=k, teacher=identity_strings(k))
    k6["box"]["centre"] = [row + ["0"] for row in k6["box"]["centre"]] + [["0"] * 6 + ["1"]]
    assert format_problem(k6) is None
    assert_refused_claim(verify_obj(k6), ["smooth"])


def test_duplicated_neuron_is_refused(k6):
    """n = k + 1 with a neuron repeated: two parallel neurons (outside the smooth set)."""
    k6["box"]["centre"].append(list(k6["box"]["centre"][0]))
    k6["n"] += 1
    assert_refused_claim(verify_obj(k6), ["smooth"])


def test_teacher_sign_flip_is_refused(k6):
    """-v_1 is still orthonormal, but the centre is far from a critical point for it."""
    k6["teacher"][0] = [dyadic(-frac(x)) for x in k6["teacher"][0]]
    assert format_problem(k6) is None
    assert_refused_claim(verify_obj(k6), ANY_MATHEMATICAL)


# ---------------------------------------------------------------------------
# a saddle is not a minimum
# ---------------------------------------------------------------------------
def _reduced_newton(theta, k, V, steps=60):
    """Float Newton on the 5 parameters of the S1 x S(k-1) ansatz, with the DENSE
    gradient and Hessian projected on the orbit matrices."""
    E = orbit_matrices((1, k - 1))
    B = E.reshape(len(E), -1)
    for _ in range(steps):
        W = np.tensordot(theta, E, 1)
        g = B @ objective.gradient(W, V).ravel()
        H = B @ objective.hessian(W, V) @ B.T
        theta = theta - np.linalg.solve(H, g)
    return np.tensordot(theta, E, 1)


@pytest.fixture(scope="module")
def saddle_k6():
    """A critical point of F (k = 6) in the S1 x S5 fixed space with a negative
    Hessian eigenvalue, found by float Newton on the 5 reduced parameters."""
    k = 6
    V = objective.identity_teacher(k, k)
    for start in ([0.35, 0.34, 0.125, -0.735, 0.34], [1.07, 0.017, -0.014, -0.59, 0.39]):
        try:
            W = _reduced_newton(np.array(start), k, V)
        except np.linalg.LinAlgError:
            continue
        if np.linalg.norm(objective.gradient(W, V)) < 1e-12:
            lam = np.linalg.eigvalsh(objective.hessian(W, V))
            if lam[0] < -1e-3 and objective.loss(W, V) > 1e-3:
                return W, V, lam[0]
    pytest.fail("no saddle found from the fixed starts")


def test_saddle_claimed_as_minimum_is_refused(saddle_k6):
    W, V, lam = saddle_k6
    assert np.linalg.norm(objective.gradient(W, V)) < 1e-12 and lam < 0
    centre = refine.newton(W, V, 128)
    d = V.shape[1]
    problem = DenseProblem(V, W.shape[0])
    for radius_exp in (-100, -84, -68):
        # d_max = d: the claim is about d = k only; the loss bounds are the kernel's
        # enclosure on the box, the Hessian claim is ours (and false)
        obj = statement_object(problem, centre, radius_exp, d_max=d,
                               claims={"hessian_min_eig_lower": "1*2^-20"})
        verdict = verify_obj(obj)
        if "critical" not in refused_claims(verdict):
            break
    # it IS a critical point in the box with the stated loss: only 'hessian' is false
    assert_refused_claim(verdict, ["hessian"], alone=True)
    obj["claims"]["hessian_min_eig_lower"] = "1*2^-1000"       # any positive bound
    assert_refused_claim(verify_obj(obj), ["hessian"], alone=True)


# ---------------------------------------------------------------------------
# boxes that do not hold the critical point, or hold non-smooth points
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("delta", [1e-3, -1e-3, 1e-12, 1e-25])
def test_centre_moved_one_entry_is_refused(k6, delta):
    k6["box"]["centre"][2][3] = shifted_text(k6["box"]["centre"][2][3], delta)
    assert_refused_claim(verify_obj(k6), ANY_MATHEMATICAL)


def test_centre_moved_all_entries_is_refused(k6):
    rng = np.random.default_rng(5)
    for row in k6["box"]["centre"]:
        for a, x in enumerate(row):
            row[a] = shifted_text(x, float(rng.choice([-1e-3, 1e-3])))
    assert_refused_claim(verify_obj(k6), ANY_MATHEMATICAL)


def test_centre_moved_so_that_the_critical_point_is_outside_is_refused(k6_object):
    """|W* - c| <= 1e-30 < r / 8 for the committed certificate; moving c by 4 r along
    one coordinate puts W* outside the box.  The Hessian claim still holds (so Lemma E
    is tried with a proved mu) and the critical claim must be refused."""
    obj = k6_object
    r = frac(obj["box"]["radius"])
    moved = copy.deepcopy(obj)
    moved["box"]["centre"][0][0] = dyadic(frac(obj["box"]["centre"][0][0]) + 4 * r)
    verdict = verify_obj(moved)
    results = {x.claim: x for x in verdict.results}
    assert not verdict.accepted and not results["critical"].proved
    assert results["hessian"].proved
    # half a radius: W* inside; |grad F(c)| ~ |H| r/2 >> mu r / 2, so Lemma E cannot apply,
    # the float Krawczyk test (after the fast 'no') must decide; a yes is a true theorem here.
    inside = copy.deepcopy(obj)
    inside["box"]["centre"][0][0] = dyadic(frac(obj["box"]["centre"][0][0]) + r / 2)
    crit = {x.claim: x for x in verify_obj(inside).results}["critical"]
    assert crit.proved and "Krawczyk" in crit.detail


def test_tiny_radius_fails_krawczyk(k6):
    """A box of radius 2^-400 around a dyadic centre almost surely misses the
    irrational critical point; at least the proof must fail."""
    k6["box"]["radius"] = "1*2^-400"
    assert_refused_claim(verify_obj(k6), ["critical"], alone=True)


@pytest.mark.parametrize("radius", ["1", "1*2^-3", "1*2^-20"])
def test_large_radius_is_refused(k6, radius):
    k6["box"]["radius"] = radius
    assert_refused_claim(verify_obj(k6), ["smooth"] + ANY_MATHEMATICAL)


def test_box_too_large_for_the_claimed_eigenvalue_is_refused(k6):
    """Radius 2^-6 with the committed mu: a point of the box where the float lambda_min
    is clearly below mu exists (checked at corners), so the hessian claim is false."""
    mu = float(frac(k6["claims"]["hessian_min_eig_lower"]))
    C, V = to_float_matrix(k6["box"]["centre"]), to_float_matrix(k6["teacher"])
    rng = np.random.default_rng(0)                    # corners of the box (exact floats)
    lows = [np.linalg.eigvalsh(objective.hessian(C + 2.0 ** -6 * rng.choice([-1, 1], size=C.shape), V))[0]
            for _ in range(50)]
    assert min(lows) < mu - 1e-3                     # the claim is false (margin >> float error)
    k6["box"]["radius"] = "1*2^-6"
    verdict = verify_obj(k6)
    hessian = {x.claim: x for x in verdict.results}.get("hessian")
    assert not verdict.accepted and hessian is not None and not hessian.proved


def test_box_straddling_a_non_smooth_point_is_refused(k6_object):
    obj = k6_object
    r = frac(obj["box"]["radius"])
    # neuron 1 made parallel to neuron 0 up to less than the radius
    par = copy.deepcopy(obj)
    par["box"]["centre"][1] = [dyadic(frac(x) + (r / 4 if a == 0 else 0))
                               for a, x in enumerate(obj["box"]["centre"][0])]
    assert_refused_claim(verify_obj(par), ["smooth"], alone=True)
    # a neuron within the radius of zero
    zero = copy.deepcopy(obj)
    zero["box"]["centre"][2] = [dyadic(r / 2)] + ["0"] * (len(obj["box"]["centre"][2]) - 1)
    assert_refused_claim(verify_obj(zero), ["smooth"], alone=True)


def test_far_or_astronomical_neuron_is_refused_quickly(k6):
    """Exponents and mantissas that arb handles directly: refused soundly, and quickly
    (a guard against blow-ups, not a speed test)."""
    t0 = time.perf_counter()
    k6["box"]["centre"][0][0] = "1*2^-99999"                 # neuron 0 moved far away
    assert_refused_claim(verify_obj(k6), ANY_MATHEMATICAL)
    k6["box"]["centre"][0][0] = "9" * 3999                    # neuron 0 astronomically long
    verdict = verify_obj(k6)
    assert not verdict.accepted and not verdict.unreadable
    assert time.perf_counter() - t0 < 20.0


# ---------------------------------------------------------------------------
# claims just above the truth
# ---------------------------------------------------------------------------
def test_loss_lower_above_true_loss_is_refused(k6):
    k6["claims"]["loss_lower"] = scaled_text(k6["claims"]["loss_upper"], Fraction(1025, 1024))
    k6["claims"]["loss_upper"] = scaled_text(k6["claims"]["loss_upper"], 2)
    verdict = verify_obj(k6)
    assert_refused_claim(verdict, ["loss"], alone=True)
    assert "not inside the claimed bounds" in verdict.first_failure()


def test_loss_lower_one_ulp_above_upper_end_is_refused(k6):
    """loss_upper is an upper bound of F on the box, so loss_lower = loss_upper + 2^-200
    is above the true loss."""
    k6["claims"]["loss_lower"] = dyadic(frac(k6["claims"]["loss_upper"]) + Fraction(1, 2 ** 200))
    assert_refused_claim(verify_obj(k6), ["loss"], alone=True)


def test_loss_upper_below_true_loss_is_refused(k6):
    k6["claims"]["loss_upper"] = dyadic(frac(k6["claims"]["loss_lower"]) - Fraction(1, 2 ** 200))
    assert_refused_claim(verify_obj(k6), ["loss"], alone=True)
    k6["claims"]["loss_upper"] = scaled_text(k6["claims"]["loss_lower"], Fraction(1, 2))
    assert_refused_claim(verify_obj(k6), ["loss"], alone=True)


@pytest.mark.parametrize("factor", [2, Fraction(9, 8), 1024])
def test_hessian_claim_above_true_eigenvalue_is_refused(k6, factor):
    # the true lambda_min at the minimum is 0.0047004 < 1.125 * claim (landmark)
    k6["claims"]["hessian_min_eig_lower"] = scaled_text(k6["claims"]["hessian_min_eig_lower"], factor)
    verdict = verify_obj(k6)
    assert_refused_claim(verdict, ["hessian"], alone=True)
    assert "could not prove" in verdict.first_failure()


@pytest.mark.parametrize("key, claim", [("loss_lower", "loss"), ("hessian_min_eig_lower", "hessian")])
@pytest.mark.parametrize("value", ["0", "-1*2^-67", "-1"])
def test_nonpositive_claims_are_refused(k6, key, claim, value):
    """A minimum with F >= 0 claimed is not claimed SPURIOUS; lambda_min > 0 is not
    strict; both refused as claims."""
    k6["claims"][key] = value
    verdict = verify_obj(k6)
    assert_refused_claim(verdict, [claim], alone=True)
    assert "not positive" in verdict.first_failure()


def test_claimed_mu_above_the_float_lambda_min_is_refused(k6_object):
    """mu raised to 1.01 x float lambda_min(H(c)) (or of M): false at the centre itself."""
    C, V = to_float_matrix(k6_object["box"]["centre"]), to_float_matrix(k6_object["teacher"])
    lam = float(np.linalg.eigvalsh(objective.hessian(C, V))[0])
    lam_x = float(np.linalg.eigvalsh(objective.extra_dimension_block(C, V))[0])
    for key, value, name in (("hessian_min_eig_lower", lam, "hessian"),
                             ("extra_min_eig_lower", lam_x, "extra_dims")):
        bad = copy.deepcopy(k6_object)
        bad["claims"][key] = dyadic(Fraction(value * 1.01))
        assert_refused_claim(verify_obj(bad), [name], alone=True)


@pytest.mark.parametrize("value", ["x2", "0", "-1"])
def test_extra_claim_raised_or_nonpositive_is_refused(k6, value):
    claims = k6["claims"]
    claims["extra_min_eig_lower"] = (scaled_text(claims["extra_min_eig_lower"], 2)
                                     if value == "x2" else value)
    assert_refused_claim(verify_obj(k6), ["extra_dims"], alone=True)


def test_dimension_range_wider_than_proved_is_refused(k6):
    """A statement proved for d = k only, widened with an extra claim 1% above the
    true lambda_min(M) (central differences of the mpmath gradient): the claim
    'extra_dims' is refused, alone."""
    extra = k6["claims"]["extra_min_eig_lower"]
    lam_x = symmetric_min_eig(fd_extra_block(to_fractions(k6["box"]["centre"]), to_fractions(k6["teacher"])))
    assert 0 < frac(extra) < lam_x < 1.0001 * float(frac(extra))   # the committed claim is true and tight
    for d_max in (k6["d"] + 1, None):
        k6["d_max"] = d_max
        k6["claims"]["extra_min_eig_lower"] = dyadic(Fraction(1.01 * lam_x))
        assert_refused_claim(verify_obj(k6), ["extra_dims"], alone=True)
    k6["claims"]["extra_min_eig_lower"] = extra
    assert verify_obj(k6).accepted


# ---------------------------------------------------------------------------
# saddles: the Morse index and the gap are proved, not trusted
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("index", [1, 3, 5])
def test_saddle_with_altered_index_is_refused(saddle_k4, index):
    saddle_k4["claims"]["morse_index"] = index
    assert format_problem(saddle_k4) is None
    verdict = verify_obj(saddle_k4)
    assert_refused_claim(verdict, ["index"], alone=True)
    assert f"not the claimed {index}" in verdict.first_failure()


def test_saddle_relabelled_minimum_is_refused(saddle_k4):
    claims = saddle_k4["claims"]
    claims["hessian_min_eig_lower"] = claims.pop("hessian_min_abs_eig_lower")
    del claims["morse_index"]
    saddle_k4["kind"] = "local_minimum"
    assert format_problem(saddle_k4) is None      # well-formed, but false
    assert "hessian" in refused_claims(verify_obj(saddle_k4))
    assert not verify_obj(saddle_k4).accepted


def test_minimum_relabelled_saddle_is_refused(k6):
    claims = k6["claims"]
    claims["hessian_min_abs_eig_lower"] = claims.pop("hessian_min_eig_lower")
    k6["kind"] = "saddle"
    for index in (1, 2, 35):
        claims["morse_index"] = index
        assert format_problem(k6) is None
        verdict = verify_obj(k6)
        assert_refused_claim(verdict, ["index"], alone=True)
        assert "Morse index is 0" in verdict.first_failure()


@pytest.mark.parametrize("change", ["gap_too_wide", "loss_shifted", "loss_upper_below", "extra_too_high"])
def test_false_saddle_claims_are_refused(saddle_k4, change):
    claims = saddle_k4["claims"]
    W, V = to_float_matrix(saddle_k4["box"]["centre"]), to_float_matrix(saddle_k4["teacher"])
    gap = float(np.min(np.abs(np.linalg.eigvalsh(objective.hessian(W, V)))))
    expected = {"gap_too_wide": "index", "loss_shifted": "loss", "loss_upper_below": "loss",
                "extra_too_high": "extra_dims"}[change]
    if change == "gap_too_wide":
        claims["hessian_min_abs_eig_lower"] = dyadic(Fraction(2 * gap))
    elif change == "loss_shifted":
        claims["loss_lower"] = dyadic(frac(claims["loss_upper"]) + frac("1*2^-40"))
        claims["loss_upper"] = dyadic(frac(claims["loss_upper"]) + frac("1*2^-39"))
    elif change == "loss_upper_below":
        claims["loss_lower"] = "0"
        claims["loss_upper"] = "1*2^-10"        # F ~ 0.028 > 2^-10
    else:
        claims["extra_min_eig_lower"] = "1"
    assert format_problem(saddle_k4) is None
    assert_refused_claim(verify_obj(saddle_k4), [expected], alone=True)


# ---------------------------------------------------------------------------
# method symmetric
# ---------------------------------------------------------------------------
def test_symmetric_shifted_centre_is_refused(k8_symmetric):
    m, e = map(int, k8_symmetric["box"]["centre"][3].split("*2^"))
    low = min(e, -60)
    k8_symmetric["box"]["centre"][3] = format_dyadic(m * 2 ** (e - low) + 2 ** (-60 - low), low)  # + 2^-60
    assert "critical" in failed_claims(k8_symmetric)


def test_symmetric_raised_eigenvalue_claims_are_refused(k8_symmetric_object):
    for key, claim in (("hessian_min_eig_lower", "hessian"), ("extra_min_eig_lower", "extra_dims")):
        obj = copy.deepcopy(k8_symmetric_object)
        value = arb(frac(obj["claims"][key]).numerator) / frac(obj["claims"][key]).denominator
        obj["claims"][key] = round_arb(value * 1.01, 24, "up")
        assert failed_claims(obj) == {claim}
        obj["claims"][key] = "0"
        assert failed_claims(obj) == {claim}


def test_symmetric_false_loss_claims_are_refused(k8_symmetric):
    upper = frac(k8_symmetric["claims"]["loss_upper"])
    bad = copy.deepcopy(k8_symmetric)
    bad["claims"]["loss_lower"] = dyadic(upper * (1 + Fraction(1, 2 ** 10)))    # above the truth
    bad["claims"]["loss_upper"] = dyadic(upper * (1 + Fraction(1, 2 ** 6)))
    assert failed_claims(bad) == {"loss"}
    k8_symmetric["claims"]["loss_lower"] = "-1"
    assert failed_claims(k8_symmetric) == {"loss"}


def test_symmetric_wrong_block_structure_is_refused(k8_symmetric):
    obj = copy.deepcopy(k8_symmetric)
    obj["blocks"] = [2, 6]
    a, b, c, e, f = obj["box"]["centre"]
    obj["box"]["centre"] = [a, f, b, c, e, f]    # a (2, 6) point made of the same numbers
    assert failed_claims(obj) & {"critical", "hessian"}
    obj = copy.deepcopy(k8_symmetric)
    obj["blocks"] = [7, 1]                       # the same numbers read with the blocks swapped
    assert failed_claims(obj) and not verify_obj(obj).unreadable


def test_symmetric_relabelled_k_is_refused(k8_symmetric):
    k8_symmetric["k"] = k8_symmetric["n"] = k8_symmetric["d"] = 9
    assert "blocks" in failed_claims(k8_symmetric).pop()          # the blocks no longer sum to k
    k8_symmetric["blocks"] = [1, 8]
    assert "critical" in failed_claims(k8_symmetric)


def test_symmetric_global_minimum_is_refused(k8_symmetric):
    """W = V is G-fixed (alpha = 1, beta = gamma = 0); F = 0 there: never spurious."""
    obj = k8_symmetric
    obj["box"]["centre"] = ["1", "0", "0", "1", "0"]
    assert failed_claims(obj) == {"smooth"}
    obj["box"]["radius"] = "1*2^-20"                                       # a box around V
    obj["box"]["centre"] = ["1", "1*2^-30", "-1*2^-30", "1", "1*2^-31"]
    assert failed_claims(obj) == {"smooth"}
    obj["box"]["centre"] = ["1", "1*2^-10", "-1*2^-10", "1", "1*2^-11"]   # near V, V outside
    obj["box"]["radius"] = "1*2^-60"
    assert "critical" in failed_claims(obj)


def test_verifier_never_raises_on_mutated_symmetric_bytes(k8_symmetric):
    data = encode(k8_symmetric)
    rng = np.random.default_rng(0)
    for _ in range(40):
        pos = int(rng.integers(len(data)))
        mutated = data[:pos] + bytes([int(rng.integers(32, 127))]) + data[pos + 1:]
        verdict = verify_bytes(mutated)                  # must not raise
        if mutated != data:
            assert not verdict.accepted or verdict.statement is not None
    huge = copy.deepcopy(k8_symmetric)
    huge["box"]["centre"] = ["1*2^-99999", "7" * 3000, "-3", "1", "0"]
    assert not verify_obj(huge).accepted
