"""The command line doing its job, run as a subprocess (`python -m certify ...`):
verify (one line per file in natural order, what each proves, a summary; problems on
standard error), certify k=... (reproducible bytes, no silent overwrite), point and
symmetric (a user's point), --json and -q.  Exit codes: 0 all proved/written, 1 a
claim refused or not certified, 2 unusable input (unreadable or malformed file, usage,
output path).  Misuse is tested in test_cli_bad_input.py."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from fractions import Fraction

import numpy as np
import pytest

from certify.cli import main
from certify.cli.common import parse_n_values, UsageError
from certify.kernel.verify import verify_bytes
from certify.cli.output import same_statement
from helpers import CERT_DIR, K6, POINT_DATA, certificate_paths, encode, load, run_certify
from oracle.numbers import dyadic, frac, to_float_matrix

SLOW = pytest.mark.slow


def snapshot(folder):
    return {p.relative_to(folder): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def decimal_value(text: str) -> Fraction:
    mantissa, _, power = text.partition("e")
    return Fraction(mantissa) * Fraction(10) ** int(power or 0)


def natural(path) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


# ---------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------
def test_verify_committed_certificates_default_folder():
    """One OK line per file in natural order (k6 before k10), naming the file, its SHA-256
    and what it proves (loss interval printed outward from the exact claims); a summary."""
    proc = run_certify("verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    *lines, summary = proc.stdout.strip().splitlines()
    every = sorted(CERT_DIR.rglob("*.json"), key=lambda p: natural(p.relative_to(CERT_DIR.parent)))
    assert len(lines) == len(every) > len(certificate_paths())
    assert summary.startswith(f"{len(every)} proved, 0 refused, 0 unreadable")
    for line, path in zip(lines, every):
        obj = load(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert line.startswith("OK") and str(path.relative_to(CERT_DIR.parent)) in line and digest in line, line
        if obj["method"] == "transition":        # what a transition proves: k* (tests/test_family.py)
            assert "saddle below k*, minimum above, k* in [" in line, line
            continue
        k, n, d = obj["k"], obj["n"], obj["d"]
        assert f"spurious local minimum, k={k} n={n} d >= {d}" in line, line
        lo, hi = re.search(r"F in \[([0-9.e-]+), ([0-9.e-]+)\]", line).groups()
        assert decimal_value(lo) <= frac(obj["claims"]["loss_lower"]) <= frac(obj["claims"]["loss_upper"]) \
            <= decimal_value(hi)
    names = [line.split()[1] for line in lines]
    assert names.index("certificates/k6_n6_S1xS5.json") < names.index("certificates/k10_n10_S1xS9.json")


def test_verify_explicit_paths_and_folder(tmp_path):
    shutil.copy(K6, tmp_path / K6.name)
    for args in ([K6], [tmp_path], [K6, tmp_path / K6.name]):
        proc = run_certify("verify", *args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert hashlib.sha256(K6.read_bytes()).hexdigest() in proc.stdout
        assert proc.stdout.strip().splitlines()[-1].startswith(f"{len(args)} proved, 0 refused, 0 unreadable")


def test_verify_refused_certificate_exit_1_one_line(tmp_path):
    obj = load(K6)
    obj["claims"]["hessian_min_eig_lower"] = dyadic(2 * frac(obj["claims"]["hessian_min_eig_lower"]))
    bad = tmp_path / "bad.json"
    bad.write_bytes(encode(obj))
    proc = run_certify("verify", bad, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("REFUSED") and "bad.json" in line
    assert "claim 'hessian' refused" in line
    assert hashlib.sha256(bad.read_bytes()).hexdigest() in line
    assert proc.stdout.strip().startswith("0 proved, 1 refused, 0 unreadable")


def test_verify_malformed_field_is_unreadable_exit_2(tmp_path):
    """Changed on purpose: a malformed certificate is not a statement, so it is
    'unreadable' (exit 2), no longer 'refused' (exit 1)."""
    obj = load(K6)
    obj["k"] = 7
    bad = tmp_path / "k7.json"
    bad.write_bytes(encode(obj))
    proc = run_certify("verify", bad, cwd=tmp_path)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("UNREADABLE") and "malformed: field n" in line


@pytest.mark.parametrize("content", [K6.read_bytes()[:100], K6.read_bytes()[:-1], b"",
                                     b"\xff\xfe" + K6.read_bytes(), b"not json\n",
                                     K6.read_bytes().replace(b"\n", b"\r\n")],
                         ids=["truncated", "no_final_newline", "empty", "not_utf8", "not_json", "crlf"])
def test_verify_unreadable_file_exit_2(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    proc = run_certify("verify", bad, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("UNREADABLE") and "bad.json" in line and "unreadable" in line


def test_verify_missing_file_exit_2(tmp_path):
    proc = run_certify("verify", tmp_path / "nope.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "nope.json" in proc.stderr and "No such file" in proc.stderr


def test_verify_worst_status_wins_and_every_file_is_reported(tmp_path):
    obj = load(K6)
    obj["claims"]["loss_lower"] = "-1"
    (tmp_path / "a_good.json").write_bytes(K6.read_bytes())
    (tmp_path / "b_refused.json").write_bytes(encode(obj))
    proc = run_certify("verify", tmp_path, cwd=tmp_path)
    assert proc.returncode == 1
    assert len(proc.stdout.strip().splitlines()) == 2 and len(proc.stderr.strip().splitlines()) == 1
    (tmp_path / "c_truncated.json").write_bytes(K6.read_bytes()[:50])
    proc = run_certify("verify", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stdout.strip().splitlines()) == 2 and len(proc.stderr.strip().splitlines()) == 2
    assert proc.stdout.strip().splitlines()[-1].startswith("1 proved, 1 refused, 1 unreadable")


def test_verify_writes_nothing(tmp_path):
    (tmp_path / "certificates").mkdir()
    shutil.copy(K6, tmp_path / "certificates" / K6.name)
    shutil.copy(K6, tmp_path / K6.name)
    (tmp_path / "bad.json").write_bytes(b"{}\n")
    before = snapshot(tmp_path)
    codes = [run_certify(*args, cwd=tmp_path).returncode for args in
             (["verify"], ["verify", tmp_path], ["verify", K6.name, "bad.json"])]
    assert codes == [0, 2, 2]                    # {} is malformed: unreadable, exit 2
    assert snapshot(tmp_path) == before


def test_verify_huge_integer_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(K6.read_bytes().replace(b'"k": 6', b'"k": ' + b"6" * 5000, 1))
    proc = run_certify("verify", bad, cwd=tmp_path, timeout=60)     # (asserts: no traceback)
    assert proc.returncode == 2


def test_verify_prints_sha256_of_the_canonical_bytes(tmp_path):
    from certify.kernel.format import canonical_bytes
    proc = run_certify("verify", K6, cwd=tmp_path)
    assert proc.returncode == 0
    digest = hashlib.sha256(canonical_bytes(json.loads(K6.read_bytes()))).hexdigest()
    assert f"sha256 {digest}" in proc.stdout


def test_verify_one_line_per_problem_file_naming_claim_or_field(tmp_path):
    k6 = load(K6)
    refused = {
        "a_loss.json": (dict(k6, claims=dict(k6["claims"], loss_upper=k6["claims"]["loss_lower"],
                                             loss_lower=dyadic(frac(k6["claims"]["loss_lower"]) / 2 + 1))),
                        "claim 'loss' refused"),
        "b_extra.json": (dict(k6, claims=dict(k6["claims"], extra_min_eig_lower="1")),
                         "claim 'extra_dims' refused"),
    }
    malformed = {
        "c_radius.json": (dict(k6, box=dict(k6["box"], radius="0")), "field box.radius"),
        "d_kind.json": (dict(k6, kind="global_minimum"), "field kind"),
        "e_missing.json": ({key: v for key, v in k6.items() if key != "teacher"}, "field teacher"),
    }
    for name, (obj, _) in {**refused, **malformed}.items():
        (tmp_path / name).write_bytes(encode(obj))
    (tmp_path / "f_truncated.json").write_bytes(K6.read_bytes()[:-10])
    proc = run_certify("verify", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2                     # an unreadable file is the worst status
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(refused) + len(malformed) + 1
    expected = [("REFUSED", name, words) for name, (_, words) in sorted(refused.items())]
    expected += [("UNREADABLE", name, words) for name, (_, words) in sorted(malformed.items())]
    expected += [("UNREADABLE", "f_truncated.json", "unreadable")]
    for line, (status, name, words) in zip(lines, expected):
        assert line.startswith(status) and name in line and words in line, line
    assert proc.stdout.strip() .startswith("0 proved, 2 refused, 4 unreadable")
    for name in list(malformed) + ["f_truncated.json"]:
        (tmp_path / name).unlink()
    assert run_certify("verify", tmp_path, cwd=tmp_path).returncode == 1


def test_verify_json_has_the_documented_fields(tmp_path):
    bad = tmp_path / "bad.json"
    obj = load(K6)
    obj["claims"]["loss_lower"] = "-1"
    bad.write_bytes(encode(obj))
    (tmp_path / "crlf.json").write_bytes(K6.read_bytes().replace(b"\n", b"\r\n"))
    proc = run_certify("verify", "--json", K6, bad, "crlf.json", cwd=tmp_path)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)                                   # one JSON document
    assert set(doc) == {"command", "version", "exit", "results", "counts"}
    assert doc["command"] == "verify" and doc["exit"] == 2
    assert doc["counts"] == {"proved": 1, "refused": 1, "unreadable": 1, "too costly": 0}
    proved, refused, unreadable = doc["results"]
    assert proved["status"] == "proved" and proved["path"] == str(K6)
    assert proved["sha256"] == hashlib.sha256(K6.read_bytes()).hexdigest()
    assert {c["claim"] for c in proved["claims"]} == {"smooth", "loss", "hessian", "extra_dims", "critical"}
    assert all(c["proved"] for c in proved["claims"]) and "k=6 n=6" in proved["proves"]
    assert refused["status"] == "refused" and "claim 'loss' refused" in refused["reason"]
    assert unreadable["status"] == "unreadable" and "CRLF" in unreadable["reason"]


def test_verify_quiet_prints_only_the_summary(tmp_path):
    proc = run_certify("verify", "-q", K6, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert re.fullmatch(r"1 proved, 0 refused, 0 unreadable \([0-9.]+ s\)\n", proc.stdout)
    bad = tmp_path / "bad.json"
    bad.write_bytes(K6.read_bytes()[:-1])
    proc = run_certify("verify", "-q", K6, bad, cwd=tmp_path)        # problems are still shown
    assert proc.returncode == 2 and proc.stderr.startswith("UNREADABLE")
    assert proc.stdout.startswith("1 proved, 0 refused, 1 unreadable")


def test_help_and_version_exit_0(tmp_path):
    proc = run_certify("--help", cwd=tmp_path)
    assert proc.returncode == 0 and "Exit codes" in proc.stdout
    proc = run_certify("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("certify ") and "python-flint" in proc.stdout


@pytest.mark.parametrize("command", ["table", "report"])
def test_every_command_accepts_json_and_quiet_as_documented(tmp_path, command):
    proc = run_certify(command, "--json", "-q", "--no-verify", K6, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)


# ---------------------------------------------------------------------------
# certify k=...: reproducible bytes, no silent overwrite
# ---------------------------------------------------------------------------
def test_certify_k6_is_reproducible(tmp_path):
    out1, out2 = tmp_path / "one", tmp_path / "two"
    first = run_certify("k=6", "--out", out1, cwd=tmp_path)
    second = run_certify("k=6", "--out", out2, cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert [p.name for p in out1.iterdir()] == [K6.name]
    data = (out1 / K6.name).read_bytes()
    assert data == (out2 / K6.name).read_bytes()                  # deterministic bytes
    assert same_statement(K6.read_bytes(), data), (                # the committed theorem
        "certificates/k6_n6_S1xS5.json differs from the output of `python -m certify k=6`")
    assert hashlib.sha256(data).hexdigest()[:16] in first.stdout
    assert run_certify("verify", out1 / K6.name, cwd=tmp_path).returncode == 0
    # running again into the same folder changes nothing
    again = run_certify("k=6", "--out", out1, cwd=tmp_path)
    assert again.returncode == 0 and (out1 / K6.name).read_bytes() == data
    assert "unchanged" in again.stderr


def test_certify_replaces_a_different_file_only_with_force(tmp_path):
    """Changed on purpose: without --force the refusal is an unusable output path (exit 2,
    was 1); the file is unchanged and no temporary file is left."""
    target = tmp_path / K6.name
    other = encode(dict(load(K6), info={"note": "a different certificate"}))
    target.write_bytes(other)
    proc = run_certify("k=6", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert target.read_bytes() == other
    assert sorted(p.name for p in tmp_path.iterdir()) == [K6.name], "no temporary file left behind"
    proc = run_certify("k=6", "--out", tmp_path, "--force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert same_statement(K6.read_bytes(), target.read_bytes())
    assert sorted(p.name for p in tmp_path.iterdir()) == [K6.name]


def test_certify_twice_in_separate_processes_gives_identical_bytes(tmp_path):
    """k = 6 and k = 7, two runs (one with --jobs 2, different hash seeds and
    working folders): byte-identical, and identical to the committed files."""
    runs = []
    for number, extra in enumerate([[], ["--jobs", "2"]]):
        folder = tmp_path / f"run{number}"
        folder.mkdir()
        proc = run_certify("k=6,7", "--out", "out", *extra, cwd=folder, env={"PYTHONHASHSEED": str(number + 1)})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Exception ignored" not in proc.stderr, proc.stderr[-2000:]   # the pool shut down
        runs.append({p.name: p.read_bytes() for p in sorted((folder / "out").iterdir())})
    assert runs[0] == runs[1]
    committed = {p.name: p.read_bytes() for p in certificate_paths() if load(p)["k"] in (6, 7)}
    assert sorted(committed) == sorted(runs[0])
    assert all(same_statement(committed[name], runs[0][name]) for name in committed)


def test_an_existing_certificate_of_the_same_statement_is_kept(tmp_path):
    """A committed certificate made by an earlier version (its software record differs)
    states the same theorem: `certify` keeps it (its SHA-256 stays citable) and says so."""
    (tmp_path / "out").mkdir()
    shutil.copy(K6, tmp_path / "out" / K6.name)
    proc = run_certify("k=6", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0 and "states the same theorem" in proc.stderr, proc.stderr
    assert (tmp_path / "out" / K6.name).read_bytes() == K6.read_bytes()
    assert hashlib.sha256(K6.read_bytes()).hexdigest()[:16] in proc.stdout


def test_certify_json_and_quiet(tmp_path):
    proc = run_certify("k=6", "--json", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    doc = json.loads(proc.stdout)
    assert set(doc) == {"command", "version", "exit", "results"} and doc["command"] == "certify"
    [record] = doc["results"]
    path = tmp_path / "out" / K6.name
    assert record["status"] == "certified" and record["path"] == "out/" + K6.name and record["written"] is True
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["claims"] == load(path)["claims"] and record["k"] == record["n"] == 6
    assert record["kind"] == "local_minimum" and record["method"] == "dense" and "k=6 n=6" in record["proves"]
    assert set(record["seconds"]) >= {"search", "refine", "prove"}
    proc = run_certify("k=6", "-q", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""                 # no progress lines
    assert proc.stdout.splitlines()[0].split()[:2] == ["k", "loss"]   # the summary table only


def test_certify_uses_the_symmetric_method_beyond_the_dense_limit(tmp_path):
    assert main(["k=41", "--out", str(tmp_path)]) == 0
    path = tmp_path / "k41_n41_S1xS40_sym.json"
    assert verify_bytes(path.read_bytes()).accepted and load(path)["method"] == "symmetric"
    assert main(["k=7", "--method", "symmetric", "--out", str(tmp_path)]) == 0
    assert load(tmp_path / "k7_n7_S1xS6_sym.json")["blocks"] == [1, 6]


@SLOW
def test_overparameterised_search_cli(tmp_path):
    proc = run_certify("k=6", "n=k+1", "--out", tmp_path)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    written = sorted(tmp_path.glob("k6_n7_*.json"))
    assert written, proc.stdout + proc.stderr
    assert run_certify("verify", tmp_path).returncode == 0


def test_parse_n_values():
    assert parse_n_values("9", 8) == [9]
    assert parse_n_values("k+1,k+2", 8) == [9, 10]
    assert parse_n_values("9..10", 8) == [9, 10]
    assert parse_n_values("k", 8) == [8]
    for bad in ("7", "x", "", "2k"):
        with pytest.raises(UsageError):
            parse_n_values(bad, 8)


# ---------------------------------------------------------------------------
# point and symmetric: a user's point
# ---------------------------------------------------------------------------
def test_round_trip_perturbed_committed_minimum(tmp_path):
    obj = load(K6)
    W = to_float_matrix(obj["box"]["centre"])
    W += 1e-7 * np.random.default_rng(0).uniform(-1, 1, W.shape)
    (tmp_path / "cand.json").write_text(json.dumps({"k": obj["k"], "W": W.tolist()}))
    proc = run_certify("point", "cand.json", "--out", "cert.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip()
    assert "\n" not in line and line.startswith("spurious local minimum, k=6 n=6 d >= 6, F in [")
    assert "-> cert.json" in line
    data = (tmp_path / "cert.json").read_bytes()
    assert run_certify("verify", "cert.json", cwd=tmp_path).returncode == 0
    new = json.loads(data)
    assert new["kind"] == "local_minimum" and new["d_max"] is None
    assert frac(new["claims"]["loss_lower"]) <= frac(obj["claims"]["loss_upper"])
    assert frac(obj["claims"]["loss_lower"]) <= frac(new["claims"]["loss_upper"])
    shift = np.max(np.abs(to_float_matrix(new["box"]["centre"]) - to_float_matrix(obj["box"]["centre"])))
    assert shift < 1e-15    # Newton went back to the same critical point
    # the same point as .npy with --k; a second run leaves the file unchanged
    np.save(tmp_path / "cand.npy", W)
    proc = run_certify("point", "cand.npy", "--k", "6", "--out", "cert.json", cwd=tmp_path)
    assert proc.returncode == 0 and (tmp_path / "cert.json").read_bytes() == data, proc.stdout
    assert "(unchanged)" in proc.stdout
    # the default output file sits next to the candidate
    assert run_certify("point", "cand.json", cwd=tmp_path).returncode == 0
    assert (tmp_path / "cand.cert.json").read_bytes() == data


def test_point_saddle_one_line_and_json(tmp_path):
    proc = run_certify("point", POINT_DATA / "saddle_k5_n6.json", "--out", tmp_path / "s.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip()
    assert "\n" not in line and line.startswith("saddle of index 2, k=5 n=6 d >= 5, F in [")
    assert run_certify("verify", tmp_path / "s.json").returncode == 0
    proc = run_certify("point", POINT_DATA / "saddle_k5_n6.json", "--out", tmp_path / "s.json", "--json")
    doc = json.loads(proc.stdout)
    assert set(doc) == {"command", "version", "exit", "results"} and doc["command"] == "point"
    [record] = doc["results"]
    assert record["kind"] == "saddle" and record["claims"]["morse_index"] == 2 and record["written"] is False
    assert record["sha256"] == hashlib.sha256((tmp_path / "s.json").read_bytes()).hexdigest()
    proc = run_certify("point", POINT_DATA / "saddle_k5_n6.json", "--out", tmp_path / "s.json", "-q")
    assert proc.returncode == 0 and proc.stdout == proc.stderr == ""


def test_point_not_certified_exit_1_with_the_reason(tmp_path, capsys):
    path = tmp_path / "par.json"
    path.write_text('{"k": 2, "W": [[1, 0.5], [2, 1.0]]}')
    assert main(["point", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("not certified:") and "parallel" in err and err.count("\n") == 1
    W = np.eye(3) + 1e-7 * np.random.default_rng(1).uniform(-1, 1, (3, 3))
    path = tmp_path / "global.json"
    path.write_text(json.dumps({"k": 3, "W": W.tolist()}))
    assert main(["point", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("not certified:") and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["global.json", "par.json"]


def test_point_symmetric_detects_blocks_and_the_verifier_accepts(tmp_path):
    """`point --symmetric`: a perturbed S1 x S5 minimum is certified by the reduced method
    into the FILE --out (changed on purpose: it was a folder); re-proved, and refused once
    its block structure is wrong."""
    W = to_float_matrix(load(K6)["box"]["centre"])
    candidate = tmp_path / "cand.json"
    candidate.write_text(json.dumps({"k": 6, "W": (W + 1e-7).tolist()}))
    proc = run_certify("point", candidate, "--symmetric", "--out", tmp_path / "out.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cert = tmp_path / "out.json"
    obj = json.loads(cert.read_bytes())
    assert obj["method"] == "symmetric" and sorted(obj["blocks"]) == [1, 5]
    assert verify_bytes(cert.read_bytes()).accepted
    obj["blocks"] = [2, 4]
    assert not verify_bytes(encode(obj)).accepted


def test_symmetric_command_on_a_permuted_dense_candidate(tmp_path):
    from test_producer_pipelines import GENERAL_MINIMA
    from certify.producer.reduced import embed
    W = embed((2, 8), GENERAL_MINIMA[(2, 8)])
    rng = np.random.default_rng(5)
    perm, rows = rng.permutation(10), rng.permutation(10)
    cand = tmp_path / "cand.json"
    cand.write_text(json.dumps({"k": 10, "W": W[np.ix_(perm, perm)][rows].tolist()}))
    assert main(["symmetric", str(cand), "--out", str(tmp_path)]) == 0
    assert verify_bytes((tmp_path / "k10_n10_S2xS8_sym.json").read_bytes()).accepted
    (tmp_path / "bad.json").write_text("{")
    assert main(["symmetric", str(tmp_path / "bad.json"), "--out", str(tmp_path)]) == 2
    assert main(["symmetric", "--blocks", "1,x", "--out", str(tmp_path)]) == 2


def test_malformed_candidates_through_the_cli(tmp_path):
    (tmp_path / "empty.json").write_text("")
    proc = run_certify("point", "empty.json", cwd=tmp_path)
    assert proc.returncode == 2 and "empty" in proc.stderr
    proc = run_certify("point", "--prec", "5", "empty.json", cwd=tmp_path)
    assert proc.returncode == 2 and "--prec" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.json"]


# ---------------------------------------------------------------------------
# verify --independent / --both
# ---------------------------------------------------------------------------
def test_verify_independent_and_both_prove_true_and_refuse_false(tmp_path):
    obj = load(K6)
    obj["claims"]["hessian_min_eig_lower"] = "1*2^-7"          # false: lambda_min ~ 0.0047 < 1/128
    (tmp_path / "false.json").write_bytes(encode(obj))
    shutil.copy(K6, tmp_path / "true.json")
    for flag in ("--independent", "--both"):
        proc = run_certify("verify", flag, tmp_path, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "REFUSED" in proc.stderr and "false.json" in proc.stderr and "hessian" in proc.stderr
        assert "OK" in proc.stdout and "true.json" in proc.stdout
        assert proc.stdout.strip().splitlines()[-1].startswith("1 proved, 1 refused")
    assert "(both checkers)" in run_certify("verify", "--both", K6).stdout


def test_verify_both_reports_a_disagreement_and_exits_1(monkeypatch, capsys, tmp_path):
    """A stand-in independent checker that accepts what the kernel refuses: --both must
    say DISAGREE, name the claim, and exit 1 (so the test can fail if it did not compare)."""
    import certify.independent as independent
    from certify.cli import main

    class Accepting:
        accepted, error, unreadable, too_costly = True, None, False, None
        sha256 = "0" * 64
        results = []

        def first_failure(self):
            return ""

    data_obj = load(K6)
    data_obj["claims"]["loss_lower"] = data_obj["claims"]["loss_upper"]   # false
    path = tmp_path / "false.json"
    path.write_bytes(encode(data_obj))
    fake = Accepting()
    fake.results = [type("R", (), {"claim": "loss", "proved": True, "detail": ""})()]
    monkeypatch.setattr(independent, "verify_bytes", lambda data, max_seconds=None: fake)
    code = main(["verify", "--both", str(path)])
    err = capsys.readouterr().err
    assert code == 1 and "DISAGREE" in err and "claim 'loss'" in err, err
