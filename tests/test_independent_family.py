"""The independent checker on family certificates (certify/independent/family.py,
docs/independent-checker.md section 9): formulas against the integer-size formulas of
symmetric.py, acceptance of small family certificates, refusal of false variants, and
agreement with the kernel on mutations."""
from __future__ import annotations

import copy
import json
import random
from fractions import Fraction

import pytest
from mpmath import iv

from certify.independent import family, intervals, symmetric, verify_bytes
from certify.independent.jets import Jet
from certify.kernel.verify import verify_bytes as kernel_verify
from helpers import ROOT, encode, put_path, run_certify
from oracle.numbers import dyadic, frac

DATA = ROOT / "tests" / "data" / "families"
Q1 = DATA / "family_q1_k6-6.6.json"
Q2 = DATA / "family_q2_k8-8.5.json"
SLOW = pytest.mark.slow


def load(path):
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def q1():
    return load(Q1)


@pytest.fixture(scope="module")
def one(q1):
    """The first piece of the (1, k - 1) certificate alone: a true statement on its own."""
    out = copy.deepcopy(q1)
    out["pieces"] = out["pieces"][:1]
    return out


def both(obj):
    data = encode(obj)
    return verify_bytes(data), kernel_verify(data)


def refused(verdict) -> set:
    if verdict.error:
        return {"error"}
    return {r.claim for r in verdict.results if not r.proved}


# ---------------------------------------------------------------------------
# formulas: at integer sizes, the same numbers as symmetric.py
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("sizes, shape", [
    ((1, 6), [(1, 0), (0, 1)]), ((2, 7), [(2, 0), (0, 1)]),
    ((1, 1, 1, 4), [(1, 0), (1, 0), (1, 0), (-2, 1)]), ((2, 1, 5), [(2, 0), (1, 0), (-1, 1)])], ids=str)
def test_gradient_and_hessian_match_the_symmetric_formulas(sizes, shape):
    rng = random.Random(7)
    S = symmetric.Structure(list(sizes))
    R = family.Shape(shape)
    assert R.size == S.size
    p = sizes[-1] - shape[-1][0]
    with intervals.precision(128):
        theta = [intervals.interval(Fraction(rng.randint(-900, 900), 1000)) for _ in range(S.size)]
        ref = symmetric.evaluate(S, theta, sum(sizes), want_hessian=True)
        grad, hess = family.gradient_and_hessian(R, [Jet([x]) for x in theta], family.Numbers(Jet([iv.mpf(p)])))
    for i in range(S.size):
        assert abs(float(grad[i].c[0].mid) - float(ref.gradient[i].mid)) < 1e-25
        for j in range(i, S.size):
            mine = hess.get((i, j), 0)
            mine = float(mine.c[0].mid) if isinstance(mine, Jet) else 0.0
            assert abs(mine - float(ref.hessian[i][j].mid)) < 1e-25


# ---------------------------------------------------------------------------
# acceptance
# ---------------------------------------------------------------------------
def test_small_family_is_accepted_with_the_kernels_claim_names(q1):
    mine, reference = both(q1)
    assert mine.accepted and reference.accepted, mine.first_failure()
    assert [r.claim for r in mine.results] == [r.claim for r in reference.results]


@SLOW
def test_q2_family_is_accepted():
    mine, reference = both(load(Q2))
    assert mine.accepted and reference.accepted, mine.first_failure()


@SLOW
def test_verify_both_agrees_on_a_family(tmp_path):
    result = run_certify("verify", "--both", "--max-seconds", "300", str(Q1))
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------
# false variants
# ---------------------------------------------------------------------------
def test_range_extended_beyond_the_pieces_is_refused(one):
    """Both ends of the piece moved out by 0.015 in s (s_mid unchanged, the same centre
    polynomials): the range then reaches below k* ~ 5.59, where the branch is a saddle."""
    out = copy.deepcopy(one)
    lo, hi = frac(out["pieces"][0]["s"][0]), frac(out["pieces"][0]["s"][1])
    delta = Fraction(15, 1000).limit_denominator(2 ** 20)
    delta = Fraction(round(delta * 2 ** 30), 2 ** 30)
    out["pieces"][0]["s"] = [dyadic(lo - delta), dyadic(hi + delta)]
    assert 1 / (hi + delta) ** 2 < Fraction(5585, 1000)
    mine, reference = both(out)
    assert not mine.accepted and not reference.accepted
    assert refused(mine) & {"critical", "hessian", "smooth"}


