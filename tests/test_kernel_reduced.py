"""Contract of the symmetric method's formulas: certify.kernel.reduced.jets (second-order
jets in ball arithmetic) and certify.kernel.reduced.blocks (the reduced loss phi of a
block ansatz, its refinement to Fix(K), the reduced Hessian and d > k block).

For every theta in the input balls the balls contain the exact values: phi(theta) =
F(W(theta)) from the DENSE mpmath closed forms (oracle.formulas) at exact points,
its jet from sympy.  The reduced matrices are compared with the dense numpy objective
(certify.producer.objective, an implementation over all k^2 coordinates): same
spectrum as a set, same multiset as the restriction to an independently built basis of
Fix(K) (oracle.orbits); the dimension bookkeeping against brute-force orbit counting."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, ctx

from certify.kernel import posdef
from certify.kernel.dyadic import to_arb
from certify.kernel.fastfloat import approximate_eigenvectors
from certify.kernel.reduced import blocks as kb
from certify.kernel.reduced.jets import Jet
from certify.producer import objective, search
from certify.producer.reduced import embed, orbit_matrices
from helpers import arb_mid, ball_contains, exact_arb
from oracle.formulas import mp_gradient, mp_loss
from oracle.orbits import fixed_basis, isotypic_decomposition, pair_orbits
from oracle.symbolic import f_of_P_q_jet

SLOW = pytest.mark.slow
SEED = 3_300_007
STRUCTURES = [(1, 5), (2, 4), (3, 3), (1, 2, 3), (6, 1, 3), (1, 1, 4), (2, 2, 2), (4, 7), (1, 11), (5,)]


def random_point(blocks, seed, spread=0.4, diagonal=1.2):
    rng = np.random.default_rng(seed)
    names = kb.parameter_names(blocks)
    return rng.normal(size=len(names)) * spread + np.array([diagonal if n[0] == "alpha" else 0.0 for n in names])


def same_set(a, b, tol):
    a, b = np.asarray(a), np.asarray(b)
    return max(np.min(np.abs(b - x)) for x in a) < tol and max(np.min(np.abs(a - x)) for x in b) < tol


def reduced_spectrum(blocks, theta) -> np.ndarray:
    with ctx.workprec(128):
        return np.linalg.eigvalsh(arb_mid(kb.reduced_hessian(list(blocks), [arb(float(x)) for x in theta])))


def reduced_M_spectrum(blocks, theta) -> np.ndarray:
    with ctx.workprec(128):
        return np.linalg.eigvalsh(arb_mid(kb.reduced_extra_block(list(blocks), [arb(float(x)) for x in theta])))


# ---------------------------------------------------------------------------
# jets: the chain rule in ball arithmetic
# ---------------------------------------------------------------------------
def test_jets_of_polynomials_contain_the_exact_derivatives():
    """p(x, y) = (x y + 3) * (x - y) * x + 2: value, gradient, Hessian at exact points of balls."""
    rng = random.Random(SEED)
    for _ in range(30):
        cx, cy = (Fraction(rng.randrange(-2 ** 20, 2 ** 20), 2 ** 18) for _ in range(2))
        r = Fraction(1, 2 ** rng.randrange(5, 40))
        with ctx.workprec(128):
            x = Jet.variable(exact_arb(cx) + arb(0, exact_arb(r)), 0, 2)
            y = Jet.variable(exact_arb(cy) + arb(0, exact_arb(r)), 1, 2)
            p = (x * y + 3) * (x - y) * x + 2
            q = 1 - (2 - x) * (-y)                          # __rsub__, __neg__, __radd__
        for tx, ty in itertools.product((-1, 0, 1), repeat=2):
            X, Y = cx + tx * r, cy + ty * r
            value = (X * Y + 3) * (X - Y) * X + 2
            # exact derivatives of p = x^3 y - x^2 y^2 + 3 x^2 - 3 x y + 2
            grad = [3 * X * X * Y - 2 * X * Y * Y + 6 * X - 3 * Y, X ** 3 - 2 * X * X * Y - 3 * X]
            hess = [[6 * X * Y - 2 * Y * Y + 6, 3 * X * X - 4 * X * Y - 3],
                    [3 * X * X - 4 * X * Y - 3, -2 * X * X]]
            with ctx.workprec(600):
                assert p.v.contains(exact_arb(value))
                for i in range(2):
                    assert p.g[i, 0].contains(exact_arb(grad[i]))
                    for j in range(2):
                        assert p.h[i, j].contains(exact_arb(hess[i][j]))
                # q = 1 + (2 - x) y = 1 + 2 y - x y
                assert q.v.contains(exact_arb(1 + 2 * Y - X * Y))
                assert q.g[0, 0].contains(exact_arb(-Y)) and q.g[1, 0].contains(exact_arb(2 - X))
                assert q.h[0, 1].contains(arb(-1)) and q.h[0, 0].contains(arb(0))


def test_derivatives_of_f_agree_with_sympy():
    """f(P, q) = (sqrt(P - q^2) + (pi - acos(q / sqrt P)) q) / (2 pi) and its jet, at
    exact points, against sympy's exact derivatives (oracle.symbolic)."""
    for Pv, qv in ((2.0, 0.3), (1.5, -1.1), (0.7, 0.05)):
        want = f_of_P_q_jet(Fraction(Pv), Fraction(qv))
        with ctx.workprec(128):
            jet = kb.pair_f(Jet.variable(arb(Pv), 0, 2), Jet.variable(arb(qv), 1, 2))
        got = [float(jet.v.mid()), float(jet.g[0, 0].mid()), float(jet.g[1, 0].mid()),
               float(jet.h[0, 0].mid()), float(jet.h[0, 1].mid()), float(jet.h[1, 1].mid())]
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14), (Pv, qv)


