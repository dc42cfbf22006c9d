"""Permutation symmetry of student matrices W (UNTRUSTED: describes, never proves).

Setting: teacher V = first k rows of I_d with d = k, student W in R^{n x k}.
The loss F of :mod:`certify.objective` is invariant under

    W -> P W Q^T,   P in S_n (relabel neurons = permute rows),
                    Q in S_k (permute coordinates = columns, and the teacher
                          rows with them: V Q^T = Q^T is again I_k up to
                          relabelling its rows, so the teacher is unchanged).

So the symmetry group is G = S_n x S_k acting on rows and columns
*independently*; two end points of gradient descent are "the same" when they
lie in one G-orbit, and the isotropy of a point W is
Stab(W) = {(P, Q) : P W Q^T = W}.  For n = k the isotropy groups met in
practice are diagonal: after relabelling rows to match columns they are
Delta(S_p1 x ... x S_pm), rows and columns permuted together.  The
*block structure* p = (p_1, ..., p_m) reported here is the list of orbit
sizes of the column projection of Stab(W) on the k coordinates; ``young``
says whether that projection is the whole Young subgroup S_p1 x ... x S_pm
(checked by exhibiting every generating transposition).

Numbers are compared with a tolerance: entries are first clustered into
exact integer labels (values closer than ``tol`` chain into one label), and
everything else is exact combinatorics on the labels:

* colour refinement (1-dimensional Weisfeiler-Leman) on the complete
  bipartite graph rows x columns with edge labels, run jointly on the two
  matrices being compared so that colours are comparable;
* individualisation-refinement search over column bijections (once the
  columns are discrete, a row's colour determines its whole label vector, so
  rows are matched by colour); every answer "isomorphic" is verified on the
  labels, so a returned (P, Q) is a true symmetry of the labelled matrices.

A node budget bounds the search; when it is exhausted the answer is
"not shown isomorphic" (two points are then kept apart: a census may count a
point twice, never merge two different ones).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

DEFAULT_TOL = 1e-7
SEARCH_BUDGET = 20000

__all__ = [
    "Symmetry",
    "classify",
    "compact_form",
    "dense_from_compact",
    "find_isomorphism",
    "is_equivalent",
    "isotropy_label",
    "value_labels",
]


# --------------------------------------------------------------------------
# values -> exact labels
# --------------------------------------------------------------------------

def value_labels(arrays: list[np.ndarray], tol: float = DEFAULT_TOL) -> list[np.ndarray]:
    """Integer labels for the entries of several arrays at once: sort all
    values, start a new label where two consecutive values differ by more than
    tol * max(1, max |x|).  Equal labels <=> same value up to the tolerance
    (single linkage); labels increase with the value."""
    flat = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    if flat.size == 0:
        return [np.zeros(np.shape(a), dtype=int) for a in arrays]
    scale = tol * max(1.0, float(np.max(np.abs(flat))))
    order = np.argsort(flat, kind="stable")
    gaps = np.diff(flat[order]) > scale
    sorted_labels = np.concatenate([[0], np.cumsum(gaps)])
    labels = np.empty(flat.size, dtype=int)
    labels[order] = sorted_labels
    out, start = [], 0
    for a in arrays:
        size = np.size(a)
        out.append(labels[start:start + size].reshape(np.shape(a)))
        start += size
    return out


# --------------------------------------------------------------------------
# colour refinement and the isomorphism search
# --------------------------------------------------------------------------

def _recolour(signatures: list[list[tuple]]) -> list[list[int]]:
    """Replace signatures by small integers, consistently across graphs
    (colour = rank of the signature among all distinct signatures)."""
    table = {s: i for i, s in enumerate(sorted({s for sigs in signatures for s in sigs}))}
    return [[table[s] for s in sigs] for sigs in signatures]


def _refine(labels: list[np.ndarray], rows: list[list[int]], cols: list[list[int]]):
    """Colour refinement on several labelled matrices jointly until stable.
    Row colour <- (row colour, multiset of (label, column colour)); columns alike.
    The old colour is part of the signature, so partitions only get finer."""
    count = -1
    while True:
        row_sigs = [[(rc[r], tuple(sorted(zip(L[r].tolist(), cc)))) for r in range(L.shape[0])]
                    for L, rc, cc in zip(labels, rows, cols)]
        col_sigs = [[(cc[c], tuple(sorted(zip(L[:, c].tolist(), rc)))) for c in range(L.shape[1])]
                    for L, rc, cc in zip(labels, rows, cols)]
        # keep row and column colours in disjoint ranges
        rows = _recolour(row_sigs)
        cols = [[c + 1_000_000 for c in cs] for cs in _recolour(col_sigs)]
        new_count = len({c for rs in rows for c in rs}) + len({c for cs in cols for c in cs})
        if new_count == count:
            return rows, cols
        count = new_count


class _Budget:
    def __init__(self, nodes: int):
        self.left = nodes


def _search(L1, L2, r1, c1, r2, c2, budget: _Budget):
    """A pair (row_map, col_map) with L2[row_map[i], col_map[j]] == L1[i, j] for
    all i, j, respecting the given colourings, or None."""
    budget.left -= 1
    if budget.left < 0:
        return None
    (r1, r2), (c1, c2) = _refine([L1, L2], [r1, r2], [c1, c2])
    if Counter(r1) != Counter(r2) or Counter(c1) != Counter(c2):
        return None
    cells = Counter(c1)
    open_cells = [c for c, size in cells.items() if size > 1]
    if not open_cells:
        col_map = [c2.index(c) for c in c1]
        by_colour: dict[int, list[int]] = {}
        for i, c in enumerate(r2):
            by_colour.setdefault(c, []).append(i)
        row_map = [by_colour[c].pop(0) for c in r1]
        if np.array_equal(L2[np.ix_(row_map, col_map)], L1):
            return row_map, col_map
        return None
    cell = min(open_cells, key=lambda c: (cells[c], c))
    a = c1.index(cell)
    fresh = max(max(c1), max(c2)) + 1
    for b in [j for j, c in enumerate(c2) if c == cell]:
        c1n, c2n = list(c1), list(c2)
        c1n[a], c2n[b] = fresh, fresh
        found = _search(L1, L2, r1, c1n, r2, c2n, budget)
        if found is not None:
            return found
        if budget.left < 0:
            return None
    return None


def _labels_and_search(W1, W2, tol, fix1=None, fix2=None, budget=SEARCH_BUDGET):
    W1, W2 = np.asarray(W1, dtype=float), np.asarray(W2, dtype=float)
    if W1.shape != W2.shape:
        return None
    L1, L2 = value_labels([W1, W2], tol)
    n, k = W1.shape
    r1, r2, c1, c2 = [0] * n, [0] * n, [0] * k, [0] * k
    if fix1 is not None:                 # individualise one vertex in each matrix
        (kind1, i1), (kind2, i2) = fix1, fix2
        target1 = r1 if kind1 == "row" else c1
        target2 = r2 if kind2 == "row" else c2
        target1[i1] = target2[i2] = 1
    return _search(L1, L2, r1, c1, r2, c2, _Budget(budget))


def find_isomorphism(W1: np.ndarray, W2: np.ndarray, tol: float = DEFAULT_TOL):
    """(row_map, col_map) with W2[row_map[i], col_map[j]] ~ W1[i, j], or None
    (not equivalent, or the search budget ran out)."""
    return _labels_and_search(W1, W2, tol)


def is_equivalent(W1: np.ndarray, W2: np.ndarray, tol: float = DEFAULT_TOL) -> bool:
    """True when W2 = P W1 Q^T up to tol for some permutations P (rows), Q (columns)."""
    return find_isomorphism(W1, W2, tol) is not None


# --------------------------------------------------------------------------
# isotropy
# --------------------------------------------------------------------------

def _orbits(W: np.ndarray, tol: float) -> tuple[list[list[int]], list[list[int]]]:
    """Orbits of Stab(W) on the columns and on the rows.  a, b lie in one orbit
    iff some symmetry maps a to b; one is searched for by individualising b in
    one copy of W and a in the other.  Every symmetry found merges all of its
    cycles at once (union-find), so few searches are needed."""
    n, k = W.shape
    L = value_labels([W], tol)[0]
    (row_colour,), (col_colour,) = _refine([L], [[0] * n], [[0] * k])
    parent = {("row", i): ("row", i) for i in range(n)}
    parent.update({("col", j): ("col", j) for j in range(k)})

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def merge(row_map, col_map):
        for kind, mapping in (("row", row_map), ("col", col_map)):
            for i, j in enumerate(mapping):
                a, b = find((kind, i)), find((kind, j))
                if a != b:
                    parent[max(a, b)] = min(a, b)

    for kind, colour, size in (("col", col_colour, k), ("row", row_colour, n)):
        for a in range(size):
            if find((kind, a)) != (kind, a):
                continue                      # already known to be in an earlier orbit
            for b in range(a):
                if find((kind, b)) != (kind, b) or colour[b] != colour[a]:
                    continue
                found = _labels_and_search(W, W, tol, (kind, b), (kind, a))
                if found is not None:
                    merge(*found)
                    break
    out = []
    for kind, size in (("col", k), ("row", n)):
        groups: dict = {}
        for i in range(size):
            groups.setdefault(find((kind, i)), []).append(i)
        out.append(sorted(groups.values(), key=lambda o: (len(o), o[0])))
    return out[0], out[1]


def _row_multiset(L: np.ndarray) -> list[tuple]:
    return sorted(map(tuple, L.tolist()))


@dataclass
class Symmetry:
    """Isotropy of a point: column blocks (orbits on coordinates), whether the
    column group is the full Young group S_p, row orbits, and a label."""
    blocks: list[list[int]]              # column orbits, sorted by (size, first index)
    young: bool
    row_orbits: list[list[int]]
    p: tuple = field(init=False)
    label: str = field(init=False)

    def __post_init__(self):
        self.p = tuple(len(b) for b in self.blocks)
        self.label = isotropy_label(self.p, self.young)


def isotropy_label(p, young: bool = True) -> str:
    """'S1xS5' for the Young group S_1 x S_5; 'orbits(1,5)' for a smaller group."""
    if young:
        return "x".join(f"S{q}" for q in p)
    return "orbits(" + ",".join(str(q) for q in p) + ")"


def classify(W: np.ndarray, tol: float = DEFAULT_TOL) -> Symmetry:
    """Isotropy of W under rows x columns permutations (see module docstring)."""
    W = np.asarray(W, dtype=float)
    blocks, row_orbits = _orbits(W, tol)
    L = value_labels([W], tol)[0]
    base = _row_multiset(L)
    young = True
    for block in blocks:
        for b in block[1:]:
            perm = list(range(W.shape[1]))
            perm[block[0]], perm[b] = b, block[0]
            if _row_multiset(L[:, perm]) != base:   # the transposition is no symmetry
                young = False
    return Symmetry(blocks, young, row_orbits)


# --------------------------------------------------------------------------
# compact exact block form
# --------------------------------------------------------------------------

def compact_form(W: np.ndarray, sym: Symmetry | None = None, tol: float = DEFAULT_TOL):
    """Exact compact description of a point with Young isotropy, or (None, reason).

    Columns are ordered block by block.  On a column block B every row is
    either *constant* (one value c) or a *spike* (value x at one column of B,
    y at the others; for |B| = 2, x is the larger of the two).  Rows with the
    same pattern of (block -> constant c / spike (x, y)) form a row class;
    a Young-symmetric point contains, for each class, every placement of its
    spikes (prod |B| rows) the same number of times (``copies``).  Values are
    the averages over their entries, so the dense form rebuilt by
    :func:`dense_from_compact` is exactly invariant under the isotropy group
    (bitwise), and equals W up to permutations and tol.

    For n = k with isotropy Delta(S_p1 x ... x S_pm) there is one class per
    block (spike in its own block, constant elsewhere): the familiar block
    matrix with values (diagonal x, off-diagonal y) on diagonal blocks and
    one constant per off-diagonal block.
    """
    W = np.asarray(W, dtype=float)
    sym = classify(W, tol) if sym is None else sym
    if not sym.young:
        return None, "isotropy is not a Young group on the coordinates"
    L = value_labels([W], tol)[0]
    patterns = []        # per row: tuple over blocks of ('c',) or ('s', position)
    for r in range(W.shape[0]):
        pat = []
        for block in sym.blocks:
            lab = L[r, block]
            counts = Counter(lab.tolist())
            if len(counts) == 1:
                pat.append(("c", -1))
            elif len(block) == 2:
                pat.append(("s", int(np.argmax(W[r, block]))))
            elif len(counts) == 2 and min(counts.values()) == 1:
                odd = min(counts, key=counts.get)
                pat.append(("s", int(np.flatnonzero(lab == odd)[0])))
            else:
                return None, f"row {r} is neither constant nor a spike on block {block}"
        patterns.append(pat)
    # a class is determined by the label pattern with spike positions removed
    def class_key(r):
        key = []
        for (kind, pos), block in zip(patterns[r], sym.blocks):
            if kind == "c":
                key.append(("c", int(L[r, block[0]])))
            else:
                other = block[1] if pos == 0 else block[0]
                key.append(("s", int(L[r, block[pos]]), int(L[r, other])))
        return tuple(key)
    classes: dict[tuple, list[int]] = {}
    for r in range(W.shape[0]):
        classes.setdefault(class_key(r), []).append(r)
    out_classes = []
    for key, rows in sorted(classes.items(), key=lambda kv: kv[1][0]):
        spiked = [j for j, part in enumerate(key) if part[0] == "s"]
        placements = int(np.prod([len(sym.blocks[j]) for j in spiked])) if spiked else 1
        seen = Counter(tuple(patterns[r][j][1] for j in spiked) for r in rows)
        if len(seen) != placements or len(set(seen.values())) != 1:
            return None, "a row class does not contain every spike placement equally often"
        values = []
        for j, block in enumerate(sym.blocks):
            if key[j][0] == "c":
                values.append([float(np.mean(W[np.ix_(rows, block)]))])
            else:
                xs = [W[r, block[patterns[r][j][1]]] for r in rows]
                ys = [W[r, block[c]] for r in rows for c in range(len(block))
                      if c != patterns[r][j][1]]
                values.append([float(np.mean(xs)), float(np.mean(ys))])
        out_classes.append({"copies": len(rows) // placements, "values": values})
    compact = {"p": list(sym.p), "classes": out_classes}
    return compact, None


def dense_from_compact(compact: dict) -> np.ndarray:
    """The dense matrix of a compact form: columns block by block; rows class by
    class, each class repeated ``copies`` times over every spike placement
    (placements in lexicographic order of the spiked blocks' positions)."""
    p = compact["p"]
    rows = []
    for cls in compact["classes"]:
        spiked = [j for j, v in enumerate(cls["values"]) if len(v) == 2]
        for _ in range(cls["copies"]):
            for place in np.ndindex(*[p[j] for j in spiked]) if spiked else [()]:
                row = []
                pos = dict(zip(spiked, place))
                for j, v in enumerate(cls["values"]):
                    if len(v) == 1:
                        row.extend([v[0]] * p[j])
                    else:
                        row.extend(v[0] if c == pos[j] else v[1] for c in range(p[j]))
                rows.append(row)
    return np.array(rows, dtype=float)
