"""The judge of the mutation fuzzer: is a (mutated) dense certificate a TRUE theorem?

Answers 'false' only with a witness, 'true' only with a sufficient condition, and
'undecided' otherwise (the fuzzer then fails: extend the judge).  Built on the
mpmath closed forms (oracle.formulas) and the strict format reading (oracle.fmt);
the float Hessian of certify.producer.objective (an implementation separate from
the kernel's) only estimates margins that are then required to be huge.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from certify.producer import objective

from .fmt import format_problem
from .formulas import DPS, mp, mp_gradient, mp_loss
from .numbers import frac


class Reference:
    """Independent facts about an accepted certificate, used to judge mutations.

    delta  bound on |W* - c|_inf: 4 x the Newton step H(c)^-1 grad F(c) (mpmath
           gradient, float Hessian).  By Newton-Kantorovich |W* - c| <= 2|step|
           once the step is tiny compared with the curvature scale (here the
           step is ~1e-31, the scale ~1e-2).
    F0     F(c) to 60 digits; lam, lam_x: float lambda_min of H(c) and M(c).
    """

    def __init__(self, obj: dict):
        self.obj = obj
        self.V = [[frac(x) for x in row] for row in obj["teacher"]]
        self.c = [[frac(x) for x in row] for row in obj["box"]["centre"]]
        self.r = frac(obj["box"]["radius"])
        with mpmath.workdps(DPS):
            self.F0 = mp_loss(self.c, self.V)
        g0 = np.array([float(x) for x in mp_gradient(self.c, self.V)])
        Wf, Vf = np.array(self.c, dtype=float), np.array(self.V, dtype=float)
        H = objective.hessian(Wf, Vf)
        self.delta = 4 * float(np.max(np.abs(np.linalg.solve(H, g0))))
        self.lam = float(np.linalg.eigvalsh(H)[0])
        self.lam_x = float(np.linalg.eigvalsh(objective.extra_dimension_block(Wf, Vf))[0])


def _smooth_enough(Wf: np.ndarray, Vf: np.ndarray, tol: float = 1e-3) -> bool:
    P = np.vstack([Wf, Vf])
    norms = np.linalg.norm(P, axis=1)
    if norms.min() < tol:
        return False
    U = P / norms[:, None]
    C = np.abs(U @ U.T) - np.eye(len(P))
    return float(C.max()) < 1 - tol


def exactly_degenerate(c, V) -> str | None:
    """A zero row of c, or two exactly parallel / antiparallel rows among c and V."""
    rows = [("w", i, r) for i, r in enumerate(c)] + [("v", j, r) for j, r in enumerate(V)]
    sq = [sum(x * x for x in r) for _, _, r in rows]
    for a, (na, ia, ra) in enumerate(rows):
        if sq[a] == 0:
            return f"{na}_{ia} = 0"
        for b in range(a):
            dot = sum(x * y for x, y in zip(ra, rows[b][2]))
            if dot * dot == sq[a] * sq[b]:
                return f"{na}_{ia} parallel to {rows[b][0]}_{rows[b][1]}"
    return None


def judge(ref: Reference, obj: dict) -> tuple[str, str]:
    """See _judge; every mpmath comparison runs at DPS digits."""
    with mpmath.workdps(DPS):
        return _judge(ref, obj)


def _judge(ref: Reference, obj: dict) -> tuple[str, str]:
    """('false' | 'true' | 'undecided', reason) for a mutated certificate object.

    'false' needs a witness: a violation of docs/format.md; or a point of the box
    where F, lambda_min(H) or lambda_min(M) contradicts a claim by a wide margin;
    or |grad_i F(c')| > 2 r' sum_j |H_ij(c')| (mean value theorem: no zero of
    grad F in a box this small, whose Hessian is within 2x of H(c')).
    'true' needs: the box still contains W* (|c' - c| + delta <= r') and is so
    small (|c' - c| + r' <= 2^-60) that every claim, which keeps a wide margin
    to the values at W*, holds on all of it.  Anything else is 'undecided'."""
    problem = format_problem(obj)
    if problem:
        return "false", f"malformed: {problem}"
    if obj["kind"] != "local_minimum":
        return "undecided", "saddle statements are judged in tests/test_refuse_false_claims.py"
    same_shape = all(obj[key] == ref.obj[key] for key in ("k", "n", "d"))
    V = [[frac(x) for x in row] for row in obj["teacher"]]
    c = [[frac(x) for x in row] for row in obj["box"]["centre"]]
    r = frac(obj["box"]["radius"])
    claims = {key: frac(v) for key, v in obj["claims"].items()}
    bad_pair = exactly_degenerate(c, V)
    if bad_pair:
        return "false", f"the box centre is not in the smooth set U: {bad_pair}"
    Wf, Vf = np.array(c, dtype=float), np.array(V, dtype=float)
    smooth = _smooth_enough(Wf, Vf)
    # witnesses of falsity, at points of the box
    if smooth:
        H = objective.hessian(Wf, Vf)
        lam = float(np.linalg.eigvalsh(H)[0])
        tol = 1e-9 * max(1.0, float(np.abs(H).max()))
        if claims["hessian_min_eig_lower"] > lam + tol:
            return "false", f"lambda_min(H(c')) = {lam:.6g} < hessian claim"
        if "extra_min_eig_lower" in claims:
            M = objective.extra_dimension_block(Wf, Vf)
            lam_x = float(np.linalg.eigvalsh(M)[0])
            if claims["extra_min_eig_lower"] > lam_x + 1e-9 * max(1.0, float(np.abs(M).max())):
                return "false", f"lambda_min(M(c')) = {lam_x:.6g} < extra claim"
        if r <= Fraction(1, 10 ** 12):
            g = mp_gradient(c, V)
            rows = np.abs(H).sum(axis=1)
            for i, gi in enumerate(g):
                if abs(gi) > 2 * mp(r) * rows[i] + mpmath.mpf(10) ** -50:
                    return "false", f"no zero of grad F in the box (|g_{i}(c')| = {float(abs(gi)):.3g})"
    points = [c]
    for sign in (1, -1):
        rng = np.random.default_rng(0)
        for _ in range(2):
            pattern = rng.choice([-1, 1], size=Wf.shape)
            points.append([[x + sign * int(p) * r for x, p in zip(row, prow)]
                           for row, prow in zip(c, pattern)])
    if smooth:
        q = np.linalg.eigh(objective.hessian(Wf, Vf))[1][:, -1].reshape(Wf.shape)
        points.append([[x + (r if p >= 0 else -r) for x, p in zip(row, prow)]
                       for row, prow in zip(c, q)])
    tol = mpmath.mpf(10) ** -45
    for p in points:
        try:
            F = mp_loss(p, V)
        except (ZeroDivisionError, ValueError):
            continue
        if F < mp(claims["loss_lower"]) - tol or F > mp(claims["loss_upper"]) + tol:
            return "false", f"F = {mpmath.nstr(F, 15)} at a point of the box, outside the claimed bounds"
    # sufficient condition for truth.  The dimension range may only shrink: from
    # null (every d' >= d) to any d_max >= d (the extra claim then covers less or,
    # for d_max = d, is absent and not needed).
    d_max, ref_d_max = obj["d_max"], ref.obj["d_max"]
    dims_weaker = d_max == ref_d_max or (ref_d_max is None) or (d_max is not None and d_max <= ref_d_max)
    if not same_shape or V != ref.V or not dims_weaker:
        return "undecided", "different problem"
    shift = max(abs(a - b) for ra, rb in zip(c, ref.c) for a, b in zip(ra, rb))
    if not (float(shift) + ref.delta <= float(r) and float(shift + r) <= 2.0 ** -60):
        return "undecided", "box not provably around W* / too large"
    margin = mpmath.mpf(10) ** -30
    ok = (mp(claims["loss_lower"]) <= ref.F0 - margin and mp(claims["loss_upper"]) >= ref.F0 + margin
          and float(claims["hessian_min_eig_lower"]) <= ref.lam - 1e-9)
    if "extra_min_eig_lower" in claims:
        ok = ok and float(claims["extra_min_eig_lower"]) <= ref.lam_x - 1e-9
    if ok:
        return "true", "box contains W*, every claim is weaker than the truth by a wide margin"
    return "undecided", "claims too close to the true values"
