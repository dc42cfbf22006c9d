"""The verifier refuses FALSE claims and malformed files, naming what failed.

Each test edits a committed certificate object, re-serialises it in canonical
form (so the intended refusal is exercised, not the canonical-form check) and
asks certify.kernel.verify.verify_bytes.  The expected outcome is known from
mathematics or from docs/format.md, never from what the code computed.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
import tracemalloc
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from certify import objective, pipeline, refine, search
from certify.kernel import dyadic as kdyadic
from certify.kernel.verify import canonical_bytes, verify_bytes

from helpers import (DPS, K6, ROOT, certificate_paths, dyadic, encode, frac, get_path, load,
                     mp_gradient, mp_loss, put_path, scaled_text, shifted_text, verify_obj)

PATHS = certificate_paths()
# "Quickly" below is a guard against blow-ups (a 2^-(10^12) exponent or a 10^6 x 10^6
# matrix takes minutes or all memory), not a speed test: generous for a loaded machine.
QUICK = 10.0
PATH_IDS = [p.name for p in PATHS]


@pytest.fixture
def k6() -> dict:
    return load(K6)


def refused_claims(verdict) -> set:
    return {r.claim for r in verdict.results if not r.proved}


def assert_refused_claim(verdict, allowed, alone=False):
    """Refused, and the first failure names one of the `allowed` claims."""
    assert not verdict.accepted
    assert verdict.error is None, verdict.error
    text = verdict.first_failure()
    assert any(text.startswith(f"claim '{name}' refused") for name in allowed), text
    if alone:
        assert refused_claims(verdict) == set(allowed), [(r.claim, r.detail) for r in verdict.results]


def assert_field_error(verdict, field: str):
    """Refused before any mathematics, with a message naming the field."""
    assert not verdict.accepted
    assert not verdict.results, "structure errors must be found before the mathematics"
    assert verdict.error is not None and verdict.error.startswith("field "), verdict.error
    assert field in verdict.error, verdict.error
    assert verdict.first_failure() == verdict.error


def assert_unreadable(verdict):
    assert not verdict.accepted and verdict.unreadable
    assert verdict.first_failure().startswith("unreadable: "), verdict.first_failure()


# ---------------------------------------------------------------------------
# positive tests
# ---------------------------------------------------------------------------
def test_there_is_a_committed_certificate():
    assert K6 in PATHS


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_committed_certificate_is_accepted(path):
    data = path.read_bytes()
    verdict = verify_bytes(data)
    assert verdict.accepted, verdict.first_failure()
    assert verdict.first_failure() == ""
    obj = json.loads(data)
    expected = {"smooth", "loss", "hessian", "critical"}
    if obj["d_max"] is None or obj["d_max"] > obj["d"]:
        expected.add("extra_dims")
    assert {r.claim for r in verdict.results} == expected
    import hashlib
    assert verdict.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_committed_certificate_states_the_landmark(path):
    """Independent check of what is stated (MATH.md landmarks, n = k = d, identity teacher)."""
    landmarks = {6: (0.025080581, 0.0047004), 8: (0.021508037, 0.0213466),
                 12: (0.016523793, 0.0393474), 20: (0.011275582, 0.0550926)}
    obj = load(path)
    k = obj["k"]
    assert obj["n"] == obj["d"] == k and obj["d_max"] is None
    assert obj["teacher"] == [["1" if i == j else "0" for j in range(k)] for i in range(k)]
    lo, hi = frac(obj["claims"]["loss_lower"]), frac(obj["claims"]["loss_upper"])
    assert 0 < lo <= hi < lo * (1 + Fraction(1, 10 ** 12))
    if k in landmarks:
        loss, lam = landmarks[k]
        assert abs(float(lo) - loss) < 2e-9
        mu = float(frac(obj["claims"]["hessian_min_eig_lower"]))
        assert lam - 1e-6 < mu < lam + 1e-7


SMALL_PATHS = [p for p in PATHS if load(p)["n"] * (load(p)["d"] + 1) <= 64]


@pytest.mark.parametrize("path", SMALL_PATHS, ids=[p.name for p in SMALL_PATHS])
def test_committed_claims_agree_with_an_independent_computation(path):
    """What the kernel accepted is true by a computation that shares no code with
    it: F and grad F in mpmath (60 digits) from MATH.md's closed forms, the
    Hessian and the d > k block M by central differences of that gradient."""
    obj = load(path)
    n, d = obj["n"], obj["d"]
    c = [[frac(x) for x in row] for row in obj["box"]["centre"]]
    V = [[frac(x) for x in row] for row in obj["teacher"]]
    claims = {key: frac(v) for key, v in obj["claims"].items()}
    with mpmath.workdps(DPS):
        assert max(abs(g) for g in mp_gradient(c, V)) < 1e-25          # (near) critical
        F = mp_loss(c, V)
        assert mpmath.mpf(claims["loss_lower"].numerator) / claims["loss_lower"].denominator <= F
        assert F <= mpmath.mpf(claims["loss_upper"].numerator) / claims["loss_upper"].denominator
        h = Fraction(1, 2 ** 80)

        def fd_column(point, teacher, i, a):
            plus = [row[:] for row in point]
            minus = [row[:] for row in point]
            plus[i][a] += h
            minus[i][a] -= h
            gp, gm = mp_gradient(plus, teacher), mp_gradient(minus, teacher)
            return [float((x - y) / (2 * mpmath.mpf(h.numerator) / h.denominator)) for x, y in zip(gp, gm)]
        H = np.array([fd_column(c, V, i, a) for i in range(n) for a in range(d)]).T
        assert np.abs(H - H.T).max() < 1e-12
        lam = np.linalg.eigvalsh((H + H.T) / 2)[0]
        mu = float(claims["hessian_min_eig_lower"])
        assert 0 < mu < lam and lam - mu < 1e-4 * lam
        if "extra_min_eig_lower" in claims:
            c1 = [row + [Fraction(0)] for row in c]
            V1 = [row + [Fraction(0)] for row in V]
            cols = [fd_column(c1, V1, i, d) for i in range(n)]
            M = np.array([[col[j * (d + 1) + d] for j in range(n)] for col in cols])
            lam_x = np.linalg.eigvalsh((M + M.T) / 2)[0]
            mu_x = float(claims["extra_min_eig_lower"])
            assert 0 < mu_x < lam_x and lam_x - mu_x < 1e-4 * lam_x


def test_noncanonical_bytes_of_a_true_certificate_are_refused(k6):
    """Same statement, other bytes: refused as not canonical (one statement, one sha256)."""
    variants = [
        json.dumps(k6, sort_keys=True, indent=2).encode() + b"\n",
        json.dumps(k6, sort_keys=True, indent=1).encode(),          # no final newline
        json.dumps(dict(reversed(k6.items())), indent=1).encode() + b"\n",  # keys not sorted
        json.dumps(k6, sort_keys=True).encode() + b"\n",            # one line
        K6.read_bytes().replace(b"\n", b"\r\n"),
        K6.read_bytes() + b"\n",
        b"\xef\xbb\xbf" + K6.read_bytes(),                          # UTF-8 BOM
        K6.read_bytes().replace(b'": ', b'":  ', 1),
    ]
    for data in variants:
        assert data != K6.read_bytes()
        verdict = verify_bytes(data)
        assert_unreadable(verdict)


def _permuted(obj, rows=None, cols=None, col_signs=None, teacher_rows=None):
    out = copy.deepcopy(obj)
    C, V = out["box"]["centre"], out["teacher"]
    n, d = len(C), len(C[0])
    rows = rows or list(range(n))
    cols = cols or list(range(d))
    col_signs = col_signs or [1] * d
    teacher_rows = teacher_rows or list(range(len(V)))

    def tx(row):
        return [x if col_signs[a] > 0 else dyadic(-frac(x)) for a, x in
                ((a, row[a]) for a in cols)]
    out["box"]["centre"] = [tx(C[i]) for i in rows]
    out["teacher"] = [tx(V[j]) for j in teacher_rows]
    return out


def _hadamard_rotated(obj):
    """Student and teacher times the exactly orthogonal dyadic matrix diag(H4/2, I)."""
    out = copy.deepcopy(obj)

    def tx(row):
        x = [frac(v) for v in row]
        y = [(x[0] + x[1] + x[2] + x[3]) / 2, (x[0] - x[1] + x[2] - x[3]) / 2,
             (x[0] + x[1] - x[2] - x[3]) / 2, (x[0] - x[1] - x[2] + x[3]) / 2] + x[4:]
        return [dyadic(v) for v in y]
    out["box"]["centre"] = [tx(r) for r in obj["box"]["centre"]]
    out["teacher"] = [tx(r) for r in obj["teacher"]]
    return out


def test_rotated_problem_is_accepted(k6):
    """A non-permutation orthogonal map: the teacher is no longer the identity,
    it is still exactly orthonormal and the theorem is the same."""
    image = _hadamard_rotated(k6)
    assert image["teacher"][0][:4] == ["1*2^-1"] * 4
    verdict = verify_obj(image)
    assert verdict.accepted, verdict.first_failure()


def test_scaled_teacher_is_refused_even_though_the_scaled_theorem_is_true(k6):
    """F(2W, 2V) = 4 F(W, V): scaling everything gives a true statement about the
    non-orthonormal teacher 2V, which the format forbids."""
    k6["teacher"] = [[dyadic(2 * frac(x)) for x in r] for r in k6["teacher"]]
    k6["box"]["centre"] = [[dyadic(2 * frac(x)) for x in r] for r in k6["box"]["centre"]]
    k6["box"]["radius"] = dyadic(2 * frac(k6["box"]["radius"]))
    for key in ("loss_lower", "loss_upper"):
        k6["claims"][key] = dyadic(4 * frac(k6["claims"][key]))
    assert_field_error(verify_obj(k6), "teacher")


@pytest.mark.parametrize("kind", ["rows", "cols", "signs", "teacher_rows"])
def test_symmetric_image_is_accepted(k6, kind):
    """F is invariant under permuting neurons, permuting teacher rows and under
    an orthogonal map (coordinate permutation, sign flip) applied to student
    and teacher together: the image is the same theorem and must be proved too."""
    rng = np.random.default_rng(1)
    n = k6["n"]
    args = {"rows": {"rows": list(rng.permutation(n))},
            "cols": {"cols": list(rng.permutation(n))},
            "signs": {"col_signs": [1, -1, 1, -1, -1, 1]},
            "teacher_rows": {"teacher_rows": [5, 4, 3, 2, 1, 0]}}[kind]
    image = _permuted(k6, **args)
    assert image != k6
    verdict = verify_obj(image)
    assert verdict.accepted, verdict.first_failure()


@pytest.mark.parametrize("edit", [
    ("loss_lower", Fraction(1, 2)), ("loss_upper", 2), ("hessian_min_eig_lower", Fraction(1, 2)),
    ("extra_min_eig_lower", Fraction(3, 8)), ("radius", 2), ("radius", Fraction(1, 2))])
def test_weakened_statement_is_accepted(k6, edit):
    """Weaker claims on (almost) the same box are true theorems and must be proved."""
    key, factor = edit
    if key == "radius":
        k6["box"]["radius"] = scaled_text(k6["box"]["radius"], factor)
    else:
        k6["claims"][key] = scaled_text(k6["claims"][key], factor)
    verdict = verify_obj(k6)
    assert verdict.accepted, verdict.first_failure()


def test_finite_dimension_range_is_accepted(k6):
    """d_max = d + 3 claims less than d_max = null; d_max = d without the extra claim too."""
    k6["d_max"] = k6["d"] + 3
    assert verify_obj(k6).accepted
    k6["d_max"] = k6["d"]
    del k6["claims"]["extra_min_eig_lower"]
    verdict = verify_obj(k6)
    assert verdict.accepted, verdict.first_failure()
    assert "extra_dims" not in {r.claim for r in verdict.results}


# ---------------------------------------------------------------------------
# false mathematical claims
# ---------------------------------------------------------------------------
def identity_strings(k):
    return [["1" if i == j else "0" for j in range(k)] for i in range(k)]


def test_global_minimum_claimed_as_spurious_is_refused(k6):
    k6["box"]["centre"] = identity_strings(k6["k"])
    verdict = verify_obj(k6)
    # w_i = v_i: the closed forms are invalid there (and F = 0 < loss_lower)
    assert_refused_claim(verdict, ["smooth"])
    assert "parallel" in verdict.first_failure()


def test_box_around_the_global_minimum_is_refused(k6):
    """A box that contains W = V (so a zero of grad F with F = 0) is refused."""
    rng = np.random.default_rng(7)
    k = k6["k"]
    k6["box"]["centre"] = [[dyadic(Fraction(int(i == j)) + Fraction(float(x)))
                           for j, x in enumerate(row)] for i, row in
                           enumerate(1e-20 * rng.normal(size=(k, k)))]
    k6["box"]["radius"] = "1*2^-30"
    assert_refused_claim(verify_obj(k6), ["smooth"])


def _float_centre(W):
    out = []
    for row in W:
        out.append([])
        for x in row:
            num, den = Fraction(float(x)).as_integer_ratio()
            out[-1].append((num, -(den.bit_length() - 1)))
    return out


def test_perturbed_global_minimum_is_refused(k6):
    rng = np.random.default_rng(3)
    k = k6["k"]
    W = np.eye(k) + 1e-3 * rng.normal(size=(k, k))
    k6["box"]["centre"] = [[kdyadic.from_float(x) for x in row] for row in W]
    verdict = verify_obj(k6)             # the k6 claims: F is ~1e-6 here, not 0.025
    assert_refused_claim(verdict, ["loss", "critical", "hessian", "extra_dims"])
    # honest bounds for this box: every claim true except that it is critical
    V = objective.identity_teacher(k, k)
    statement = pipeline.propose_statement(_float_centre(W), V, -100, 128, None)
    obj = dict(k6, claims=dict(statement.claims),
               box={"centre": [list(r) for r in statement.centre], "radius": statement.radius})
    verdict = verify_obj(obj)
    assert_refused_claim(verdict, ["critical"], alone=True)
    assert "Krawczyk" in verdict.first_failure()


def _reduced_newton(theta, k, V, steps=60):
    E = search.ansatz_basis(k)           # the S1 x S_{k-1} orbit classes (a producer, not an oracle)
    B = E.reshape(5, -1)
    for _ in range(steps):
        W = np.tensordot(theta, E, 1)
        g = B @ objective.gradient(W, V).ravel()
        H = B @ objective.hessian(W, V) @ B.T
        theta = theta - np.linalg.solve(H, g)
    return np.tensordot(theta, E, 1)


@pytest.fixture(scope="module")
def saddle():
    """A critical point of F (k = 6) in the S1 x S5 fixed space with a negative
    Hessian eigenvalue, found by float Newton on the 5 reduced parameters."""
    k = 6
    V = objective.identity_teacher(k, k)
    for start in ([0.35, 0.34, 0.125, -0.735, 0.34], [1.07, 0.017, -0.014, -0.59, 0.39]):
        try:
            W = _reduced_newton(np.array(start), k, V)
        except np.linalg.LinAlgError:
            continue
        if np.linalg.norm(objective.gradient(W, V)) < 1e-12:
            lam = np.linalg.eigvalsh(objective.hessian(W, V))
            if lam[0] < -1e-3 and objective.loss(W, V) > 1e-3:
                return W, V, lam[0]
    pytest.fail("no saddle found from the fixed starts")


def test_saddle_claimed_as_minimum_is_refused(saddle, k6):
    W, V, lam = saddle
    assert np.linalg.norm(objective.gradient(W, V)) < 1e-12 and lam < 0
    centre = refine.newton(W, V, 128)
    d = V.shape[1]
    for radius_exp in (-100, -84, -68):
        # (d_max = d: the claim is about d = k only; the loss bounds are computed
        # in arb by the producer, the Hessian claim is ours)
        statement = pipeline.propose_statement(centre, V, radius_exp, 128, d)
        claims = {key: statement.claims[key] for key in ("loss_lower", "loss_upper")}
        obj = dict(k6, d_max=d, claims=dict(claims, hessian_min_eig_lower="1*2^-20"),  # the false claim
                   box={"centre": [list(r) for r in statement.centre], "radius": statement.radius})
        verdict = verify_obj(obj)
        if "critical" not in refused_claims(verdict):
            break
    # it IS a critical point in the box with the stated loss: only 'hessian' is false
    assert_refused_claim(verdict, ["hessian"], alone=True)
    obj["claims"]["hessian_min_eig_lower"] = "1*2^-1000"       # any positive bound
    assert_refused_claim(verify_obj(obj), ["hessian"], alone=True)


def _set_entry(obj, i, a, text):
    obj["box"]["centre"][i][a] = text


@pytest.mark.parametrize("delta", [1e-3, -1e-3, 1e-12, 1e-25])
def test_centre_moved_one_entry_is_refused(k6, delta):
    _set_entry(k6, 2, 3, shifted_text(k6["box"]["centre"][2][3], delta))
    assert_refused_claim(verify_obj(k6), ["loss", "critical", "hessian", "extra_dims"])


def test_centre_moved_all_entries_is_refused(k6):
    rng = np.random.default_rng(5)
    for i, row in enumerate(k6["box"]["centre"]):
        for a, x in enumerate(row):
            row[a] = shifted_text(x, float(rng.choice([-1e-3, 1e-3])))
    assert_refused_claim(verify_obj(k6), ["loss", "critical", "hessian", "extra_dims"])


def test_radius_zero_is_refused(k6):
    k6["box"]["radius"] = "0"
    assert_field_error(verify_obj(k6), "box.radius")


@pytest.mark.parametrize("radius", ["-1*2^-100", "-1"])
def test_negative_radius_is_refused(k6, radius):
    k6["box"]["radius"] = radius
    assert_field_error(verify_obj(k6), "box.radius")


def test_tiny_radius_fails_krawczyk(k6):
    """A box of radius 2^-400 around a dyadic centre almost surely misses the
    irrational critical point; at least the proof must fail."""
    k6["box"]["radius"] = "1*2^-400"
    assert_refused_claim(verify_obj(k6), ["critical"], alone=True)


@pytest.mark.parametrize("radius", ["1", "1*2^-3", "1*2^-20"])
def test_large_radius_is_refused(k6, radius):
    k6["box"]["radius"] = radius
    assert_refused_claim(verify_obj(k6), ["smooth", "critical", "hessian", "extra_dims", "loss"])


def test_loss_lower_above_true_loss_is_refused(k6):
    k6["claims"]["loss_lower"] = scaled_text(k6["claims"]["loss_upper"], Fraction(1025, 1024))
    k6["claims"]["loss_upper"] = scaled_text(k6["claims"]["loss_upper"], 2)
    verdict = verify_obj(k6)
    assert_refused_claim(verdict, ["loss"], alone=True)
    assert "not inside the claimed bounds" in verdict.first_failure()


def test_loss_lower_one_ulp_above_upper_end_is_refused(k6):
    """loss_upper is an upper bound of F on the box, so loss_lower = loss_upper + 2^-200
    is above the true loss."""
    k6["claims"]["loss_lower"] = dyadic(frac(k6["claims"]["loss_upper"]) + Fraction(1, 2 ** 200))
    assert_refused_claim(verify_obj(k6), ["loss"], alone=True)


@pytest.mark.parametrize("value", ["0", "-1*2^-67", "-1"])
def test_nonpositive_loss_lower_is_refused(k6, value):
    k6["claims"]["loss_lower"] = value
    verdict = verify_obj(k6)
    assert_refused_claim(verdict, ["loss"], alone=True)
    assert "not positive" in verdict.first_failure()


def test_loss_upper_below_true_loss_is_refused(k6):
    k6["claims"]["loss_upper"] = dyadic(frac(k6["claims"]["loss_lower"]) - Fraction(1, 2 ** 200))
    assert_refused_claim(verify_obj(k6), ["loss"], alone=True)
    k6["claims"]["loss_upper"] = scaled_text(k6["claims"]["loss_lower"], Fraction(1, 2))
    assert_refused_claim(verify_obj(k6), ["loss"], alone=True)


@pytest.mark.parametrize("factor", [2, Fraction(9, 8), 1024])
def test_hessian_claim_above_true_eigenvalue_is_refused(k6, factor):
    # the true lambda_min at the minimum is 0.0047004 < 1.125 * claim (MATH.md)
    k6["claims"]["hessian_min_eig_lower"] = scaled_text(k6["claims"]["hessian_min_eig_lower"], factor)
    verdict = verify_obj(k6)
    assert_refused_claim(verdict, ["hessian"], alone=True)
    assert "could not prove" in verdict.first_failure()


@pytest.mark.parametrize("value", ["0", "-1*2^-31", "-1"])
def test_nonpositive_hessian_claim_is_refused(k6, value):
    k6["claims"]["hessian_min_eig_lower"] = value
    verdict = verify_obj(k6)
    assert_refused_claim(verdict, ["hessian"], alone=True)
    assert "not positive" in verdict.first_failure()


@pytest.mark.parametrize("value", ["x2", "0", "-1"])
def test_extra_claim_raised_or_nonpositive_is_refused(k6, value):
    claims = k6["claims"]
    claims["extra_min_eig_lower"] = (scaled_text(claims["extra_min_eig_lower"], 2)
                                     if value == "x2" else value)
    assert_refused_claim(verify_obj(k6), ["extra_dims"], alone=True)


def test_teacher_sign_flip_is_refused(k6):
    """-v_1 is still orthonormal, but the centre is far from a critical point for it."""
    k6["teacher"][0] = [dyadic(-frac(x)) for x in k6["teacher"][0]]
    assert_refused_claim(verify_obj(k6), ["loss", "critical", "hessian", "extra_dims"])


def test_duplicated_neuron_is_refused(k6):
    """n = k + 1 with a neuron repeated: two parallel neurons (outside the smooth set)."""
    k6["box"]["centre"].append(list(k6["box"]["centre"][0]))
    k6["n"] += 1
    assert_refused_claim(verify_obj(k6), ["smooth"])


def _independent_extra_block_min_eig(obj) -> float:
    """lambda_min(M) at the centre, from the Hessian of the mpmath F embedded in
    dimension d + 1 (central differences of the closed-form gradient): the
    block of the new coordinate is M (MATH.md, d > k lemma)."""
    n, d = obj["n"], obj["d"]
    c1 = [[frac(x) for x in row] + [Fraction(0)] for row in obj["box"]["centre"]]
    V1 = [[frac(x) for x in row] + [Fraction(0)] for row in obj["teacher"]]
    h = Fraction(1, 2 ** 80)
    with mpmath.workdps(DPS):
        cols = []
        for i in range(n):
            plus = [row[:] for row in c1]
            minus = [row[:] for row in c1]
            plus[i][d] += h
            minus[i][d] -= h
            gp, gm = mp_gradient(plus, V1), mp_gradient(minus, V1)
            cols.append([float((gp[j * (d + 1) + d] - gm[j * (d + 1) + d]) * h.denominator / 2)
                         for j in range(n)])
    M = np.array(cols)
    assert np.abs(M - M.T).max() < 1e-12
    return float(np.linalg.eigvalsh((M + M.T) / 2)[0])


def test_dimension_range_wider_than_proved_is_refused(k6):
    """A statement proved for d = k only, widened: without the extra claim the
    file is malformed; with an extra claim 1% above the true lambda_min(M)
    (computed independently) the claim 'extra_dims' is refused, alone."""
    k6["d_max"] = k6["d"]
    extra = k6["claims"].pop("extra_min_eig_lower")
    assert verify_obj(k6).accepted                       # the narrow statement is true
    for d_max in (k6["d"] + 1, k6["d"] + 100, None):
        k6["d_max"] = d_max
        assert_field_error(verify_obj(k6), "claims")
    lam_x = _independent_extra_block_min_eig(k6)
    assert 0 < frac(extra) < lam_x < 1.0001 * float(frac(extra))   # the committed claim is true and tight
    for d_max in (k6["d"] + 1, None):
        k6["d_max"] = d_max
        k6["claims"]["extra_min_eig_lower"] = dyadic(Fraction(1.01 * lam_x))
        assert_refused_claim(verify_obj(k6), ["extra_dims"], alone=True)
    k6["claims"]["extra_min_eig_lower"] = extra
    assert verify_obj(k6).accepted


def test_relabelled_k7_padded_consistently_is_refused(k6):
    """k = n = d = 7 with the k = 6 point padded by w_7 = v_7 (a parallel pair)."""
    k = 7
    k6.update(k=k, n=k, d=k, teacher=identity_strings(k))
    k6["box"]["centre"] = [row + ["0"] for row in k6["box"]["centre"]] + [["0"] * 6 + ["1"]]
    assert_refused_claim(verify_obj(k6), ["smooth"])


# ---------------------------------------------------------------------------
# malformed statements: refused before any mathematics, naming the field
# ---------------------------------------------------------------------------
def _rm(*keys):
    def edit(obj):
        del get_path(obj, keys[:-1])[keys[-1]]
    return edit


def _set(*keys, value):
    def edit(obj):
        put_path(obj, keys, value(get_path(obj, keys)) if callable(value) else value)
    return edit


FIELD_CASES = {
    # types and values of scalars
    "k_bool": (_set("k", value=True), "k"),
    "k_string": (_set("k", value="6"), "k"),
    "k_null": (_set("k", value=None), "k"),
    "k_zero": (_set("k", value=0), "k"),
    "k_huge": (_set("k", value=10 ** 6), "k"),
    "k_relabelled_7": (_set("k", value=7), "n"),
    "k_relabelled_5": (_set("k", value=5), "teacher"),
    "n_7": (_set("n", value=7), "box.centre"),
    "n_5": (_set("n", value=5), "n"),
    "n_bool": (_set("n", value=True), "n"),
    "d_7": (_set("d", value=7), "teacher"),
    "d_5": (_set("d", value=5), "d"),
    "d_huge": (_set("d", value=10 ** 30), "d"),
    "nd_too_many": (lambda o: o.update(n=4096, d=4096), "n"),
    "version_2": (_set("version", value=2), "version"),
    "version_bool": (_set("version", value=True), "version"),
    "version_string": (_set("version", value="1"), "version"),
    "format": (_set("format", value="certify/relu-global-minimum"), "format"),
    "format_list": (_set("format", value=["certify/relu-spurious-minimum"]), "format"),
    "kind": (_set("kind", value="global_minimum"), "kind"),
    "kind_list": (_set("kind", value=["local_minimum"]), "kind"),
    "method": (_set("method", value="sparse"), "method"),
    "prec_low": (_set("prec", value=63), "prec"),
    "prec_high": (_set("prec", value=2049), "prec"),
    "prec_bool": (_set("prec", value=True), "prec"),
    "prec_string": (_set("prec", value="128"), "prec"),
    "d_max_below_d": (_set("d_max", value=5), "d_max"),
    "d_max_bool": (_set("d_max", value=True), "d_max"),
    "d_max_string": (_set("d_max", value="null"), "d_max"),
    "d_max_equal_d_with_extra_claim": (_set("d_max", value=6), "claims"),
    # missing / unknown fields
    **{f"missing_{key}": (_rm(key), key) for key in
       ["format", "version", "kind", "method", "k", "n", "d", "d_max", "teacher", "prec",
        "box", "claims", "software"]},
    "missing_radius": (_rm("box", "radius"), "box"),
    "missing_centre": (_rm("box", "centre"), "box"),
    "missing_claim": (_rm("claims", "loss_upper"), "claims"),
    "missing_extra_claim": (_rm("claims", "extra_min_eig_lower"), "claims"),
    "unknown_top": (_set("proof", value="trust me"), "proof"),
    "unknown_box": (_set("box", "shape", value="ball"), "box"),
    "unknown_claim": (_set("claims", "loss_exact", value="1"), "claims"),
    "box_list": (_set("box", value=[]), "box"),
    "claims_list": (_set("claims", value=[]), "claims"),
    "software_list": (_set("software", value=["certify"]), "software"),
    "software_int": (_set("software", "version", value=1), "software"),
    # shapes
    "centre_missing_row": (_set("box", "centre", value=lambda c: c[:-1]), "box.centre"),
    "centre_extra_row": (_set("box", "centre", value=lambda c: c + [c[0]]), "box.centre"),
    "centre_extra_column": (_set("box", "centre", value=lambda c: [r + ["0"] for r in c]), "box.centre[0]"),
    "centre_short_row": (_set("box", "centre", value=lambda c: [c[0]] + [c[1][:-1]] + c[2:]), "box.centre[1]"),
    "centre_flat": (_set("box", "centre", value=lambda c: [x for r in c for x in r]), "box.centre"),
    "centre_nested": (_set("box", "centre", value=lambda c: [[r] for r in c]), "box.centre[0]"),
    "centre_transposed_dict": (_set("box", "centre", value=lambda c: {"0": c}), "box.centre"),
    "teacher_missing_row": (_set("teacher", value=lambda t: t[:-1]), "teacher"),
    "teacher_extra_column": (_set("teacher", value=lambda t: [r + ["0"] for r in t]), "teacher[0]"),
    "teacher_not_orthonormal_scaled": (_set("teacher", value=lambda t: [["2" if x == "1" else x for x in r] for r in t]), "teacher"),
    "teacher_not_orthonormal_repeated": (_set("teacher", value=lambda t: [t[0]] + t[:-1]), "teacher"),
    "teacher_almost_orthonormal": (_set("teacher", 0, 0, value="9007199254740991*2^-53"), "teacher"),
    "teacher_rotated_not_exact": (_set("teacher", value=lambda t: [["3*2^-2", "5*2^-3"] + r[2:] if i == 0 else r for i, r in enumerate(t)]), "teacher"),
    "teacher_is_student": (lambda o: o.update(teacher=o["box"]["centre"]), "teacher"),
    # numbers that are not canonical dyadic strings
    "centre_int": (_set("box", "centre", 0, 0, value=0), "box.centre[0]"),
    "centre_null": (_set("box", "centre", 0, 0, value=None), "box.centre[0]"),
    "centre_list": (_set("box", "centre", 0, 0, value=["1"]), "box.centre[0]"),
    "radius_int": (_set("box", "radius", value=1), "box.radius"),
    "claim_int": (_set("claims", "loss_lower", value=0), "claims.loss_lower"),
    "teacher_int": (_set("teacher", 0, 0, value=1), "teacher[0]"),
}

NONCANONICAL = ["+1", "01", "00", "-0", "1*2^0", "2*2^-3", "1*2^-0", "3*2^1", "3*2^+1",
                "1*2^-01", "1*2^3", "0.5", "1e0", "1E-3", " 1", "1 ", "", "-", "NaN", "nan",
                "inf", "-inf", "Infinity", "0x1", "1/2", "1_0", "--1", "\u0661",
                "1*2^-1*2^-1", "0*2^-1", "-0*2^-1", "1 * 2^-1", "1*2**-1", "1*2^-1\t",
                "1" * 4001, "1*2^-" + "9" * 3999]
WHERE = {"centre": ("box", "centre", 0, 1), "teacher": ("teacher", 1, 1), "radius": ("box", "radius"),
         "loss_lower": ("claims", "loss_lower"), "hessian": ("claims", "hessian_min_eig_lower")}
FIELD_NAME = {"centre": "box.centre[0]", "teacher": "teacher[1]", "radius": "box.radius",
              "loss_lower": "claims.loss_lower", "hessian": "claims.hessian_min_eig_lower"}


@pytest.mark.parametrize("case", sorted(FIELD_CASES), ids=sorted(FIELD_CASES))
def test_malformed_field_is_refused(k6, case):
    edit, field = FIELD_CASES[case]
    edit(k6)
    t0 = time.perf_counter()
    assert_field_error(verify_obj(k6), field)
    assert time.perf_counter() - t0 < QUICK


@pytest.mark.parametrize("where", sorted(WHERE))
@pytest.mark.parametrize("text", NONCANONICAL, ids=[repr(t[:12]) for t in NONCANONICAL])
def test_noncanonical_number_is_refused(k6, where, text):
    _set(*WHERE[where], value=text)(k6)
    assert_field_error(verify_obj(k6), FIELD_NAME[where])


def test_even_mantissa_spelling_of_the_same_number_is_refused(k6):
    """The value is unchanged (m*2^e = 2m*2^(e-1)); only the spelling is not canonical."""
    x = k6["box"]["centre"][0][0]
    m, e = x.split("*2^")
    k6["box"]["centre"][0][0] = f"{2 * int(m)}*2^{int(e) - 1}"
    assert frac(x) == Fraction(2 * int(m), 2 ** (1 - int(e)))
    assert_field_error(verify_obj(k6), "box.centre[0]")


@pytest.mark.parametrize("where", ["teacher", "centre", "radius", "loss_lower"])
def test_dyadic_with_trailing_newline_is_refused(k6, where):
    path = WHERE[where]
    target = k6
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] += "\n"
    assert_field_error(verify_obj(k6), FIELD_NAME[where])


@pytest.mark.parametrize("info", [5, "text", [1, 2], None])
def test_info_must_be_an_object(k6, info):
    k6["info"] = info
    verdict = verify_obj(k6)
    assert not verdict.accepted and "info" in verdict.first_failure()


# ---------------------------------------------------------------------------
# bytes that are not a certificate at all
# ---------------------------------------------------------------------------
def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1, old
    return data.replace(old, new, 1)


BYTE_CASES = {
    "nan_constant": lambda b: _replace_once(b, b'"k": 6', b'"k": NaN'),
    "infinity_constant": lambda b: _replace_once(b, b'"k": 6', b'"k": Infinity'),
    "minus_infinity": lambda b: _replace_once(b, b'"prec": 128', b'"prec": -Infinity'),
    "float_k": lambda b: _replace_once(b, b'"k": 6', b'"k": 6.0'),
    "exponent_k": lambda b: _replace_once(b, b'"k": 6', b'"k": 6e0'),
    "minus_zero_int": lambda b: _replace_once(b, b'"version": 1', b'"version": -0'),
    "float_radius": lambda b: _replace_once(b, b'"radius": "1*2^-100"', b'"radius": 7.888609052210118e-31'),
    "leading_zero_int": lambda b: _replace_once(b, b'"k": 6', b'"k": 06'),
    "plus_int": lambda b: _replace_once(b, b'"k": 6', b'"k": +6'),
    "duplicate_top_key": lambda b: _replace_once(b, b' "k": 6,\n', b' "k": 6,\n "k": 6,\n'),
    "duplicate_claim": lambda b: b.replace(b'  "loss_lower"', b'  "loss_lower": "1",\n  "loss_lower"', 1),
    "duplicate_radius": lambda b: b.replace(b'  "radius"', b'  "radius": "1",\n  "radius"', 1),
    "truncated_last_byte": lambda b: b[:-1],
    "truncated_half": lambda b: b[: len(b) // 2],
    "truncated_one_byte": lambda b: b[:1],
    "empty": lambda b: b"",
    "two_documents": lambda b: b + b,
    "trailing_garbage": lambda b: b + b"x",
    "not_utf8_ff": lambda b: _replace_once(b, b'"certify"', b'"cert\xffify"'),
    "not_utf8_latin1": lambda b: _replace_once(b, b'"certify"', b'"c\xe9rtify"'),
    "not_utf8_overlong": lambda b: _replace_once(b, b'"certify"', b'"cert\xc0\xafify"'),
    "not_utf8_lone_continuation": lambda b: b"\x80" + b,
    "raw_utf8_non_ascii": lambda b: _replace_once(b, b'"certify"', "\"c\u00e9rtify\"".encode()),
    "utf16": lambda b: b.decode().encode("utf-16"),
    "tab_indent": lambda b: b.replace(b"\n ", b"\n\t"),
    "top_level_list": lambda b: b"[\n " + b[:-1] + b"\n]\n",
    "deep_nesting": lambda b: b"[" * 100000 + b"]" * 100000 + b"\n",
    "five_megabytes": lambda b: _replace_once(b, b'"certify"', b'"' + b"x" * (5 * 1024 * 1024) + b'"'),
}


@pytest.mark.parametrize("case", sorted(BYTE_CASES), ids=sorted(BYTE_CASES))
def test_unreadable_bytes_are_refused(case):
    data = BYTE_CASES[case](K6.read_bytes())
    assert data != K6.read_bytes()
    t0 = time.perf_counter()
    verdict = verify_bytes(data)
    assert time.perf_counter() - t0 < QUICK
    assert_unreadable(verdict)


def test_huge_inputs_are_refused_quickly_without_memory_blowup(k6):
    cases = [
        canonical_bytes(dict(k6, k=10 ** 6, n=10 ** 6, d=10 ** 6)),
        canonical_bytes(dict(k6, k=10 ** 4000)),
        canonical_bytes(dict(k6, info={"x": "y" * (5 * 1024 * 1024)})),
        canonical_bytes(dict(k6, teacher=[["1"] * 100000] * 20)),
        canonical_bytes(dict(k6, box={"centre": [["1"]] * 300000, "radius": "1"})),
        canonical_bytes(dict(k6, claims=dict(k6["claims"], loss_lower="7" * 4000))),
    ]
    for data in cases:
        tracemalloc.start()
        t0 = time.perf_counter()
        verdict = verify_bytes(data)
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert not verdict.accepted, verdict.first_failure()
        assert seconds < QUICK, seconds
        assert peak < 20 * len(data) + 50_000_000, peak


def test_integer_with_too_many_digits_is_unreadable():
    data = _replace_once(K6.read_bytes(), b'"k": 6', b'"k": ' + b"6" * 5000)
    verdict = verify_bytes(data)
    assert_unreadable(verdict)


_HUGE_EXPONENT = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from certify.kernel.verify import canonical_bytes, verify_bytes
obj = json.load(open(sys.argv[1]))
where, text = sys.argv[2], sys.argv[3]
if where == "radius":
    obj["box"]["radius"] = text
else:
    obj["teacher"][0][1] = text
t0 = time.perf_counter()
verdict = verify_bytes(canonical_bytes(obj))
print(verdict.accepted, round(time.perf_counter() - t0, 3))
"""


