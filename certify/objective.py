"""The population loss F, its gradient and Hessian in numpy floats (UNTRUSTED).

Used by search and refine to propose points and by the certifier to build
float preconditioners.  Nothing decided here is part of a proof; the rigorous
versions of the same formulas live in :mod:`certify.kernel.geometry`
and :func:`certify.kernel.fastfloat.hessian_enclosure`.

Setting (docs/mathematics.md): student rows ``W`` (n x d), teacher rows ``V``
(k x d), inputs ``x ~ N(0, I_d)``::

    F(W) = 1/2 E[(sum_i relu(w_i.x) - sum_j relu(v_j.x))^2]
         = 1/2 sum_ij f(w_i,w_j) - sum_ij f(w_i,v_j) + 1/2 sum_ij f(v_i,v_j)
    f(u,v) = |u||v| (sin t + (pi - t) cos t) / (2 pi),   t = angle(u, v).
"""
from __future__ import annotations

import numpy as np

TWO_PI = 2.0 * np.pi


def identity_teacher(k: int, d: int) -> np.ndarray:
    """The orthonormal teacher of the theorem: the first k rows of I_d."""
    return np.eye(k, d)


def _pairs(P: np.ndarray, Q: np.ndarray):
    """Geometry of every pair (p_i, q_j): norms, unit rows, cos t, sin t, t."""
    p_norm = np.linalg.norm(P, axis=1)
    q_norm = np.linalg.norm(Q, axis=1)
    P_unit = P / p_norm[:, None]
    Q_unit = Q / q_norm[:, None]
    cos_t = np.clip(P_unit @ Q_unit.T, -1.0, 1.0)
    sin_t = np.sqrt(np.maximum(1.0 - cos_t**2, 0.0))
    return p_norm, q_norm, P_unit, Q_unit, cos_t, sin_t, np.arccos(cos_t)


def kernel_f(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Matrix of f(p_i, q_j) = E[relu(p_i.x) relu(q_j.x)]."""
    p_norm, q_norm, _, _, cos_t, sin_t, t = _pairs(P, Q)
    return np.outer(p_norm, q_norm) * (sin_t + (np.pi - t) * cos_t) / TWO_PI


def loss(W: np.ndarray, V: np.ndarray) -> float:
    """F(W) for teacher V (diagonal terms use the exact f(u,u) = |u|^2/2)."""
    ww = kernel_f(W, W)
    np.fill_diagonal(ww, 0.5 * np.sum(W * W, axis=1))
    vv = kernel_f(V, V)
    np.fill_diagonal(vv, 0.5 * np.sum(V * V, axis=1))
    return float(0.5 * ww.sum() - kernel_f(W, V).sum() + 0.5 * vv.sum())


def _g_coefficients(P: np.ndarray, Q: np.ndarray):
    """g(p_i, q_j) = alpha_ij * p_i/|p_i| + beta_ij * q_j  (alpha, beta returned)."""
    _, q_norm, P_unit, _, _, sin_t, t = _pairs(P, Q)
    return q_norm[None, :] * sin_t / TWO_PI, (np.pi - t) / TWO_PI, P_unit


def gradient(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """grad_{w_i} F = 1/2 w_i + sum_{j!=i} g(w_i,w_j) - sum_j g(w_i,v_j); shape (n, d)."""
    a_ww, b_ww, W_unit = _g_coefficients(W, W)
    np.fill_diagonal(a_ww, 0.0)
    np.fill_diagonal(b_ww, 0.0)
    a_wv, b_wv, _ = _g_coefficients(W, V)
    return (0.5 * W + (a_ww.sum(1) - a_wv.sum(1))[:, None] * W_unit
            + b_ww @ W - b_wv @ V)


def _h1_sum(W: np.ndarray, Q: np.ndarray, skip_diagonal: bool) -> np.ndarray:
    """sum_j h1(w_i, q_j) for each i, h1(u,v) = |v| s/(2 pi |u|) (I - ub ub^T + n n^T)."""
    w_norm, q_norm, W_unit, Q_unit, cos_t, sin_t, _ = _pairs(W, Q)
    d = W.shape[1]
    coef = q_norm[None, :] * sin_t / (TWO_PI * w_norm[:, None])
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
    """Dense Hessian of F, shape (n*d, n*d), row index i*d + a (neuron i, coordinate a)."""
    n, d = W.shape
    _, _, W_unit, _, cos_t, sin_t, t = _pairs(W, W)
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
    orthogonal to every w_i and v_j (docs/mathematics.md, section "d > k")."""
    w_norm, _, _, _, _, s_ww, t_ww = _pairs(W, W)
    _, v_norm, _, _, _, s_wv, _ = _pairs(W, V)
    np.fill_diagonal(s_ww, 0.0)
    M = (np.pi - t_ww) / TWO_PI
    diag = 0.5 + ((s_ww * w_norm[None, :]).sum(1) - (s_wv * v_norm[None, :]).sum(1)) / (TWO_PI * w_norm)
    np.fill_diagonal(M, diag)
    return M
