"""Producer of family certificates (UNTRUSTED): the (q, k - q) branch over a range of real k.

    certify_family(q, k_lo, k_hi)    -> Outcome: a certificate accepted by verify_bytes
    run_family(argv)                 the `family` command line (exit 0 / 1 / 2)

Pieces are intervals in s = k^-1/2 whose width grows with k (ratio k_hi / k_lo of a piece
about 1 + RATIO); each gets the Taylor polynomial of the branch at its midpoint (series
Newton, kernel formulas at a high working precision), radii proportional to the natural
scale 1/sqrt|H_ii| of each coordinate, and is proved with the kernel's own piece prover;
a piece that fails is retried with other radii, then split in two.  At each junction the
next box is shrunk to lie inside the previous one (kernel claim `chain`).  The result is
returned only if certify.kernel.verify.verify_bytes accepts its canonical bytes.
"""
from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
from flint import arb, ctx

from ..kernel import dyadic
from ..kernel.family import method as kfamily
from ..kernel.family.model import Piece
from ..kernel.format import FORMAT, VERSION
from . import NotCertified, branch
from .produce import accepted, software_record
from ..kernel.reduced.series import length_at_least
from .exact import format_dyadic, round_arb

DEFAULT_PREC = 256
RATIO = 0.07              # target k_hi / k_lo - 1 of a piece
ORDER = 12
SPLIT_CHOICES = (8, 16, 32, 64)
RADIUS_FACTORS = (1e-6, 1e-8, 1e-10, 1e-12, 1e-14, 1e-16, 1e-18, 1e-20)




def dyadic_near(x: float, bits: int = 40) -> str:
    """A short dyadic close to x (used for interval ends)."""
    m, e = math.frexp(x)
    return format_dyadic(int(round(m * 2 ** bits)), e - bits)


def s_of(k: float) -> float:
    return 1 / math.sqrt(k)


def centre_strings(centre, bits: int, radius=None, half_width: float | None = None) -> tuple:
    """Dyadic strings of the Taylor coefficients: rounded to `bits` significant bits, or, when the
    radii are given, to an absolute error 2^-40 min(radius) / h^n for coefficient n (so that the
    rounding moves the centre by far less than the box, and the certificate stays small)."""
    if radius is None:
        return tuple(tuple(round_arb(arb(c), bits, "down") for c in row) for row in centre)
    tiny = min(float(w) for w in radius) * 2.0 ** -40
    out = []
    for row in centre:
        strings = []
        for n, c in enumerate(row):
            e = -math.floor(math.log2(tiny / max(half_width, 1e-300) ** n))   # keep multiples of 2^-e
            m, x = arb(c).mid().man_exp() if arb(c).mid() != 0 else (0, 0)
            value = Fraction(int(m)) * Fraction(2) ** int(x)
            strings.append(format_dyadic(round(value * 2 ** e), -e))
        out.append(tuple(strings))
    return tuple(out)


def start_theta(q: int, k: float) -> np.ndarray:
    """A point of the branch at k: the spurious minimum found at k0 = 8 (q = 1) or 9 (q = 2),
    continued in k."""
    k0 = 8.0 if q == 1 else 9.0
    theta = branch.minimum(q, k0)
    return branch.continue_to(q, k0, theta, k) if k != k0 else theta


def build_piece(q: int, s_lo: str, s_hi: str, centre: tuple, theta_mid: np.ndarray, k_mid: float,
                order: int, splits: int, factor: float, inside=None) -> Piece:
    """A piece with the given Taylor centre and radii factor * 1/sqrt|H_ii| (shrunk to fit inside
    the box `inside` = (centre, radii) at s_hi when given)."""
    scales = branch.hessian_scales(q, k_mid, theta_mid) * factor
    radius = [shorten_down(Fraction(float(w))) for w in scales]
    piece = Piece(s_lo, s_hi, order, splits, centre, tuple(dyadic_of(w) for w in radius))
    if inside is not None:
        c_prev, w_prev = inside
        c_here = exact_centre_at(piece, exact_of(s_hi))
        gaps = [abs(a - b) for a, b in zip(c_prev, c_here)]
        # nested with a relative margin of JUNCTION_MARGIN: the kernel proves nesting in arb
        if not all(w >= (wp + g) * (1 + JUNCTION_MARGIN) for w, wp, g in zip(radius, w_prev, gaps)):
            radius = [min(w, wp * (1 - JUNCTION_MARGIN) - g)                     # shrink to lie inside it
                      for w, wp, g in zip(radius, w_prev, gaps)]
            if min(radius) <= 0:
                raise NotCertified("centres of consecutive pieces disagree by more than the radii")
            radius = [shorten_down(w) for w in radius]
        piece = Piece(s_lo, s_hi, order, splits, centre, tuple(dyadic_of(w) for w in radius))
    return piece


found_factor = []           # the radius factor of the last piece proved (for the next one)


def family_check(q: int, piece: Piece, models: dict, index: int) -> dict:
    return kfamily.test_splits(q, piece, models, index)


