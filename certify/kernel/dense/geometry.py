"""F, grad F, the d > k block M, and the pair scalars the Hessian is made of, in arb.

The kernel's one arb definition of the mathematics of docs/mathematics.md
(the Hessian itself is assembled from these scalars by
kernel.dense.hessian).  The O(n d) and O(n^2) scalars are computed in
arb and nothing of size (n d)^2 is:

    U      unit rows u_i = w_i/|w_i|;  Vh: unit teacher rows vh_j = v_j/|v_j|
    c, s, t   cos, sin and angle of (w_i, w_j) (i != j);  c', s', t' of (w_i, v_j)
    alpha_ij = (pi - t_ij)/(2 pi)          beta_ij = 1/(2 pi s_ij)      gamma_ij = c_ij beta_ij
    K_ij = |w_j| / (2 pi |w_i| s_ij)       T_ij = -|v_j| / (2 pi |w_i| s'_ij)
    KC = K c,  TC = T c'     (elementwise)
    S_i = sum_{j!=i} |w_j| s_ij/(2 pi |w_i|) - sum_j |v_j| s'_ij/(2 pi |w_i|)
    sigma_i = sum_{j!=i} KC_ij c_ij + sum_j TC_ij c'_ij
(alpha, beta, gamma, K, KC are 0 on the diagonal i = j.)

In these terms (expand n = (vh - c u)/s, m = (u - c vh)/s in the blocks h1, h2 of
docs/mathematics.md section 3):
    H_ij = alpha_ij I + beta_ij (u_i u_j^T + u_j u_i^T) - gamma_ij (u_i u_i^T + u_j u_j^T),  i != j
    H_ii = (1/2 + S_i) I + (sigma_i - S_i) u_i u_i^T - (u_i p_i^T + p_i u_i^T)
           + sum_{j!=i} K_ij u_j u_j^T + sum_j T_ij vh_j vh_j^T,
           p_i = sum_{j!=i} KC_ij u_j + sum_j TC_ij vh_j
    M_ij = alpha_ij (i != j),  M_ii = 1/2 + S_i          (the d > k block)
and for F and its gradient (docs/mathematics.md sections 1-2, summed over pairs):
    f(u, v) = (r + (pi - t) q)/(2 pi) (kernel.pair),   F = 1/2 sum_i |w_i|^2/2 + sum_{i<j} f(w_i, w_j)
              - sum_{i,j} f(w_i, v_j) + 1/2 sum_i |v_i|^2/2 + sum_{i<j} f(v_i, v_j)
    grad_{w_i} F = (1/2 + S_i) w_i + sum_{j!=i} alpha_ij w_j - sum_j alpha'_ij v_j,
    i.e. grad F = M W - A' V  with A'_ij = (pi - t'_ij)/(2 pi)
(the sum of sign |q| s/(2 pi) u_i over the pairs is S_i w_i).
Every ball encloses its exact value for every W in the input balls; NotSmooth
is raised unless every |w_i| > 0 and every sin > 0 is proved.
"""
from __future__ import annotations

from flint import arb, arb_mat

from ..pair import NotSmooth, f, sin_angle


def norm(u):
    """|u| as a ball; raises NotSmooth unless |u| > 0 is proved."""
    r = sum((x * x for x in u), arb(0)).sqrt()
    if not r > 0:
        raise NotSmooth("a neuron may be the zero vector in the box")
    return r


