"""Method "dense" on the producer side: an n x d point -> certificate object.

A DenseProblem knows the teacher V (k x d); its centre is an n x d list of
exact (m, e) pairs (producer.refine).  `certify_point` is the whole dense
pipeline after the search: refine, then producer.produce.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..kernel.dense import method as kernel_dense
from . import objective, produce, refine
from .exact import format_dyadic, from_float


class DenseProblem:
    """Student n x d, teacher V (k x d, exactly orthonormal floats)."""
    method = kernel_dense.NAME

    def __init__(self, V: np.ndarray, n: int):
        self.V = np.asarray(V, dtype=float)
        self.k, self.d = self.V.shape
        self.n = n
        self.teacher = [[from_float(x) for x in row] for row in self.V]

    @staticmethod
    def floats(centre) -> np.ndarray:
        """The nearest floats of an exact centre (through Fraction: a 2040-bit mantissa
        overflows float())."""
        return np.array([[float(Fraction(m) * Fraction(2) ** e) for m, e in row] for row in centre])

    def spectra(self, centre, d_max, prec: int):
        """Float eigenvalues of the Hessian and (when d_max covers d' > d) of M at the centre."""
        W = self.floats(centre)
        hessian = np.linalg.eigvalsh(objective.hessian(W, self.V))
        extra = (np.linalg.eigvalsh(objective.extra_dimension_block(W, self.V))
                 if d_max is None or d_max > self.d else None)
        return hessian, extra

    def to_object(self, centre, radius: str, kind: str, claims: dict, d_max, prec: int,
                  info: dict | None) -> dict:
        return produce.certificate_object(
            self, kind, d_max, prec, [[format_dyadic(m, e) for m, e in row] for row in centre],
            radius, claims, info, teacher=self.teacher)


def certify_point(W0: np.ndarray, V: np.ndarray, prec: int, d_max=None, info: dict | None = None,
                  all_d: bool = False):
    """Refine the float point W0 (n x d) for teacher V and certify it: a local minimum
    or a saddle with its Morse index, whichever the float Hessian at the refined point
    indicates.  d_max as in the format; all_d: every d' >= d if the d > k part can be
    proved, else d alone (then the outcome carries the reason as .note).
    Raises NotCertified with the reason."""
    problem = DenseProblem(V, W0.shape[0])
    return produce.refine_and_certify(problem, lambda: refine.newton(W0, problem.V, prec), prec,
                                      d_max, all_d, info)
