"""Producer of transition certificates (UNTRUSTED): k* where the (q, k - q) family turns
from a saddle into a minimum.

    certify_transition(q, k_lo, k_hi)   -> Outcome: a certificate accepted by verify_bytes
    run_transition(argv)                the `transition` command line (exit 0 / 1 / 2)

The float k* is the zero of the smallest eigenvalue of the std block of the big block along
the branch (bisection).  Pieces: "negative" from k_lo up to the crossing piece
[k* - width, k* + width], "positive" from there to k_hi.  The crossing piece gets a high
Taylor order, tiny radii and a high precision, so that the remainder eps of its Taylor model
is tiny; the interval [s_lo*, s_hi*] around the root of d = det M_poly is as narrow as the
kernel's margin eps Lam^4 / |d'| allows (docs/families.md section 8).
"""
from __future__ import annotations

import math

import numpy as np
from flint import arb, ctx

from ..kernel import dyadic
from ..kernel.family import method as kfamily
from ..kernel.family import transition as ktransition
from ..kernel.family.model import horner
from ..kernel.format import FORMAT, VERSION
from . import branch
from .produce import accepted, software_record
from .exact import round_arb
from .family import (NotCertified, dyadic_near, exact_centre_at, exact_of, prove_candidate, s_of,
                     start_theta)

RANGES = {1: (5.0, 6.0), 2: (7.0, 8.0)}      # integer saddle below, integer minimum above
SIDE_PREC = 256
CROSSING_PREC = 256
CROSSING_ORDER = 24
CROSSING_WIDTH = 0.05                         # half-width in k of the crossing piece
SIDE_RATIO = 0.07
MAX_WIDTH = 1e-21                             # target width of the k* enclosure


def std_eigenvalue(q: int, k: float, theta) -> float:
    """Smallest eigenvalue of the (orthonormalised) std block of the big block."""
    return float(np.linalg.eigvalsh(branch.block_matrices(q, k, theta)[ktransition.CROSSING])[0])


def float_k_star(q: int, k_lo: float, k_hi: float, theta_hi) -> tuple:
    """(k*, theta(k*)) by bisection on the sign of the std eigenvalue along the branch."""
    a, b = k_lo, k_hi
    ta, tb = branch.continue_to(q, k_hi, theta_hi, k_lo), np.array(theta_hi)
    if not (std_eigenvalue(q, a, ta) < 0 < std_eigenvalue(q, b, tb)):
        raise NotCertified(f"the std block does not change sign between k = {k_lo} and {k_hi}")
    for _ in range(60):
        m = (a + b) / 2
        tm = branch.newton(q, m, (ta + tb) / 2)
        if std_eigenvalue(q, m, tm) < 0:
            a, ta = m, tm
        else:
            b, tb = m, tm
    return (a + b) / 2, (ta + tb) / 2


def negative_check(q, piece, models, index):
    failures = kfamily.test_splits(q, piece, models, index, skip=(ktransition.CROSSING,))
    failures["std_index"] = ktransition._std_state(q, piece, models, "negative", None, None)
    return failures


def positive_check(q, piece, models, index):
    failures = kfamily.test_splits(q, piece, models, index, skip=(ktransition.CROSSING,))
    failures["std_index"] = ktransition._std_state(q, piece, models, "positive", None, None)
    return failures


def choose_crossing(q: int, piece, models) -> tuple:
    """(star, margin) for a crossing piece: mu between the small and the second eigenvalue of
    the scaled block, [s_lo*, s_hi*] around the root of d = det M_poly with half-width
    4 eps Lam^4 / |d'|."""
    P = ktransition.crossing_polynomials(piece, models[ktransition.CROSSING])
    s_mid, h, _ = piece.balls()
    hf = float(h.mid())
    coeffs = [np.array([[float(C[i, j].mid()) for j in range(C.ncols())] for i in range(C.nrows())])
              for C in P["coeffs"]]
    small, second = 0.0, np.inf
    for t in np.linspace(-hf, hf, 41):
        M = sum(C * t ** n for n, C in enumerate(coeffs))
        ev = np.linalg.eigvalsh(M)
        small, second = max(small, abs(ev[0])), min(second, ev[1])
    mu = math.sqrt(max(small, float(P["eps"].mid()) * 10) * second)
    if not small < mu < second:
        raise NotCertified(f"no margin between the small ({small:.3g}) and second ({second:.3g}) eigenvalue")
    # root of d by Newton on the midpoint polynomial (arb midpoints at high precision)
    d = [c.mid() for c in P["d"]]
    dd = [c.mid() for c in P["dd"]]
    t = arb(0)
    for _ in range(200):
        step = horner(d, t) / horner(dd, t)
        t = (t - step).mid()
        if abs(float(step.mid())) < 1e-80:
            break
    threshold = P["eps"] * P["lam"] ** (P["size"] - 1)
    delta = 2 * threshold / abs(horner(dd, t)) * (1 + arb(2) ** -20)
    bits = ctx.prec
    lo = round_arb(s_mid + t - delta, bits, "down")
    hi = round_arb(s_mid + t + delta, bits, "up")
    return (lo, hi), dyadic_near(mu, 30)


