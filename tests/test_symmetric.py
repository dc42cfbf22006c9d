"""Symmetry-reduced certificates (certify/kernel/symmetric.py, docs/symmetric.md).

The reduced closed forms are compared with the dense numpy objective
(certify/objective.py, an independent implementation over all k^2 coordinates):
loss, gradient, the full Hessian spectrum and the d > k block M, at random
G-fixed points of several block structures.  The dimension bookkeeping of the
isotypic decomposition is checked against brute-force orbit counting.  The
verifier must refuse false symmetric claims.
"""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from flint import arb, ctx

from certify import objective, search
from certify import symmetric_pipeline as sp
from certify.kernel import dyadic
from certify.kernel import symmetric as ks
from certify.kernel.verify import canonical_bytes, verify_bytes
from helpers import ROOT, arb_mid, pair_orbits, verify_obj

SYM_DIR = ROOT / "certificates" / "symmetric"
STRUCTURES = [(1, 5), (2, 4), (3, 3), (1, 2, 3), (6, 1, 3), (1, 1, 4), (2, 2, 2), (4, 7), (1, 11), (5,)]
SLOW = pytest.mark.slow


def random_point(blocks, seed):
    rng = np.random.default_rng(seed)
    names = ks.parameter_names(blocks)
    theta = rng.normal(size=len(names)) * 0.4
    theta += np.array([1.2 if n[0] == "alpha" else 0.0 for n in names])
    return theta


def same_set(a, b, tol):
    a, b = np.asarray(a), np.asarray(b)
    return max(np.min(np.abs(b - x)) for x in a) < tol and max(np.min(np.abs(a - x)) for x in b) < tol


# ---------------------------------------------------------------------------
# reduced formulas against the dense objective
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("blocks", STRUCTURES + [pytest.param((1, 2, 3, 4), marks=SLOW)], ids=str)
def test_reduced_quantities_match_dense(blocks):
    k = sum(blocks)
    theta = random_point(blocks, sum(blocks) * 7 + len(blocks))
    W, V = sp.embed(blocks, theta), np.eye(k)
    E = sp.orbit_matrices(blocks)
    with ctx.workprec(128):
        point = [arb(float(x)) for x in theta]
        jet = ks.block_loss(list(blocks), ks.jets(list(blocks), point))
        H = arb_mid(ks.reduced_hessian(list(blocks), point))
        M = arb_mid(ks.reduced_extra_block(list(blocks), point))
    # loss and gradient: d phi / d theta_o = <E_o, grad F>
    assert abs(float(jet.v.mid()) - objective.loss(W, V)) < 1e-12
    grad = np.einsum("oij,ij->o", E, objective.gradient(W, V))
    assert np.max(np.abs(arb_mid(jet.g)[:, 0] - grad)) < 1e-10
    # Hessian of phi = Phi^T H Phi with Phi the orbit matrices as columns
    Hd = objective.hessian(W, V)
    Phi = E.reshape(len(E), -1).T
    assert np.max(np.abs(arb_mid(jet.h) - Phi.T @ Hd @ Phi)) < 1e-9
    # the reduced matrices have exactly the eigenvalues of the dense ones (as sets)
    dense = np.linalg.eigvalsh(Hd)
    reduced = np.linalg.eigvalsh(H)
    assert same_set(dense, reduced, 1e-10)
    assert abs(dense[0] - reduced[0]) < 1e-10
    Md = np.linalg.eigvalsh(objective.extra_dimension_block(W, V))
    assert same_set(Md, np.linalg.eigvalsh(M), 1e-10)


def test_reduced_hessian_is_not_trivially_the_ansatz_hessian():
    """The trivial (G-fixed) block alone misses eigenvalues: the refinement is needed."""
    blocks = (1, 7)
    theta = random_point(blocks, 3)
    W = sp.embed(blocks, theta)
    with ctx.workprec(128):
        point = [arb(float(x)) for x in theta]
        S = ks.block_loss(list(blocks), ks.jets(list(blocks), point)).h
        trivial = np.linalg.eigvalsh(arb_mid(ks.normalised(list(blocks), S)))
    dense = np.linalg.eigvalsh(objective.hessian(W, np.eye(8)))
    assert all(np.min(np.abs(dense - x)) < 1e-10 for x in trivial)     # a subset ...
    assert not same_set(dense, trivial, 1e-6)                          # ... not all of it