def test_shifted_centre_is_refused(one):
    out = copy.deepcopy(one)
    piece = out["pieces"][0]
    piece["centre"][0][0] = dyadic(frac(piece["centre"][0][0]) + 3 * frac(piece["radius"][0]))
    mine, reference = both(out)
    assert "critical" in refused(mine) and not reference.accepted


def test_broken_chain_is_refused(q1):
    """The second piece's box shifted by half its radius: it still contains the zero, but
    at the junction neither box contains the other."""
    out = copy.deepcopy(q1)
    out["pieces"] = out["pieces"][:2]
    piece = out["pieces"][1]
    piece["centre"][1][0] = dyadic(frac(piece["centre"][1][0]) + frac(piece["radius"][1]) / 2)
    mine, reference = both(out)
    assert refused(mine) == {"chain"} and not reference.accepted


def test_huge_radius_is_refused(one):
    out = copy.deepcopy(one)
    out["pieces"][0]["radius"] = [dyadic(frac(w) * 2 ** 20) for w in out["pieces"][0]["radius"]]
    mine, reference = both(out)
    assert not mine.accepted and not reference.accepted


@pytest.mark.parametrize("path, value", [
    (("blocks",), [2, "k-2"]), (("blocks",), [1, "k-2"]), (("blocks",), [1, 5]), (("blocks",), [3, "k-3"]),
    (("tail",), {}), (("d_max",), 7), (("teacher",), "other"), (("kind",), "local_minimum"), (("prec",), 32),
    (("pieces",), []), (("pieces", 0, "s"), ["1*2^-1", "1*2^-2"]), (("pieces", 0, "order"), -1),
    (("pieces", 0, "splits"), 0), (("pieces", 0, "radius", 0), "0"), (("pieces", 0, "radius", 0), "-1*2^-30"),
    (("pieces", 0, "centre", 0), ["0"]), (("pieces", 0, "std"), "positive"), (("pieces", 0, "s", 1), "1"),
    (("pieces", 0, "s", 1), "1*2^-1"),          # s_hi^2 (q + 3) >= 1: not a (1, k - 1) family
], ids=str)
def test_malformed_fields_are_errors(one, path, value):
    out = copy.deepcopy(one)
    put_path(out, path, value)
    mine, reference = both(out)
    assert mine.error and not reference.accepted, mine.first_failure()


def test_gap_between_pieces_is_an_error(q1):
    out = copy.deepcopy(q1)
    out["pieces"][1]["s"][1] = dyadic(frac(out["pieces"][1]["s"][1]) - Fraction(1, 2 ** 40))
    mine, reference = both(out)
    assert mine.error and not reference.accepted


# ---------------------------------------------------------------------------
# mutations: both checkers give the same answer
# ---------------------------------------------------------------------------
def family_mutation(rng, obj):
    out = copy.deepcopy(obj)
    piece = out["pieces"][0]
    op = rng.choice(["shift", "radius", "coefficient", "s", "prec"])
    if op == "shift":
        i = rng.randrange(len(piece["centre"]))
        delta = Fraction(rng.choice([-1, 1]) * 10.0 ** rng.uniform(-16, -3))
        piece["centre"][i][0] = dyadic(frac(piece["centre"][i][0]) + delta)
    elif op == "radius":
        i = rng.randrange(len(piece["radius"]))
        piece["radius"][i] = dyadic(frac(piece["radius"][i]) * Fraction(rng.choice([2 ** -30, 2 ** -4, 2, 2 ** 8])))
    elif op == "coefficient":
        i, n = rng.randrange(len(piece["centre"])), rng.randrange(1, 4)
        piece["centre"][i][n] = dyadic(frac(piece["centre"][i][n]) * Fraction(rng.choice([-1, 2, 1 + 2 ** -20])))
    elif op == "s":
        j = rng.randrange(2)
        piece["s"][j] = dyadic(frac(piece["s"][j]) * (1 + Fraction(rng.choice([-1, 1]), 2 ** rng.choice([6, 10, 30]))))
    else:
        out["prec"] = rng.choice([64, 128, 256])
    return op, out