class Geometry:
    """All pair scalars of (W, V) at the working precision (see module doc)."""

    def __init__(self, W, V, hessian: bool = True):
        """hessian=False: only norms, U, Vh, alpha, alpha_teacher, S, f_ww, f_wv
        (what F and grad F need); the other tables stay 0."""
        n, k = len(W), len(V)
        pi = arb.pi()
        inv2pi = 1 / (2 * pi)
        self.w_norms = [norm(w) for w in W]
        self.v_norms = [norm(v) for v in V]
        self.U = [[x / r for x in w] for w, r in zip(W, self.w_norms)]
        self.Vh = [[x / r for x in v] for v, r in zip(V, self.v_norms)]
        Um, Vm = arb_mat(self.U), arb_mat(self.Vh)
        Cww = Um * Um.transpose()
        Cwv = Um * Vm.transpose()
        zero = arb(0)
        self.alpha = [[zero] * n for _ in range(n)]
        self.beta = [[zero] * n for _ in range(n)]
        self.gamma = [[zero] * n for _ in range(n)]
        self.K = [[zero] * n for _ in range(n)]
        self.KC = [[zero] * n for _ in range(n)]
        self.T = [[zero] * k for _ in range(n)]
        self.TC = [[zero] * k for _ in range(n)]
        self.S = [zero] * n
        self.sigma = [zero] * n
        self.alpha_teacher = [[zero] * k for _ in range(n)]   # (pi - t'_ij)/(2 pi)
        self.f_ww = zero          # sum_{i<j} f(w_i, w_j)
        self.f_wv = zero          # sum_{i,j} f(w_i, v_j)
        for i in range(n):
            ni = self.w_norms[i]
            for j in range(i + 1, n):
                c = Cww[i, j]
                s, t = sin_angle(c)
                a = (pi - t) * inv2pi
                self.alpha[i][j] = self.alpha[j][i] = a
                nj = self.w_norms[j]
                self.f_ww += f(ni * nj * s, ni * nj * c, t)
                ratio = nj / ni                       # |w_j| / |w_i|
                s_pi = s * inv2pi
                self.S[i] += ratio * s_pi
                self.S[j] += s_pi / ratio
                if hessian:
                    b = inv2pi / s
                    self.beta[i][j] = self.beta[j][i] = b
                    self.gamma[i][j] = self.gamma[j][i] = c * b
                    self.K[i][j] = Kij = b * ratio
                    self.K[j][i] = Kji = b / ratio
                    self.KC[i][j] = KCij = Kij * c
                    self.KC[j][i] = KCji = Kji * c
                    self.sigma[i] += KCij * c
                    self.sigma[j] += KCji * c
            for j in range(k):
                c = Cwv[i, j]
                s, t = sin_angle(c)
                self.alpha_teacher[i][j] = (pi - t) * inv2pi
                nv = self.v_norms[j]
                self.f_wv += f(ni * nv * s, ni * nv * c, t)
                ratio = nv / ni                       # |v_j| / |w_i|
                self.S[i] -= ratio * s * inv2pi
                if hessian:
                    self.T[i][j] = Tij = -ratio * inv2pi / s
                    self.TC[i][j] = TCij = Tij * c
                    self.sigma[i] += TCij * c

    def extra_dimension_block(self) -> arb_mat:
        """M: M_ij = alpha_ij (i != j), M_ii = 1/2 + S_i (the d > k block)."""
        n = len(self.S)
        M = arb_mat(self.alpha)
        half = arb(1) / 2
        for i in range(n):
            M[i, i] = half + self.S[i]
        return M


def pair_sum(P) -> arb:
    """sum_{i<j} f(p_i, p_j) over the rows of P (NotSmooth as above)."""
    norms = [norm(p) for p in P]
    units = arb_mat([[x / r for x in p] for p, r in zip(P, norms)])
    C = units * units.transpose()
    total = arb(0)
    for i in range(len(P)):
        for j in range(i + 1, len(P)):
            s, t = sin_angle(C[i, j])
            nn = norms[i] * norms[j]
            total += f(nn * s, nn * C[i, j], t)
    return total


def loss(W, V) -> arb:
    """F(W) on the balls W, see the module doc."""
    return loss_of(Geometry(W, V, hessian=False), V)


def loss_of(geo: Geometry, V) -> arb:
    """F on the balls of which geo is the pair geometry (teacher rows V)."""
    squares = sum((r * r for r in geo.w_norms + geo.v_norms), arb(0)) / 4
    return squares + geo.f_ww - geo.f_wv + pair_sum(V)


def gradient(W, V) -> list:
    """grad F on the balls W: n rows of d balls, grad F = M W - A' V."""
    geo = Geometry(W, V, hessian=False)
    G = geo.extra_dimension_block() * arb_mat(W) - arb_mat(geo.alpha_teacher) * arb_mat(V)
    return [[G[i, a] for a in range(G.ncols())] for i in range(G.nrows())]
