"""Adversarial soundness audit of the symmetric method (certify/kernel/symmetric.py).

Every false claim built here must be refused, and every test is shown able to fail:
where the kernel's safeguard is a piece of mathematics (the refinement to Fix(K)),
the test also runs the verifier with that safeguard removed (monkeypatched) and
checks that the same false certificate would then be ACCEPTED.

Independent references used: the dense numpy objective (certify/objective.py, a
separate implementation over all k^2 coordinates), finite differences of the dense
loss, a brute-force orthonormal basis of Fix(K) built from permutation generators
(not from kernel.symmetric.refine), and sympy for the derivatives of f.
"""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import sympy
from flint import arb, ctx

from certify import objective
from certify import symmetric_pipeline as sp
from certify.kernel import dyadic
from certify.kernel import symmetric as ks
from helpers import ROOT, arb_mid, pair_orbits, verify_obj

SYM_DIR = ROOT / "certificates" / "symmetric"
SLOW = pytest.mark.slow

# Float starts (6 digits) of block-ansatz critical points that are MINIMA of phi inside
# Fix(G) (the G-fixed Hessian block is positive definite) but SADDLES of the full F
# (found by sp.reduced_minimise; the dense Hessian has the listed number of negative
# eigenvalues).  (3, 3): the single negative direction lies in the sign representation
# (3-2, 1, 1) = (1, 1, 1) of one S_3, invisible to any subgroup fixing only one point.
FIXG_MIN_FULL_SADDLES = {
    (1, 4): ([-0.559778, 0.28755, 0.376065, 0.961607, -0.079083], 3),
    (3, 3): ([-0.306622, 0.640475, -0.009959, 0.008136, 1.03546, -0.001593], 1),
    (2, 5): ([-0.675845, 0.224476, 0.214555, 0.2815, 0.953925, -0.092944], 4),
    (1, 1, 3): ([0.220659, 1.021197, -0.048216, -0.547042, 0.16035, 0.336839, 0.425313,
                 -0.05788, 0.930368, -0.103376], 2),
}


def failed_claims(obj) -> set:
    v = verify_obj(obj)
    return {r.claim for r in v.results if not r.proved} | ({v.error} if v.error else set())


def reduced_spectrum(blocks, theta) -> np.ndarray:
    with ctx.workprec(128):
        return np.linalg.eigvalsh(arb_mid(ks.reduced_hessian(list(blocks), [arb(float(x)) for x in theta])))


def reduced_M_spectrum(blocks, theta) -> np.ndarray:
    with ctx.workprec(128):
        return np.linalg.eigvalsh(arb_mid(ks.reduced_extra_block(list(blocks), [arb(float(x)) for x in theta])))


def random_point(blocks, seed):
    rng = np.random.default_rng(seed)
    names = ks.parameter_names(blocks)
    return rng.normal(size=len(names)) * 0.4 + np.array([1.1 if n[0] == "alpha" else 0.0 for n in names])


def critical_statement(blocks, start, hessian_claim: str, d_max):
    """A symmetric statement around the true G-fixed critical point near `start`, with a
    radius at which Krawczyk succeeds and the given (possibly false) Hessian claim."""
    centre = sp.reduced_newton(blocks, start)
    for radius_exp in range(-100, -20, 16):
        st = sp.propose_statement(blocks, centre, radius_exp, 128, d_max)
        claims = dict(st.claims, hessian_min_eig_lower=hessian_claim)
        for key in set(claims) - {"loss_lower", "loss_upper", "hessian_min_eig_lower"}:
            claims[key] = "1*2^-30"
        st = ks.SymmetricStatement(st.k, st.d_max, st.blocks, st.centre, st.radius, st.prec, claims)
        if {r.claim for r in ks.prove(st) if r.proved} >= {"smooth", "loss", "critical"}:
            return st
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
    st = critical_statement(blocks, start, "1*2^-20", d_max=k)
    theta = np.array([float(dyadic.to_arb(x).mid()) for x in st.centre])
    W, V = sp.embed(blocks, theta), np.eye(k)
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
    obj = sp.to_object(st)
    assert failed_claims(obj) == {"hessian"}
    # the test can fail: without the refinement the verifier would accept the false theorem
    monkeypatch.setattr(ks, "refine", no_refinement)
    assert verify_obj(obj).accepted


