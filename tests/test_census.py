"""Tests of the landscape census (certify.census) and of the symmetry tools
(certify.symmetry): deduplication up to permutations, isotropy of constructed
symmetric points, a small census end to end, and the CLI.

Symmetric test points are built by hand from block values (independent of the
classifier); the landmark values are the published ones (Safran & Shamir 2018).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from certify import census
from certify.producer import symmetry
from certify.producer.objective import gradient, hessian, identity_teacher, loss
from certify.producer.reduced import embed
from certify.producer.search import family_theta


def lowest_spurious_minimum(k):
    return embed((1, k - 1), family_theta(k))


ROOT = Path(__file__).resolve().parents[1]
LANDMARK_LOSS = {6: 0.025080581, 8: 0.021508037, 12: 0.016523793, 20: 0.011275582}
LANDMARK_EIG = {6: 0.0047004, 8: 0.0213466, 12: 0.0393474, 20: 0.0550926}


def permuted(W, rng):
    """P W Q^T with independent random row and column permutations."""
    return W[rng.permutation(W.shape[0])][:, rng.permutation(W.shape[1])]


def block_point(p, rng):
    """A k x k matrix fixed by Delta(S_p1 x ... x S_pm) (rows and columns together),
    with generic random values: x_j on the diagonal of block j, y_j off it,
    c_ij on block (i, j).  Built entry by entry, not with the code under test."""
    k = sum(p)
    owner = np.repeat(np.arange(len(p)), p)
    x, y = rng.normal(size=len(p)), rng.normal(size=len(p))
    c = rng.normal(size=(len(p), len(p)))
    W = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            a, b = owner[i], owner[j]
            W[i, j] = (x[a] if i == j else y[a]) if a == b else c[a, b]
    return W


def _spurious_minimum(k, run):
    """A gradient-descent end point of the census starts, polished."""
    V = identity_teacher(k, k)
    W, grad, F, _ = census.descend(k, k, census.starts(k, k, 30, 0)[run:run + 1], tol=1e-8)
    P = census.polish(W[0], V)
    assert P is not None and F[0] > 0.01
    return P


# ---------------------------------------------------------------- dedup


def test_permuted_copy_is_one_point():
    rng = np.random.default_rng(0)
    for k in (6, 8, 12):
        W = lowest_spurious_minimum(k)
        copies = [permuted(W, rng) for _ in range(4)]
        for C in copies:
            assert symmetry.is_equivalent(W, C)
            row_map, col_map = symmetry.find_isomorphism(W, C)
            np.testing.assert_allclose(C[np.ix_(row_map, col_map)], W, atol=1e-12)
        V = identity_teacher(k, k)
        groups = census.dedup([W] + copies, [loss(X, V) for X in [W] + copies])
        assert len(groups) == 1 and groups[0][1] == [0, 1, 2, 3, 4]


def test_different_minima_are_two():
    # k = 12: run 3 ends at S1 x S11, run 2 at S2 x S10 (seed 0 census starts)
    V = identity_teacher(12, 12)
    A, B = _spurious_minimum(12, 3), _spurious_minimum(12, 2)
    rng = np.random.default_rng(1)
    pts = [A, permuted(B, rng), permuted(A, rng), B]
    groups = census.dedup(pts, [loss(X, V) for X in pts])
    assert [members for _, members in groups] == [[0, 2], [1, 3]]
    assert not symmetry.is_equivalent(A, B)
    assert symmetry.classify(A).p == (1, 11) and symmetry.classify(B).p == (2, 10)


def test_same_entries_different_points_are_not_merged():
    # W and W^T have the same multiset of entries and the same row/column
    # colour statistics only up to transposition: not equivalent (b != c).
    W = lowest_spurious_minimum(8)
    assert not symmetry.is_equivalent(W, W.T)
    # a single changed entry (above the tolerance) separates two points
    X = W.copy()
    X[3, 5] += 1e-5
    assert not symmetry.is_equivalent(W, X)
    assert symmetry.is_equivalent(W, W + 1e-10)   # below the tolerance: the same


def test_value_labels_chain_within_tolerance():
    a, b = symmetry.value_labels([np.array([0.0, 1.0, 1.0 + 1e-9]), np.array([[1.0 - 1e-9, 2.0]])])
    assert a.tolist()[1] == a.tolist()[2] == b.tolist()[0][0]
    assert len({*a.tolist(), *b.ravel().tolist()}) == 3


# ---------------------------------------------------------------- classification


@pytest.mark.parametrize("p", [(1, 5), (2, 4), (1, 2, 3), (3, 3), (6,), (1, 1, 4)])
def test_block_structure_recovered(p):
    rng = np.random.default_rng(sum(p) * 10 + len(p))
    W = block_point(p, rng)
    for X in (W, permuted(W, rng)):
        sym = symmetry.classify(X)
        assert sym.young
        assert sorted(sym.p) == sorted(p)
        assert sym.p == tuple(sorted(p))            # blocks listed by size
        assert sorted(len(o) for o in sym.row_orbits) == sorted(p)
        assert sym.label == "x".join(f"S{q}" for q in sorted(p))
        compact, why = symmetry.compact_form(X, sym)
        assert why is None
        D = symmetry.dense_from_compact(compact)
        assert D.shape == W.shape
        assert symmetry.is_equivalent(D, W, 1e-12)
        # one class per block: spike in its own block, constants elsewhere
        assert sorted(sum(len(v) == 2 for v in c["values"]) for c in compact["classes"]) == \
            [0] * sum(q == 1 for q in p) + [1] * sum(q > 1 for q in p)


def test_dense_from_compact_is_exactly_symmetric():
    rng = np.random.default_rng(3)
    W = block_point((1, 2, 3), rng) + 1e-12 * rng.normal(size=(6, 6))   # noisy copy
    compact, _ = symmetry.compact_form(W)
    D = symmetry.dense_from_compact(compact)
    # columns 1,2 (block of 2) and 3,4,5 (block of 3): transpositions, with the
    # same permutation of rows, fix D bitwise
    for perm in ([0, 2, 1, 3, 4, 5], [0, 1, 2, 4, 3, 5], [0, 1, 2, 5, 4, 3]):
        assert np.array_equal(D[np.ix_(perm, perm)], D)


def test_non_young_isotropy_reported():
    # a generic circulant is fixed by the cyclic group C_5 (rows and columns
    # shifted together), transitive on coordinates but not all of S_5
    c = np.random.default_rng(4).normal(size=5)
    W = np.array([[c[(j - i) % 5] for j in range(5)] for i in range(5)])
    sym = symmetry.classify(W)
    assert sym.p == (5,) and not sym.young
    assert sym.label == "orbits(5)"
    assert symmetry.compact_form(W, sym)[0] is None


def test_asymmetric_point_has_trivial_isotropy():
    W = np.random.default_rng(5).normal(size=(6, 6))
    sym = symmetry.classify(W)
    assert sym.p == (1,) * 6 and sym.young and sym.label == "x".join(["S1"] * 6)


def test_landmark_isotropy_and_over_parameterised_rows():
    W = lowest_spurious_minimum(8)
    sym = symmetry.classify(W)
    assert sym.p == (1, 7) and sym.young
    # a duplicated neuron: rows (n = 9) carry an extra orbit, columns do not change
    W9 = np.vstack([W, W[:1]])
    sym9 = symmetry.classify(W9)
    assert sym9.p == (1, 7)
    assert sorted(len(o) for o in sym9.row_orbits) == [2, 7]
    compact, _ = symmetry.compact_form(W9, sym9)
    assert [c["copies"] for c in compact["classes"]] == [2, 1]
    assert symmetry.is_equivalent(symmetry.dense_from_compact(compact), W9, 1e-12)


# ---------------------------------------------------------------- census


def test_small_census_k8():
    rec = census.census_one(8, 8, runs=20, seed=0, do_certify=True)
    s = rec["summary"]
    assert s["runs"] == 20
    assert s["global"] + s["spurious_runs"] + s["saddle_runs"] + s["other_critical_runs"] \
        + s["unconverged"] + s["zero_neuron"] == 20
    assert s["global_not_teacher"] == 0
    assert s["spurious_runs"] > 0 and s["global"] > 0
    assert s["distinct_spurious"] == 1 and s["types"] == ["S1xS7"]
    assert s["loss_min"] == pytest.approx(LANDMARK_LOSS[8], abs=1e-9)
    assert s["certified_minima"] == 1 and s["not_certified"] == 0
    # the certified bound is a lower bound of the true (landmark) eigenvalue, and close
    assert LANDMARK_EIG[8] - 1e-5 < s["min_certified_eig"] < LANDMARK_EIG[8] + 1e-7
    (e,) = rec["distinct"]
    assert e["runs"] == s["spurious_runs"] and e["p"] == [1, 7]
    assert e["certificate"]["kind"] == "local_minimum" and e["certificate"]["d_max"] is None
    # float loss (rounding ~1e-15) inside the proved enclosure, which is tight
    lo, hi = e["certificate"]["loss_lower_float"], e["certificate"]["loss_upper_float"]
    assert lo - 1e-13 <= e["loss"] <= hi + 1e-13 and hi - lo < 1e-12
    D = np.array(e["dense"])
    V = identity_teacher(8, 8)
    assert np.linalg.norm(gradient(D, V)) < 1e-12
    assert np.linalg.eigvalsh(hessian(D, V))[0] > 0
    # end points of the runs marked global are W = V up to permutation
    assert [st for st in rec["run_status"] if st != "global"] == ["critical"] * s["spurious_runs"]


def test_census_reproducible_and_independent_of_jobs():
    kw = dict(runs=12, do_certify=False, tol=1e-9)
    a = census.census_one(7, 7, seed=3, **kw)
    b = census.census_one(7, 7, seed=3, jobs=3, **kw)   # split into 3 slices, in process
    c = census.census_one(7, 7, seed=4, **kw)
    assert a["run_status"] == b["run_status"] and a["run_loss"] == b["run_loss"]
    assert a["run_loss"] != c["run_loss"]
    for key in ("global", "spurious_runs", "distinct_spurious", "types"):
        assert a["summary"][key] == b["summary"][key]


def test_starts_are_seeded_per_k_and_n():
    A = census.starts(8, 8, 5, 0)
    assert np.array_equal(A, census.starts(8, 8, 5, 0))
    assert np.array_equal(A[:3], census.starts(8, 8, 3, 0))     # more runs extend, not reshuffle
    assert not np.array_equal(A, census.starts(8, 8, 5, 1))
    assert census.starts(8, 9, 5, 0).shape == (5, 9, 8)


def test_parse_n_specs():
    assert census.parse_n_specs("k,k+1,k+2") == ["k", "k+1", "k+2"]
    assert census.parse_n_specs("k+0, 7") == ["k", "7"]
    assert [census.n_value(s, 10) for s in ("k", "k+2", "7")] == [10, 12, 7]
    with pytest.raises(census.UsageError):
        census.parse_n_specs("2k")


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "certify", "census", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_census_writes_results(tmp_path):
    proc = _cli("k=6", "--runs", "6", "--n", "k,k+1", "--no-certify", "--out", "res",
                "--max-iter", "3000", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "k=6 n=6" in proc.stderr and "k=6 n=7" in proc.stderr      # progress per k
    assert proc.stdout.splitlines()[0].split()[:3] == ["k", "n", "runs"]
    (js,) = (tmp_path / "res").glob("census_*.json")
    (cs,) = (tmp_path / "res").glob("census_*.csv")
    data = json.loads(js.read_text())
    assert [(s["k"], s["n"]) for s in data["summary"]] == [(6, 6), (6, 7)]
    assert len(cs.read_text().strip().splitlines()) == 3
    assert not (tmp_path / "certificates").exists()     # nothing written by default


@pytest.mark.parametrize("args", [["k=6", "--runs", "0"], ["k=1"], ["k=6", "--n", "2k"],
                                  ["k=6", "--jobs", "0"], ["x=6"]])
def test_cli_census_bad_usage_exit_2(tmp_path, args):
    proc = _cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- slow


@pytest.mark.slow
def test_full_census_n_equals_k(tmp_path):
    """python -m certify census k=6..20 --runs 100 --seed 0: every distinct
    spurious minimum certified; the lowest is S1 x S(k-1) at the landmark loss."""
    proc = _cli("k=6..20", "--runs", "100", "--seed", "0", "--jobs", "2", "--out", "res",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (js,) = (tmp_path / "res").glob("census_*.json")
    data = json.loads(js.read_text())
    for s in data["summary"]:
        assert s["not_certified"] == 0
        if s["distinct_spurious"]:
            assert s["certified_minima"] == s["distinct_spurious"]
        if s["k"] in LANDMARK_LOSS and s["distinct_spurious"]:
            assert s["loss_min"] == pytest.approx(LANDMARK_LOSS[s["k"]], abs=1e-9)
            assert "S1xS%d" % (s["k"] - 1) in s["types"]
