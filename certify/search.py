"""Float search for critical points of F (UNTRUSTED: proposes, never decides).

Two ways to find spurious local minima of the population loss F of
:mod:`certify.objective` (student W in R^{n x d}, teacher V = first k rows of I_d):

* :func:`gradient_descent` -- plain gradient descent W <- W - eta grad F(W)
  from Xavier-style random starts, vectorised over many runs at once;
* :func:`find_symmetric_minimum` -- the lowest spurious minimum for
  n = k = d, found by minimising F on the 5-dimensional subspace of matrices
  fixed by the isotropy group Delta(S_1 x S_{k-1}) (permute indices 1..k-1 of
  rows and columns together), followed by a float Newton polish.

Nothing computed here is part of a proof: the kernel re-proves every claim in
ball arithmetic.  The only requirement on this module is that its outputs are
good enough starting points (and deterministic, so that runs are repeatable).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from certify.objective import gradient, hessian, identity_teacher, kernel_f, loss

TWO_PI = 2.0 * np.pi

__all__ = [
    "AnsatzMinimum",
    "Descent",
    "ansatz_basis",
    "ansatz_embed",
    "ansatz_hessian_spectrum",
    "ansatz_parameters",
    "batched_gradient",
    "batched_loss",
    "find_symmetric_minimum",
    "gradient_descent",
    "lowest_spurious_minimum",
    "newton_polish",
    "xavier_init",
]


# --------------------------------------------------------------------------
# F and grad F batched over a leading "run" axis (same formulas as objective)
# --------------------------------------------------------------------------

def _batched_pairs(P: np.ndarray, Q: np.ndarray):
    """Pair geometry for a batch P (r, n, d) against Q (r, m, d) or (m, d):
    norms |p_i|, |q_j|, unit rows of P, cos t_ij, sin t_ij, t_ij."""
    p_norm = np.linalg.norm(P, axis=-1)
    q_norm = np.linalg.norm(Q, axis=-1)
    P_unit = P / p_norm[..., None]
    Q_unit = Q / q_norm[..., None]
    if Q.ndim == 2:
        cos_t = P_unit @ Q_unit.T
        q_norm = q_norm[None, None, :]
    else:
        cos_t = P_unit @ np.swapaxes(Q_unit, -1, -2)
        q_norm = q_norm[:, None, :]
    np.clip(cos_t, -1.0, 1.0, out=cos_t)
    sin_t = np.sqrt(np.maximum(1.0 - cos_t * cos_t, 0.0))
    return p_norm, q_norm, P_unit, cos_t, sin_t, np.arccos(cos_t)


def batched_gradient(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """grad F at every W[r] of a batch W (runs, n, d); V is (k, d).

    Same formula as :func:`certify.objective.gradient`, with the run index
    carried through batched matmuls (np.matmul over the leading axis; faster
    than the equivalent einsum)::

        grad_{w_i} F = 1/2 w_i + sum_{j != i} g(w_i, w_j) - sum_j g(w_i, v_j),
        g(u, v) = (|v| sin t u/|u| + (pi - t) v) / (2 pi).
    """
    n = W.shape[1]
    off = ~np.eye(n, dtype=bool)
    w_norm, wq_norm, W_unit, _, s_ww, t_ww = _batched_pairs(W, W)
    a_ww = np.where(off, wq_norm * s_ww, 0.0).sum(-1)          # sum_j |w_j| sin t_ij
    b_ww = np.where(off, np.pi - t_ww, 0.0)
    _, v_norm, _, _, s_wv, t_wv = _batched_pairs(W, V)
    a_wv = (v_norm * s_wv).sum(-1)
    b_wv = np.pi - t_wv
    return (0.5 * W
            + ((a_ww - a_wv) / TWO_PI)[..., None] * W_unit
            + (b_ww @ W - b_wv @ V) / TWO_PI)


def _teacher_constant(V: np.ndarray) -> float:
    """1/2 sum_{ij} f(v_i, v_j) (diagonal f(v,v) = |v|^2/2 exactly)."""
    vv = kernel_f(V, V)
    np.fill_diagonal(vv, 0.5 * np.sum(V * V, axis=1))
    return 0.5 * float(vv.sum())


def batched_loss(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """F at every W[r] of a batch W (runs, n, d): shape (runs,).

    F = 1/2 sum_ij f(w_i,w_j) - sum_ij f(w_i,v_j) + 1/2 sum_ij f(v_i,v_j),
    f(u,v) = |u||v| (sin t + (pi - t) cos t) / (2 pi), f(u,u) = |u|^2/2.
    """
    n = W.shape[1]
    eye = np.eye(n, dtype=bool)
    w_norm, wq_norm, _, c, s, t = _batched_pairs(W, W)
    f_ww = w_norm[..., None] * wq_norm * (s + (np.pi - t) * c) / TWO_PI
    f_ww = np.where(eye, 0.5 * (w_norm * w_norm)[..., None], f_ww)
    _, v_norm, _, c, s, t = _batched_pairs(W, V)
    f_wv = w_norm[..., None] * v_norm * (s + (np.pi - t) * c) / TWO_PI
    return 0.5 * f_ww.sum((1, 2)) - f_wv.sum((1, 2)) + _teacher_constant(V)


# --------------------------------------------------------------------------
# Gradient descent
# --------------------------------------------------------------------------

def xavier_init(runs: int, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Xavier-style start: i.i.d. entries N(0, 1/d) (variance 1/fan_in), shape (runs, n, d)."""
    return rng.normal(0.0, 1.0 / np.sqrt(d), size=(runs, n, d))


