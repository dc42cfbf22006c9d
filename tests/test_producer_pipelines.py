"""The producer (certify/producer/): the radius loop accepts exactly what the kernel's
verifier accepts on the exact bytes it returns; the named pipelines certify the
family minima with both methods (and agree with each other and with the landmarks),
general block structures, and points given densely with their symmetry hidden."""
from __future__ import annotations

import copy
from fractions import Fraction

import numpy as np
import pytest

from certify.cli.output import same_statement
from certify.kernel.format import canonical_bytes
from certify.kernel.verify import Verdict, verify_bytes
from certify.producer import ExtraDimensionsNotCertified, NotCertified, objective, pipelines, produce, refine
from certify.producer.dense import DenseProblem, certify_point
from certify.producer.reduced import certify_blocks, detect_blocks, embed
from helpers import K6, exact_centre, load, verify_obj
from oracle.numbers import frac

SLOW = pytest.mark.slow
# float starts of block-ansatz minima (found by search.lowest_block_minimum); Newton refines them
GENERAL_MINIMA = {
    (2, 8): [-0.72984044, 0.1532647, 0.13551928, 0.19101235, 0.99756356, -0.03741234],
    (6, 1, 13): [-0.85744208, 0.08470826, 0.06878025, 0.06878025, 0.10029913, 0.99961682,
                 -0.0314002, 0.10029913, -0.0314002, 0.99961682, -0.0314002],
}


def test_outcome_is_what_the_verifier_accepted_on_these_bytes():
    outcome = pipelines.certify_family_member(6, 128)
    assert outcome.data == canonical_bytes(outcome.obj)
    verdict = verify_bytes(outcome.data)
    assert verdict.accepted and outcome.verdict.accepted
    assert outcome.verdict.sha256 == verdict.sha256
    # the committed certificate: the same statement (its software record names the version that made it)
    assert same_statement(K6.read_bytes(), outcome.data)


def test_the_producer_never_returns_a_refused_certificate(monkeypatch):
    """If the verifier refuses the bytes, nothing is returned: NotCertified, with the reason."""
    def refuse(data):
        verdict = Verdict("0" * 64, error="unreadable: refused by the test")
        return verdict
    monkeypatch.setattr(produce, "verify_bytes", refuse)
    W = embed((1, 5), [-0.6015119235610944, 0.22451580759947856, 0.3080109914790689,
                       0.9867038188885765, -0.05041340321680878])
    with pytest.raises(NotCertified, match="refused by the test"):
        certify_point(W, objective.identity_teacher(6, 6), 128)


def test_only_a_krawczyk_refusal_grows_the_radius(monkeypatch):
    """The loop tries larger radii only while 'critical' is the one refused claim; any
    other refusal stops it with that reason."""
    seen = []
    real = produce.verify_bytes

    def spy(data):
        verdict = real(data)
        seen.append(sorted(r.claim for r in verdict.results if not r.proved) or [verdict.error])
        return verdict
    monkeypatch.setattr(produce, "verify_bytes", spy)
    V = objective.identity_teacher(6, 6)
    W = np.eye(6) + 1e-3 * np.random.default_rng(3).normal(size=(6, 6))       # not critical
    problem = DenseProblem(V, 6)
    with pytest.raises(NotCertified) as info:
        produce.certify(problem, exact_centre(W), 128)
    assert len(seen) > 1 and all(refused == ["critical"] for refused in seen[:-1])
    assert seen[-1] != ["critical"] or len(seen) == len(produce.radius_exponents(128))
    assert all(name in str(info.value) for name in seen[-1] if name != "critical") or seen[-1] == ["critical"]


def test_extra_dimension_failure_falls_back_to_d_alone(monkeypatch):
    """certify_for_all_d: when only the d > k part fails, the same centre is certified for
    d' = d alone and the outcome says why."""
    V = objective.identity_teacher(6, 6)
    centre = refine.newton(embed((1, 5), [-0.6015119235610944, 0.22451580759947856, 0.3080109914790689,
                                          0.9867038188885765, -0.05041340321680878]), V, 128)
    problem = DenseProblem(V, 6)
    real_spectra = problem.spectra

    def no_extra(c, d_max, prec):
        hessian, extra = real_spectra(c, d_max, prec)
        return hessian, (None if extra is None else extra - 10.0)      # M "not positive definite"
    monkeypatch.setattr(problem, "spectra", no_extra)
    with pytest.raises(ExtraDimensionsNotCertified):
        produce.certify(problem, centre, 128)
    outcome, note = produce.certify_for_all_d(problem, centre, 128)
    assert outcome.obj["d_max"] == 6 and "extra_min_eig_lower" not in outcome.obj["claims"]
    assert note and "d_max = d" in note and outcome.note == note
    assert verify_bytes(outcome.data).accepted


def test_refine_refuses_non_finite_and_non_smooth_starts():
    V = objective.identity_teacher(3, 3)
    with pytest.raises(refine.RefineError):
        refine.newton(np.array([[np.nan, 0, 0], [0, 1, 0], [0, 0, 1]]), V, 128)
    with pytest.raises(refine.RefineError):
        refine.newton(np.eye(3), V, 128)                       # w_i = v_i: not smooth


