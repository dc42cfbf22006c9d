"""`python -m certify point` and saddle certificates (issue 5).

Saddles: the kernel's Morse index is compared with an independent count (numpy
eigenvalues of the float Hessian of certify.objective, and the mpmath gradient
of tests/helpers), and every false variant of a saddle statement is refused.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from flint import arb, arb_mat

from certify import certificate, objective, pipeline, point
from certify.kernel import inertia, preconditioners
from helpers import (K6, ROOT, dyadic, encode, format_problem, frac, load, mp_gradient,
                     to_float_matrix, verify_obj)

DATA = Path(__file__).resolve().parent / "data" / "point"
SADDLE_K4 = DATA / "saddle_k4_n4.json"      # n = k = d = 4, Morse index 2 (symmetric start + Newton)
SADDLE_K5_N6 = DATA / "saddle_k5_n6.json"   # n = 6 > k = 5, Morse index 2
MIN_K7_N8 = DATA / "minimum_k7_n8.json"     # n = 8 > k = 7, spurious local minimum
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def cli(*args, cwd=ROOT):
    proc = subprocess.run([sys.executable, "-m", "certify", *map(str, args)], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    return proc


def candidate(path: Path):
    obj = json.loads(path.read_text())
    W = np.array(obj["W"], dtype=float)
    return W, objective.identity_teacher(obj["k"], W.shape[1])


_CACHE = {}


def certified(path: Path) -> dict:
    """Certificate object of a stored candidate (computed once per session)."""
    if path not in _CACHE:
        W, V = candidate(path)
        _CACHE[path] = point.certify_candidate(W, V, 128).obj
    return json.loads(json.dumps(_CACHE[path]))


def independent_index(obj) -> tuple[int, float]:
    """(number of negative eigenvalues, min |eigenvalue|) of the float Hessian at the centre."""
    W, V = to_float_matrix(obj["box"]["centre"]), to_float_matrix(obj["teacher"])
    eig = np.linalg.eigvalsh(objective.hessian(W, V))
    return int(np.sum(eig < 0)), float(np.min(np.abs(eig)))


# ---------------------------------------------------------------------------
# the inertia lemma on explicit interval matrices
# ---------------------------------------------------------------------------
def _interval(M: np.ndarray, radius: float) -> arb_mat:
    n = M.shape[0]
    return arb_mat(n, n, [arb(float(x), radius) for x in M.ravel()])


def test_inertia_counts_negative_eigenvalues_of_a_rotated_diagonal():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    for diag, index in (([-2, -1, 0.5, 1, 3], 2), ([-1, 2, 3, 4, 5], 1), ([1, 2, 3, 4, 5], 0)):
        M = Q @ np.diag(diag) @ Q.T
        H = _interval((M + M.T) / 2, 1e-12)
        _, Qa = preconditioners.approximate_eigenvectors(H)
        assert inertia.certified_index(H, arb(0.4), Qa) == index
        # a gap wider than the smallest |eigenvalue| is refused
        assert inertia.certified_index(H, arb(1.2 * min(abs(x) for x in diag)), Qa) is None
        assert inertia.certified_index(H, arb(0), Qa) is None


def test_inertia_refuses_an_interval_containing_a_singular_matrix():
    H = _interval(np.diag([-1.0, 1e-3, 2.0]), 1e-2)    # contains diag(-1, 0, 2)
    Q = arb_mat([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert inertia.certified_index(H, arb(1e-4), Q) is None
    H = _interval(np.diag([-1.0, 1e-1, 2.0]), 1e-2)
    assert inertia.certified_index(H, arb(1e-2), Q) == 1


def test_inertia_with_a_bad_preconditioner_fails_rather_than_lies():
    M = np.array([[0.0, 1.0], [1.0, 0.0]])           # eigenvalues -1, 1: index 1
    H = _interval(M, 1e-12)
    assert inertia.certified_index(H, arb(0.1), arb_mat([[1, 0], [0, 1]])) is None
    s = 2 ** -0.5
    assert inertia.certified_index(H, arb(0.1), arb_mat([[s, s], [-s, s]])) == 1


# ---------------------------------------------------------------------------
# round trip of a committed minimum through `point`
# ---------------------------------------------------------------------------
def test_round_trip_perturbed_committed_minimum(tmp_path):
    obj = load(K6)
    W = to_float_matrix(obj["box"]["centre"])
    W += 1e-7 * np.random.default_rng(0).uniform(-1, 1, W.shape)
    (tmp_path / "cand.json").write_text(json.dumps({"k": obj["k"], "W": W.tolist()}))
    proc = cli("point", "cand.json", "--out", "cert.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1
    assert proc.stdout.startswith("local minimum, spurious (k=6, n=6, every d' >= 6)")
    data = (tmp_path / "cert.json").read_bytes()
    assert cli("verify", "cert.json", cwd=tmp_path).returncode == 0
    new = json.loads(data)
    assert new["kind"] == "local_minimum" and new["d_max"] is None
    assert frac(new["claims"]["loss_lower"]) <= frac(obj["claims"]["loss_upper"])
    assert frac(obj["claims"]["loss_lower"]) <= frac(new["claims"]["loss_upper"])
    shift = np.max(np.abs(to_float_matrix(new["box"]["centre"]) - to_float_matrix(obj["box"]["centre"])))
    assert shift < 1e-15    # Newton went back to the same critical point
    # the same point as .npy with --k; a second run leaves the file unchanged
    np.save(tmp_path / "cand.npy", W)
    proc = cli("point", "cand.npy", "--k", "6", "--out", "cert.json", cwd=tmp_path)
    assert proc.returncode == 0 and (tmp_path / "cert.json").read_bytes() == data, proc.stdout


# ---------------------------------------------------------------------------
# saddles: right index, false variants refused
# ---------------------------------------------------------------------------
def test_known_saddle_has_the_right_index_and_is_verified():
    obj = certified(SADDLE_K4)
    assert obj["kind"] == "saddle" and format_problem(obj) is None
    index, gap = independent_index(obj)
    assert obj["claims"]["morse_index"] == index == 2
    assert 0 < frac(obj["claims"]["hessian_min_abs_eig_lower"]) < gap
    assert max(abs(g) for g in mp_gradient([[frac(x) for x in r] for r in obj["box"]["centre"]],
                                           [[frac(x) for x in r] for r in obj["teacher"]])) < 1e-30
    verdict = verify_obj(obj)
    assert verdict.accepted, verdict.first_failure()
    assert [r.claim for r in verdict.results] == ["smooth", "loss", "index", "extra_dims", "critical"]


@pytest.mark.parametrize("index", [1, 3, 5])
def test_saddle_with_altered_index_is_refused(index):
    obj = certified(SADDLE_K4)
    obj["claims"]["morse_index"] = index
    verdict = verify_obj(obj)
    assert not verdict.accepted and "index" in verdict.first_failure()


@pytest.mark.parametrize("value", [0, 16, -1, "2", True, 2.0, None])
def test_saddle_index_outside_range_or_not_an_integer_is_malformed(value):
    obj = certified(SADDLE_K4)
    obj["claims"]["morse_index"] = value
    assert format_problem(obj) is not None
    if isinstance(value, float):
        return   # canonical bytes cannot hold a JSON float; the decoder refuses it separately
    verdict = verify_obj(obj)
    assert not verdict.accepted and verdict.error and "morse_index" in verdict.error


def test_saddle_relabelled_minimum_is_refused():
    obj = certified(SADDLE_K4)
    claims = obj["claims"]
    claims["hessian_min_eig_lower"] = claims.pop("hessian_min_abs_eig_lower")
    del claims["morse_index"]
    obj["kind"] = "local_minimum"
    assert format_problem(obj) is None      # well-formed, but false
    verdict = verify_obj(obj)
    assert not verdict.accepted and "hessian" in verdict.first_failure()


def test_minimum_relabelled_saddle_is_refused():
    obj = load(K6)
    claims = obj["claims"]
    claims["hessian_min_abs_eig_lower"] = claims.pop("hessian_min_eig_lower")
    obj["kind"] = "saddle"
    for index in (1, 2, 35):
        claims["morse_index"] = index
        assert format_problem(obj) is None
        verdict = verify_obj(obj)
        assert not verdict.accepted and "Morse index is 0" in verdict.first_failure()


@pytest.mark.parametrize("change", ["gap_too_wide", "gap_zero", "gap_negative", "loss_shifted",
                                    "extra_too_high", "wrong_keys", "min_key"])
def test_false_saddle_claims_are_refused(change):
    obj = certified(SADDLE_K4)
    claims = obj["claims"]
    _, gap = independent_index(obj)
    if change == "gap_too_wide":
        claims["hessian_min_abs_eig_lower"] = dyadic(2 * gap)
    elif change == "gap_zero":
        claims["hessian_min_abs_eig_lower"] = "0"
    elif change == "gap_negative":
        claims["hessian_min_abs_eig_lower"] = "-1*2^-10"
    elif change == "loss_shifted":
        claims["loss_lower"] = dyadic(frac(claims["loss_upper"]) + frac("1*2^-40"))
        claims["loss_upper"] = dyadic(frac(claims["loss_upper"]) + frac("1*2^-39"))
    elif change == "extra_too_high":
        claims["extra_min_eig_lower"] = "1"
    elif change == "wrong_keys":
        del claims["extra_min_eig_lower"]
    elif change == "min_key":
        claims["hessian_min_eig_lower"] = claims["hessian_min_abs_eig_lower"]
    verdict = verify_obj(obj)
    assert not verdict.accepted, change
    if change in ("gap_zero", "gap_negative", "wrong_keys", "min_key"):
        assert format_problem(obj) is not None


def test_saddle_loss_lower_may_be_nonpositive_but_must_be_true():
    obj = certified(SADDLE_K4)
    obj["claims"]["loss_lower"] = "0"
    assert format_problem(obj) is None
    assert verify_obj(obj).accepted          # a weaker, still true statement
    obj["claims"]["loss_upper"] = "1*2^-10"  # F ~ 0.028 > 2^-10: false
    assert not verify_obj(obj).accepted


def test_saddle_fixed_dimension_statement():
    obj = certified(SADDLE_K4)
    obj["d_max"] = obj["d"]
    del obj["claims"]["extra_min_eig_lower"]
    assert format_problem(obj) is None and verify_obj(obj).accepted


# ---------------------------------------------------------------------------
# n > k
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("path, kind, index", [(SADDLE_K5_N6, "saddle", 2), (MIN_K7_N8, "local_minimum", 0)])
def test_overparameterised_points(path, kind, index):
    obj = certified(path)
    assert obj["n"] == obj["k"] + 1 and obj["kind"] == kind and obj["d_max"] is None
    assert independent_index(obj)[0] == index
    if kind == "saddle":
        assert obj["claims"]["morse_index"] == index
    verdict = verify_obj(obj)
    assert verdict.accepted, verdict.first_failure()
    assert certificate.file_name(obj) == (
        f"k{obj['k']}_n{obj['n']}_" + ("saddle2" if kind == "saddle" else "min") + ".json")


def test_point_cli_saddle_one_line(tmp_path):
    proc = cli("point", SADDLE_K5_N6, "--out", tmp_path / "s.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip()
    assert "\n" not in line and line.startswith("saddle, Morse index 2 of 30 (k=5, n=6, every d' >= 5)")
    assert cli("verify", tmp_path / "s.json").returncode == 0


def test_parse_n_spec():
    assert point.parse_n_spec("n=9", 8) == [9]
    assert point.parse_n_spec("n=k+1,k+2", 8) == [9, 10]
    assert point.parse_n_spec("n=9..10", 8) == [9, 10]
    for bad in ("n=7", "n=x", "m=9", "n="):
        with pytest.raises(ValueError):
            point.parse_n_spec(bad, 8)


def test_n_below_k_is_a_usage_error():
    proc = cli("k=6", "n=5", "--out", "/nonexistent-dir")
    assert proc.returncode == 2 and "n must be >= k" in proc.stderr


@pytest.mark.slow
def test_overparameterised_search_cli(tmp_path):
    proc = cli("k=6", "n=k+1", "--out", tmp_path)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    written = sorted(tmp_path.glob("k6_n7_*.json"))
    assert written, proc.stdout + proc.stderr
    assert cli("verify", tmp_path).returncode == 0


# ---------------------------------------------------------------------------
# unusable candidates: exit 2, documented message, no traceback
# ---------------------------------------------------------------------------
MALFORMED = {
    "wrong_shape": ('{"k": 2, "W": [[1, 0.1, 0], [0.2, 1]]}', "wrong shape"),
    "nan": ('{"k": 2, "W": [[1, NaN], [0.2, 1]]}', "NaN"),
    "nan_string": ('{"k": 2, "W": [[1, "nan"], [0.2, 1]]}', "non-number"),
    "zero_row": ('{"k": 2, "W": [[0, 0, 0], [0.2, 1, 0.3]]}', "row 0 of W is zero"),
    "empty": ("", "empty"),
    "k_gt_d": ('{"k": 3, "W": [[1, 0.1], [0.2, 1], [0.5, 0.5]]}', "k = 3 > d = 2"),
    "n_lt_k": ('{"k": 3, "W": [[1, 0.1, 0], [0.2, 1, 0]]}', "n = 2 < k = 3"),
    "not_json": ("k = 3", "not valid JSON"),
    "list": ("[[1, 0], [0, 1]]", "top level"),
    "missing_w": ('{"k": 2}', 'missing field "W"'),
    "k_string": ('{"k": "2", "W": [[1, 0.1], [0.2, 1]]}', "integer"),
    "bad_teacher": ('{"k": 1, "W": [[1, 0.1]], "V": [[0.6, 0.7]]}', "orthonormal"),
    "too_big": ('{"k": 1, "W": [' + ",".join(["[" + ",".join(["0.5"] * 41) + "]"] * 41) + "]}", "exceeds"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_candidate_exit_2(case, tmp_path, capsys):
    text, message = MALFORMED[case]
    path = tmp_path / "cand.json"
    path.write_text(text)
    assert point.run_point([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not list(tmp_path.glob("*.cert.json"))


def test_malformed_npy_candidates_exit_2(tmp_path, capsys):
    cases = {"nan.npy": (np.array([[1.0, np.nan], [0.3, 1.0]]), "NaN"),
             "vector.npy": (np.array([1.0, 0.5]), "wrong shape"),
             "zero.npy": (np.array([[1.0, 0.2], [0.0, 0.0]]), "row 1 of W is zero")}
    for name, (array, message) in cases.items():
        np.save(tmp_path / name, array)
        assert point.run_point([str(tmp_path / name), "--k", "2"]) == 2, name
        assert message in capsys.readouterr().err, name
    assert point.run_point([str(tmp_path / "nan.npy")]) == 2
    assert "--k" in capsys.readouterr().err
    (tmp_path / "garbage.npy").write_bytes(b"not numpy")
    assert point.run_point([str(tmp_path / "garbage.npy"), "--k", "2"]) == 2
    assert point.run_point([str(tmp_path / "missing.json")]) == 2


def test_malformed_candidates_through_the_cli(tmp_path):
    (tmp_path / "empty.json").write_text("")
    proc = cli("point", "empty.json", cwd=tmp_path)
    assert proc.returncode == 2 and "empty" in proc.stderr
    proc = cli("point", "--prec", "5", "empty.json", cwd=tmp_path)
    assert proc.returncode == 2


# ---------------------------------------------------------------------------
# usable but not certifiable: exit 1 with the reason
# ---------------------------------------------------------------------------
def test_parallel_neurons_not_certified(tmp_path, capsys):
    path = tmp_path / "par.json"
    path.write_text('{"k": 2, "W": [[1, 0.5], [2, 1.0]]}')
    assert point.run_point([str(path)]) == 1
    assert "parallel" in capsys.readouterr().out


def test_global_minimum_not_certified(tmp_path, capsys):
    W = np.eye(3) + 1e-7 * np.random.default_rng(1).uniform(-1, 1, (3, 3))
    path = tmp_path / "global.json"
    path.write_text(json.dumps({"k": 3, "W": W.tolist()}))
    assert point.run_point([str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("not certified:") and out.count("\n") == 1, out


def test_point_symmetric_detects_blocks_and_the_verifier_accepts(tmp_path):
    """`point --symmetric`: a perturbed S1 x S5 minimum is certified by the reduced
    method; the certificate is re-proved, and refused once its block structure is wrong."""
    from certify.kernel.verify import canonical_bytes, verify_bytes
    W = np.array([[frac(x) for x in row] for row in load(K6)["box"]["centre"]], dtype=float)
    candidate = tmp_path / "cand.json"
    candidate.write_text(json.dumps({"k": 6, "W": (W + 1e-7).tolist()}))
    proc = cli("point", candidate, "--symmetric", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [cert] = list((tmp_path / "out").iterdir())
    obj = json.loads(cert.read_bytes())
    assert obj["method"] == "symmetric" and sorted(obj["blocks"]) == [1, 5]
    assert verify_bytes(cert.read_bytes()).accepted
    obj["blocks"] = [2, 4]
    assert not verify_bytes(canonical_bytes(obj)).accepted