def _agreement(one, runs, seed):
    rng = random.Random(seed)
    answers = []
    for number in range(runs):
        op, obj = family_mutation(rng, one)
        mine, reference = both(obj)
        assert mine.accepted == reference.accepted, (number, op, mine.first_failure(), reference.first_failure())
        answers.append(mine.accepted)
    return answers


def test_family_mutations_both_checkers_agree(one):
    _agreement(one, 4, 20261202)


@SLOW
def test_family_mutations_both_checkers_agree_many(one):
    answers = _agreement(one, 30, 20261203)
    assert 0 < sum(answers) < len(answers)


@pytest.mark.parametrize("sizes", [(1, 6), (2, 7)], ids=str)
def test_block_spectra_lie_in_the_full_reduced_spectrum(sizes):
    """At integer k and a generic G-fixed point, every eigenvalue of every isotypic block
    (normalised by the Gram matrix Z^T diag(|orbit|) Z) and of the trivial block is an
    eigenvalue of the full Hessian (symmetric.py's refinement, D^-1/2 S D^-1/2), and every
    eigenvalue of the full Hessian is one of theirs."""
    import numpy as np
    rng = random.Random(11)
    q, p = sizes
    S = symmetric.Structure(list(sizes))
    R, parent = symmetric.refine(S)
    with intervals.precision(128):
        theta = [intervals.interval(Fraction(rng.randint(-900, 900), 1000)) for _ in range(S.size)]
        full = symmetric.evaluate(R, symmetric.refined_parameters(S, R, parent, theta), q + p, True)
        num = family.Numbers(Jet([iv.mpf(p)]))
        jets = [Jet([x]) for x in theta]
        mats = []
        _, H = family.gradient_and_hessian(family.coarse_shape(q), jets, num, want_gradient=False)
        D = family.coarse_shape(q).size
        mats.append((family._hessian_matrix(H, D), np.diag([float(w) for w in S.orbit_sizes()])))
        for block in family.blocks(q):
            B = family.block_matrix(block, jets, num)
            sizes_R = [float(family.orbit_size(block.shape, name)(num).c[0].mid) if isinstance(
                family.orbit_size(block.shape, name)(num), Jet) else float(family.orbit_size(block.shape, name)(num))
                for name in block.shape.names]
            Z = np.zeros((block.shape.size, len(block.vectors)))
            for c, z in enumerate(block.vectors):
                for i, f in z.items():
                    v = f(num)
                    Z[i, c] = float(v.c[0].mid) if isinstance(v, Jet) else float(v)
            mats.append((B, Z.T @ np.diag(sizes_R) @ Z))

    def as_float(M):
        return np.array([[float(x.c[0].mid) if isinstance(x, Jet) else float(x) for x in row] for row in M])

    def generalised(M, G):
        Linv = np.linalg.inv(np.linalg.cholesky(G))
        return np.linalg.eigvalsh(Linv @ as_float(M) @ Linv.T)
    mine = np.concatenate([generalised(M, G) for M, G in mats])
    Hf = np.array([[float(x.mid) for x in row] for row in full.hessian])
    d = np.array([float(w) for w in R.orbit_sizes()]) ** -0.5
    reference = np.linalg.eigvalsh(Hf * d[:, None] * d[None, :])
    scale = max(1.0, float(np.max(np.abs(reference))))
    for x in mine:
        assert np.min(np.abs(reference - x)) < 1e-9 * scale, x
    for x in reference:
        assert np.min(np.abs(mine - x)) < 1e-9 * scale, x


# ---------------------------------------------------------------------------
# transitions (about 1-3 minutes each through the independent checker: slow)
# ---------------------------------------------------------------------------
TRANSITIONS = sorted((ROOT / "certificates" / "families").glob("transition_*.json"))


@SLOW
@pytest.mark.parametrize("path", TRANSITIONS, ids=lambda p: p.name)
def test_committed_transition_is_accepted_with_the_kernels_claim_names(path):
    mine, reference = both(load(path))
    assert mine.accepted and reference.accepted, mine.first_failure()
    assert [r.claim for r in mine.results] == [r.claim for r in reference.results]


@pytest.fixture(scope="module")
def t1():
    return load(ROOT / "certificates" / "families" / "transition_S1xSk-1.json")