@pytest.mark.parametrize("where", ["radius", "teacher"])
def test_huge_exponent_is_refused_quickly(where):
    text = "1*2^-" + "9" * 12
    try:
        proc = subprocess.run([sys.executable, "-c", _HUGE_EXPONENT, str(K6), where, text],
                              capture_output=True, text=True, timeout=6 * QUICK, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"verification of a 17-character number did not finish in {6 * QUICK} s")
    assert proc.returncode == 0, proc.stderr[-500:]
    accepted, seconds = proc.stdout.split()
    assert accepted == "False" and float(seconds) < QUICK


def test_huge_exponent_in_claims_and_centre_is_harmless(k6):
    """Exponents that arb handles directly: refused or accepted quickly, soundly."""
    k6["claims"]["loss_lower"] = "1*2^-99999"                # a weaker, TRUE claim
    t0 = time.perf_counter()
    assert verify_obj(k6).accepted
    k6["claims"]["loss_lower"] = "1*2^-" + "9" * 30          # beyond the format's exponent range
    assert_field_error(verify_obj(k6), "claims.loss_lower")
    k6["claims"]["loss_lower"] = "1*2^-99999"
    k6["box"]["centre"][0][0] = "1*2^-99999"                 # neuron 0 moved far away
    assert_refused_claim(verify_obj(k6), ["loss", "critical", "hessian", "extra_dims"])
    k6["box"]["centre"][0][0] = "9" * 3999                    # neuron 0 astronomically long
    assert not verify_obj(k6).accepted
    assert time.perf_counter() - t0 < 2 * QUICK
