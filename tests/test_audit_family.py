"""Audit of the methods `family` and `transition` (kernel/family/, kernel/reduced/series.py):
refusal tests for parts of the proof that tests/test_family.py does not exercise (each one fails
when the kernel step it names is removed or weakened), and the reproducers of two bugs it found
(well-formed certificates that made verify_bytes raise instead of answering: an exactly zero
series in blocks.ball, horner of no coefficients for an order-0 crossing piece), now refusals.
"""
from __future__ import annotations

import copy
import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest
from flint import arb, arb_mat, ctx

from certify.kernel import dyadic, methods
from certify.kernel.family import method as kfamily
from certify.kernel.family import transition as ktransition
from certify.kernel.family.model import Model
from certify.kernel.format import canonical_bytes
from certify.kernel.reduced import blocks as B
from certify.kernel.reduced.series import length_at_least
from certify.kernel.verify import verify_bytes

ROOT = Path(__file__).resolve().parent.parent
FAMILY_Q1 = ROOT / "tests" / "data" / "families" / "family_q1_k6-6.6.json"
TRANSITION_Q1 = ROOT / "certificates" / "families" / "transition_S1xSk-1.json"


def load(path):
    return json.loads(Path(path).read_bytes())


def verify(obj):
    return verify_bytes(canonical_bytes(obj))


def exact(text) -> Fraction:
    m, e = dyadic.parse(text)
    return Fraction(m) * Fraction(2) ** e


def dyadic_text(x: Fraction) -> str:
    from certify.producer.exact import format_dyadic
    x = Fraction(x)
    e = x.denominator.bit_length() - 1
    assert x.denominator == 1 << e
    return format_dyadic(x.numerator, -e)


def claims(verdict) -> dict:
    return {r.claim: r for r in verdict.results}


@pytest.fixture(scope="module")
def family_q1():
    return load(FAMILY_Q1)


@pytest.fixture(scope="module")
def transition_q1():
    return load(TRANSITION_Q1)


# ---------------------------------------------------------------------------
# Taylor models: the box term V must cover the whole box X(t), not only its centre
# ---------------------------------------------------------------------------
def test_hessian_model_encloses_the_hessian_at_the_corners_of_a_wide_box(family_q1):
    """Piece 0 with radii 2^12 times larger (still smooth): the Hessian in u at the corners
    u in {-1, 1}^5 of the box, at points t of two sub-intervals, lies in the model enclosure.
    (Fails if the mean-value term V is dropped or computed at u = 0 only.)"""
    st = methods.read(family_q1)[1]
    piece = st.pieces[0]
    wide = kfamily.Piece(piece.s_lo, piece.s_hi, piece.order, piece.splits, piece.centre,
                         tuple(dyadic_text(exact(w) * 2 ** 12) for w in piece.radius))
    with ctx.workprec(st.header.prec):
        with length_at_least(wide.order + 2):
            models = kfamily.piece_models(st.q, wide)
        _, _, subs = wide.balls()
        lo, hi = exact(wide.s_lo), exact(wide.s_hi)
        h = (hi - lo) / 2
        w = [exact(x) for x in wide.radius]
        centre = [[exact(c) for c in row] for row in wide.centre]
        for j in (0, len(subs) - 1):
            t = -h + 2 * h * (Fraction(j) + Fraction(1, 3)) / len(subs)
            s = (lo + hi) / 2 + t
            k = 1 / (s * s)
            kk = arb(k.numerator) / k.denominator
            sizes = [st.q, kk - st.q]
            J = models["hessian"].enclose(subs[j])
            c = [sum(x * t ** n for n, x in enumerate(row)) for row in centre]
            for signs in itertools.islice(itertools.product((-1, 1), repeat=5), 0, 32, 5):
                theta = [ci + wi * si for ci, wi, si in zip(c, w, signs)]
                jet = B.block_loss(sizes, B.jets(sizes, [arb(x.numerator) / x.denominator for x in theta]))
                for a in range(5):
                    for b in range(5):
                        value = jet.h[a, b] * (arb(w[a].numerator) / w[a].denominator) \
                            * (arb(w[b].numerator) / w[b].denominator)
                        assert J[a, b].contains(value), (j, signs, a, b)


