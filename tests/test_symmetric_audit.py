"""Adversarial soundness audit of the symmetric method (certify/kernel/reduced/).

Every false claim built here must be refused, and every test is shown able to fail:
where the kernel's safeguard is a piece of mathematics (the refinement to Fix(K)),
the test also runs the verifier with that safeguard removed (monkeypatched) and
checks that the same false certificate would then be ACCEPTED.

Independent references used: the dense numpy objective (certify/producer/objective.py,
a separate implementation over all k^2 coordinates) and second differences of the
dense loss.  (The reduced formulas themselves are held to their contract in
tests/test_kernel_reduced.py.)
"""
from __future__ import annotations

import copy

import numpy as np
import pytest
from flint import arb, ctx

from certify.kernel.dyadic import to_arb
from certify.kernel.reduced import blocks as ks
from certify.producer import objective, refine, search
from certify.producer.exact import round_arb
from certify.producer.reduced import BlockProblem, certify_blocks, embed, parameters_of
from helpers import SYM_DIR, arb_mid, failed_claims, load, statement_object, verify_obj

SLOW = pytest.mark.slow

# Float starts (6 digits) of block-ansatz critical points that are MINIMA of phi inside
# Fix(G) (the G-fixed Hessian block is positive definite) but SADDLES of the full F
# (found by the damped minimiser of producer.newton; the dense Hessian has the listed number of negative
# eigenvalues).  (3, 3): the single negative direction lies in the sign representation
# (3-2, 1, 1) = (1, 1, 1) of one S_3, invisible to any subgroup fixing only one point.
FIXG_MIN_FULL_SADDLES = {
    (1, 4): ([-0.559778, 0.28755, 0.376065, 0.961607, -0.079083], 3),
    (3, 3): ([-0.306622, 0.640475, -0.009959, 0.008136, 1.03546, -0.001593], 1),
    (2, 5): ([-0.675845, 0.224476, 0.214555, 0.2815, 0.953925, -0.092944], 4),
    (1, 1, 3): ([0.220659, 1.021197, -0.048216, -0.547042, 0.16035, 0.336839, 0.425313,
                 -0.05788, 0.930368, -0.103376], 2),
}


def reduced_spectrum(blocks, theta) -> np.ndarray:
    with ctx.workprec(128):
        return np.linalg.eigvalsh(arb_mid(ks.reduced_hessian(list(blocks), [arb(float(x)) for x in theta])))


def critical_statement(blocks, start, hessian_claim: str, d_max) -> dict:
    """A symmetric certificate object around the true G-fixed critical point near
    `start`, with a radius at which Krawczyk succeeds and the given (possibly false)
    Hessian claim (the extra-dimension claim, when needed, is 2^-30)."""
    centre = refine.reduced_newton(blocks, start, 128)
    k = sum(blocks)
    claims = {"hessian_min_eig_lower": hessian_claim}
    if d_max is None or d_max > k:
        claims["extra_min_eig_lower"] = "1*2^-30"
    for radius_exp in range(-100, -20, 16):
        obj = statement_object(BlockProblem(blocks), centre, radius_exp, 128, d_max, claims)
        verdict = verify_obj(obj)
        if {r.claim for r in verdict.results if r.proved} >= {"smooth", "loss", "critical"}:
            return obj
    raise AssertionError("no radius with a Krawczyk proof")


# ---------------------------------------------------------------------------
# 1. the key test: a minimum inside Fix(G) that is a saddle of F must be refused
# ---------------------------------------------------------------------------
def no_refinement(blocks):
    return list(blocks), list(range(len(blocks)))


def one_point_refinement(blocks):
    """K' fixing ONE point per block (too small a subgroup of a fixer: misses (p-2,1,1), (p-2,2))."""
    refined, parent = [], []
    for a, p in enumerate(blocks):
        refined += [1] + ([p - 1] if p > 1 else [])
        parent += [a] * (1 + (p > 1))
    return refined, parent