def test_refined_centre_is_on_the_grid_and_critical_to_the_precision():
    """refine.newton returns dyadic centres on the grid 2^-(prec - 8) whose gradient
    (mpmath, independent) is below 2^-(prec - 16) (refine.newton's documented target)."""
    from oracle.formulas import mp_gradient
    V = objective.identity_teacher(6, 6)
    start = embed((1, 5), [-0.6015119, 0.2245158, 0.3080110, 0.9867038, -0.0504134])
    for prec in (64, 128, 256):
        centre = refine.newton(start, V, prec)
        assert all(e == -(prec - 8) for row in centre for m, e in row)
        W = [[Fraction(int(m)) * Fraction(2) ** int(e) for m, e in row] for row in centre]
        g = max(abs(x) for x in mp_gradient(W, [[Fraction(int(i == a)) for a in range(6)] for i in range(6)],
                                            dps=prec // 3 + 20))
        assert g < 2.0 ** -(prec - 16)                 # the documented target


# ---------------------------------------------------------------------------
# the named pipelines
# ---------------------------------------------------------------------------
def test_family_members_below_six_are_not_certified():
    for k in (2, 3, 4, 5):
        with pytest.raises(NotCertified, match="no spurious minimum for k < 6"):
            pipelines.certify_family_member(k, 128)


def test_symmetric_and_dense_certificates_agree_at_k6():
    """Both methods certify k = 6; same loss bounds and eigenvalue claims."""
    dense = load(K6)
    sym = pipelines.certify_family_member(6, 128, "symmetric").obj
    assert verify_obj(dense).accepted and verify_obj(sym).accepted
    assert sym["method"] == "symmetric" and sym["blocks"] == [1, 5]
    for key in ("loss_lower", "loss_upper", "hessian_min_eig_lower", "extra_min_eig_lower"):
        a, b = (float(frac(c["claims"][key])) for c in (dense, sym))
        assert abs(a - b) < 1e-9 * max(1, abs(a)), key


def test_k8_symmetric_certificate_matches_the_landmark(k8_symmetric):
    assert verify_obj(k8_symmetric).accepted
    assert abs(float(frac(k8_symmetric["claims"]["loss_lower"])) - 0.021508037) < 1e-9
    assert abs(float(frac(k8_symmetric["claims"]["hessian_min_eig_lower"])) - 0.0213466) < 1e-6


@pytest.mark.parametrize("blocks", [(2, 8), pytest.param((6, 1, 13), marks=SLOW)], ids=str)
def test_general_block_structures_are_certified(blocks):
    outcome = certify_blocks(blocks, GENERAL_MINIMA[blocks], 128)
    obj = outcome.obj
    assert verify_obj(obj).accepted and obj["blocks"] == list(blocks)
    k = sum(blocks)
    W = embed(blocks, [float(frac(x)) for x in obj["box"]["centre"]])
    assert np.max(np.abs(objective.gradient(W, np.eye(k)))) < 1e-12      # dense: critical
    lam = np.linalg.eigvalsh(objective.hessian(W, np.eye(k)))[0]
    mu = float(frac(obj["claims"]["hessian_min_eig_lower"]))
    assert 0 < mu < lam < mu * (1 + 1e-5)
    # the same numbers with the blocks in another order are not a critical point
    swapped = copy.deepcopy(obj)
    swapped["blocks"] = list(reversed(blocks))
    assert not verify_obj(swapped).accepted


def test_block_structure_is_detected_in_a_permuted_dense_point():
    blocks = (2, 8)
    W = embed(blocks, GENERAL_MINIMA[blocks])
    rng = np.random.default_rng(5)
    perm, rows = rng.permutation(10), rng.permutation(10)
    dense = W[np.ix_(perm, perm)][rows]             # relabel coordinates, then shuffle neurons
    found = detect_blocks(dense)
    assert found is not None and found[0] == blocks
    assert detect_blocks(dense + 1e-3 * rng.normal(size=dense.shape)) is None
    outcome = pipelines.certify_symmetric_candidate(dense, 128)
    assert outcome.obj["blocks"] == [2, 8] and verify_bytes(outcome.data).accepted
    with pytest.raises(NotCertified, match="block structure"):
        pipelines.certify_symmetric_candidate(dense + 1e-3 * rng.normal(size=dense.shape), 128)


def test_user_candidates_that_cannot_be_certified_say_why():
    V = objective.identity_teacher(2, 2)
    with pytest.raises(NotCertified, match="parallel"):
        pipelines.certify_candidate(np.array([[1, 0.5], [2, 1.0]]), V, 128)
    W = np.eye(3) + 1e-7 * np.random.default_rng(1).uniform(-1, 1, (3, 3))   # near the global minimum
    with pytest.raises(NotCertified):
        pipelines.certify_candidate(W, objective.identity_teacher(3, 3), 128)