class Descent(NamedTuple):
    """End points (runs, n, d) and their gradient norms ||grad F||_Frobenius (runs,)."""
    points: np.ndarray
    grad_norms: np.ndarray


def gradient_descent(k: int, n: int | None = None, d: int | None = None,
                     runs: int = 64, seed: int = 0, step: float | None = None,
                     max_iter: int = 20000, tol: float = 1e-10,
                     W0: np.ndarray | None = None) -> Descent:
    """Plain gradient descent W <- W - step * grad F(W) on many runs at once.

    Teacher V = first k rows of I_d; defaults n = k, d = k, step = 5/k.
    Starts: ``xavier_init`` (entries N(0, 1/d)) from ``np.random.default_rng(seed)``,
    unless ``W0`` (runs, n, d) is given.  A run stops (is frozen) as soon as
    ||grad F(W)|| <= tol at its current point; all runs stop after max_iter
    steps.  A run whose gradient becomes non-finite (a neuron reached 0) is
    frozen with grad norm nan.  Deterministic for a given seed.
    """
    n = k if n is None else n
    d = k if d is None else d
    step = 5.0 / k if step is None else float(step)
    V = identity_teacher(k, d)
    if W0 is None:
        W = xavier_init(runs, n, d, np.random.default_rng(seed))
    else:
        W = np.array(W0, dtype=float, copy=True)
        if W.shape[1:] != (n, d):
            raise ValueError(f"W0 has shape {W.shape}, expected (runs, {n}, {d})")
    grad_norms = np.full(W.shape[0], np.inf)
    active = np.arange(W.shape[0])
    for it in range(max_iter + 1):
        if active.size == 0:
            break
        Wa = W[active]
        g = batched_gradient(Wa, V)
        gn = np.sqrt(np.einsum("rid,rid->r", g, g))
        grad_norms[active] = gn
        keep = np.isfinite(gn) & (gn > tol)
        if it == max_iter:
            break
        W[active[keep]] = Wa[keep] - step * g[keep]
        active = active[keep]
    grad_norms[~np.isfinite(grad_norms)] = np.nan
    return Descent(W, grad_norms)


# --------------------------------------------------------------------------
# Full-space Newton
# --------------------------------------------------------------------------

def newton_polish(W: np.ndarray, V: np.ndarray, iters: int = 5) -> np.ndarray:
    """Float Newton on grad F = 0 in the full space:
    W <- W - H(W)^{-1} grad F(W) (dense Hessian, np.linalg.solve).

    Runs at most ``iters`` steps, stops early when the gradient is exactly 0,
    and returns the iterate with the smallest gradient norm seen (so extra
    iterations at rounding level can never make the result worse).
    """
    W = np.array(W, dtype=float, copy=True)
    best, best_norm = W.copy(), np.linalg.norm(gradient(W, V))
    for _ in range(iters):
        if best_norm == 0.0:
            break
        g = gradient(W, V)
        try:
            dW = np.linalg.solve(hessian(W, V), g.ravel())
        except np.linalg.LinAlgError:
            break
        W = W - dW.reshape(W.shape)
        norm = np.linalg.norm(gradient(W, V))
        if not np.isfinite(norm):
            break
        if norm < best_norm:
            best, best_norm = W.copy(), norm
    return best


# --------------------------------------------------------------------------
# The Delta(S_1 x S_{k-1}) ansatz (n = k = d)
# --------------------------------------------------------------------------

