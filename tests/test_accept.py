"""The verifier ACCEPTS what is true: every committed certificate, and true
statements derived from them (symmetry images, weaker claims, narrower
dimension ranges), each re-proved from canonical bytes by verify_bytes.  What is
stated is checked independently (landmarks, mpmath, finite differences)."""
from __future__ import annotations

import copy
import hashlib
import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from certify.kernel.verify import verify_bytes
from certify.cli.output import file_name
from certify.producer.objective import extra_dimension_block, gradient, hessian, loss
from certify.producer.reduced import embed
from helpers import K6, certificate_paths, load, symmetric_paths, verify_obj
from oracle.formulas import DPS, fd_extra_block, fd_hessian, mp, mp_gradient, mp_loss, symmetric_min_eig
from oracle.fmt import format_problem
from oracle.numbers import dyadic, frac, scaled_text, to_float_matrix, to_fractions

PATHS = certificate_paths()
SYM_PATHS = symmetric_paths()
# published landmarks (Safran & Shamir 2018): loss to 9 decimals, lambda_min to 7
LANDMARKS = {6: (0.025080581, 0.0047004), 8: (0.021508037, 0.0213466),
             12: (0.016523793, 0.0393474), 20: (0.011275582, 0.0550926)}


def test_there_are_committed_certificates():
    assert K6 in PATHS
    names = {p.name for p in SYM_PATHS}
    for k in (100, 1000, 10000):
        assert f"k{k}_n{k}_S1xS{k - 1}_sym.json" in names


@pytest.mark.parametrize("path", PATHS + SYM_PATHS, ids=lambda p: p.name)
def test_committed_certificate_is_accepted(path):
    data = path.read_bytes()
    verdict = verify_bytes(data)
    assert verdict.accepted, verdict.first_failure()
    assert verdict.first_failure() == "" and not verdict.unreadable
    obj = json.loads(data)
    assert verdict.method == obj["method"]
    expected = {"smooth", "loss", "hessian", "critical"}
    if obj["d_max"] is None or obj["d_max"] > obj["d"]:
        expected.add("extra_dims")
    assert {r.claim for r in verdict.results} == expected
    assert verdict.sha256 == hashlib.sha256(data).hexdigest()
    if obj["method"] == "symmetric":
        assert obj["blocks"] == [1, obj["k"] - 1]


@pytest.mark.parametrize("path", PATHS + SYM_PATHS, ids=lambda p: p.name)
def test_committed_certificate_states_the_landmark(path):
    """Independent check of what is stated (landmarks, n = k = d, identity teacher)."""
    obj = load(path)
    k = obj["k"]
    assert obj["n"] == obj["d"] == k and obj["d_max"] is None
    if obj["method"] == "dense":
        assert obj["teacher"] == [["1" if i == j else "0" for j in range(k)] for i in range(k)]
    else:
        assert obj["teacher"] == "identity"
    lo, hi = frac(obj["claims"]["loss_lower"]), frac(obj["claims"]["loss_upper"])
    # tight enclosures: 1e-12 relative (dense); the reduced sums over k^2 pairs at k up
    # to 10^6 lose a few more digits at the same precision
    width = Fraction(1, 10 ** 12) if obj["method"] == "dense" else Fraction(1, 10 ** 10)
    assert 0 < lo <= hi < lo * (1 + width)
    if k in LANDMARKS:
        loss_value, lam = LANDMARKS[k]
        assert abs(float(lo) - loss_value) < 2e-9
        mu = float(frac(obj["claims"]["hessian_min_eig_lower"]))
        assert lam - 1e-6 < mu < lam + 1e-7


SMALL_PATHS = [p if load(p)["k"] == 6 else pytest.param(p, marks=pytest.mark.slow)
               for p in PATHS if load(p)["n"] * (load(p)["d"] + 1) <= 64]


@pytest.mark.parametrize("path", SMALL_PATHS, ids=lambda p: p.name)
def test_committed_claims_agree_with_an_independent_computation(path):
    """What the kernel accepted is true by a computation that shares no code with
    it: F and grad F in mpmath (60 digits) from the closed forms, the Hessian and
    the d > k block M by central differences of that gradient (tests/oracle)."""
    obj = load(path)
    c, V = to_fractions(obj["box"]["centre"]), to_fractions(obj["teacher"])
    claims = {key: frac(v) for key, v in obj["claims"].items()}
    with mpmath.workdps(DPS):
        assert max(abs(g) for g in mp_gradient(c, V)) < 1e-25          # (near) critical
        F = mp_loss(c, V)
        assert mp(claims["loss_lower"]) <= F <= mp(claims["loss_upper"])
    lam = symmetric_min_eig(fd_hessian(c, V))
    mu = float(claims["hessian_min_eig_lower"])
    assert 0 < mu < lam and lam - mu < 1e-4 * lam
    lam_x = symmetric_min_eig(fd_extra_block(c, V))
    mu_x = float(claims["extra_min_eig_lower"])
    assert 0 < mu_x < lam_x and lam_x - mu_x < 1e-4 * lam_x


@pytest.mark.parametrize("path", [p if load(p)["k"] <= 100 else pytest.param(p, marks=pytest.mark.slow)
                                  for p in SYM_PATHS if load(p)["k"] <= 1000], ids=lambda p: p.name)