@pytest.mark.parametrize("blocks", list(FIXG_MIN_FULL_SADDLES), ids=str)
def test_fixG_minimum_that_is_a_full_saddle_is_refused(blocks, monkeypatch):
    start, negatives = FIXG_MIN_FULL_SADDLES[blocks]
    k = sum(blocks)
    obj = critical_statement(blocks, start, "1*2^-20", d_max=k)
    theta = np.array([float(to_arb(x).mid()) for x in obj["box"]["centre"]])
    W, V = embed(blocks, theta), np.eye(k)
    # independent evidence that the claim is false: dense critical point, dense Hessian
    # has negative eigenvalues, and the loss itself decreases along the eigenvector
    assert np.max(np.abs(objective.gradient(W, V))) < 1e-12
    lam, vec = np.linalg.eigh(objective.hessian(W, V))
    assert (lam < -1e-3).sum() == negatives
    step = 1e-2 * vec[:, 0].reshape(k, k)
    second = objective.loss(W + step, V) + objective.loss(W - step, V) - 2 * objective.loss(W, V)
    assert second < 0.5 * lam[0] * 1e-4
    # ... while phi restricted to Fix(G) has a positive definite Hessian there
    with ctx.workprec(128):
        S = ks.block_loss(list(blocks), ks.jets(list(blocks), [arb(float(x)) for x in theta])).h
    assert np.linalg.eigvalsh(arb_mid(ks.normalised(list(blocks), S)))[0] > 1e-3
    assert failed_claims(obj) == {"hessian"}
    # the test can fail: without the refinement the verifier would accept the false theorem
    monkeypatch.setattr(ks, "refine", no_refinement)
    assert verify_obj(obj).accepted


def test_fixing_two_points_per_block_is_necessary_at_p3(monkeypatch):
    """At (3, 3) the negative direction is in the sign representation of S_3; a subgroup
    fixing one point per block has no fixed vector there and would accept the claim."""
    start, _ = FIXG_MIN_FULL_SADDLES[(3, 3)]
    obj = critical_statement((3, 3), start, "1*2^-20", d_max=6)
    assert failed_claims(obj) == {"hessian"}
    monkeypatch.setattr(ks, "refine", one_point_refinement)
    assert verify_obj(obj).accepted


def test_coarser_declared_structure_of_a_saddle_is_refused():
    """The (3, 3) saddle written in the finer structure (1, 2, 3) (parameters coincide)."""
    start, _ = FIXG_MIN_FULL_SADDLES[(3, 3)]
    W = embed((3, 3), [m * 2.0 ** e for m, e in refine.reduced_newton((3, 3), start, 128)])
    theta = parameters_of(W, (1, 2, 3))
    assert np.max(np.abs(embed((1, 2, 3), theta) - W)) < 1e-12
    obj = critical_statement((1, 2, 3), theta, "1*2^-20", d_max=6)
    assert failed_claims(obj) == {"hessian"}


@SLOW
def test_true_minimum_declared_with_a_smaller_group_is_accepted():
    """A (2, 6) minimum is also (2, 1, 5)-fixed: that certificate is a true theorem and its
    Hessian claim is below the dense smallest eigenvalue."""
    base = search.lowest_block_minimum((2, 6), seed=1)
    assert base is not None
    W = embed((2, 6), base.theta)
    out = certify_blocks((2, 1, 5), parameters_of(W, (2, 1, 5)), 128)
    assert verify_obj(out.obj).accepted
    mu = float(to_arb(out.obj["claims"]["hessian_min_eig_lower"]).mid())
    assert 0 < mu < np.linalg.eigvalsh(objective.hessian(W, np.eye(8)))[0]


# ---------------------------------------------------------------------------
# 3. large k: counts and precision
# ---------------------------------------------------------------------------
def committed(k):
    return load(SYM_DIR / f"k{k}_n{k}_S1xS{k - 1}_sym.json")