def ansatz_basis(k: int) -> np.ndarray:
    """The 0/1 orbit-class matrices E_p (5, k, k) spanning the fixed-point subspace.

    W = a E_0 + b E_1 + c E_2 + e E_3 + f E_4 with W[0,0] = a, W[0,j] = b,
    W[i,0] = c, W[i,i] = e, W[i,j] = f (i != j; i, j >= 1).  These are exactly
    the W with W = P W P^T for every permutation P fixing index 0.
    """
    return ansatz_embed(np.eye(5), k)


def ansatz_embed(theta: np.ndarray, k: int) -> np.ndarray:
    """W(theta) = sum_p theta_p E_p, for theta of shape (5,) or (s, 5). Exact
    (each entry of W is a copy of one theta_p), so the symmetry holds bitwise."""
    theta = np.asarray(theta, dtype=float)
    a, b, c, e, f = np.moveaxis(theta, -1, 0)
    W = np.empty(theta.shape[:-1] + (k, k))
    W[..., :, :] = f[..., None, None]
    idx = np.arange(1, k)
    W[..., idx, idx] = e[..., None]
    W[..., 0, :] = b[..., None]
    W[..., 1:, 0] = c[..., None]
    W[..., 0, 0] = a
    return W


def ansatz_parameters(W: np.ndarray) -> np.ndarray:
    """(a, b, c, e, f) read off a k x k W (assumes W is in the subspace)."""
    return np.array([W[0, 0], W[0, 1], W[1, 0], W[1, 1], W[1, 2]])


def _reduced_gradient(theta: np.ndarray, k: int, V: np.ndarray, E: np.ndarray) -> np.ndarray:
    """Chain rule: d/dtheta_p F(W(theta)) = <grad F, E_p> = sum of grad F over class p."""
    G = batched_gradient(ansatz_embed(theta, k), V)
    return np.einsum("sij,pij->sp", G, E)


def _reduced_hessian_fd(theta: np.ndarray, k: int, V: np.ndarray, E: np.ndarray,
                        h: float = 1e-5) -> np.ndarray:
    """P^T H P by central differences of the reduced gradient (s, 5, 5), symmetrised.
    Error O(h^2) + O(eps/h) ~ 1e-10: enough for Newton to reach rounding level."""
    s = theta.shape[0]
    shifts = h * np.eye(5)
    pts = np.concatenate([theta[:, None, :] + shifts, theta[:, None, :] - shifts], axis=1)
    g = _reduced_gradient(pts.reshape(-1, 5), k, V, E).reshape(s, 2, 5, 5)
    H = (g[:, 0] - g[:, 1]) / (2.0 * h)          # H[s, q, p] = d g_p / d theta_q
    return 0.5 * (H + np.swapaxes(H, 1, 2))


def _ansatz_starts(k: int, seed: int, random_starts: int) -> np.ndarray:
    """Deterministic starts near the known shape (a < 0, b, c ~ 1/k, e ~ 1, f ~ 0)
    plus ``random_starts`` seeded generic ones (e > 0, others N(0,1))."""
    base = [(a, 1.3 / k, 1.8 / k, 1.0, -0.2 / k) for a in (-0.5, -0.7, -0.9)]
    base += [(-0.7, 0.0, 0.0, 1.0, 0.0), (-1.0, 0.5 / k, 0.5 / k, 1.0, 0.0)]
    rng = np.random.default_rng(seed)
    rand = rng.normal(0.0, 1.0, size=(random_starts, 5))
    rand[:, 3] = np.abs(rand[:, 3]) + 0.5
    return np.concatenate([np.array(base), rand])