def test_smoothness_is_checked_on_the_whole_box_not_at_its_centre(family_q1):
    """Piece 0 alone with radii 2^20 times larger: the box then contains W with the apart neuron
    w_0 = 0 (alpha_0 and gamma_01 both reach 0), so the smoothness claim itself must be refused
    (not only a later claim). (Fails if the box evaluation only covers u = 0, e.g. tau0 u0 := 0.)"""
    obj = copy.deepcopy(family_q1)
    obj["pieces"] = obj["pieces"][:1]
    piece = obj["pieces"][0]
    piece["radius"] = [dyadic_text(exact(w) * 2 ** 20) for w in piece["radius"]]
    c0 = [exact(row[0]) for row in piece["centre"]]
    w = [exact(x) for x in piece["radius"]]
    assert abs(c0[0]) < w[0] and abs(c0[1]) < w[1]        # alpha_0 = gamma_01 = 0 lies in the box at t = 0
    verdict = verify(obj)
    assert not verdict.accepted
    assert not claims(verdict)["smooth"].proved


# ---------------------------------------------------------------------------
# transition: the crossing interval, the order of the states, every state checked
# ---------------------------------------------------------------------------
def test_k_star_interval_narrower_than_the_model_error_is_refused(transition_q1):
    """The certified crossing interval shrunk 64 times about its midpoint: the determinant of the
    polynomial part changes sign across it, but not by more than eps Lam^4 (the Taylor-model
    error): the narrower k* interval is not proved. (Fails if the margin eps Lam^4 is dropped.)"""
    obj = copy.deepcopy(transition_q1)
    lo, hi = (exact(x) for x in obj["crossing"]["s"])
    mid, half = (lo + hi) / 2, (hi - lo) / 2 / 64
    obj["crossing"]["s"] = [dyadic_text(mid - half), dyadic_text(mid + half)]
    verdict = verify(obj)
    assert not verdict.accepted
    assert not claims(verdict)["std_index"].proved


def test_transition_states_out_of_order_are_malformed(transition_q1):
    """A negative piece after the crossing, or a positive one before it: malformed (the
    statement 'saddle below k*, minimum above' would be contradicted by the labels)."""
    for edit in ("negative_after", "positive_before"):
        obj = copy.deepcopy(transition_q1)
        states = [p["std"] for p in obj["pieces"]]
        c = states.index("crossing")
        if edit == "negative_after":
            obj["pieces"][c + 1]["std"] = "negative"
        else:
            obj["pieces"][c - 1]["std"] = "positive"
        verdict = verify(obj)
        assert verdict.unreadable and "order" in verdict.error, edit


def _negated(model: Model) -> Model:
    return Model([-C for C in model.coeffs], -model.rem, None if model.var is None else -model.var)


def _with_negated(monkeypatch, name: str, pieces=None):
    """Make kernel.family.method.piece_models return the models with `name` negated (on the
    pieces whose index is in `pieces`, all if None): a block of the wrong inertia."""
    original = kfamily.piece_models
    calls = {"i": -1}

    def patched(q, piece):
        calls["i"] += 1
        models = original(q, piece)
        if pieces is None or calls["i"] in pieces:
            models = dict(models, **{name: _negated(models[name])})
        return models
    monkeypatch.setattr(kfamily, "piece_models", patched)


@pytest.mark.parametrize("name,claim", [("hessian", "hessian"), ("extra", "extra_dims"),
                                        ("(p-2,2) + (p-2,1,1)", "hessian")])
def test_family_refuses_a_block_of_the_wrong_sign(family_q1, monkeypatch, name, claim):
    """Every block the statement needs is tested on every piece: the trivial block (the branch
    Hessian), the d > k block and the (p-2,2) + (p-2,1,1) block, each negated on the last piece
    (negative definite there), are refused by the claim that covers them."""
    _with_negated(monkeypatch, name, pieces={len(family_q1["pieces"]) - 1})
    verdict = verify(family_q1)
    assert not verdict.accepted
    assert not claims(verdict)[claim].proved


