"""Method "symmetric" on the producer side: block parameters theta -> certificate object.

The block ansatz (docs/symmetric.md): for blocks p = (p_1, ..., p_m) with sum k,
W(theta) = sum_o theta_o E_o over the orbits o of Delta(S_p1 x ... x S_pm) on index
pairs, in the kernel's parameter order (certify.kernel.reduced.blocks.parameter_names).
This module holds the one float encoding of that ansatz (embed / parameters_of),
block detection in dense points, and `certify_blocks`, the reduced pipeline after
the search: refine, then producer.produce.
"""
from __future__ import annotations


import numpy as np
from flint import arb, ctx
from mpmath import fp

from ..kernel.reduced import blocks as kernel_blocks
from ..kernel.reduced import method as kernel_reduced
from . import NotCertified, mp_objective, produce, refine
from .exact import format_dyadic

MAX_BLOCKS = kernel_reduced.MAX_BLOCKS
MAX_K = kernel_reduced.MAX_K


def parameter_names(blocks) -> list:
    return mp_objective.parameter_names(list(blocks))


# ---------------------------------------------------------------------------
# dense <-> block form (floats)
# ---------------------------------------------------------------------------
def embed(blocks, theta) -> np.ndarray:
    """The k x k matrix W(theta) of the block ansatz (floats; each entry is a copy of
    one theta_o, so the symmetry holds bitwise).  theta of shape (D,) or (..., D)."""
    theta = np.asarray(theta, dtype=float)
    starts = np.cumsum([0] + list(blocks))
    k = int(starts[-1])
    W = np.zeros(theta.shape[:-1] + (k, k))
    for o, (kind, a, b) in enumerate(parameter_names(blocks)):
        A, B = slice(starts[a], starts[a + 1]), slice(starts[b], starts[b + 1])
        x = theta[..., o, None, None]
        if kind == "alpha":
            W[..., A, A] += x * np.eye(blocks[a])
        elif kind == "beta":
            W[..., A, A] += x * (1.0 - np.eye(blocks[a]))
        else:
            W[..., A, B] = x
    return W


def orbit_matrices(blocks) -> np.ndarray:
    """The 0/1 orbit indicators E_o (D, k, k), in certificate order."""
    return embed(blocks, np.eye(len(parameter_names(blocks))))


def parameters_of(W: np.ndarray, blocks) -> np.ndarray:
    """theta read off a dense W assumed to be in the ansatz (orbit averages)."""
    E = orbit_matrices(blocks)
    return np.einsum("oij,ij->o", E, W) / E.sum((1, 2))


def detect_blocks(W: np.ndarray, tol: float = 1e-5):
    """(blocks, theta, rows, cols) with W[rows][:, cols] ~ W(theta) for a
    Delta(prod S_pa)-fixed form, or None.  Rows are matched to columns by largest
    |W_ij| (greedy), columns are grouped by the diagonal value, then the fit is
    checked entrywise (floats)."""
    k = W.shape[0]
    if W.shape != (k, k):
        return None
    row_of = [None] * k
    used = set()
    for idx in np.argsort(-np.abs(W).ravel(), kind="stable"):
        i, j = divmod(int(idx), k)
        if row_of[j] is None and i not in used:
            row_of[j] = i
            used.add(i)
    A = W[row_of]                                      # neuron j now sits on row j
    diag = np.diag(A)
    groups = []
    for j in np.argsort(diag, kind="stable"):
        if groups and abs(diag[j] - diag[groups[-1][0]]) < tol:
            groups[-1].append(int(j))
        else:
            groups.append([int(j)])
    groups.sort(key=len)
    cols = [j for g in groups for j in g]
    blocks = tuple(len(g) for g in groups)
    if len(blocks) > MAX_BLOCKS:
        return None
    B = A[np.ix_(cols, cols)]
    theta = parameters_of(B, blocks)
    if np.max(np.abs(B - embed(blocks, theta))) > tol:
        return None
    return blocks, theta, [row_of[c] for c in cols], cols


# ---------------------------------------------------------------------------
# float values of the reduced loss (proposals for search and claims)
# ---------------------------------------------------------------------------
def mid_matrix(A) -> np.ndarray:
    return np.array([[float(A[i, j].mid()) for j in range(A.ncols())] for i in range(A.nrows())])


def float_jet(blocks, theta):
    """(phi, grad phi, Hess phi) at theta as floats: the producer's closed form
    (producer.mp_objective.phi_jet) over mpmath.fp."""
    jet = mp_objective.phi_jet(list(blocks), [float(x) for x in theta], ctx=fp)
    return jet.v, np.array(jet.g), np.array(jet.hessian())


def reduced_spectrum(blocks, theta, prec: int = 53, extra: bool = False):
    """Float eigenvalues of the matrix whose spectrum is the full Hessian's (or of the
    reduced d > k block M when extra), at the exact point theta (arbs or floats): the
    kernel's reduced matrices (docs/symmetric.md section 4) evaluated at a point, used
    here only to propose claims."""
    blocks = list(blocks)
    with ctx.workprec(prec):
        point = [x if isinstance(x, arb) else arb(float(x)) for x in theta]
        A = (kernel_blocks.reduced_extra_block if extra else kernel_blocks.reduced_hessian)(blocks, point)
        return np.linalg.eigvalsh(mid_matrix(A))


# ---------------------------------------------------------------------------
# the certificate
# ---------------------------------------------------------------------------
class BlockProblem:
    """n = k = d, teacher I_k, the point W(theta) for the given blocks."""
    method = kernel_reduced.NAME

    def __init__(self, blocks):
        self.blocks = tuple(int(p) for p in blocks)
        self.k = self.n = self.d = sum(self.blocks)

    def spectra(self, centre, d_max, prec: int):
        """Float eigenvalues of the reduced Hessian and d > k matrix at the exact centre
        (evaluated at the certificate's precision)."""
        point = [arb((m, e)) for m, e in centre]
        hessian = reduced_spectrum(self.blocks, point, prec)
        extra = (reduced_spectrum(self.blocks, point, prec, extra=True)
                 if d_max is None or d_max > self.d else None)
        return hessian, extra

    def to_object(self, centre, radius: str, kind: str, claims: dict, d_max, prec: int,
                  info: dict | None) -> dict:
        return produce.certificate_object(
            self, kind, d_max, prec, [format_dyadic(m, e) for m, e in centre], radius, claims, info,
            teacher="identity", blocks=list(self.blocks))


def certify_blocks(blocks, theta0, prec: int, info: dict | None = None, all_d: bool = True):
    """Refine theta0 by reduced Newton and certify W(theta*) (every d' >= k when the
    d > k part is proved, else d = k alone if all_d).  Raises NotCertified."""
    problem = BlockProblem(blocks)
    if len(problem.blocks) > MAX_BLOCKS or problem.k > MAX_K:
        raise NotCertified(f"the symmetric method takes at most {MAX_BLOCKS} blocks and k <= {MAX_K}")
    return produce.refine_and_certify(problem, lambda: refine.reduced_newton(problem.blocks, theta0, prec),
                                      prec, None, all_d, info)


def certify_dense_point(W: np.ndarray, prec: int, info: dict | None = None):
    """Detect the block structure of a dense candidate (n = k = d, teacher I) and certify
    the G-fixed representative (the same point up to permuting neurons and coordinates)."""
    found = detect_blocks(np.asarray(W, dtype=float))
    if found is None:
        raise NotCertified(f"no Delta(S_p1 x ... x S_pm) block structure (m <= {MAX_BLOCKS}) detected")
    blocks, theta, _, _ = found
    return certify_blocks(blocks, theta, prec, info)