def _minimise_reduced(theta: np.ndarray, k: int, V: np.ndarray, E: np.ndarray,
                      max_iter: int = 80):
    """Saddle-free damped Newton on phi(theta) = F(W(theta)) for a batch of starts.

    Step p = -|H_r|^{-1} g_r (eigenvalues of the reduced Hessian H_r replaced by
    max(|lambda|, 1e-8), length capped at 0.5), backtracking (Armijo) on phi;
    once H_r > 0 and |p| < 1e-3 full Newton steps are taken (phi differences are
    then at rounding level).  Returns, per start, the iterate with the smallest
    full gradient norm and that norm.
    """
    s = theta.shape[0]
    theta = theta.copy()
    sizes = E.sum((1, 2))                       # |class p|; ||grad F||^2 = sum_p g_p^2/|p|
    best = theta.copy()
    best_norm = np.full(s, np.inf)
    stall = np.zeros(s, dtype=int)
    active = np.arange(s)
    alphas = 0.5 ** np.arange(12)
    for _ in range(max_iter):
        if active.size == 0:
            break
        th = theta[active]
        g = _reduced_gradient(th, k, V, E)
        gnorm = np.sqrt(np.sum(g * g / sizes, axis=1))
        improved = np.isfinite(gnorm) & (gnorm < best_norm[active])
        best[active[improved]] = th[improved]
        best_norm[active[improved]] = gnorm[improved]
        stall[active] = np.where(improved, 0, stall[active] + 1)
        done = ~np.isfinite(gnorm) | (gnorm == 0.0) | (stall[active] >= 4)
        th, g, active = th[~done], g[~done], active[~done]
        if active.size == 0:
            break
        H = _reduced_hessian_fd(th, k, V, E)
        lam, Q = np.linalg.eigh(H)
        lam_mod = np.maximum(np.abs(lam), 1e-8)
        p = -np.einsum("spq,sq,srq,sr->sp", Q, 1.0 / lam_mod, Q, g)
        plen = np.linalg.norm(p, axis=1)
        p *= np.minimum(1.0, 0.5 / np.maximum(plen, 1e-300))[:, None]
        newton = (lam[:, 0] > 0) & (plen < 1e-3)
        phi0 = batched_loss(ansatz_embed(th, k), V)
        slope = np.einsum("sp,sp->s", g, p)
        alpha = np.where(newton, 1.0, 0.0)
        # unit step first; the 11 shorter ones only where it fails Armijo
        phi1 = batched_loss(ansatz_embed(th + p, k), V)
        good = np.isfinite(phi1) & (phi1 <= phi0 + 1e-4 * slope)
        alpha[good] = 1.0
        todo = np.flatnonzero(~newton & ~good)
        if todo.size:
            short = alphas[1:]
            trial = th[todo, None, :] + short[None, :, None] * p[todo, None, :]
            phi = batched_loss(ansatz_embed(trial.reshape(-1, 5), k), V).reshape(trial.shape[:2])
            phi = np.where(np.isfinite(phi), phi, np.inf)
            armijo = phi <= phi0[todo, None] + 1e-4 * short[None, :] * slope[todo, None]
            best_trial = phi.argmin(1)
            fallback_ok = phi[np.arange(todo.size), best_trial] < phi0[todo]
            alpha[todo] = np.where(armijo.any(1), short[armijo.argmax(1)],
                                   np.where(fallback_ok, short[best_trial], 0.0))
        theta[active] = th + alpha[:, None] * p
    return best, best_norm


