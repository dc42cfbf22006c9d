"""Float preconditioners for the proofs (numpy).  NOT part of what must be trusted.

Krawczyk's test is valid for ANY real matrix C, and the congruence test for ANY
real matrix Q: these functions only make the tests likely to succeed.  Their
outputs are finite binary64 numbers, converted to arb exactly; a wrong or
machine-dependent result can make a proof fail, never make a false one pass.
"""
from __future__ import annotations

import numpy as np
from flint import arb_mat


def midpoint_floats(A: arb_mat) -> np.ndarray:
    """Nearest binary64 values of the midpoints of A, as an array."""
    values = [float(x.mid()) for x in A.entries()]
    return np.array(values, dtype=float).reshape(A.nrows(), A.ncols())


def exact_arb_mat(M: np.ndarray) -> arb_mat:
    """The float matrix M as an arb_mat (exact; rejects non-finite entries)."""
    if not np.all(np.isfinite(M)):
        raise ArithmeticError("preconditioner is not finite")
    return arb_mat(M.shape[0], M.shape[1], M.ravel().tolist())


def approximate_inverse(J: arb_mat) -> arb_mat:
    """C ~ mid(J)^-1 for Krawczyk's test."""
    with np.errstate(all="ignore"):
        try:
            C = np.linalg.inv(midpoint_floats(J))
        except np.linalg.LinAlgError as err:
            raise ArithmeticError(f"midpoint Jacobian is singular: {err}") from err
    return exact_arb_mat(C)


def approximate_eigenvectors(H: arb_mat) -> tuple[np.ndarray, arb_mat]:
    """(eigenvalues, Q): float eigen-decomposition of the symmetrised midpoint of H."""
    Hm = midpoint_floats(H)
    if not np.all(np.isfinite(Hm)):
        raise ArithmeticError("Hessian enclosure is not finite")
    eigenvalues, Q = np.linalg.eigh((Hm + Hm.T) / 2)
    return eigenvalues, exact_arb_mat(Q)