def _star(obj):
    return [frac(x) for x in obj["crossing"]["s"]]


@SLOW
def test_transition_interval_shifted_off_the_truth_is_refused(t1):
    out = copy.deepcopy(t1)
    lo, hi = _star(out)
    width = hi - lo
    out["crossing"]["s"] = [dyadic(lo + 3 * width), dyadic(hi + 3 * width)]
    mine, reference = both(out)
    assert refused(mine) == {"std_index"} and not reference.accepted


@SLOW
def test_transition_interval_narrowed_off_the_truth_is_refused(t1):
    """[s_lo*, s_lo* + width/4]: the crossing lies in the true interval, so at most one of
    the two quarters at its ends holds it; both narrowings are refused unless true."""
    lo, hi = _star(t1)
    width = hi - lo
    answers = []
    for new in ([lo, lo + width / 4], [hi - width / 4, hi]):
        out = copy.deepcopy(t1)
        out["crossing"]["s"] = [dyadic(x) for x in new]
        mine, reference = both(out)
        assert mine.accepted == reference.accepted
        answers.append(mine.accepted)
    assert not all(answers)


@SLOW
def test_saddle_side_claimed_positive_is_refused(t1):
    """The last negative piece declared the crossing (with a crossing interval inside it)
    and the true crossing piece declared positive: the std block is not positive definite
    for k < k*, and there is no sign change in the last negative piece."""
    out = copy.deepcopy(t1)
    states = [p["std"] for p in out["pieces"]]
    c = states.index("crossing")
    out["pieces"][c - 1]["std"], out["pieces"][c]["std"] = "crossing", "positive"
    lo, hi = frac(out["pieces"][c - 1]["s"][0]), frac(out["pieces"][c - 1]["s"][1])
    out["crossing"]["s"] = [dyadic(lo + (hi - lo) * Fraction(1, 4)), dyadic(lo + (hi - lo) * Fraction(3, 4))]
    mine, reference = both(out)
    assert refused(mine) == {"std_index"} and not reference.accepted


@SLOW
def test_transition_pieces_claimed_as_a_family_of_minima_are_refused(t1):
    """The same pieces as a family certificate: every block positive definite is false
    below k* (the std block has a negative eigenvalue): hessian refused."""
    out = copy.deepcopy(t1)
    for piece in out["pieces"]:
        del piece["std"]
    del out["crossing"]
    out.update(kind="family", method="family", tail=None)
    out["pieces"] = out["pieces"][:2]
    mine, reference = both(out)
    assert refused(mine) == {"hessian"} and not reference.accepted


@pytest.mark.parametrize("edit", ["reversed", "outside", "two_crossings", "order", "margin", "no_std"])
def test_malformed_transition_is_an_error(t1, edit):
    out = copy.deepcopy(t1)
    c = [p["std"] for p in out["pieces"]].index("crossing")
    if edit == "reversed":
        out["crossing"]["s"] = list(reversed(out["crossing"]["s"]))
    elif edit == "outside":
        out["crossing"]["s"][1] = out["pieces"][c]["s"][1]
    elif edit == "two_crossings":
        out["pieces"][c + 1]["std"] = "crossing"
    elif edit == "order":
        out["pieces"][0]["std"] = "positive"
    elif edit == "margin":
        out["crossing"]["margin"] = "0"
    else:
        del out["pieces"][0]["std"]
    mine, reference = both(out)
    assert mine.error and not reference.accepted, mine.first_failure()


def test_std_tests_tell_the_two_sides_of_the_crossing_apart(t1):
    """On the crossing piece, a sub-interval at the large-s end (k < k*) has one negative
    eigenvalue and is not positive definite; one at the small-s end is the reverse."""
    from certify.independent import transition
    st = transition.read(t1)
    piece = [p for p in st.pieces if p.std == "crossing"][0]
    h = piece.half
    with intervals.precision(st.prec):
        saddle = family.Interval(piece, st.q, h - h / 64, h, st.prec)
        minimum = family.Interval(piece, st.q, -h, -h + h / 64, st.prec)
        assert transition.test_negative(saddle)[0] and not transition.test_positive(saddle)[0]
        assert transition.test_positive(minimum)[0] and not transition.test_negative(minimum)[0]
