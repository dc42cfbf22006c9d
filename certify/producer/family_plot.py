"""The curves of the families figure (`certify report`, views.plots.plot_transitions):
lambda_min(k) along a family through k* (UNTRUSTED floats).

    curves(q, k_lo, k_hi, points)   -> (k, lambda_min of the full Hessian, lambda of std_big)

lambda_min is the smallest eigenvalue of the Hessian of F at the family's critical point
(the union of the isotypic block spectra, producer.branch.block_matrices): negative where the
family is a saddle, positive where it is a spurious minimum.
"""
from __future__ import annotations

import numpy as np

from . import branch
from .family import start_theta


def curves(q: int, k_lo: float, k_hi: float, points: int = 60) -> tuple:
    ks = np.linspace(k_hi, k_lo, points)
    theta = start_theta(q, float(ks[0]))
    lam_min, lam_std = [], []
    for k in ks:
        theta = branch.newton(q, float(k), theta)
        mats = branch.block_matrices(q, float(k), theta)
        spectra = {name: np.linalg.eigvalsh(M) for name, M in mats.items() if name != "extra"}
        lam_min.append(min(s[0] for s in spectra.values()))
        lam_std.append(spectra["std_big"][0])
    return ks[::-1], np.array(lam_min[::-1]), np.array(lam_std[::-1])