def test_fixing_two_points_per_block_is_necessary_at_p3(monkeypatch):
    """At (3, 3) the negative direction is in the sign representation of S_3; a subgroup
    fixing one point per block has no fixed vector there and would accept the claim."""
    start, _ = FIXG_MIN_FULL_SADDLES[(3, 3)]
    obj = sp.to_object(critical_statement((3, 3), start, "1*2^-20", d_max=6))
    assert failed_claims(obj) == {"hessian"}
    monkeypatch.setattr(ks, "refine", one_point_refinement)
    assert verify_obj(obj).accepted


def test_coarser_declared_structure_of_a_saddle_is_refused():
    """The (3, 3) saddle written in the finer structure (1, 2, 3) (parameters coincide)."""
    start, _ = FIXG_MIN_FULL_SADDLES[(3, 3)]
    W = sp.embed((3, 3), [m * 2.0 ** e for m, e in sp.reduced_newton((3, 3), start)])
    theta = sp.parameters_of(W, (1, 2, 3))
    assert np.max(np.abs(sp.embed((1, 2, 3), theta) - W)) < 1e-12
    obj = sp.to_object(critical_statement((1, 2, 3), theta, "1*2^-20", d_max=6))
    assert failed_claims(obj) == {"hessian"}


@SLOW
def test_true_minimum_declared_with_a_smaller_group_is_accepted():
    """A (2, 6) minimum is also (2, 1, 5)-fixed: that certificate is a true theorem and its
    Hessian claim is below the dense smallest eigenvalue."""
    base = sp.search_blocks((2, 6), seed=1)
    assert base is not None
    W = sp.embed((2, 6), base[0])
    out = sp.certify_blocks((2, 1, 5), sp.parameters_of(W, (2, 1, 5)))
    assert verify_obj(out.obj).accepted
    mu = float(dyadic.to_arb(out.obj["claims"]["hessian_min_eig_lower"]).mid())
    assert 0 < mu < np.linalg.eigvalsh(objective.hessian(W, np.eye(8)))[0]


# ---------------------------------------------------------------------------
# 2. the Fix(K) reduction against independent constructions
# ---------------------------------------------------------------------------
def fix_K_basis(blocks) -> np.ndarray:
    """Orthonormal basis (k^2 x D') of the vectors of R^{k x k} fixed by the subgroup of
    Delta(prod S_pa) that fixes the first two indices of every block, built by union-find
    over its generating transpositions (independent of ks.refine)."""
    k = sum(blocks)
    orbits = pair_orbits(blocks, fixed=2)
    B = np.zeros((k * k, len(orbits)))
    for c, members in enumerate(orbits):
        for i, j in members:
            B[i * k + j, c] = 1 / np.sqrt(len(members))
    return B


AUDIT_STRUCTURES = [(1, 1), (2, 1), (1, 3), (3,), (2, 2), (3, 1, 1), (2, 2, 2), (1, 2, 3), (3, 3),
                    (4, 4), (2, 5), (1, 1, 5), (5, 2, 1), (6,)]