def _isotypic_frames(k: int) -> list[tuple[np.ndarray, int]]:
    """For the action W -> P W P^T of S_{k-1} (permutations fixing index 0) on
    R^{k x k}: one frame per irreducible type, as (orthonormal columns Q (k^2, m),
    dimension of the irreducible).

    R^k = 2 triv + std, so R^k (x) R^k = 5 triv + 5 std + [k-2,2] + [k-2,1,1]
    (std (x) std = triv + std + [k-2,2] + [k-2,1,1]).  Frames:
      triv:      the 5 orbit-class matrices E_p;
      std:       phi_m(u), u = e_1 - e_2 (sum-zero vector on indices 1..k-1),
                 W[0,1:] = u | W[1:,0] = u | W[i,i] = u_i | W[i,j] = u_i | W[i,j] = u_j
                 (i != j >= 1): the images of u under the 5 equivariant maps;
      [k-2,1,1]: antisymmetric, zero row sums (3-cycle on indices 1,2,3);
      [k-2,2]:   symmetric, zero diagonal, zero row sums (on indices 1..4).
    By Schur's lemma an invariant symmetric H maps each frame's span into itself,
    and spec(H) = union of spec(Q^T H Q), each eigenvalue repeated dim-of-irrep times.
    """
    frames: list[tuple[np.ndarray, int]] = []
    m = k - 1
    E = ansatz_basis(k)
    frames.append((np.linalg.qr(E.reshape(5, -1).T)[0], 1))
    u = np.zeros(k)
    u[1], u[2] = 1.0, -1.0
    off = np.zeros((k, k))
    off[1:, 1:] = 1.0 - np.eye(m)
    phis = np.zeros((5, k, k))
    phis[0, 0, :] = u
    phis[1, :, 0] = u
    phis[2] = np.diag(u)
    phis[3] = off * u[:, None]
    phis[4] = off * u[None, :]
    frames.append((np.linalg.qr(phis.reshape(5, -1).T)[0], m - 1))
    A = np.zeros((k, k))
    for i, j in ((1, 2), (2, 3), (3, 1)):
        A[i, j], A[j, i] = 1.0, -1.0
    frames.append((A.reshape(-1, 1) / np.linalg.norm(A), (m - 1) * (m - 2) // 2))
    S = np.zeros((k, k))
    for (i, j), sign in (((1, 2), 1), ((3, 4), 1), ((1, 3), -1), ((2, 4), -1)):
        S[i, j] = S[j, i] = sign
    frames.append((S.reshape(-1, 1) / np.linalg.norm(S), m * (m - 3) // 2))
    return frames


def ansatz_hessian_spectrum(W: np.ndarray, V: np.ndarray | None = None):
    """Full spectrum of the k^2 x k^2 Hessian at a W in the ansatz subspace,
    via the symmetry block decomposition of :func:`_isotypic_frames`:
    returns (eigenvalues ascending, multiplicities); sum of multiplicities = k^2.

    Needs k >= 6 (all four irreducible types present and the std frame of rank
    5); for smaller k it falls back to a dense eigvalsh (multiplicities 1).
    Cost: one dense Hessian and 12 matrix-vector products, instead of an
    O(k^6) dense eigendecomposition.
    """
    k = W.shape[0]
    V = identity_teacher(k, k) if V is None else V
    H = hessian(W, V)
    if k < 6:
        lam = np.linalg.eigvalsh(H)
        return lam, np.ones(lam.size, dtype=int)
    lams, mults = [], []
    for Q, dim in _isotypic_frames(k):
        B = Q.T @ (H @ Q)
        lam = np.linalg.eigvalsh(0.5 * (B + B.T))
        lams.append(lam)
        mults.append(np.full(lam.size, dim))
    lam, mult = np.concatenate(lams), np.concatenate(mults)
    order = np.argsort(lam, kind="stable")
    return lam[order], mult[order]


class AnsatzMinimum(NamedTuple):
    """Result of the ansatz search: W (k x k), theta = (a, b, c, e, f), F(W),
    ||grad F(W)||, smallest eigenvalue of the full Hessian at W."""
    W: np.ndarray
    theta: np.ndarray
    loss: float
    grad_norm: float
    min_eigenvalue: float


def find_symmetric_minimum(k: int, seed: int = 0, random_starts: int = 12,
                           min_loss: float = 1e-6) -> AnsatzMinimum:
    """The lowest-loss spurious local minimum of F (n = k = d) with isotropy
    Delta(S_1 x S_{k-1}), with diagnostics.

    Minimises phi(theta) = F(W(theta)) over the 5-dim fixed-point subspace from
    deterministic and seeded starts (:func:`_minimise_reduced`).  Because grad F
    is equivariant, a critical point of phi is a critical point of F.  Among the
    converged candidates (||grad F|| < 1e-8, F > min_loss), in increasing order of
    F, returns the first whose full Hessian (k^2 x k^2) has smallest eigenvalue
    > 0 (a float local minimum in the full space; the full spectrum is computed
    exactly-in-floats by symmetry blocks, :func:`ansatz_hessian_spectrum`).  Raises RuntimeError if none.
    Deterministic: same bits on every call for the same arguments.
    """
    if k < 3:
        raise ValueError("the ansatz needs k >= 3")
    V = identity_teacher(k, k)
    E = ansatz_basis(k)
    starts = _ansatz_starts(k, seed, random_starts)
    thetas, norms = _minimise_reduced(starts, k, V, E)
    ok = np.isfinite(norms) & (norms < 1e-8)
    thetas = thetas[ok]
    losses = batched_loss(ansatz_embed(thetas, k), V) if len(thetas) else np.zeros(0)
    keep = losses > min_loss
    thetas, losses = thetas[keep], losses[keep]
    order = np.lexsort((np.arange(len(losses)), losses))   # stable: ties keep start order
    seen: list[np.ndarray] = []
    for i in order:
        th = thetas[i]
        if any(np.max(np.abs(th - t)) < 1e-6 for t in seen):
            continue
        seen.append(th)
        W = ansatz_embed(th, k)
        lam = float(ansatz_hessian_spectrum(W, V)[0][0])
        if lam > 0.0:
            return AnsatzMinimum(W, th.copy(), loss(W, V),
                                 float(np.linalg.norm(gradient(W, V))), lam)
    raise RuntimeError(f"no spurious local minimum found in the ansatz for k={k}")


def lowest_spurious_minimum(k: int) -> np.ndarray:
    """W (k x k) of the lowest-loss spurious minimum for n = k = d, as published
    (Safran & Shamir 2018): it is the Delta(S_1 x S_{k-1}) ansatz minimum of
    :func:`find_symmetric_minimum`."""
    return find_symmetric_minimum(k).W