@pytest.mark.parametrize("blocks", [(1, 2), (2, 2), (1, 1, 2), (3,)], ids=str)
def test_phi_on_balls_contains_the_dense_loss_at_points_of_the_balls(blocks):
    """phi(theta) = F(W(theta)) with the DENSE mpmath closed forms (60 digits) at exact
    points of the theta balls; grad phi = (<E_o, grad F(W(theta))>)_o likewise."""
    k = sum(blocks)
    names = kb.parameter_names(blocks)
    theta0 = [Fraction(float(x)) for x in np.round(random_point(blocks, k * 7) * 256) / 256]
    r = Fraction(1, 2 ** 24)
    rng = random.Random(SEED + k)
    E = orbit_matrices(blocks)
    V = [[Fraction(int(i == a)) for a in range(k)] for i in range(k)]
    with ctx.workprec(128):
        box = [exact_arb(t) + arb(0, exact_arb(r)) for t in theta0]
        phi = kb.block_loss(list(blocks), dict(zip(names, box)))
        jet = kb.block_loss(list(blocks), kb.jets(list(blocks), box))
    assert phi.rad() < 1e-5 and jet.v.overlaps(phi)
    for _ in range(5):
        theta = [t + rng.choice([-1, 1, 0, Fraction(rng.randrange(-64, 65), 64)]) * r for t in theta0]
        W = [[sum(theta[o] * int(E[o][i][j]) for o in range(len(names))) for j in range(k)] for i in range(k)]
        with mpmath.workdps(60):
            F = mp_loss(W, V)
            g = mp_gradient(W, V)
            assert ball_contains(phi, F) and ball_contains(jet.v, F)
            for o in range(len(names)):
                dphi = sum(g[i * k + j] for i in range(k) for j in range(k) if E[o][i][j])
                assert ball_contains(jet.g[o, 0], dphi), names[o]


@pytest.mark.parametrize("blocks", STRUCTURES + [pytest.param((1, 2, 3, 4), marks=SLOW)], ids=str)
def test_reduced_quantities_match_dense(blocks):
    k = sum(blocks)
    theta = random_point(blocks, sum(blocks) * 7 + len(blocks))
    W, V = embed(blocks, theta), np.eye(k)
    E = orbit_matrices(blocks)
    with ctx.workprec(128):
        point = [arb(float(x)) for x in theta]
        jet = kb.block_loss(list(blocks), kb.jets(list(blocks), point))
        H = arb_mid(kb.reduced_hessian(list(blocks), point))
        M = arb_mid(kb.reduced_extra_block(list(blocks), point))
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
    W = embed(blocks, theta)
    with ctx.workprec(128):
        point = [arb(float(x)) for x in theta]
        S = kb.block_loss(list(blocks), kb.jets(list(blocks), point)).h
        trivial = np.linalg.eigvalsh(arb_mid(kb.normalised(list(blocks), S)))
    dense = np.linalg.eigvalsh(objective.hessian(W, np.eye(8)))
    assert all(np.min(np.abs(dense - x)) < 1e-10 for x in trivial)     # a subset ...
    assert not same_set(dense, trivial, 1e-6)                          # ... not all of it