@pytest.mark.parametrize("blocks", AUDIT_STRUCTURES, ids=str)
def test_reduced_hessian_is_the_restriction_to_fix_K(blocks):
    """Same MULTISET as B^T H B (B an independent orthonormal basis of Fix(K)), same SET
    as the dense spectrum; the same for M on the K-fixed vectors of R^n."""
    k = sum(blocks)
    theta = random_point(blocks, 11 * k + len(blocks))
    W, V = sp.embed(blocks, theta), np.eye(k)
    B = fix_K_basis(blocks)
    assert np.allclose(B.T @ B, np.eye(B.shape[1]))
    Hd = objective.hessian(W, V)
    restricted = np.linalg.eigvalsh(B.T @ Hd @ B)
    reduced = reduced_spectrum(blocks, theta)
    assert len(reduced) == len(restricted) and np.max(np.abs(reduced - restricted)) < 1e-9
    dense = np.linalg.eigvalsh(Hd)
    assert max(np.min(np.abs(reduced - x)) for x in dense) < 1e-9     # every eigenvalue is seen
    assert abs(reduced[0] - dense[0]) < 1e-9
    # M: K-fixed vectors of R^n are the vectors constant on the K-orbits of neurons
    Md = objective.extra_dimension_block(W, V)
    starts = np.cumsum([0] + list(blocks))
    cols = []
    for a, p in enumerate(blocks):
        for part in ([starts[a]], [starts[a] + 1], list(range(starts[a] + 2, starts[a + 1]))):
            part = [i for i in part if i < starts[a + 1]]
            if part:
                c = np.zeros(k)
                c[part] = 1 / np.sqrt(len(part))
                cols.append(c)
    Bn = np.array(cols).T
    red_M = reduced_M_spectrum(blocks, theta)
    assert np.max(np.abs(red_M - np.linalg.eigvalsh(Bn.T @ Md @ Bn))) < 1e-9
    dense_M = np.linalg.eigvalsh(Md)
    assert max(np.min(np.abs(red_M - x)) for x in dense_M) < 1e-9 and abs(red_M[0] - dense_M[0]) < 1e-9


@pytest.mark.parametrize("blocks", [(1, 19), (2, 18), (3, 17), (4, 16), (1, 1, 18), pytest.param((2, 3, 15), marks=SLOW),
                                    pytest.param((1, 29), marks=SLOW), pytest.param((3, 4, 23), marks=SLOW)],
                         ids=str)
def test_smallest_eigenvalues_match_dense_at_larger_k(blocks):
    k = sum(blocks)
    for seed in (1, 2):
        theta = random_point(blocks, seed)
        W, V = sp.embed(blocks, theta), np.eye(k)
        assert abs(reduced_spectrum(blocks, theta)[0] - np.linalg.eigvalsh(objective.hessian(W, V))[0]) < 1e-8
        assert abs(reduced_M_spectrum(blocks, theta)[0]
                   - np.linalg.eigvalsh(objective.extra_dimension_block(W, V))[0]) < 1e-8


@pytest.mark.parametrize("blocks", [(1, 4), (2, 2, 1)], ids=str)
def test_M_is_the_hessian_block_of_an_extra_coordinate(blocks):
    """d = k + 1: the Hessian of the dense loss at [W, 0] on the last coordinate is M, it is
    decoupled from the others, and the gradient there is 0 (d > k lemma used by extra_dims)."""
    k = sum(blocks)
    theta = random_point(blocks, 5)
    W = sp.embed(blocks, theta)
    W1, V1 = np.hstack([W, np.zeros((k, 1))]), np.eye(k, k + 1)
    H = objective.hessian(W1, V1).reshape(k, k + 1, k, k + 1)
    assert np.allclose(H[:, k, :, k], objective.extra_dimension_block(W, np.eye(k)), atol=1e-12)
    assert np.max(np.abs(H[:, k, :, :k])) < 1e-12
    # second differences of the loss itself along the extra coordinate (independent of H)
    rng = np.random.default_rng(0)
    u = rng.normal(size=k)
    E = np.zeros((k, k + 1))
    E[:, k] = u * 1e-4
    second = (objective.loss(W1 + E, V1) + objective.loss(W1 - E, V1) - 2 * objective.loss(W1, V1)) / 1e-8
    with ctx.workprec(128):
        Mr = arb_mid(ks.reduced_extra_block(list(blocks), [arb(float(x)) for x in theta]))
    Md = objective.extra_dimension_block(W, np.eye(k))
    assert abs(second - u @ Md @ u) < 1e-5 * max(1, abs(second))
    assert abs(np.linalg.eigvalsh(Mr)[0] - np.linalg.eigvalsh(Md)[0]) < 1e-9


