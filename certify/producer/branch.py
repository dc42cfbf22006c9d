"""The (q, k - q) branch of critical points in real k (UNTRUSTED: proposes, never decides).

    minimum(q, k)                    a spurious local minimum of the block ansatz at a real k
    newton(q, k, theta)              Newton on grad phi = 0 at a real k
    continue_to(q, k_from, theta, k) follow the branch from k_from to k (steps in s = k^-1/2)
    taylor(q, s_mid, theta, N, prec) Taylor coefficients in t = s - s_mid of the branch at s_mid
    eigen(q, k, theta)               float spectra of the isotypic blocks (for claims and plots)

Everything is computed with the kernel's formulas (kernel.reduced.blocks) at a working
precision, then used as floats or rounded to dyadics; nothing here is part of a proof.
"""
from __future__ import annotations

import math

import numpy as np
from flint import arb, arb_mat, arb_series, ctx

from ..kernel.family import structure
from ..kernel.pair import NotSmooth
from ..kernel.reduced import blocks as reduced
from ..kernel.reduced.series import SJet, coefficient, constant, length_at_least

WORK_PREC = 96


class BranchLost(RuntimeError):
    """Newton did not converge (the branch may end, or a step was too long)."""


def _mid(A) -> np.ndarray:
    return np.array([[float(A[i, j].mid()) for j in range(A.ncols())] for i in range(A.nrows())])


def _jet(q: int, k: float, theta):
    sizes = structure.sizes(q, arb(k))
    return reduced.block_loss(sizes, reduced.jets(sizes, [arb(float(x)) for x in theta]))


def names(q: int) -> list:
    return reduced.parameter_names(structure.sizes(q, 10))


def newton(q: int, k: float, theta, iters: int = 60) -> np.ndarray:
    """Newton on grad phi = 0 (reduced loss of (q, k - q) at real k), from theta."""
    theta = np.array(theta, dtype=float)
    with ctx.workprec(WORK_PREC):
        for _ in range(iters):
            try:
                jet = _jet(q, k, theta)
            except NotSmooth as err:
                raise BranchLost(f"Newton left the smooth region at k = {k}: {err}") from None
            step = np.linalg.solve(_mid(jet.h), _mid(jet.g)[:, 0])
            theta = theta - step
            if not np.all(np.isfinite(theta)):
                raise BranchLost(f"Newton diverged at k = {k}")
            if np.max(np.abs(step)) <= 4e-16 * max(1.0, np.max(np.abs(theta))):
                return theta
    raise BranchLost(f"Newton did not converge at k = {k}")


def minimum(q: int, k: float, seed: int = 0, starts: int = 40) -> np.ndarray:
    """The lowest-loss local minimum of phi with a positive definite full Hessian found from
    seeded random starts (saddle-free damped Newton on the ansatz), at real k."""
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(starts):
        theta = np.array([(-0.7 if a == 0 else 1.0) + 0.3 * rng.normal() if kind == "alpha"
                          else (0.2 * rng.normal() if kind == "beta" and a == 0 else rng.normal() * 1.5 / k)
                          for kind, a, b in names(q)])
        try:
            theta = _descend(q, k, theta)
            theta = newton(q, k, theta)
            loss = float(_jet(q, k, theta).v.mid())
            if loss > 1e-8 and min_block_eigenvalue(q, k, theta) > 0 and (best is None or loss < best[0] - 1e-12):
                best = (loss, theta)
        except (BranchLost, NotSmooth, np.linalg.LinAlgError):
            continue
    if best is None:
        raise BranchLost(f"no local minimum of the ({q}, k - {q}) ansatz found at k = {k}")
    return best[1]


def _descend(q: int, k: float, theta, iters: int = 200) -> np.ndarray:
    """Saddle-free damped Newton: eigenvalues of the Hessian replaced by their absolute
    values (floored), backtracking on phi."""
    with ctx.workprec(WORK_PREC):
        for _ in range(iters):
            jet = _jet(q, k, theta)
            g, H = _mid(jet.g)[:, 0], _mid(jet.h)
            if np.linalg.norm(g) < 1e-12:
                break
            lam, Q = np.linalg.eigh(H)
            step = -Q @ ((Q.T @ g) / np.maximum(np.abs(lam), 1e-8))
            step *= min(1.0, 0.3 / max(np.linalg.norm(step), 1e-300))
            phi0 = float(jet.v.mid())
            for alpha in 0.5 ** np.arange(30):
                try:
                    phi1 = float(_jet(q, k, theta + alpha * step).v.mid())
                except NotSmooth:
                    continue
                if phi1 <= phi0 + 1e-4 * alpha * float(g @ step):
                    break
            theta = theta + alpha * step
    return theta


def continue_to(q: int, k_from: float, theta, k_to: float, steps_per_octave: int = 8) -> np.ndarray:
    """Follow the branch from (k_from, theta) to k_to with Newton, in steps of equal ratio."""
    n = max(1, int(np.ceil(abs(np.log2(k_to / k_from)) * steps_per_octave)))
    theta = np.array(theta, dtype=float)
    for k in np.geomspace(k_from, k_to, n + 1)[1:]:
        theta = newton(q, float(k), theta)
    return theta


def _theta_series(centre: list, t: arb_series, length: int) -> list:
    out = []
    for row in centre:
        acc = constant(row[-1], length)
        for c in reversed(row[:-1]):
            acc = acc * t + constant(c, length)
        out.append(acc)
    return out


