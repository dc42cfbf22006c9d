"""Deduplication up to permutations and isotropy of constructed symmetric points
(certify.symmetry, certify.census.classify).

Symmetric test points are built by hand from block values (independent of the
classifier); descent end points come from the census starts.
"""
from __future__ import annotations

import numpy as np
import pytest

from certify.producer import symmetry
from certify.census import classify, descent, endpoints
from certify.producer.objective import identity_teacher, loss
from certify.producer.search import family_theta
from certify.producer.reduced import embed


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


def runs_of(points):
    """A classify.Runs in which every point is a converged (critical) end point."""
    P = np.array(points)
    k, n = P.shape[2], P.shape[1]
    V = identity_teacher(k, k)
    m = len(points)
    return classify.Runs(k, n, np.full(m, endpoints.CRITICAL, dtype=np.int8),
                         np.array([loss(X, V) for X in points]), np.zeros(m), np.zeros(m, dtype=int),
                         P, {}, [None] * m, [None] * m)


def _spurious_minimum(k, run):
    """A gradient-descent end point of the census starts (seed 0), polished."""
    V = identity_teacher(k, k)
    res = descent.descend(descent.starts(k, k, run + 1, 0)[run:run + 1], tol=1e-8)
    P = endpoints.polish(res.points[0], V)
    assert P is not None and res.losses[0] > 0.01
    return P


# ---------------------------------------------------------------- dedup


def test_permuted_copy_is_one_point():
    rng = np.random.default_rng(0)
    for k in (6, 8, 12):
        W = embed((1, k - 1), family_theta(k))
        copies = [permuted(W, rng) for _ in range(4)]
        for C in copies:
            assert symmetry.is_equivalent(W, C)
            row_map, col_map = symmetry.find_isomorphism(W, C)
            np.testing.assert_allclose(C[np.ix_(row_map, col_map)], W, atol=1e-12)
        groups = classify.group_runs(runs_of([W] + copies))
        assert groups == [[0, 1, 2, 3, 4]]


def test_different_minima_are_two():
    # k = 12: run 3 ends at S1 x S11, run 2 at S2 x S10 (seed 0 census starts)
    A, B = _spurious_minimum(12, 3), _spurious_minimum(12, 2)
    rng = np.random.default_rng(1)
    pts = [A, permuted(B, rng), permuted(A, rng), B]
    assert classify.group_runs(runs_of(pts)) == [[0, 2], [1, 3]]
    assert not symmetry.is_equivalent(A, B)
    assert symmetry.classify(A).p == (1, 11) and symmetry.classify(B).p == (2, 10)


def test_same_entries_different_points_are_not_merged():
    # W and W^T have the same multiset of entries and the same row/column
    # colour statistics only up to transposition: not equivalent (b != c).
    W = embed((1, 7), family_theta(8))
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
    W = embed((1, 7), family_theta(8))
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