def test_large_k_loss_bounds_are_proved_not_assumed():
    obj = committed(10 ** 6)
    assert verify_obj(obj).accepted
    lo, hi = (to_arb(obj["claims"][key]) for key in ("loss_lower", "loss_upper"))
    assert lo > 0 and abs(float(lo.mid()) * 10 ** 6 - 0.297) < 0.01         # loss ~ 0.297 / k
    bad = copy.deepcopy(obj)
    bad["claims"]["loss_lower"] = obj["claims"]["loss_upper"]                # above part of F's ball
    assert failed_claims(bad) == {"loss"}
    bad = copy.deepcopy(obj)
    bad["prec"] = 64                                                        # too coarse to resolve F > 0
    assert "loss" in failed_claims(bad)


def test_large_k_hessian_claim_is_tight():
    obj = committed(10 ** 5)
    mu = to_arb(obj["claims"]["hessian_min_eig_lower"])
    bad = copy.deepcopy(obj)
    bad["claims"]["hessian_min_eig_lower"] = round_arb(mu * (1 + 2 ** -10), 24, "up")
    assert failed_claims(bad) == {"hessian"}


# ---------------------------------------------------------------------------
# 4. global minimum and format probes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("blocks", [(1, 5), (2, 4), (6,), (1, 2, 3)], ids=str)
def test_global_minimum_is_refused_for_every_structure(blocks):
    """W = V = I is G-fixed for every G; a certificate around it must be refused."""
    names = ks.parameter_names(blocks)
    centre = [(1, 0) if n[0] == "alpha" else (0, 0) for n in names]       # exact (m, e): W = I
    base = BlockProblem(blocks).to_object(
        centre, "1*2^-40",
        "local_minimum", {"loss_lower": "1*2^-200", "loss_upper": "1", "hessian_min_eig_lower": "1*2^-30",
                          "extra_min_eig_lower": "1*2^-30"}, None, 128, None)
    assert failed_claims(base) == {"smooth"}
    near = copy.deepcopy(base)
    near["box"]["centre"] = ["1" if n[0] == "alpha" else "1*2^-12" for n in names]
    near["box"]["radius"] = "1*2^-60"
    assert "critical" in failed_claims(near)        # F > 0 there is true; there is no critical point


@pytest.mark.parametrize("radius, centre0", [("1000000", None), ("1*2^-100", "7" * 300),
                                             ("1*2^-100", "1*2^-99999"), ("1", None)])
def test_wild_boxes_are_refused_without_raising(radius, centre0):
    obj = committed(100)
    obj["box"]["radius"] = radius
    if centre0:
        obj["box"]["centre"][0] = centre0
    assert not verify_obj(obj).accepted


def test_large_k_fixG_minimum_that_is_a_saddle_is_refused(monkeypatch):
    """k = 1000, blocks (3, 997): the continuation in k of the (3, 3) saddle.  phi has a
    positive definite Hessian in Fix(G) there, the full F has a negative direction (in the
    sign representation of S_3, seen through Fix(K)).  No dense check is possible at this
    k; the test can fail: without the refinement the false certificate is accepted."""
    blocks = (3, 997)
    start = [-0.2926105, 0.6100101, -6.04e-05, 7.28e-05, 1.0002678, -1e-07]
    obj = critical_statement(blocks, start, "1*2^-20", d_max=None)
    theta = [to_arb(x) for x in obj["box"]["centre"]]
    with ctx.workprec(128):
        S = ks.block_loss(list(blocks), ks.jets(list(blocks), theta)).h
    assert np.linalg.eigvalsh(arb_mid(ks.normalised(list(blocks), S)))[0] > 1e-3
    assert reduced_spectrum(blocks, [float(x.mid()) for x in theta])[0] < -0.04
    assert "hessian" in failed_claims(obj)
    assert failed_claims(obj) <= {"hessian", "extra_dims"}
    monkeypatch.setattr(ks, "refine", no_refinement)
    obj2 = copy.deepcopy(obj)
    obj2["d_max"] = 1000
    del obj2["claims"]["extra_min_eig_lower"]
    assert verify_obj(obj2).accepted