def gradient_series(q: int, s_mid, centre: list, length: int):
    """(gradient series, Hessian series) of phi at theta = centre(t), k = (s_mid + t)^-2."""
    t = arb_series([arb(0), arb(1)], prec=length)
    s = constant(s_mid, length) + t
    k = 1 / (s * s)
    sizes = structure.sizes(q, k)
    values = _theta_series(centre, t, length)
    variables = {name: SJet.variable(x, i) for i, (name, x) in enumerate(zip(reduced.parameter_names(sizes), values))}
    out = reduced.block_loss(sizes, variables)
    D = len(values)
    return out.gradient(D), out.hessian(D)


def taylor(q: int, s_mid, theta, N: int, prec: int) -> list:
    """Taylor coefficients (arb midpoints) to order N in t = s - s_mid of the branch through theta
    at s_mid: Newton on power series, J(t) Delta(t) = g(t) solved order by order (the number of
    correct orders doubles per step)."""
    D = len(theta)
    with ctx.workprec(prec), length_at_least(N + 1):
        s_mid = arb(s_mid)
        centre = [[arb(float(x))] + [arb(0)] * N for x in theta]
        previous = math.inf
        for sweep in range(40):
            grad, hess = gradient_series(q, s_mid, centre, N + 1)
            J = [arb_mat([[coefficient(hess[i][j], n).mid() for j in range(D)] for i in range(D)])
                 for n in range(N + 1)]
            J0inv = J[0].inv()
            delta = []
            biggest = 0.0
            for n in range(N + 1):
                rhs = arb_mat([[coefficient(g, n).mid()] for g in grad])
                for m in range(1, n + 1):
                    rhs = rhs - J[m] * delta[n - m]
                step = J0inv * rhs
                delta.append(arb_mat([[step[i, 0].mid()] for i in range(D)]))
                biggest = max(biggest, max(abs(float(step[i, 0].mid())) / max(1.0, abs(float(centre[i][n].mid())))
                                           for i in range(D)))
            for n in range(N + 1):
                for i in range(D):
                    centre[i][n] = (centre[i][n] - delta[n][i, 0]).mid()
            if biggest < 2.0 ** (-prec + 24) or (sweep >= 4 and biggest > previous / 16):
                break                                  # converged, or stalled at the precision floor
            previous = biggest
        return centre


def hessian_scales(q: int, k: float, theta) -> np.ndarray:
    """1 / sqrt|H_ii|: the natural size of each coordinate (a diagonal whitening)."""
    with ctx.workprec(WORK_PREC):
        H = _mid(_jet(q, k, theta).h)
    return 1 / np.sqrt(np.abs(np.diag(H)))


def block_matrices(q: int, k: float, theta) -> dict:
    """Float matrices of every isotypic block at (theta, k), normalised to orthonormal bases
    (so that their eigenvalues are those of the full Hessian), and of the reduced M."""
    with ctx.workprec(WORK_PREC):
        kk = arb(k)
        sizes = structure.sizes(q, kk)
        out = {"trivial": _mid(reduced.normalised(sizes, _jet(q, k, theta).h))}
        coarse = dict(zip(reduced.parameter_names(sizes), [arb(float(x)) for x in theta]))
        p = kk - q
        for block in structure.blocks(q):
            refined = block.sizes(p)
            point = structure.refined_point(coarse, refined, block.parent)
            vecs = block.vectors(p)
            nv = len(vecs)
            from ..kernel.reduced.jets import Jet
            theta_r = {}
            for name, x in point.items():
                value = Jet(x, arb_mat(nv, 1), arb_mat(nv, nv))
                for j, z in enumerate(vecs):
                    if name in z:
                        value = value + Jet.variable(arb(0), j, nv) * z[name]
                theta_r[name] = value
            S = _mid(reduced.block_loss(refined, theta_r).h)
            rnames = reduced.parameter_names(refined)
            Z = np.array([[float(arb(z.get(n, 0)).mid()) for n in rnames] for z in vecs]).T
            Dm = np.diag([float(arb(reduced.orbit_size(refined, n)).mid()) for n in rnames])
            w, Q = np.linalg.eigh(Z.T @ Dm @ Z)
            G = Q @ np.diag(w ** -0.5) @ Q.T
            out[block.name] = G @ S @ G
        refined_sizes, parent = structure.extra_structure(q)
        refined = refined_sizes(p)
        point = structure.refined_point(coarse, refined, parent)
        from ..kernel.reduced.jets import Jet
        m = len(refined)
        zeta = [Jet.variable(arb(0), a, m) for a in range(m)]
        theta_r = {name: Jet(x, arb_mat(m, 1), arb_mat(m, m)) for name, x in point.items()}
        S = _mid(reduced.block_loss(refined, theta_r, zeta=zeta).h)
        n_sizes = np.array([float(arb(x).mid()) for x in refined])
        out["extra"] = S / np.sqrt(np.outer(n_sizes, n_sizes))
    return out


def min_block_eigenvalue(q: int, k: float, theta) -> float:
    """The smallest eigenvalue of the full Hessian (the union of the block spectra)."""
    mats = block_matrices(q, k, theta)
    return min(float(np.linalg.eigvalsh(M)[0]) for name, M in mats.items() if name != "extra")