def test_derivatives_of_f_agree_with_sympy():
    """f(P, q) = (sqrt(P - q^2) + (pi - acos(q / sqrt P)) q) / (2 pi) and its jet."""
    P, q = sympy.symbols("P q", positive=True)
    f = (sympy.sqrt(P - q ** 2) + (sympy.pi - sympy.acos(q / sympy.sqrt(P))) * q) / (2 * sympy.pi)
    exprs = [f, sympy.diff(f, P), sympy.diff(f, q), sympy.diff(f, P, 2), sympy.diff(f, P, q), sympy.diff(f, q, 2)]
    for Pv, qv in ((2.0, 0.3), (1.5, -1.1), (0.7, 0.05)):
        sub = {P: Pv, q: qv}
        want = [float(e.subs(sub).evalf(30)) for e in exprs]
        with ctx.workprec(128):
            jet = ks.pair_f(ks.Jet.variable(arb(Pv), 0, 2), ks.Jet.variable(arb(qv), 1, 2))
        got = [float(jet.v.mid()), float(jet.g[0, 0].mid()), float(jet.g[1, 0].mid()),
               float(jet.h[0, 0].mid()), float(jet.h[0, 1].mid()), float(jet.h[1, 1].mid())]
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14), (Pv, qv)


# ---------------------------------------------------------------------------
# 3. large k: counts and precision
# ---------------------------------------------------------------------------
def committed(k):
    path = SYM_DIR / f"k{k}_n{k}_S1xS{k - 1}_sym.json"
    return json.loads(path.read_bytes())


def test_large_k_loss_bounds_are_proved_not_assumed():
    obj = committed(10 ** 6)
    assert verify_obj(obj).accepted
    lo, hi = (dyadic.to_arb(obj["claims"][key]) for key in ("loss_lower", "loss_upper"))
    assert lo > 0 and abs(float(lo.mid()) * 10 ** 6 - 0.297) < 0.01         # loss ~ 0.297 / k
    bad = copy.deepcopy(obj)
    bad["claims"]["loss_lower"] = obj["claims"]["loss_upper"]                # above part of F's ball
    assert failed_claims(bad) == {"loss"}
    bad = copy.deepcopy(obj)
    bad["prec"] = 64                                                        # too coarse to resolve F > 0
    assert "loss" in failed_claims(bad)


def test_large_k_hessian_claim_is_tight():
    obj = committed(10 ** 5)
    mu = dyadic.to_arb(obj["claims"]["hessian_min_eig_lower"])
    bad = copy.deepcopy(obj)
    bad["claims"]["hessian_min_eig_lower"] = dyadic.round_arb(mu * (1 + 2 ** -10), 24, "up")
    assert failed_claims(bad) == {"hessian"}


def test_counts_are_exact_at_the_format_limit():
    """phi at k = 10^7 evaluated at 128 and 512 bits: the 128-bit ball contains the
    512-bit one (counts p (p - 1) / 2 ~ 5e13 enter as exact integers)."""
    blocks = [1, 10 ** 7 - 1]
    theta = ["-1", "1*2^-20", "3*2^-22", "1", "-1*2^-26"]
    values = []
    for prec in (128, 512):
        with ctx.workprec(prec):
            point = dict(zip(ks.parameter_names(blocks), [dyadic.to_arb(x) for x in theta]))
            values.append(ks.block_loss(blocks, point))
    assert values[0].contains(values[1]) and values[1].rad() < values[0].rad()


# ---------------------------------------------------------------------------
# 4. global minimum and format probes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("blocks", [(1, 5), (2, 4), (6,), (1, 2, 3)], ids=str)
def test_global_minimum_is_refused_for_every_structure(blocks):
    """W = V = I is G-fixed for every G; a certificate around it must be refused."""
    k = sum(blocks)
    names = ks.parameter_names(blocks)
    centre = ["1" if n[0] == "alpha" else "0" for n in names]
    base = sp.to_object(ks.SymmetricStatement(k, None, tuple(blocks), tuple(centre), "1*2^-40", 128,
                                              {"loss_lower": "1*2^-200", "loss_upper": "1",
                                               "hessian_min_eig_lower": "1*2^-30",
                                               "extra_min_eig_lower": "1*2^-30"}))
    assert failed_claims(base) == {"smooth"}
    near = copy.deepcopy(base)
    near["box"]["centre"] = ["1" if n[0] == "alpha" else "1*2^-12" for n in names]
    near["box"]["radius"] = "1*2^-60"
    assert "critical" in failed_claims(near)        # F > 0 there is true; there is no critical point