@pytest.mark.parametrize("state", ["negative", "positive"])
def test_transition_checks_the_std_block_on_every_labelled_piece(transition_q1, monkeypatch, state):
    """The std block negated on the first negative (or the last positive) piece: four negative
    eigenvalues instead of one (or a negative definite block): std_index refused."""
    states = [p["std"] for p in transition_q1["pieces"]]
    index = states.index(state) if state == "negative" else len(states) - 1
    _with_negated(monkeypatch, ktransition.CROSSING, pieces={index})
    verdict = verify(transition_q1)
    assert not verdict.accepted
    assert not claims(verdict)["std_index"].proved


def test_slope_solve_encloses_the_exact_solution():
    """transition.solve (the rigorous linear solve for the branch slope) contains the exact
    solution of a system whose float inverse is inexact. (Fails if the a-posteriori spread
    delta |C b| / (1 - delta) is dropped.)"""
    with ctx.workprec(200):
        A = arb_mat([[arb(1) / 3, arb(2) / 7, arb(1) / 11], [arb(2) / 7, arb(5) / 13, arb(1) / 17],
                     [arb(1) / 11, arb(1) / 17, arb(3) / 19]])
        b = arb_mat([[arb(1)], [arb(-2) / 3], [arb(1) / 5]])
        x = ktransition.solve(A, b)
        assert x is not None
        exact_A = [[Fraction(1, 3), Fraction(2, 7), Fraction(1, 11)], [Fraction(2, 7), Fraction(5, 13), Fraction(1, 17)],
                   [Fraction(1, 11), Fraction(1, 17), Fraction(3, 19)]]
        exact_b = [Fraction(1), Fraction(-2, 3), Fraction(1, 5)]
        import sympy
        sol = sympy.Matrix(exact_A).LUsolve(sympy.Matrix(exact_b))
        for i in range(3):
            value = Fraction(int(sol[i].p), int(sol[i].q))
            assert x[i, 0].contains(arb(value.numerator) / value.denominator), i


# ---------------------------------------------------------------------------
# bugs: well-formed certificates on which verify_bytes raises instead of refusing
# ---------------------------------------------------------------------------
def test_zero_centre_family_is_refused_without_raising(family_q1):
    obj = copy.deepcopy(family_q1)
    obj["pieces"] = obj["pieces"][:1]
    obj["pieces"][0]["centre"] = [["0"] * len(row) for row in obj["pieces"][0]["centre"]]
    verdict = verify(obj)
    assert not verdict.accepted and claims(verdict)["smooth"].proved is False


def test_order_zero_crossing_piece_is_refused_without_raising(transition_q1):
    obj = copy.deepcopy(transition_q1)
    states = [p["std"] for p in obj["pieces"]]
    piece = obj["pieces"][states.index("crossing")]
    lo, hi = (exact(x) for x in obj["crossing"]["s"])
    s_mid = (lo + hi) / 2
    old_mid = (exact(piece["s"][0]) + exact(piece["s"][1])) / 2
    centre = []
    for row in piece["centre"]:
        value = Fraction(0)
        for c in reversed(row):
            value = value * (s_mid - old_mid) + exact(c)
        centre.append([dyadic_text(Fraction(round(value * 2 ** 200), 2 ** 200))])
    w = Fraction(1, 2 ** 70)
    obj["pieces"] = [{"s": [dyadic_text(s_mid - w), dyadic_text(s_mid + w)], "order": 0, "splits": 1,
                      "std": "crossing", "centre": centre, "radius": [dyadic_text(Fraction(1, 2 ** 120))] * 5}]
    obj["crossing"]["s"] = [dyadic_text(s_mid - w / 2), dyadic_text(s_mid + w / 2)]
    verdict = verify(obj)
    assert not verdict.accepted
    assert "proof" not in claims(verdict)      # refused by a claim, not by verify_bytes' catch-all