@pytest.mark.parametrize("k", [6, 8, 12])
def test_minimum_smallest_eigenvalue_matches_dense(k):
    found = search.lowest_block_minimum((1, k - 1))
    W = embed((1, k - 1), found.theta)
    with ctx.workprec(128):
        H = arb_mid(kb.reduced_hessian([1, k - 1], [arb(float(x)) for x in found.theta]))
    dense = np.linalg.eigvalsh(objective.hessian(W, np.eye(k)))
    assert abs(np.linalg.eigvalsh(H)[0] - dense[0]) < 1e-10
    assert abs(found.lam_min - dense[0]) < 1e-10


# ---------------------------------------------------------------------------
# dimension bookkeeping (docs/symmetric.md) against brute-force orbits
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("blocks", STRUCTURES + [(1, 2, 3, 4), (1, 1), (2,), (1, 3), (3, 1, 1), (2, 5, 9),
                                    (1, 999)], ids=str)
def test_isotypic_dimensions_add_up(blocks):
    k = sum(blocks)
    parts = isotypic_decomposition(blocks)
    assert sum(mult * dim for mult, dim in parts.values()) == k * k
    assert parts["triv"][0] == len(kb.parameter_names(blocks))
    assert sum(kb.orbit_size(blocks, o) for o in kb.parameter_names(blocks)) == k * k


@pytest.mark.parametrize("blocks", [(1, 5), (2, 4), (3, 3), (1, 2, 3), (2, 2, 2), (1, 1, 4), (3, 1, 2)],
                         ids=str)
def test_multiplicities_by_orbit_counting(blocks):
    """dim Fix(G) = triv multiplicity; splitting one point off block a adds exactly the
    multiplicity of std_a (std restricted to S_{p-1} contains the trivial rep once)."""
    parts = isotypic_decomposition(blocks)
    assert len(pair_orbits(blocks)) == parts["triv"][0] == len(kb.parameter_names(blocks))
    for a, p in enumerate(blocks):
        if p >= 2:
            split = list(blocks[:a]) + [1, p - 1] + list(blocks[a + 1:])
            assert len(pair_orbits(split)) - len(pair_orbits(blocks)) == parts[f"std{a}"][0]


@pytest.mark.parametrize("blocks", [(1, 5), (2, 4), (1, 2, 3), (4, 4)], ids=str)
def test_refined_fixed_space_dimension(blocks):
    """Fix(K) has dimension = number of refined parameters (brute force)."""
    refined, _ = kb.refine(blocks)
    assert len(pair_orbits(refined)) == len(kb.parameter_names(refined))
    assert len(pair_orbits(blocks, fixed=2)) == len(kb.parameter_names(refined))
    assert sum(refined) == sum(blocks) and len(refined) <= 3 * len(blocks)


def test_orbits_of_the_kernel_are_the_brute_force_orbits():
    """embed's orbit matrices are exactly the brute-force orbits, in the kernel's order
    (parameter_names) and with the kernel's sizes (orbit_size)."""
    for blocks in [(1, 5), (2, 2, 2), (3, 1, 2), (4,)]:
        E = orbit_matrices(blocks)
        brute = {frozenset(o) for o in pair_orbits(blocks)}
        mine = {frozenset((i, j) for i, j in zip(*np.nonzero(Eo))) for Eo in E}
        assert mine == brute
        assert [int(Eo.sum()) for Eo in E] == [kb.orbit_size(blocks, name) for name in kb.parameter_names(blocks)]


AUDIT_STRUCTURES = [(1, 1), (2, 1), (1, 3), (3,), (2, 2), (3, 1, 1), (2, 2, 2), (1, 2, 3), (3, 3),
                    (4, 4), (2, 5), (1, 1, 5), (5, 2, 1), (6,)]


@pytest.mark.parametrize("blocks", AUDIT_STRUCTURES, ids=str)
def test_reduced_hessian_is_the_restriction_to_fix_K(blocks):
    """Same MULTISET as B^T H B (B an independent orthonormal basis of Fix(K)), same SET
    as the dense spectrum; the same for M on the K-fixed vectors of R^n."""
    k = sum(blocks)
    theta = random_point(blocks, 11 * k + len(blocks), diagonal=1.1)
    W, V = embed(blocks, theta), np.eye(k)
    B = fixed_basis(blocks)
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


