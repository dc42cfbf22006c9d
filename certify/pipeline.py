"""search -> refine -> kernel.prove -> certificate object.

Everything here proposes: the centre, the radius, the claimed bounds.  A
certificate is returned only when kernel.prove has proved every claim, with
the very code the verifier runs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from flint import arb, ctx

from . import certificate, objective, refine
from .kernel import dyadic, geometry, prove
from .kernel.statement import EXTRA_CLAIM, Statement

DEFAULT_PREC = 128
LOSS_BITS = 64          # significant bits of the stated loss bounds
EIG_BITS = 24           # significant bits of the stated eigenvalue bounds
EIG_MARGIN = 2.0 ** -20  # relative gap between the float eigenvalue and the claim
SINGULAR_EIG = 1e-9     # |float eigenvalue| below this: the Hessian is treated as singular


class NotCertified(RuntimeError):
    """The pipeline could not produce a proved certificate; message says why."""


class ExtraDimensionsNotCertified(NotCertified):
    """Only the d > k part failed: the matrix M is not positive definite at the
    point, or its claim could not be proved; the point may still be certified
    for d' = d alone (certify_point_for_all_d falls back to that)."""


@dataclass
class Outcome:
    k: int
    n: int
    obj: dict
    results: list
    seconds: dict            # phase -> seconds


def eigen_claim(eigenvalues: np.ndarray) -> str:
    """A dyadic slightly below the float smallest eigenvalue (to be proved)."""
    lam = float(np.min(eigenvalues))
    return dyadic.round_arb(arb(lam - EIG_MARGIN * abs(lam) - 2.0 ** -40), EIG_BITS, "down")


def hessian_claims(Wf: np.ndarray, V: np.ndarray) -> tuple[str, dict]:
    """(kind, claims about the Hessian) as the float spectrum at Wf suggests:
    a local minimum if every eigenvalue is positive, else a saddle of that
    Morse index.  Raises NotCertified if an eigenvalue is (numerically) zero."""
    eigenvalues = np.linalg.eigvalsh(objective.hessian(Wf, V))
    if not np.all(np.isfinite(eigenvalues)):
        raise NotCertified("the float Hessian is not finite")
    smallest = float(np.min(np.abs(eigenvalues)))
    if smallest < SINGULAR_EIG:
        raise NotCertified(f"the Hessian is singular at the point (an eigenvalue is {smallest:.2g}); "
                           "a degenerate critical point cannot be certified")
    index = int(np.sum(eigenvalues < 0))
    if index == 0:
        return "local_minimum", {"hessian_min_eig_lower": eigen_claim(eigenvalues)}
    if index == eigenvalues.size:
        raise NotCertified("every Hessian eigenvalue is negative (a local maximum?)")
    return "saddle", {"morse_index": index, "hessian_min_abs_eig_lower": eigen_claim(np.abs(eigenvalues))}


def propose_statement(centre, V: np.ndarray, radius_exp: int, prec: int, d_max) -> Statement:
    """Statement with claims computed from the centre (loss on the box in arb,
    eigenvalues in floats; kind from the float Hessian).  Nothing is proved here."""
    n, d = len(centre), len(centre[0])
    centre_str = tuple(tuple(dyadic.format_dyadic(m, e) for m, e in row) for row in centre)
    teacher = certificate.teacher_strings(V)
    radius = dyadic.format_dyadic(1, radius_exp)
    draft = Statement(V.shape[0], n, d, d_max, teacher, centre_str, radius, prec, {})
    with ctx.workprec(prec):
        W, Va, _, _ = prove.box_balls(draft)
        F = geometry.loss(W, Va)
        loss_lower = dyadic.round_arb(F, LOSS_BITS, "down")
        loss_upper = dyadic.round_arb(F, LOSS_BITS, "up")
    Wf = np.array([[float(m) * 2.0 ** e for m, e in row] for row in centre])
    kind, claims = hessian_claims(Wf, V)
    claims.update(loss_lower=loss_lower, loss_upper=loss_upper)
    if d_max is None or d_max > d:
        extra = np.linalg.eigvalsh(objective.extra_dimension_block(Wf, V))
        if not float(np.min(extra)) > SINGULAR_EIG:
            raise ExtraDimensionsNotCertified(f"the extra-dimension matrix M has smallest eigenvalue {float(np.min(extra)):.3g} "
                               f"<= 0, so the point is not the same kind of critical point for d' > {d}; "
                               f"certify with d_max = d instead")
        claims[EXTRA_CLAIM] = eigen_claim(extra)
    return Statement(V.shape[0], n, d, d_max, teacher, centre_str, radius, prec, claims, kind)


def certify_point(W0: np.ndarray, V: np.ndarray, prec: int = DEFAULT_PREC, d_max=None,
                  info: dict | None = None) -> Outcome:
    """Refine W0, choose a box, state the claims and prove them with the kernel.
    Certifies a local minimum or a saddle (with its Morse index), whichever the
    float Hessian at the refined point indicates: Outcome.obj["kind"].  Raises
    NotCertified with the reason otherwise (Newton failed, singular Hessian,
    a proof failed).  A local minimum must have a proved loss > 0 (spurious).
    The box radius starts at 2^-(prec - 28) and grows by 2^16 while Krawczyk fails."""
    k, (n, d) = V.shape[0], W0.shape
    seconds = {}
    t0 = time.perf_counter()
    try:
        centre = refine.newton(W0, V, prec)
    except refine.RefineError as err:
        raise NotCertified(f"refine: {err}") from None
    seconds["refine"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for radius_exp in range(-(prec - 28), 0, 16):
        statement = propose_statement(centre, V, radius_exp, prec, d_max)
        results = prove.prove(statement)
        failed = [r for r in results if not r.proved]
        if not failed:
            break
        if [r.claim for r in failed] != ["critical"]:
            reason = "; ".join(f"{r.claim}: {r.detail}" for r in failed)
            if {r.claim for r in failed} - {"critical"} == {"extra_dims"}:
                raise ExtraDimensionsNotCertified(reason)
            if statement.kind == "local_minimum" and "loss" in [r.claim for r in failed]:
                reason += " (a local minimum needs a proved loss > 0; a global minimum has loss 0)"
            raise NotCertified(reason)
    else:
        raise NotCertified("Krawczyk failed for every radius tried")
    seconds["prove"] = time.perf_counter() - t0
    return Outcome(k, n, certificate.to_object(statement, info), results, seconds)


def certify_point_for_all_d(W0: np.ndarray, V: np.ndarray, prec: int = DEFAULT_PREC,
                            info: dict | None = None) -> tuple[Outcome, str | None]:
    """(outcome, note): certify_point valid for every input dimension d' >= d;
    if only the d > k part fails, valid for d' = d alone, with the reason in note."""
    try:
        return certify_point(W0, V, prec, None, info), None
    except ExtraDimensionsNotCertified as err:
        return certify_point(W0, V, prec, W0.shape[1], info), str(err)


def certify_k(k: int, prec: int = DEFAULT_PREC) -> Outcome:
    """The lowest-loss spurious minimum for n = k = d, certified for every d >= k."""
    t0 = time.perf_counter()
    from . import search
    W0 = search.lowest_spurious_minimum(k)
    t_search = time.perf_counter() - t0
    V = objective.identity_teacher(k, k)
    outcome = certify_point(W0, V, prec, d_max=None,
                            info={"found_by": "symmetric ansatz S1 x S%d, float Newton" % (k - 1),
                                  "symmetry": f"S1xS{k - 1}"})
    outcome.seconds = {"search": t_search, **outcome.seconds}
    return outcome