def prove_candidate(q: int, s_lo: Fraction, s_hi: Fraction, theta_mid, prec: int, order: int,
                    previous, index: int, log=None, check=family_check, factors=None, splits=None):
    """A proved piece on [s_lo, s_hi] or None: Taylor centre once, then radii and splits tried.
    check(q, piece, models, index) -> {claim: None or reason}."""
    s_mid = (s_lo + s_hi) / 2
    k_mid = float(1 / (s_mid * s_mid))
    with ctx.workprec(prec):
        taylor = branch.taylor(q, dyadic.to_arb(dyadic_of(s_mid)), theta_mid, order, prec + 64)
    scales = branch.hessian_scales(q, k_mid, theta_mid)
    for factor in factors or RADIUS_FACTORS:
        with ctx.workprec(prec + 64):
            centre = centre_strings(taylor, prec, scales * factor, float((s_hi - s_lo) / 2))
        try:
            piece = build_piece(q, dyadic_of(s_lo), dyadic_of(s_hi), centre, theta_mid, k_mid, order, 1,
                                factor, previous)
        except NotCertified:
            return None
        try:
            with ctx.workprec(prec), length_at_least(order + 2):
                models = kfamily.piece_models(q, piece)
        except (ArithmeticError, ValueError, ZeroDivisionError) as err:
            if log:
                log(f"    factor {factor:g}: {str(err)[:80]}")
            continue
        for count in splits or SPLIT_CHOICES:
            candidate = replace(piece, splits=count)
            with ctx.workprec(prec):
                failures = check(q, candidate, models, index)
            if all(v is None for v in failures.values()):
                found_factor[:] = [factor]
                return candidate
        if log:
            log(f"    factor {factor:g}: " + "; ".join(v for v in failures.values() if v))
    return None


JUNCTION_MARGIN = Fraction(1, 2 ** 32)


def exact_centre_at(piece: Piece, s: Fraction) -> list:
    """The exact centre c(s - s_mid) = sum_n c_n (s - s_mid)^n of a piece at a dyadic s."""
    t = s - (exact_of(piece.s_lo) + exact_of(piece.s_hi)) / 2
    out = []
    for row in piece.centre:
        value = Fraction(0)
        for c in reversed(row):
            value = value * t + exact_of(c)
        out.append(value)
    return out


def exact_of(text: str) -> Fraction:
    m, e = dyadic.parse(text)
    return Fraction(m) * Fraction(2) ** e


def dyadic_of(x: Fraction) -> str:
    """The canonical string of a dyadic fraction."""
    den = x.denominator
    e = den.bit_length() - 1
    assert den == 1 << e, "not dyadic"
    return format_dyadic(x.numerator, -e)


def shorten_down(x: Fraction, bits: int = 20) -> Fraction:
    """A dyadic <= x (x > 0) with at most `bits` significant bits."""
    e = math.floor(math.log2(x)) - bits + 1
    m = math.floor(x / Fraction(2) ** e)
    return Fraction(m) * Fraction(2) ** e


def certify_family(q: int, k_lo: float, k_hi: float, prec: int = DEFAULT_PREC, ratio: float = RATIO,
                   order: int = ORDER, log=None):
    """Pieces covering [k_lo, k_hi] (ends rounded outward to short dyadics in s)."""
    s = exact_of(dyadic_near(s_of(k_lo) * (1 + 1e-12)))
    stop = exact_of(dyadic_near(s_of(k_hi) * (1 - 1e-12)))
    k_here = float(1 / (s * s))
    theta = start_theta(q, k_here)
    pieces, previous, step, first = [], None, ratio, 0
    while s > stop:
        while True:
            s_next = max(exact_of(dyadic_near(s_of(k_here * (1 + step)))), stop)
            s_mid = (s + s_next) / 2
            theta_mid = branch.continue_to(q, k_here, theta, float(1 / (s_mid * s_mid)), 16)
            # radii shrink with k: start from the factor that worked last
            factors = RADIUS_FACTORS[first:] + RADIUS_FACTORS[:first][::-1]
            found = prove_candidate(q, s_next, s, theta_mid, prec, order, previous, len(pieces), log,
                                    factors=factors)
            if found is not None:
                break
            step /= 2
            if log:
                log(f"  k = {k_here:.8g}: halving the piece (ratio {step:.3g})")
            if step < 1e-4:
                raise NotCertified(f"no piece could be proved at k = {k_here:.6g}")
        pieces.append(found)
        first = RADIUS_FACTORS.index(found_factor[0]) if found_factor and found_factor[0] in RADIUS_FACTORS else first
        if log:
            log(f"piece {len(pieces) - 1}: k in [{float(1 / (s * s)):.8g}, {float(1 / (s_next * s_next)):.8g}]"
                f", splits {found.splits}, radius factor {found_factor[0] if found_factor else '?'}")
        previous = (exact_centre_at(found, s_next), [exact_of(w) for w in found.radius])
        k_here = float(1 / (s_next * s_next))
        theta = branch.newton(q, k_here, theta_mid)
        s = s_next
        step = min(ratio, step * 1.3)
    obj = to_object(q, pieces, prec)
    return accepted(obj)


def to_object(q: int, pieces: list, prec: int) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "kind": "family", "method": "family",
        "blocks": [q, f"k-{q}"], "teacher": "identity", "d_max": None, "prec": prec,
        "pieces": [{"s": [p.s_lo, p.s_hi], "order": p.order, "splits": p.splits,
                    "centre": [list(row) for row in p.centre], "radius": list(p.radius)} for p in pieces],
        "tail": None,
        "software": software_record(),
    }


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------
def family_file_name(q: int, lo: float, hi: float) -> str:
    def short(x: float) -> str:
        return f"{x:g}".replace("e+0", "e").replace("e+", "e")
    return f"family_S{q}xSk-{q}_k{short(lo)}-{short(hi)}.json"