@pytest.mark.parametrize("blocks", [(1, 19), (1, 1, 18), pytest.param((2, 18), marks=SLOW), pytest.param((3, 17), marks=SLOW),
                                    pytest.param((4, 16), marks=SLOW), pytest.param((2, 3, 15), marks=SLOW),
                                    pytest.param((1, 29), marks=SLOW), pytest.param((3, 4, 23), marks=SLOW)],
                         ids=str)
def test_smallest_eigenvalues_match_dense_at_larger_k(blocks):
    k = sum(blocks)
    for seed in (1, 2):
        theta = random_point(blocks, seed, diagonal=1.1)
        W, V = embed(blocks, theta), np.eye(k)
        assert abs(reduced_spectrum(blocks, theta)[0] - np.linalg.eigvalsh(objective.hessian(W, V))[0]) < 1e-8
        assert abs(reduced_M_spectrum(blocks, theta)[0]
                   - np.linalg.eigvalsh(objective.extra_dimension_block(W, V))[0]) < 1e-8


@pytest.mark.parametrize("blocks", [(1, 4), (2, 2, 1)], ids=str)
def test_M_is_the_hessian_block_of_an_extra_coordinate(blocks):
    """d = k + 1: the Hessian of the dense loss at [W, 0] on the last coordinate is M, it is
    decoupled from the others, and the gradient there is 0 (d > k lemma used by extra_dims)."""
    k = sum(blocks)
    theta = random_point(blocks, 5, diagonal=1.1)
    W = embed(blocks, theta)
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
        Mr = arb_mid(kb.reduced_extra_block(list(blocks), [arb(float(x)) for x in theta]))
    Md = objective.extra_dimension_block(W, np.eye(k))
    assert abs(second - u @ Md @ u) < 1e-5 * max(1, abs(second))
    assert abs(np.linalg.eigvalsh(Mr)[0] - np.linalg.eigvalsh(Md)[0]) < 1e-9


def test_counts_are_exact_at_the_format_limit():
    """phi at k = 10^7 evaluated at 128 and 512 bits: the 128-bit ball contains the
    512-bit one (counts p (p - 1) / 2 ~ 5e13 enter as exact integers)."""
    blocks = [1, 10 ** 7 - 1]
    theta = ["-1", "1*2^-20", "3*2^-22", "1", "-1*2^-26"]
    values = []
    for prec in (128, 512):
        with ctx.workprec(prec):
            point = dict(zip(kb.parameter_names(blocks), [to_arb(x) for x in theta]))
            values.append(kb.block_loss(blocks, point))
    assert values[0].contains(values[1]) and values[1].rad() < values[0].rad()


@pytest.mark.parametrize("blocks", [(1, 5), (3, 3), (2, 2, 2), (1, 1, 5), (2, 8), (1, 19), pytest.param((3, 17), marks=SLOW),
                                    pytest.param((1, 29), marks=SLOW), pytest.param((2, 3, 25), marks=SLOW)],
                         ids=str)
def test_proved_eigenvalue_bounds_bracket_the_dense_ones(blocks):
    """The kernel's test (enclosure on a small box + congruence/Gershgorin) proves
    lambda_min > lambda_dense - 1e-6 and never proves lambda_min > lambda_dense + 1e-6,
    for the full Hessian and for M (posdef with a shift mu of either sign)."""
    k = sum(blocks)
    theta = random_point(blocks, 3 * k, diagonal=1.1)
    W, V = embed(blocks, theta), np.eye(k)
    dense = {"H": np.linalg.eigvalsh(objective.hessian(W, V))[0],
             "M": np.linalg.eigvalsh(objective.extra_dimension_block(W, V))[0]}
    with ctx.workprec(128):
        box = [arb(float(x)) + arb(0, 2.0 ** -60) for x in theta]
        mats = {"H": kb.reduced_hessian(list(blocks), box), "M": kb.reduced_extra_block(list(blocks), box)}
        for key, A in mats.items():
            Q = approximate_eigenvectors(A)
            assert posdef.min_eigenvalue_exceeds(A, arb(dense[key] - 1e-6), Q), key
            assert not posdef.min_eigenvalue_exceeds(A, arb(dense[key] + 1e-6), Q), key


