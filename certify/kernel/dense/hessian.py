"""The (n d) x (n d) Hessian of F on a dense box, as a float enclosure (kernel.fastfloat).

Assembled from the arb pair scalars of kernel.dense.geometry with Lemmas A, P, G
of docs/fast-checks.md ("The Hessian enclosure"), then symmetrised (Lemma S):
the result contains H(W) for every W in the box.  This is the kernel's only
dense Hessian: the arb fallback tests run on the same set (Enc.to_arb_mat).
"""
from __future__ import annotations

import numpy as np
from flint import arb

from ..fastfloat import Enc, require_finite, symmetrised


def hessian_enclosure(geo) -> Enc:
    """The (n d) x (n d) Hessian on the box as an Enc, from a kernel.dense.geometry.Geometry
    (formulas in its module doc), assembled with Lemmas A, P, G; symmetrised."""
    n, d, k = len(geo.U), len(geo.U[0]), len(geo.Vh)

    def enc(rows, shape):
        return Enc.from_arbs([x for row in rows for x in row], shape)

    Um, Vh = enc(geo.U, (n, d)), enc(geo.Vh, (k, d))
    alpha, beta, gamma = enc(geo.alpha, (n, n)), enc(geo.beta, (n, n)), enc(geo.gamma, (n, n))
    K, KC = enc(geo.K, (n, n)), enc(geo.KC, (n, n))
    T, TC = enc(geo.T, (n, k)), enc(geo.TC, (n, k))
    half = arb(1) / 2
    a = Enc.from_arbs([half + s for s in geo.S], (n,))
    b = Enc.from_arbs([sg - s for sg, s in zip(geo.sigma, geo.S)], (n,))
    # off-diagonal blocks, as an (n, d, n, d) array [i, a, j, b]:
    # H_ij = u_i Y_ij^T + u_j Y_ji^T + alpha_ij I,  Y_ij = beta_ij u_j - gamma_ij u_i
    Y = beta[:, :, None] * Um[None, :, :] - gamma[:, :, None] * Um[:, None, :]
    T1 = Um[:, :, None, None] * Y[:, None, :, :]                 # u_ia Y_ij,b
    H = T1 + T1.transpose(2, 1, 0, 3)                            # + u_ja Y_ji,b
    ar = np.arange(d)
    on_diag = H[:, ar, :, ar] + alpha[None, :, :]                # entries a = b: [a, i, j]
    H.mid[:, ar, :, ar] = on_diag.mid
    H.rad[:, ar, :, ar] = on_diag.rad
    Q = Um[:, :, None] * Um[:, None, :]                          # Q[i, a, b] = u_ia u_ib
    eye = np.eye(d)
    # diagonal blocks (n, d, d)
    p = KC @ Um + TC @ Vh
    Vq = (Vh[:, :, None] * Vh[:, None, :]).reshape(k, d * d)
    up_ = Um[:, :, None] * p[:, None, :]                         # u_ia p_ib
    D = (Enc(a.mid[:, None, None] * eye, a.rad[:, None, None] * eye)
         + b[:, None, None] * Q - (up_ + up_.transpose(0, 2, 1))
         + (K @ Q.reshape(n, d * d)).reshape(n, d, d) + (T @ Vq).reshape(n, d, d))
    idx = np.arange(n)
    blocks = H[idx, :, idx, :] + D
    H.mid[idx, :, idx, :] = blocks.mid
    H.rad[idx, :, idx, :] = blocks.rad
    H = H.reshape(n * d, n * d)
    require_finite(H.mid, H.rad)
    return symmetrised(H)