@pytest.mark.parametrize("k", [6, 8, 12, pytest.param(20, marks=SLOW)])
def test_minimum_smallest_eigenvalue_matches_dense(k):
    found = search.find_symmetric_minimum(k)
    with ctx.workprec(128):
        H = arb_mid(ks.reduced_hessian([1, k - 1], [arb(float(x)) for x in found.theta]))
    dense = np.linalg.eigvalsh(objective.hessian(found.W, np.eye(k)))
    assert abs(np.linalg.eigvalsh(H)[0] - dense[0]) < 1e-10
    assert abs(found.min_eigenvalue - dense[0]) < 1e-10


# ---------------------------------------------------------------------------
# dimension bookkeeping
# ---------------------------------------------------------------------------
def orbits_bruteforce(blocks) -> int:
    """Number of orbits of Delta(prod S_pa) on index pairs (brute-force union-find)."""
    return len(pair_orbits(blocks))


def isotypic_decomposition(blocks):
    """{irrep: (multiplicity, dimension)} of R^{k x k} under Delta(prod S_pa) (docs/symmetric.md)."""
    m = len(blocks)
    out = {"triv": (m * m + sum(p >= 2 for p in blocks), 1)}
    for a, p in enumerate(blocks):
        if p >= 2:
            out[f"std{a}"] = (2 * m + (p >= 3), p - 1)
        if p >= 3:
            out[f"wedge{a}"] = (1, (p - 1) * (p - 2) // 2)
        if p >= 4:
            out[f"two{a}"] = (1, p * (p - 3) // 2)
        for b in range(a + 1, m):
            if p >= 2 and blocks[b] >= 2:
                out[f"std{a}xstd{b}"] = (2, (p - 1) * (blocks[b] - 1))
    return out


@pytest.mark.parametrize("blocks", STRUCTURES + [(1, 2, 3, 4), (1, 1), (2,), (1, 3), (3, 1, 1), (2, 5, 9),
                                    (1, 999)],
                         ids=str)
def test_isotypic_dimensions_add_up(blocks):
    k = sum(blocks)
    parts = isotypic_decomposition(blocks)
    assert sum(mult * dim for mult, dim in parts.values()) == k * k
    assert parts["triv"][0] == len(ks.parameter_names(blocks))
    assert sum(ks.orbit_size(blocks, o) for o in ks.parameter_names(blocks)) == k * k


@pytest.mark.parametrize("blocks", [(1, 5), (2, 4), (3, 3), (1, 2, 3), (2, 2, 2), (1, 1, 4), (3, 1, 2)],
                         ids=str)
def test_multiplicities_by_orbit_counting(blocks):
    """dim Fix(G) = triv multiplicity; splitting one point off block a adds exactly the
    multiplicity of std_a (std restricted to S_{p-1} contains the trivial rep once)."""
    parts = isotypic_decomposition(blocks)
    assert orbits_bruteforce(blocks) == parts["triv"][0] == len(ks.parameter_names(blocks))
    for a, p in enumerate(blocks):
        if p >= 2:
            split = list(blocks[:a]) + [1, p - 1] + list(blocks[a + 1:])
            assert orbits_bruteforce(split) - orbits_bruteforce(blocks) == parts[f"std{a}"][0]


@pytest.mark.parametrize("blocks", [(1, 5), (2, 4), (1, 2, 3), (4, 4)], ids=str)
def test_refined_fixed_space_dimension(blocks):
    """Fix(K) has dimension = number of refined parameters (brute force)."""
    refined, _ = ks.refine(blocks)
    assert orbits_bruteforce(refined) == len(ks.parameter_names(refined))
    assert sum(refined) == sum(blocks) and len(refined) <= 3 * len(blocks)


# ---------------------------------------------------------------------------
# certificates
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def k8():
    return sp.certify_k_symmetric(8).obj


def refused(obj) -> set:
    v = verify_obj(obj)
    assert not v.accepted
    return {r.claim for r in v.results if not r.proved} or {v.error}


SYM_PATHS = sorted(SYM_DIR.glob("*.json"))


def test_there_are_committed_symmetric_certificates():
    names = {p.name for p in SYM_PATHS}
    for k in (100, 1000, 10000):
        assert f"k{k}_n{k}_S1xS{k - 1}_sym.json" in names


@pytest.mark.parametrize("path", SYM_PATHS, ids=lambda p: p.name)
def test_committed_symmetric_certificate_is_accepted(path):
    data = path.read_bytes()
    verdict = verify_bytes(data)
    assert verdict.accepted, verdict.first_failure()
    assert {r.claim for r in verdict.results} == {"smooth", "loss", "hessian", "extra_dims", "critical"}
    obj = json.loads(data)
    assert obj["method"] == "symmetric" and obj["blocks"] == [1, obj["k"] - 1]


@pytest.mark.parametrize("path", [p if json.loads(p.read_bytes())["k"] <= 100 else pytest.param(p, marks=SLOW)
                                  for p in SYM_PATHS if json.loads(p.read_bytes())["k"] <= 1000],
                         ids=lambda p: p.name)
def test_committed_symmetric_claims_agree_with_dense_floats(path):
    obj = json.loads(path.read_bytes())
    k = obj["k"]
    theta = [float(dyadic.to_arb(x).mid()) for x in obj["box"]["centre"]]
    W = sp.embed((1, k - 1), theta)
    V = np.eye(k)
    lo = float(dyadic.to_arb(obj["claims"]["loss_lower"]).mid())
    assert abs(objective.loss(W, V) - lo) < 1e-12 * k and lo > 0      # float sum of k^2 terms
    assert np.max(np.abs(objective.gradient(W, V))) < 1e-12
    mu = float(dyadic.to_arb(obj["claims"]["extra_min_eig_lower"]).mid())
    assert 0 < mu < np.linalg.eigvalsh(objective.extra_dimension_block(W, V))[0]


def test_symmetric_and_dense_certificates_agree_at_k6():
    """Both methods certify k = 6; same loss bounds and eigenvalue claims."""
    dense = json.loads((ROOT / "certificates" / "k6_n6_S1xS5.json").read_bytes())
    sym = sp.certify_k_symmetric(6).obj
    assert verify_obj(dense).accepted and verify_obj(sym).accepted
    for key in ("loss_lower", "loss_upper", "hessian_min_eig_lower", "extra_min_eig_lower"):
        a, b = (float(dyadic.to_arb(c["claims"][key]).mid()) for c in (dense, sym))
        assert abs(a - b) < 1e-9 * max(1, abs(a)), key


def test_k8_certificate_is_accepted_and_matches_landmark(k8):
    assert verify_obj(k8).accepted
    assert abs(float(dyadic.to_arb(k8["claims"]["loss_lower"]).mid()) - 0.021508037) < 1e-9
    assert abs(float(dyadic.to_arb(k8["claims"]["hessian_min_eig_lower"]).mid()) - 0.0213466) < 1e-6


def test_shifted_centre_is_refused(k8):
    obj = copy.deepcopy(k8)
    m, e = dyadic.parse(obj["box"]["centre"][3])
    low = min(e, -60)
    obj["box"]["centre"][3] = dyadic.format_dyadic(m * 2 ** (e - low) + 2 ** (-60 - low), low)  # + 2^-60
    assert "critical" in refused(obj)


def test_raised_eigenvalue_claims_are_refused(k8):
    for key, claim in (("hessian_min_eig_lower", "hessian"), ("extra_min_eig_lower", "extra_dims")):
        obj = copy.deepcopy(k8)
        value = dyadic.to_arb(obj["claims"][key])
        obj["claims"][key] = dyadic.round_arb(value * 1.01, 24, "up")
        assert refused(obj) == {claim}
        obj["claims"][key] = "0"
        assert refused(obj) == {claim}


def test_false_loss_claims_are_refused(k8):
    obj = copy.deepcopy(k8)
    obj["claims"]["loss_lower"] = dyadic.round_arb(dyadic.to_arb(obj["claims"]["loss_upper"]) * 1.001, 30, "up")
    obj["claims"]["loss_upper"] = dyadic.round_arb(dyadic.to_arb(obj["claims"]["loss_upper"]) * 1.01, 30, "up")
    assert refused(obj) == {"loss"}
    obj = copy.deepcopy(k8)
    obj["claims"]["loss_lower"] = "-1"
    assert refused(obj) == {"loss"}


def test_wrong_block_structure_is_refused(k8):
    obj = copy.deepcopy(k8)
    obj["blocks"] = [2, 6]                       # 6 parameters, the centre has 5
    assert "box.centre" in refused(obj).pop()
    a, b, c, e, f = obj["box"]["centre"]
    obj["box"]["centre"] = [a, f, b, c, e, f]    # a (2, 6) point made of the same numbers
    assert refused(obj) & {"critical", "hessian"}
    obj = copy.deepcopy(k8)
    obj["blocks"] = [7, 1]                       # the same numbers read with the blocks swapped
    assert refused(obj)


def test_relabelled_k_is_refused(k8):
    obj = copy.deepcopy(k8)
    obj["k"] = obj["n"] = obj["d"] = 9
    assert "blocks" in refused(obj).pop()
    obj["blocks"] = [1, 8]
    assert "critical" in refused(obj)


def test_global_minimum_is_refused(k8):
    """W = V is G-fixed (alpha = 1, beta = gamma = 0); F = 0 there: never spurious."""
    obj = copy.deepcopy(k8)
    obj["box"]["centre"] = ["1", "0", "0", "1", "0"]
    assert refused(obj) == {"smooth"}
    obj["box"]["radius"] = "1*2^-20"                                       # a box around V
    obj["box"]["centre"] = ["1", "1*2^-30", "-1*2^-30", "1", "1*2^-31"]
    assert refused(obj) == {"smooth"}
    obj["box"]["centre"] = ["1", "1*2^-10", "-1*2^-10", "1", "1*2^-11"]   # near V, V outside
    obj["box"]["radius"] = "1*2^-60"
    assert "critical" in refused(obj)


@pytest.mark.parametrize("field, value", [
    ("teacher", [["1"]]), ("teacher", "Identity"), ("n", 9), ("d", 7), ("blocks", [1, True, 6]),
    ("blocks", [8]), ("blocks", [1, 1, 1, 1, 4]), ("blocks", [1, 1, 2, 4]), ("blocks", [0, 8]), ("blocks", "1,7"), ("kind", "saddle"),
    ("prec", 10), ("d_max", 5), ("version", 2), ("extra", 1),
])
def test_malformed_symmetric_certificates_are_refused(k8, field, value):
    obj = copy.deepcopy(k8)
    obj[field] = value
    verdict = verify_obj(obj)
    assert not verdict.accepted and verdict.error and verdict.error.startswith("field ")


def test_box_and_claim_shapes_are_checked(k8):
    for mutate in (lambda o: o["box"]["centre"].pop(), lambda o: o["box"].update(radius="0"),
                   lambda o: o["box"]["centre"].__setitem__(0, "0.5"),
                   lambda o: o["claims"].pop("extra_min_eig_lower"),
                   lambda o: o.update(d_max=8)):
        obj = copy.deepcopy(k8)
        mutate(obj)
        verdict = verify_obj(obj)
        assert not verdict.accepted and verdict.error


def test_finite_d_max_without_extra_claim_is_accepted(k8):
    obj = copy.deepcopy(k8)
    obj["d_max"] = 8
    del obj["claims"]["extra_min_eig_lower"]
    assert verify_obj(obj).accepted


def test_verifier_never_raises_on_mutated_symmetric_bytes(k8):
    data = canonical_bytes(k8)
    rng = np.random.default_rng(0)
    for _ in range(40):
        pos = int(rng.integers(len(data)))
        mutated = data[:pos] + bytes([int(rng.integers(32, 127))]) + data[pos + 1:]
        verify_bytes(mutated)                  # must not raise
    huge = copy.deepcopy(k8)
    huge["box"]["centre"] = ["1*2^-99999", "7" * 3000, "-3", "1", "0"]
    assert not verify_obj(huge).accepted


# float starts found by symmetric_pipeline.search_blocks (Newton refines them)
GENERAL_MINIMA = {
    (2, 8): [-0.72984044, 0.1532647, 0.13551928, 0.19101235, 0.99756356, -0.03741234],
    (6, 1, 13): [-0.85744208, 0.08470826, 0.06878025, 0.06878025, 0.10029913, 0.99961682,
                 -0.0314002, 0.10029913, -0.0314002, 0.99961682, -0.0314002],
}


@pytest.mark.parametrize("blocks", [(2, 8), pytest.param((6, 1, 13), marks=SLOW)], ids=str)
def test_general_block_structures_are_certified(blocks):
    outcome = sp.certify_blocks(blocks, GENERAL_MINIMA[blocks])
    obj = outcome.obj
    assert verify_obj(obj).accepted and obj["blocks"] == list(blocks)
    k = sum(blocks)
    theta = [float(dyadic.to_arb(x).mid()) for x in obj["box"]["centre"]]
    W = sp.embed(blocks, theta)
    assert np.max(np.abs(objective.gradient(W, np.eye(k)))) < 1e-12      # dense: critical
    lam = np.linalg.eigvalsh(objective.hessian(W, np.eye(k)))[0]
    mu = float(dyadic.to_arb(obj["claims"]["hessian_min_eig_lower"]).mid())
    assert 0 < mu < lam < mu * (1 + 1e-5)
    # the same numbers with the blocks in another order are not a critical point
    swapped = copy.deepcopy(obj)
    swapped["blocks"] = list(reversed(blocks))
    assert not verify_obj(swapped).accepted


def test_block_structure_is_detected_in_a_permuted_dense_point(tmp_path):
    blocks = (2, 8)
    W = sp.embed(blocks, GENERAL_MINIMA[blocks])
    rng = np.random.default_rng(5)
    perm, rows = rng.permutation(10), rng.permutation(10)
    dense = W[np.ix_(perm, perm)][rows]             # relabel coordinates, then shuffle neurons
    found = sp.detect_blocks(dense)
    assert found is not None and found[0] == blocks
    assert sp.detect_blocks(dense + 1e-3 * rng.normal(size=dense.shape)) is None
    from certify.__main__ import main
    cand = tmp_path / "cand.json"
    cand.write_text(json.dumps({"k": 10, "W": dense.tolist()}))
    assert main(["symmetric", str(cand), "--out", str(tmp_path)]) == 0
    assert verify_bytes((tmp_path / "k10_n10_S2xS8_sym.json").read_bytes()).accepted
    (tmp_path / "bad.json").write_text("{")
    assert main(["symmetric", str(tmp_path / "bad.json"), "--out", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        main(["symmetric", "--blocks", "1,x"])


def test_cli_uses_symmetric_method_beyond_dense_limit(tmp_path):
    from certify.__main__ import main
    assert main(["k=41", "--out", str(tmp_path)]) == 0
    path = tmp_path / "k41_n41_S1xS40_sym.json"
    assert verify_bytes(path.read_bytes()).accepted
    assert main(["k=7", "--method", "symmetric", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "k7_n7_S1xS6_sym.json").exists()
    with pytest.raises(SystemExit):
        main(["k=41", "--method", "dense"])