def certify_transition(q: int, k_lo: float | None = None, k_hi: float | None = None, log=None):
    k_lo, k_hi = (k_lo, k_hi) if k_lo is not None else RANGES[q]
    theta_hi = start_theta(q, k_hi)
    k_star, _ = float_k_star(q, k_lo, k_hi, theta_hi)
    if log:
        log(f"float k* = {k_star:.15g}")
    a, b = k_star - CROSSING_WIDTH, k_star + CROSSING_WIDTH
    s_cross_hi, s_cross_lo = exact_of(dyadic_near(s_of(a))), exact_of(dyadic_near(s_of(b)))
    pieces, states, previous = [], [], None
    s = exact_of(dyadic_near(s_of(k_lo) * (1 + 1e-12)))
    theta = branch.continue_to(q, k_hi, theta_hi, float(1 / (s * s)))
    star = margin = None

    def add(found, state, s_next, theta_mid):
        nonlocal previous, theta, s
        pieces.append(found)
        states.append(state)
        previous = (exact_centre_at(found, s_next), [exact_of(w) for w in found.radius])
        k_next = float(1 / (s_next * s_next))
        theta = branch.newton(q, k_next, theta_mid)
        s = s_next
        if log:
            log(f"piece {len(pieces) - 1} ({state}): k up to {k_next:.10g}")

    for target, state in ((s_cross_hi, "negative"), (s_cross_lo, "crossing"),
                          (exact_of(dyadic_near(s_of(k_hi) * (1 - 1e-12))), "positive")):
        step = SIDE_RATIO
        while s > target:
            k_here = float(1 / (s * s))
            while True:
                s_next = target if state == "crossing" else max(exact_of(dyadic_near(s_of(k_here * (1 + step)))), target)
                s_mid = (s + s_next) / 2
                theta_mid = branch.continue_to(q, k_here, theta, float(1 / (s_mid * s_mid)), 16)
                if state == "crossing":
                    found, star, margin = crossing_piece(q, s_next, s, theta_mid, previous, len(pieces), log)
                else:
                    check = negative_check if state == "negative" else positive_check
                    found = prove_candidate(q, s_next, s, theta_mid, SIDE_PREC, 12, previous, len(pieces),
                                            log, check=check, splits=(16, 64, 256))
                if found is not None:
                    break
                if state == "crossing":
                    raise NotCertified("the crossing piece could not be proved")
                step /= 2
                if step < 1e-5:
                    raise NotCertified(f"no {state} piece could be proved at k = {k_here:.8g}")
            add(found, state, s_next, theta_mid)
            step = min(SIDE_RATIO, step * 2)
    prec = max(SIDE_PREC, CROSSING_PREC)
    obj = to_object(q, pieces, states, star, margin, prec)
    return accepted(obj)


def crossing_piece(q, s_lo, s_hi, theta_mid, previous, index, log):
    """The crossing piece with its star interval and margin (or (None, None, None))."""
    for factor in (1e-26, 1e-28, 1e-30):
        def check(q_, piece, models, idx):
            failures = kfamily.test_splits(q_, piece, models, idx, skip=(ktransition.CROSSING,))
            try:
                star, margin = choose_crossing(q_, piece, models)
            except (NotCertified, ArithmeticError, ZeroDivisionError) as err:
                failures["std_index"] = str(err)
                return failures
            found_star[:] = [star, margin]
            lo, hi = (exact_of(x) for x in star)
            if 1 / (lo * lo) - 1 / (hi * hi) > MAX_WIDTH:
                failures["std_index"] = f"k* interval wider than {MAX_WIDTH:g}"
                return failures
            failures["std_index"] = ktransition.prove_crossing(q_, piece, models, star, dyadic.to_arb(margin))
            return failures
        found_star = []
        piece = prove_candidate(q, s_lo, s_hi, theta_mid, CROSSING_PREC, CROSSING_ORDER, previous, index,
                                log, check=check, factors=(factor,), splits=(64, 256))
        if piece is not None:
            return piece, found_star[0], found_star[1]
    return None, None, None


def to_object(q, pieces, states, star, margin, prec) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "kind": "transition", "method": "transition",
        "blocks": [q, f"k-{q}"], "teacher": "identity", "d_max": None, "prec": prec,
        "pieces": [{"s": [p.s_lo, p.s_hi], "order": p.order, "splits": p.splits,
                    "centre": [list(row) for row in p.centre], "radius": list(p.radius), "std": state}
                   for p, state in zip(pieces, states)],
        "crossing": {"s": list(star), "margin": margin},
        "software": software_record(),
    }
