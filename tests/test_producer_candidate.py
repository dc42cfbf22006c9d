"""Candidate files for `certify point` (certify/producer/candidate.py): every unusable
file is refused with one line naming the problem (exit 2), before any work and
without writing anything; usable ones are read exactly."""
from __future__ import annotations

import json

import numpy as np
import pytest

from certify.cli import main
from certify.producer.candidate import (BadCandidate, check_candidate, parallel_pair, read_candidate,
                                        read_symmetric_candidate)

MALFORMED = {
    "wrong_shape": ('{"k": 2, "W": [[1, 0.1, 0], [0.2, 1]]}', "wrong shape"),
    "nan": ('{"k": 2, "W": [[1, NaN], [0.2, 1]]}', "NaN"),
    "nan_string": ('{"k": 2, "W": [[1, "nan"], [0.2, 1]]}', "non-number"),
    "bool_entry": ('{"k": 2, "W": [[1, true], [0.2, 1]]}', "non-number"),
    "infinite": ('{"k": 2, "W": [[1, 1e400], [0.2, 1]]}', "not a finite number"),
    "zero_row": ('{"k": 2, "W": [[0, 0, 0], [0.2, 1, 0.3]]}', "row 0 of W is zero"),
    "empty": ("", "empty"),
    "whitespace": ("  \n", "empty"),
    "k_gt_d": ('{"k": 3, "W": [[1, 0.1], [0.2, 1], [0.5, 0.5]]}', "k = 3 > d = 2"),
    "n_lt_k": ('{"k": 3, "W": [[1, 0.1, 0], [0.2, 1, 0]]}', "n = 2 < k = 3"),
    "k_zero": ('{"k": 0, "W": [[1, 0.1], [0.2, 1]]}', "positive integer"),
    "not_json": ("k = 3", "not valid JSON"),
    "not_utf8": (b'{"k": 2, "W": [[1, 0.1], [0.2, 1]], "info": "\xff"}', "UTF-8"),
    "list": ("[[1, 0], [0, 1]]", "top level"),
    "missing_w": ('{"k": 2}', 'missing field "W"'),
    "missing_k": ('{"W": [[1, 0.1], [0.2, 1]]}', 'missing field "k"'),
    "unknown_field": ('{"k": 2, "W": [[1, 0.1], [0.2, 1]], "w": 1}', "unknown field"),
    "k_string": ('{"k": "2", "W": [[1, 0.1], [0.2, 1]]}', "integer"),
    "empty_w": ('{"k": 1, "W": []}', "non-empty"),
    "bad_teacher": ('{"k": 1, "W": [[1, 0.1]], "V": [[0.6, 0.7]]}', "orthonormal"),
    "teacher_shape": ('{"k": 1, "W": [[1, 0.1]], "V": [[1, 0], [0, 1]]}', "V must have shape"),
    "too_big": ('{"k": 1, "W": [' + ",".join(["[" + ",".join(["0.5"] * 41) + "]"] * 41) + "]}", "exceeds"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_candidate_is_refused_with_one_line(case, tmp_path, capsys):
    text, message = MALFORMED[case]
    path = tmp_path / "cand.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(BadCandidate, match=message.replace("(", r"\(")):
        read_candidate(path, None)
    assert main(["point", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and str(path) in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cand.json"]     # nothing written


@pytest.mark.parametrize("name, array, message", [
    ("nan.npy", np.array([[1.0, np.nan], [0.3, 1.0]]), "NaN"),
    ("vector.npy", np.array([1.0, 0.5]), "wrong shape"),
    ("zero.npy", np.array([[1.0, 0.2], [0.0, 0.0]]), "row 1 of W is zero"),
    ("complex.npy", np.array([[1.0 + 1j, 0.0], [0.0, 1.0]]), "real numbers"),
    ("strings.npy", np.array([["a", "b"], ["c", "d"]]), "real numbers")])
def test_malformed_npy_candidates_are_refused(tmp_path, capsys, name, array, message):
    np.save(tmp_path / name, array)
    with pytest.raises(BadCandidate, match=message):
        read_candidate(tmp_path / name, 2)
    assert main(["point", str(tmp_path / name), "--k", "2"]) == 2
    assert message in capsys.readouterr().err


def test_npy_needs_k_and_garbage_is_refused(tmp_path, capsys):
    np.save(tmp_path / "ok.npy", np.array([[1.0, 0.2], [0.3, 1.0]]))
    assert main(["point", str(tmp_path / "ok.npy")]) == 2
    assert "--k" in capsys.readouterr().err
    (tmp_path / "garbage.npy").write_bytes(b"not numpy")
    assert main(["point", str(tmp_path / "garbage.npy"), "--k", "2"]) == 2
    assert "not a readable .npy" in capsys.readouterr().err
    assert main(["point", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_k_option_and_file_must_agree(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"k": 2, "W": [[1, 0.1], [0.2, 1]]}))
    with pytest.raises(BadCandidate, match="contradicts"):
        read_candidate(path, 1)
    W, V = read_candidate(path, 2)
    assert np.array_equal(W, [[1, 0.1], [0.2, 1]]) and np.array_equal(V, np.eye(2))


def test_an_exactly_orthonormal_teacher_is_read_exactly(tmp_path):
    path = tmp_path / "c.json"
    V = [[0.0, -1.0, 0.0], [0.5, 0.0, 0.5]]           # second row has norm^2 = 1/2: not orthonormal
    path.write_text(json.dumps({"k": 2, "W": [[1, 0.1, 0.2], [0.2, 1, 0.3]], "V": V}))
    with pytest.raises(BadCandidate, match="orthonormal"):
        read_candidate(path, None)
    V = [[0.0, -1.0, 0.0], [0.0, 0.0, 1.0]]
    path.write_text(json.dumps({"k": 2, "W": [[1, 0.1, 0.2], [0.2, 1, 0.3]], "V": V}))
    assert np.array_equal(read_candidate(path, None)[1], V)


def test_parallel_pairs_are_named():
    W, V = np.array([[1.0, 0.5], [2.0, 1.0]]), np.eye(2)
    assert parallel_pair(W, V) == "w_0 and w_1 are parallel: F is not twice differentiable there"
    assert "w_0 and v_0" in parallel_pair(np.array([[-3.0, 0.0], [0.2, 1.0]]), V)    # antiparallel
    assert parallel_pair(np.array([[1.0, 0.5], [0.2, 1.0]]), V) is None


def test_check_candidate_accepts_n_above_k_and_d_above_k():
    W, V = check_candidate(np.ones((4, 3)) + np.eye(4, 3), 2)
    assert V.shape == (2, 3) and np.array_equal(V, np.eye(2, 3))


def test_symmetric_candidates_need_n_equal_k_equal_d_and_teacher_identity(tmp_path):
    path = tmp_path / "c.json"
    for obj in ({"W": [[1, 0.1, 0.2], [0.2, 1, 0.3]]}, {"k": 2, "W": [[1, 0.1, 0.2], [0.2, 1, 0.3], [0, 0, 1]]},
                {"W": [[1, 0.1], [0.2, 1]], "V": [[0, 1], [1, 0]]}):
        path.write_text(json.dumps(obj))
        with pytest.raises(BadCandidate, match="n = k = d"):
            read_symmetric_candidate(path)
    path.write_text(json.dumps({"W": [[1, 0.1], [0.2, 1]]}))
    assert read_symmetric_candidate(path).shape == (2, 2)
