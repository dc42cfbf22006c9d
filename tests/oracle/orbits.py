"""Orbits of index pairs under permutations of blocks, by brute force (union-find over
generating transpositions), independent of certify.kernel.reduced.blocks."""
from __future__ import annotations

import itertools

import numpy as np


def pair_orbits(blocks, fixed: int = 0) -> list[list[tuple[int, int]]]:
    """Orbits of the pairs (i, j) in {0..k-1}^2 (k = sum(blocks)) under the group acting
    diagonally, (i, j) -> (s(i), s(j)), that permutes the indices of each block except
    its first `fixed` ones (fixed = 0: Delta(prod S_pa))."""
    k = sum(blocks)
    starts = np.cumsum([0] + list(blocks))
    gens = [(i, i + 1) for a in range(len(blocks))
            for i in range(starts[a] + fixed, starts[a + 1] - 1)]
    parent = {x: x for x in itertools.product(range(k), repeat=2)}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    def swap(i, s, t):
        return t if i == s else s if i == t else i

    for (i, j), (s, t) in itertools.product(list(parent), gens):
        parent[find((i, j))] = find((swap(i, s, t), swap(j, s, t)))
    orbits: dict = {}
    for x in parent:
        orbits.setdefault(find(x), []).append(x)
    return list(orbits.values())


def fixed_basis(blocks, fixed: int = 2) -> np.ndarray:
    """Orthonormal basis (k^2 x D') of the vectors of R^{k x k} fixed by the subgroup of
    Delta(prod S_pa) that fixes the first `fixed` indices of every block (row-major)."""
    k = sum(blocks)
    orbits = pair_orbits(blocks, fixed=fixed)
    B = np.zeros((k * k, len(orbits)))
    for c, members in enumerate(orbits):
        for i, j in members:
            B[i * k + j, c] = 1 / np.sqrt(len(members))
    return B


def isotypic_decomposition(blocks) -> dict:
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