def test_committed_symmetric_claims_agree_with_dense_floats(path):
    """The reduced claims against the dense numpy objective over all k^2 coordinates."""
    obj = load(path)
    k = obj["k"]
    W, V = embed((1, k - 1), [float(frac(x)) for x in obj["box"]["centre"]]), np.eye(k)
    lo = float(frac(obj["claims"]["loss_lower"]))
    assert abs(loss(W, V) - lo) < 1e-12 * k and lo > 0      # float sum of k^2 terms
    assert np.max(np.abs(gradient(W, V))) < 1e-12
    mu = float(frac(obj["claims"]["extra_min_eig_lower"]))
    assert 0 < mu < np.linalg.eigvalsh(extra_dimension_block(W, V))[0]


# ---------------------------------------------------------------------------
# the same theorem, other spellings
# ---------------------------------------------------------------------------
def permuted(obj, rows=None, cols=None, col_signs=None, teacher_rows=None):
    """Permute neurons / teacher rows, and apply a signed coordinate permutation (an
    orthogonal map) to student and teacher together."""
    out = copy.deepcopy(obj)
    C, V = out["box"]["centre"], out["teacher"]
    n, d = len(C), len(C[0])
    rows = rows or list(range(n))
    cols = cols or list(range(d))
    col_signs = col_signs or [1] * d
    teacher_rows = teacher_rows or list(range(len(V)))

    def tx(row):
        return [row[a] if col_signs[a] > 0 else dyadic(-frac(row[a])) for a in cols]
    out["box"]["centre"] = [tx(C[i]) for i in rows]
    out["teacher"] = [tx(V[j]) for j in teacher_rows]
    return out


def hadamard_rotated(obj):
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
    image = hadamard_rotated(k6)
    assert image["teacher"][0][:4] == ["1*2^-1"] * 4
    verdict = verify_obj(image)
    assert verdict.accepted, verdict.first_failure()


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
    image = permuted(k6, **args)
    assert image != k6
    verdict = verify_obj(image)
    assert verdict.accepted, verdict.first_failure()


# ---------------------------------------------------------------------------
# weaker statements
# ---------------------------------------------------------------------------
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


@pytest.mark.parametrize("name", ["k6", "sym100", "saddle_k4"])
def test_narrower_dimension_range_is_accepted(request, name):
    """d_max = d without the extra claim states less than d_max = null: proved, and the
    claim extra_dims is no longer part of the proof."""
    obj = request.getfixturevalue(name)
    obj["d_max"] = obj["d"]
    del obj["claims"]["extra_min_eig_lower"]
    verdict = verify_obj(obj)
    assert verdict.accepted, verdict.first_failure()
    assert "extra_dims" not in {r.claim for r in verdict.results}


def test_finite_dimension_range_is_accepted(k6):
    """d_max = d + 3 claims less than d_max = null."""
    k6["d_max"] = k6["d"] + 3
    verdict = verify_obj(k6)
    assert verdict.accepted and "extra_dims" in {r.claim for r in verdict.results}


def test_huge_exponent_weaker_claim_is_accepted(k6):
    """1*2^-99999 is inside the format's exponent range: a weaker, TRUE loss claim."""
    k6["claims"]["loss_lower"] = "1*2^-99999"
    assert verify_obj(k6).accepted


def test_symmetric_weaker_statements_are_accepted(sym100):
    """Free text and a weaker loss claim."""
    sym100["info"] = {"note": "x"}
    sym100["claims"]["loss_upper"] = "1"
    assert verify_obj(sym100).accepted


def test_saddle_loss_lower_may_be_zero(saddle_k4):
    """A saddle is not claimed spurious: loss_lower <= 0 is a weaker, true statement."""
    saddle_k4["claims"]["loss_lower"] = "0"
    assert verify_obj(saddle_k4).accepted


# ---------------------------------------------------------------------------
# saddles and n > k students certified by the producer
# ---------------------------------------------------------------------------
def independent_index(obj) -> tuple[int, float]:
    """(number of negative eigenvalues, min |eigenvalue|) of the float Hessian at the
    centre (numpy eigenvalues of producer.objective, not the kernel's inertia test)."""
    W, V = to_float_matrix(obj["box"]["centre"]), to_float_matrix(obj["teacher"])
    eig = np.linalg.eigvalsh(hessian(W, V))
    return int(np.sum(eig < 0)), float(np.min(np.abs(eig)))


def test_known_saddle_has_the_right_index_and_is_accepted(saddle_k4):
    obj = saddle_k4
    assert obj["kind"] == "saddle" and format_problem(obj) is None
    index, gap = independent_index(obj)
    assert obj["claims"]["morse_index"] == index == 2
    assert 0 < frac(obj["claims"]["hessian_min_abs_eig_lower"]) < gap
    assert max(abs(g) for g in mp_gradient(to_fractions(obj["box"]["centre"]),
                                           to_fractions(obj["teacher"]))) < 1e-30
    verdict = verify_obj(obj)
    assert verdict.accepted, verdict.first_failure()
    assert [r.claim for r in verdict.results] == ["smooth", "loss", "index", "extra_dims", "critical"]


@pytest.mark.parametrize("name, kind, index", [("saddle_k5_n6.json", "saddle", 2),
                                               ("minimum_k7_n8.json", "local_minimum", 0)])
def test_overparameterised_points_are_accepted(point_certificates, name, kind, index):
    obj = point_certificates(name)
    assert obj["n"] == obj["k"] + 1 and obj["kind"] == kind and obj["d_max"] is None
    assert independent_index(obj)[0] == index
    if kind == "saddle":
        assert obj["claims"]["morse_index"] == index
    verdict = verify_obj(obj)
    assert verdict.accepted, verdict.first_failure()
    assert file_name(obj) == f"k{obj['k']}_n{obj['n']}_" + ("saddle2" if kind == "saddle" else "min") + ".json"
