"""The block structures (q, k - q), q in {1, 2}, as functions of a real k (docs/families.md).

G = Delta(S_q x S_p), p = k - q > 3 the "big" block.  The G-fixed points are W(theta),
theta in the order of blocks.parameter_names([q, p]).  The Hessian H(W) at a G-fixed
point splits into isotypic blocks; each block used here is the Hessian of the reduced
loss of a finer block structure (a "refinement": child block sizes and the parent of
each child block) in the directions of a few explicit vectors of refined parameters:

    Block(name, sizes(p), parent, vectors(p))

The block matrix is Z^T S Z, S the Hessian of phi_refined at the refined point of theta,
Z the vectors as columns; at every integer k it is congruent to the isotypic block A_rho
of H (docs/families.md section 3), so H is positive definite exactly when the branch
Hessian (the trivial block) and every block below are.  Every entry of every vector is a
polynomial in p, so a block is a real-analytic function of (theta, k) for real k.

    blocks(q)             the isotypic blocks other than the trivial one
    extra_structure(q)    the refinement on whose blocks the d > k matrix M is reduced
    refined_point(...)    theta -> refined parameters (the same W)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..reduced.blocks import orbit_size, parameter_names

SMALL_BLOCKS = (1, 2)          # q: the family (q, k - q)


def sizes(q: int, k) -> list:
    """[q, k - q]: a real (or series) big block."""
    return [q, k - q]


@dataclass(frozen=True)
class Block:
    """An isotypic block: refined sizes as a function of the big block size p, parent block
    of each refined block (0 = small, 1 = big), and the vectors (dicts refined name ->
    coefficient, a function of p)."""
    name: str
    sizes: Callable
    parent: tuple
    vectors: Callable


def parent_name(name: tuple, parent: tuple) -> tuple:
    """The parameter of the coarse structure that a refined parameter copies: alpha and beta
    copy their block's; gamma between two children of the same block is that block's beta."""
    kind, a, b = name
    if kind != "gamma":
        return (kind, parent[a], parent[a])
    if parent[a] == parent[b]:
        return ("beta", parent[a], parent[a])
    return ("gamma", parent[a], parent[b])


def refined_point(coarse: dict, refined_sizes: list, parent: tuple) -> dict:
    """Refined parameters of the same W: each copies its parent parameter (values, jets or
    series alike)."""
    return {name: coarse[parent_name(name, parent)] for name in parameter_names(refined_sizes)}


def split_complement(coarse_sizes: list, refined_sizes: list, parent: tuple) -> list:
    """A basis of the vectors x of refined parameters with sum_{o' in o} |o'| x_o' = 0 for every
    coarse orbit o: for the children o'_1..o'_j of o (j >= 2), |o'_{i+1}| e_{o'_1} - |o'_1| e_{o'_{i+1}}.
    These are the refined-fixed directions orthogonal (Frobenius) to the coarse-fixed ones."""
    children = {}
    for name in parameter_names(refined_sizes):
        children.setdefault(parent_name(name, parent), []).append(name)
    out = []
    for name in parameter_names(coarse_sizes):
        group = children[name]
        first = group[0]
        for other in group[1:]:
            out.append({first: orbit_size(refined_sizes, other), other: -orbit_size(refined_sizes, first)})
    return out


def _std_big(q):
    """std of the big block: fix one point x of it.  Fix(K1) = triv + std_big."""
    def refined(p):
        return [q, 1, p - 1]
    return Block("std_big", refined, (0, 1, 1),
                 lambda p: split_complement([q, p], refined(p), (0, 1, 1)))


def _std_small():
    """std (the sign representation) of the small block of size 2: split it into two points."""
    def refined(p):
        return [1, 1, p]
    return Block("std_small", refined, (0, 0, 1),
                 lambda p: split_complement([2, p], refined(p), (0, 0, 1)))


def _tensor():
    """std_small (x) std_big (q = 2): (e_a - e_b) (x) ((p - 1) e_x - 1_R) in the rows of the small
    block and the columns of the big one, and its transpose.  Refined blocks: a, b, x, R."""
    def vectors(p):
        return [{("gamma", 0, 2): p - 1, ("gamma", 0, 3): -1, ("gamma", 1, 2): 1 - p, ("gamma", 1, 3): 1},
                {("gamma", 2, 0): p - 1, ("gamma", 3, 0): -1, ("gamma", 2, 1): 1 - p, ("gamma", 3, 1): 1}]
    return Block("std_small x std_big", lambda p: [1, 1, 1, p - 1], (0, 0, 1, 1), vectors)


def _rest(q):
    """(p-2, 2) and (p-2, 1, 1) of the big block: two fixed points x, y, the rest R of size p - 2.
    (p-2,1,1): (p-2)(E_xy - E_yx) - (E_xR - E_Rx) + (E_yR - E_Ry) (antisymmetric, orthogonal to std);
    (p-2,2):   (p-2)(p-3)(E_xy + E_yx) - (p-3)(E_xR + E_Rx + E_yR + E_Ry) + 2 (E_RR off-diagonal)
               (symmetric, zero diagonal, zero row sums).  Refined blocks: small, x, y, R."""
    def vectors(p):
        return [{("gamma", 1, 2): (p - 2) * (p - 3), ("gamma", 2, 1): (p - 2) * (p - 3),
                 ("gamma", 1, 3): 3 - p, ("gamma", 3, 1): 3 - p, ("gamma", 2, 3): 3 - p,
                 ("gamma", 3, 2): 3 - p, ("beta", 3, 3): 2},
                {("gamma", 1, 2): p - 2, ("gamma", 2, 1): 2 - p, ("gamma", 1, 3): -1,
                 ("gamma", 3, 1): 1, ("gamma", 2, 3): 1, ("gamma", 3, 2): -1}]
    return Block("(p-2,2) + (p-2,1,1)", lambda p: [q, 1, 1, p - 2], (0, 1, 1, 1), vectors)


def blocks(q: int) -> list:
    """The isotypic blocks of H other than the trivial one, for the structure (q, p), p >= 4."""
    if q == 1:
        return [_std_big(1), _rest(1)]
    return [_std_big(2), _std_small(), _tensor(), _rest(2)]


def extra_structure(q: int):
    """(sizes(p), parent): a refinement fixing one point of every block of size >= 2; every
    irreducible of R^n (triv and std of each block) has a vector constant on its blocks."""
    if q == 1:
        return (lambda p: [1, 1, p - 1]), (0, 1, 1)
    return (lambda p: [1, 1, 1, p - 1]), (0, 0, 1, 1)