def test_format_probes_are_refused():
    obj = committed(100)
    probes = [("blocks", [1, 98]), ("blocks", [50, 51]), ("n", 101), ("d", 99), ("d_max", 99),
              ("teacher", [["1"]]), ("kind", "saddle"), ("d_max", 100),     # extra claim present
              ("k", 10 ** 7 + 1)]
    for field, value in probes:
        bad = copy.deepcopy(obj)
        bad[field] = value
        v = verify_obj(bad)
        assert not v.accepted and v.error, field
    bad = copy.deepcopy(obj)
    bad["d_max"] = 101
    del bad["claims"]["extra_min_eig_lower"]                                 # d_max > d needs M
    assert not verify_obj(bad).accepted


@pytest.mark.parametrize("radius, centre0", [("1000000", None), ("1*2^-100", "7" * 300),
                                             ("1*2^-100", "1*2^-99999"), ("1", None)])
def test_wild_boxes_are_refused_without_raising(radius, centre0):
    obj = committed(100)
    obj["box"]["radius"] = radius
    if centre0:
        obj["box"]["centre"][0] = centre0
    assert not verify_obj(obj).accepted


@pytest.mark.parametrize("blocks", [(1, 5), (3, 3), (2, 2, 2), (1, 1, 5), (2, 8), (1, 19), (3, 17),
                                    pytest.param((1, 29), marks=SLOW), pytest.param((2, 3, 25), marks=SLOW)],
                         ids=str)
def test_proved_eigenvalue_bounds_bracket_the_dense_ones(blocks):
    """The kernel's test (enclosure on a small box + congruence/Gershgorin) proves
    lambda_min > lambda_dense - 1e-6 and never proves lambda_min > lambda_dense + 1e-6,
    for the full Hessian and for M (posdef with a shift mu of either sign)."""
    from certify.kernel import posdef, preconditioners
    k = sum(blocks)
    theta = random_point(blocks, 3 * k)
    W, V = sp.embed(blocks, theta), np.eye(k)
    dense = {"H": np.linalg.eigvalsh(objective.hessian(W, V))[0],
             "M": np.linalg.eigvalsh(objective.extra_dimension_block(W, V))[0]}
    with ctx.workprec(128):
        box = [arb(float(x)) + arb(0, 2.0 ** -60) for x in theta]
        mats = {"H": ks.reduced_hessian(list(blocks), box), "M": ks.reduced_extra_block(list(blocks), box)}
        for key, A in mats.items():
            _, Q = preconditioners.approximate_eigenvectors(A)
            assert posdef.min_eigenvalue_exceeds(A, arb(dense[key] - 1e-6), Q), key
            assert not posdef.min_eigenvalue_exceeds(A, arb(dense[key] + 1e-6), Q), key


def test_large_k_fixG_minimum_that_is_a_saddle_is_refused(monkeypatch):
    """k = 1000, blocks (3, 997): the continuation in k of the (3, 3) saddle.  phi has a
    positive definite Hessian in Fix(G) there, the full F has a negative direction (in the
    sign representation of S_3, seen through Fix(K)).  No dense check is possible at this
    k; the test can fail: without the refinement the false certificate is accepted."""
    blocks = (3, 997)
    start = [-0.2926105, 0.6100101, -6.04e-05, 7.28e-05, 1.0002678, -1e-07]
    obj = sp.to_object(critical_statement(blocks, start, "1*2^-20", d_max=None))
    theta = [dyadic.to_arb(x) for x in obj["box"]["centre"]]
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
