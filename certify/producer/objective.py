"""The population loss F, its gradient and Hessian in numpy floats (UNTRUSTED).

The producer's one float definition of the formulas of docs/mathematics.md,
used by search, refinement and the census to propose points and claims.
Nothing decided here is part of a proof: the kernel re-proves every claim in
ball arithmetic with its own definitions.

Setting: student rows W (n x d), teacher rows V (k x d), inputs x ~ N(0, I_d):

    F(W) = 1/2 E[(sum_i relu(w_i.x) - sum_j relu(v_j.x))^2]
         = 1/2 sum_ij f(w_i,w_j) - sum_ij f(w_i,v_j) + 1/2 sum_ij f(v_i,v_j)
    f(u,v) = |u||v| (sin t + (pi - t) cos t) / (2 pi),   t = angle(u, v),  f(u,u) = |u|^2/2
    grad_{w_i} F = 1/2 w_i + sum_{j!=i} g(w_i,w_j) - sum_j g(w_i,v_j),
    g(u,v) = (|v| sin t u/|u| + (pi - t) v) / (2 pi).

`loss` and `gradient` broadcast over leading batch axes: W of shape (..., n, d)
(many runs at once, as gradient descent uses them); V is (k, d).
"""
from __future__ import annotations

import numpy as np

TWO_PI = 2.0 * np.pi


def identity_teacher(k: int, d: int) -> np.ndarray:
    """The orthonormal teacher of the theorem: the first k rows of I_d."""
    return np.eye(k, d)


def pairs(P: np.ndarray, Q: np.ndarray):
    """Geometry of every pair (p_i, q_j) for P (..., n, d) and Q (m, d) or (..., m, d):
    |p_i| (..., n), |q_j| (..., 1, m), unit rows of P and Q, cos t, sin t, t (..., n, m)."""
    p_norm = np.linalg.norm(P, axis=-1)
    q_norm = np.linalg.norm(Q, axis=-1)
    P_unit = P / p_norm[..., None]
    Q_unit = Q / q_norm[..., None]
    cos_t = P_unit @ np.swapaxes(Q_unit, -1, -2)
    np.clip(cos_t, -1.0, 1.0, out=cos_t)
    sin_t = np.sqrt(np.maximum(1.0 - cos_t * cos_t, 0.0))
    return p_norm, q_norm[..., None, :], P_unit, Q_unit, cos_t, sin_t, np.arccos(cos_t)


def pair_f(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """f(p_i, q_j) = |p||q| (sin t + (pi - t) cos t) / (2 pi) for every pair: (..., n, m)."""
    p_norm, q_norm, _, _, c, s, t = pairs(P, Q)
    return p_norm[..., :, None] * q_norm * (s + (np.pi - t) * c) / TWO_PI


def _self_pairs(P: np.ndarray) -> np.ndarray:
    """f(p_i, p_j) with the exact diagonal f(p, p) = |p|^2/2."""
    ff = pair_f(P, P)
    diag = np.arange(P.shape[-2])
    ff[..., diag, diag] = 0.5 * np.sum(P * P, axis=-1)
    return ff


def loss(W: np.ndarray, V: np.ndarray):
    """F(W) for teacher V: a float for one W (n, d), an array (...) for a batch."""
    out = (0.5 * _self_pairs(W).sum((-2, -1)) - pair_f(W, V).sum((-2, -1))
           + 0.5 * _self_pairs(V).sum())
    return float(out) if np.ndim(out) == 0 else out


def gradient(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """grad F at W (..., n, d), same shape."""
    n = W.shape[-2]
    off = ~np.eye(n, dtype=bool)
    _, wq_norm, W_unit, _, _, s_ww, t_ww = pairs(W, W)
    a_ww = np.where(off, wq_norm * s_ww, 0.0).sum(-1)          # sum_{j!=i} |w_j| sin t_ij
    b_ww = np.where(off, np.pi - t_ww, 0.0)
    _, v_norm, _, _, _, s_wv, t_wv = pairs(W, V)
    a_wv = (v_norm * s_wv).sum(-1)
    b_wv = np.pi - t_wv
    return (0.5 * W
            + ((a_ww - a_wv) / TWO_PI)[..., None] * W_unit
            + (b_ww @ W - b_wv @ V) / TWO_PI)


def _h1_sum(W: np.ndarray, Q: np.ndarray, skip_diagonal: bool) -> np.ndarray:
    """sum_j h1(w_i, q_j) for each i, h1(u,v) = |v| s/(2 pi |u|) (I - ub ub^T + nb nb^T),
    nb = (vb - cos t ub)/sin t."""
    w_norm, q_norm, W_unit, Q_unit, cos_t, sin_t, _ = pairs(W, Q)
    d = W.shape[1]
    coef = q_norm * sin_t / (TWO_PI * w_norm[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        normal = (Q_unit[None, :, :] - cos_t[:, :, None] * W_unit[:, None, :]) / sin_t[:, :, None]
    if skip_diagonal:
        np.fill_diagonal(coef, 0.0)
        idx = np.arange(W.shape[0])
        normal[idx, idx, :] = 0.0
    proj = np.eye(d)[None] - W_unit[:, :, None] * W_unit[:, None, :]
    return (coef.sum(1)[:, None, None] * proj
            + np.einsum("ij,ija,ijb->iab", coef, normal, normal))


def hessian(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Dense Hessian of F at one W (n, d): shape (n*d, n*d), row index i*d + a."""
    n, d = W.shape
    _, _, W_unit, _, cos_t, sin_t, t = pairs(W, W)
    np.fill_diagonal(sin_t, 1.0)  # diagonal pairs are not used below
    n_vec = (W_unit[None, :, :] - cos_t[:, :, None] * W_unit[:, None, :]) / sin_t[:, :, None]
    m_vec = np.transpose(n_vec, (1, 0, 2))  # m_ij = n_ji
    # H_ij = ((pi - t) I + ub n^T + vb m^T) / (2 pi), u = w_i, v = w_j
    H = (np.einsum("ij,ab->iajb", np.pi - t, np.eye(d))
         + np.einsum("ia,ijb->iajb", W_unit, n_vec)
         + np.einsum("ja,ijb->iajb", W_unit, m_vec)) / TWO_PI
    diag = 0.5 * np.eye(d)[None] + _h1_sum(W, W, True) - _h1_sum(W, V, False)
    idx = np.arange(n)
    H[idx, :, idx, :] = diag
    return H.reshape(n * d, n * d)


def extra_dimension_block(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """The n x n matrix M of the d > k lemma: the Hessian on one coordinate
    orthogonal to every w_i and v_j (docs/mathematics.md, section 4)."""
    w_norm, wq_norm, _, _, _, s_ww, t_ww = pairs(W, W)
    _, v_norm, _, _, _, s_wv, _ = pairs(W, V)
    np.fill_diagonal(s_ww, 0.0)
    M = (np.pi - t_ww) / TWO_PI
    diag = 0.5 + ((s_ww * wq_norm).sum(1) - (s_wv * v_norm).sum(1)) / (TWO_PI * w_norm)
    np.fill_diagonal(M, diag)
    return M
