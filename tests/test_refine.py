"""Newton refinement in mpmath (certify.producer.refine: newton, reduced_newton):
convergence, the ends of the precision range, and the documented errors.

Convergence is judged independently of the code under test: the gradient at the
returned centre is evaluated by the kernel (arb) and by a second refinement at a
much higher precision; errors must be RefineError / NotCertified with the
documented one-line reason, and the command line must print no traceback.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from flint import arb, ctx

from certify.cli.output import file_name, same_statement
from helpers import K6, SYM_DIR, load, run_certify
from certify.kernel.dense import geometry
from certify.kernel.format import canonical_bytes
from certify.kernel.reduced import blocks as ks
from certify.kernel.verify import verify_bytes
from certify.producer import exact as dyadic
from certify.producer import objective, pipelines, reduced, refine, search


@pytest.fixture(scope="module")
def k6():
    return reduced.embed((1, 5), search.family_theta(6)), objective.identity_teacher(6, 6)


def kernel_gradient_size(centre, V, prec):
    """An arb ball containing max |grad F| at the dyadic centre (the kernel's formulas)."""
    with ctx.workprec(prec + 64):
        W = [[arb(m) * arb(2) ** e for m, e in row] for row in centre]
        grad = geometry.gradient(W, [[arb(x) for x in row] for row in V])
        return max((abs(g) for row in grad for g in row), key=lambda b: b.upper())


# ---------------------------------------------------------------------------
# dense: convergence
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("prec", [64, 128, 2048])
def test_dense_centre_is_critical_to_the_requested_precision(k6, prec):
    W0, V = k6
    centre = refine.newton(W0, V, prec)
    assert all(e == -(prec - 8) for row in centre for _, e in row)
    # the kernel's gradient at the exact centre: rounding to the grid moves each entry by
    # at most 2^-(prec - 7), so |grad F| <~ ||H||_inf 2^-(prec - 7) < 2^-(prec - 16) (||H||_inf ~ 3 here)
    assert kernel_gradient_size(centre, V, prec) < arb(2) ** -(prec - 16)


def test_dense_centre_is_the_grid_point_nearest_the_critical_point(k6):
    """Rounding a 2048-bit centre to the 128-bit grid gives the 128-bit centre, and a
    start 1e-6 away (another Newton path) gives the same bytes."""
    W0, V = k6
    fine = refine.newton(W0, V, 2048)
    coarse = refine.newton(W0, V, 128)
    shift = 2040 - 120
    assert coarse == [[((m + (1 << (shift - 1))) >> shift, -120) for m, _ in row] for row in fine]
    perturbed = W0 + 1e-6 * np.random.default_rng(0).uniform(-1, 1, W0.shape)
    assert refine.newton(perturbed, V, 128) == coarse


def test_dense_refine_reproduces_the_committed_k6_centre(k6):
    W0, V = k6
    centre = refine.newton(W0, V, 128)
    assert [[dyadic.format_dyadic(m, e) for m, e in row] for row in centre] == load(K6)["box"]["centre"]


@pytest.mark.parametrize("prec", [64, 2048])
def test_dense_k6_certified_and_verified_at_both_ends_of_the_precision_range(prec):
    outcome = pipelines.certify_family_member(6, prec)
    assert outcome.obj["prec"] == prec and outcome.obj["kind"] == "local_minimum"
    verdict = verify_bytes(canonical_bytes(outcome.obj))
    assert verdict.accepted, verdict.first_failure()


# ---------------------------------------------------------------------------
# dense: errors
# ---------------------------------------------------------------------------
def test_far_start_is_refused_with_a_clear_reason():
    V = objective.identity_teacher(6, 6)
    W0 = 3 * np.random.default_rng(0).normal(size=(6, 6))
    with pytest.raises(refine.RefineError, match="did not converge.*start closer to a critical point"):
        refine.newton(W0, V, 128)


@pytest.mark.parametrize("change, reason", [
    (lambda W: W.__setitem__(2, 0.0), "the start point is not smooth: w_2 is the zero vector"),
    (lambda W: W.__setitem__(1, -2 * W[0]), "the start point is not smooth: w_0 and w_1 are parallel"),
    (lambda W: W.__setitem__(0, [0, 0, 2.0, 0, 0, 0]), "the start point is not smooth: w_0 and v_2 are parallel"),
    (lambda W: W.__setitem__((0, 0), np.nan), "start point is not finite"),
])
def test_non_smooth_or_non_finite_start_is_refused(k6, change, reason):
    W0, V = k6[0].copy(), k6[1]
    change(W0)
    with pytest.raises(refine.RefineError) as err:
        refine.newton(W0, V, 128)
    assert str(err.value) == reason


def test_singular_hessian_is_refused():
    """n = k = 1, d = 2: H = I/2 - (s/(pi |w|)) n n^T (docs/mathematics.md section 3.1
    in the plane) is singular where |w| = 2 sin t / pi."""
    t = 1.0
    W0 = 2 * math.sin(t) / math.pi * np.array([[math.cos(t), math.sin(t)]])
    V = np.array([[1.0, 0.0]])
    assert abs(np.linalg.eigvalsh(objective.hessian(W0, V))[0]) < 1e-15    # the premise
    with pytest.raises(refine.RefineError, match="Hessian is (numerically )?singular"):
        refine.newton(W0, V, 128)


def test_step_limit_is_reported():
    W0, V = reduced.embed((1, 5), search.family_theta(6)), objective.identity_teacher(6, 6)
    with pytest.raises(refine.RefineError, match="did not converge: gradient still .* after 1 steps"):
        refine.newton(W0, V, 512, max_steps=1)


def test_point_cli_far_candidate_is_not_certified_without_traceback(tmp_path):
    W = 3 * np.random.default_rng(0).normal(size=(6, 6))
    (tmp_path / "far.json").write_text(json.dumps({"k": 6, "W": W.tolist()}))
    proc = run_certify("point", "far.json", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("not certified: refine: Newton did not converge")
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------------------
# reduced (symmetric) Newton
# ---------------------------------------------------------------------------
def reduced_gradient_size(blocks, centre, prec):
    """An arb ball containing max |grad phi| at the centre (the kernel's jets)."""
    with ctx.workprec(prec + 64):
        point = [arb(m) * arb(2) ** e for m, e in centre]
        jet = ks.block_loss(list(blocks), ks.jets(list(blocks), point))
        return max((abs(jet.g[i, 0]) for i in range(len(point))), key=lambda b: b.upper())


@pytest.mark.parametrize("prec", [64, 128, 2048])
def test_reduced_centre_is_critical_at_k100(prec):
    blocks = (1, 99)
    centre = refine.reduced_newton(blocks, search.family_theta(100), prec)
    assert all(abs(m).bit_length() <= prec for m, _ in centre)
    # phi sums ~k^2 pair terms: |grad phi| is resolved to ~k^2 2^-prec at the centre
    assert reduced_gradient_size(blocks, centre, prec) < 100 ** 2 * arb(2) ** -(prec - 8)


def test_reduced_centre_at_2048_bits_truncates_to_the_128_bit_centre():
    blocks = (1, 99)
    theta0 = search.family_theta(100)
    fine, coarse = (refine.reduced_newton(blocks, theta0, p) for p in (2048, 128))
    for (mf, ef), (mc, ec) in zip(fine, coarse):
        shift = abs(mf).bit_length() - 128
        truncated = (abs(mf) >> shift) * (1 if mf > 0 else -1)
        assert dyadic.normalise(truncated, ef + shift) == (mc, ec)


@pytest.mark.parametrize("prec", [64, 2048])
def test_symmetric_k100_certified_and_verified_at_both_ends_of_the_precision_range(prec):
    outcome = pipelines.certify_family_member(100, prec, "symmetric")
    assert outcome.obj["prec"] == prec
    verdict = verify_bytes(canonical_bytes(outcome.obj))
    assert verdict.accepted, verdict.first_failure()


def test_reduced_newton_errors_are_one_line_reasons():
    with pytest.raises(refine.RefineError, match="left the smooth region: two vectors are parallel"):
        refine.reduced_newton((1, 5), [1.0, 0.0, 0.0, 1.0, 0.0], 128)          # W = I: w_i = e_i
    with pytest.raises(refine.RefineError, match="not a finite vector"):
        refine.reduced_newton((1, 5), [1.0, np.inf, 0.0, 1.0, 0.0], 128)
    with pytest.raises(refine.RefineError, match="not a finite vector"):
        refine.reduced_newton((1, 5), [1.0, 0.0, 1.0, 0.0], 128)               # 4 of 5 parameters
    with pytest.raises(refine.RefineError, match=r"did not converge \(last step"):
        refine.reduced_newton((1, 5), [40.0, -30.0, 25.0, -35.0, 20.0], 128, iters=6)


def test_reduced_newton_refuses_a_singular_reduced_hessian():
    """alpha_0 = 0.73319436762780467... (a root of det of the reduced Hessian along this
    line, found once with mpmath.findroot) rounded to a float."""
    blocks, theta = (1, 5), np.array([0.7331943676278047, 0.1, -0.05, 0.6, 0.08])
    E = reduced.orbit_matrices(blocks).reshape(5, -1)
    S = E @ objective.hessian(reduced.embed(blocks, theta), np.eye(6)) @ E.T
    scale = 1 / np.sqrt(E.sum(1))
    assert np.min(np.abs(np.linalg.eigvalsh(scale[:, None] * S * scale[None, :]))) < 1e-12   # the premise
    with pytest.raises(refine.RefineError, match="reduced Hessian is numerically singular"):
        refine.reduced_newton(blocks, theta, 128)


# ---------------------------------------------------------------------------
# one committed symmetric certificate, byte for byte (all of them: test_slow_certify)
# ---------------------------------------------------------------------------
def test_symmetric_k100_reproduces_the_committed_certificate():
    outcome = pipelines.certify_family_member(100, 128, "symmetric")
    committed = SYM_DIR / file_name(outcome.obj)
    assert same_statement(committed.read_bytes(), outcome.data), f"{committed.name} changed"
