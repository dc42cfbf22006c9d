"""The (n d) x (n d) Hessian of F on a dense box, as an enclosure: one formula, two number types.

Assembled from the arb pair scalars of kernel.dense.geometry and evaluated either
  on fastfloat.Enc   float mid-rad arrays with the a-priori bounds of Lemmas A, P, G
                     of docs/fast-checks.md, then symmetrised (Lemma S): the FAST
                     enclosure (sound under the floating-point model, kernel.fpenv);
  on ballarray.Balls arrays of arb balls: the ARB enclosure (no floating-point
                     assumption), used by the arb tests.
Either result contains H(W) for every W in the box.
"""
from __future__ import annotations

import numpy as np
from flint import arb

from ..fastfloat import Enc


def hessian_enclosure(geo, array=Enc):
    """The (n d) x (n d) Hessian on the box as an `array` (Enc or ballarray.Balls), from a
    kernel.dense.geometry.Geometry (formulas in its module doc); an Enc is symmetrised."""
    n, d, k = len(geo.U), len(geo.U[0]), len(geo.Vh)

    def lift(rows, shape):
        return array.from_arbs([x for row in rows for x in row], shape)

    Um, Vh = lift(geo.U, (n, d)), lift(geo.Vh, (k, d))
    alpha, beta, gamma = lift(geo.alpha, (n, n)), lift(geo.beta, (n, n)), lift(geo.gamma, (n, n))
    K, KC = lift(geo.K, (n, n)), lift(geo.KC, (n, n))
    T, TC = lift(geo.T, (n, k)), lift(geo.TC, (n, k))
    half = arb(1) / 2
    a = array.from_arbs([half + s for s in geo.S], (n,))
    b = array.from_arbs([sg - s for sg, s in zip(geo.sigma, geo.S)], (n,))
    # off-diagonal blocks, as an (n, d, n, d) array [i, a, j, b]:
    # H_ij = u_i Y_ij^T + u_j Y_ji^T + alpha_ij I,  Y_ij = beta_ij u_j - gamma_ij u_i
    Y = beta[:, :, None] * Um[None, :, :] - gamma[:, :, None] * Um[:, None, :]
    T1 = Um[:, :, None, None] * Y[:, None, :, :]                 # u_ia Y_ij,b
    H = T1 + T1.transpose(2, 1, 0, 3)                            # + u_ja Y_ji,b
    ar = np.arange(d)
    H.assign((slice(None), ar, slice(None), ar), H[:, ar, :, ar] + alpha[None, :, :])   # [a, i, j]
    Q = Um[:, :, None] * Um[:, None, :]                          # Q[i, a, b] = u_ia u_ib
    # diagonal blocks (n, d, d)
    p = KC @ Um + TC @ Vh
    Vq = (Vh[:, :, None] * Vh[:, None, :]).reshape(k, d * d)
    up_ = Um[:, :, None] * p[:, None, :]                         # u_ia p_ib
    D = (a.times_identity(d) + b[:, None, None] * Q - (up_ + up_.transpose(0, 2, 1))
         + (K @ Q.reshape(n, d * d)).reshape(n, d, d) + (T @ Vq).reshape(n, d, d))
    idx = np.arange(n)
    H.assign((idx, slice(None), idx, slice(None)), H[idx, :, idx, :] + D)
    return H.reshape(n * d, n * d).symmetrised()
