"""The figure of docs/families.md: lambda_min(k) along each family through k* (UNTRUSTED floats).

    curves(q, k_lo, k_hi, points)   -> (k, lambda_min of the full Hessian, lambda of std_big)
    plot_families(path, k_stars)    draws both families with matplotlib and saves the PNG

lambda_min is the smallest eigenvalue of the Hessian of F at the family's critical point
(the union of the isotypic block spectra, producer.branch.block_matrices): negative where the
family is a saddle, positive where it is a spurious minimum.  k_stars: {q: certified k*}
(drawn as vertical lines) or None.
"""
from __future__ import annotations

import numpy as np

from . import branch
from .family import start_theta

RANGES = {1: (4.6, 14.0), 2: (6.6, 16.0)}


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


def plot_families(path, k_stars: dict | None = None, points: int = 60) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, q in zip(axes, (1, 2)):
        k, lam_min, lam_std = curves(q, *RANGES[q], points)
        ax.plot(k, lam_min, label="smallest Hessian eigenvalue")
        ax.plot(k, lam_std, "--", label="std block of the big block")
        ax.axhline(0, color="black", linewidth=0.6)
        if k_stars and q in k_stars:
            ax.axvline(k_stars[q], color="red", linewidth=0.8, label=f"k* = {k_stars[q]:.12f}")
        for n in range(int(np.ceil(k[0])), int(k[-1]) + 1):
            ax.axvline(n, color="grey", linewidth=0.3)
        ax.set_title(f"family Delta(S_{q} x S_(k-{q}))")
        ax.set_xlabel("k (real)")
        ax.set_ylabel("eigenvalue")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
