"""The command line, run as a subprocess: `python -m certify verify ...` and
`python -m certify k=...`.  Exit codes: 0 all proved, 1 a claim refused (or
could not certify / would overwrite), 2 unreadable input or bad usage."""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from fractions import Fraction

import pytest

from helpers import CERT_DIR, K6, ROOT, certificate_paths, dyadic, encode, frac, load
from helpers import run_certify as certify


def snapshot(folder):
    return {p.relative_to(folder): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


# ---------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------
def test_verify_committed_certificates_default_folder():
    proc = certify("verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    every = sorted(CERT_DIR.rglob("*.json"))   # dense ones and certificates/symmetric/
    assert len(lines) == len(every) > len(certificate_paths())
    for path in every:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert any(line.startswith("OK") and path.name in line and digest in line for line in lines), lines


def test_verify_explicit_paths_and_folder(tmp_path):
    shutil.copy(K6, tmp_path / K6.name)
    for args in ([K6], [tmp_path], [K6, tmp_path / K6.name]):
        proc = certify("verify", *args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert hashlib.sha256(K6.read_bytes()).hexdigest() in proc.stdout


def test_verify_refused_certificate_exit_1_one_line(tmp_path):
    obj = load(K6)
    obj["claims"]["hessian_min_eig_lower"] = dyadic(2 * frac(obj["claims"]["hessian_min_eig_lower"]))
    bad = tmp_path / "bad.json"
    bad.write_bytes(encode(obj))
    proc = certify("verify", bad, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("REFUSED") and "bad.json" in lines[0]
    assert "claim 'hessian' refused" in lines[0]
    assert hashlib.sha256(bad.read_bytes()).hexdigest() in lines[0]


def test_verify_malformed_field_exit_1(tmp_path):
    obj = load(K6)
    obj["k"] = 7
    bad = tmp_path / "k7.json"
    bad.write_bytes(encode(obj))
    proc = certify("verify", bad, cwd=tmp_path)
    assert proc.returncode == 1
    assert "field n" in proc.stdout


@pytest.mark.parametrize("content", [K6.read_bytes()[:100], K6.read_bytes()[:-1], b"",
                                     b"\xff\xfe" + K6.read_bytes(), b"not json\n",
                                     K6.read_bytes().replace(b"\n", b"\r\n")],
                         ids=["truncated", "no_final_newline", "empty", "not_utf8", "not_json", "crlf"])
def test_verify_unreadable_file_exit_2(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    proc = certify("verify", bad, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "unreadable" in proc.stdout.lower()


def test_verify_missing_file_exit_2(tmp_path):
    proc = certify("verify", tmp_path / "nope.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "nope.json" in proc.stdout + proc.stderr


def test_verify_empty_folder_exit_2(tmp_path):
    proc = certify("verify", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2


def test_verify_worst_status_wins_and_every_file_is_reported(tmp_path):
    obj = load(K6)
    obj["claims"]["loss_lower"] = "-1"
    (tmp_path / "a_good.json").write_bytes(K6.read_bytes())
    (tmp_path / "b_refused.json").write_bytes(encode(obj))
    proc = certify("verify", tmp_path, cwd=tmp_path)
    assert proc.returncode == 1
    assert len(proc.stdout.strip().splitlines()) == 2
    (tmp_path / "c_truncated.json").write_bytes(K6.read_bytes()[:50])
    proc = certify("verify", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stdout.strip().splitlines()) == 3


def test_verify_writes_nothing(tmp_path):
    (tmp_path / "certificates").mkdir()
    shutil.copy(K6, tmp_path / "certificates" / K6.name)
    shutil.copy(K6, tmp_path / K6.name)
    (tmp_path / "bad.json").write_bytes(b"{}\n")
    before = snapshot(tmp_path)
    codes = [certify(*args, cwd=tmp_path).returncode for args in
             (["verify"], ["verify", tmp_path], ["verify", K6.name, "bad.json"])]
    assert codes == [0, 1, 1]
    assert snapshot(tmp_path) == before


def test_verify_huge_integer_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(K6.read_bytes().replace(b'"k": 6', b'"k": ' + b"6" * 5000, 1))
    proc = certify("verify", bad, cwd=tmp_path, timeout=60)     # (asserts: no traceback)
    assert proc.returncode == 2


# ---------------------------------------------------------------------------
# usage errors
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("args", [["k=abc"], ["k=1"], ["k=0"], ["k=100000000"], ["k=8..6"], ["k="], ["6"],
                                  ["frobnicate"], ["k=6", "--prec", "10"], ["k=6", "--prec", "x"],
                                  ["k=6", "--bogus"], []],
                         ids=lambda a: " ".join(a) or "no-args")
def test_usage_error_exit_2(tmp_path, args):
    proc = certify(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == [], "a usage error must not write anything"


def test_help_and_version_exit_0(tmp_path):
    assert certify("--help", cwd=tmp_path).returncode == 0
    proc = certify("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("certify ")


# ---------------------------------------------------------------------------
# certify: reproducible bytes, no silent overwrite
# ---------------------------------------------------------------------------
def _wait_for_search(limit=600.0):
    deadline = time.monotonic() + limit
    while not (ROOT / "certify" / "search.py").exists() and time.monotonic() < deadline:
        time.sleep(10)


def test_certify_k6_is_reproducible(tmp_path):
    _wait_for_search()
    out1, out2 = tmp_path / "one", tmp_path / "two"
    first = certify("k=6", "--out", out1, cwd=tmp_path)
    second = certify("k=6", "--out", out2, cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert [p.name for p in out1.iterdir()] == [K6.name]
    data = (out1 / K6.name).read_bytes()
    assert data == (out2 / K6.name).read_bytes()
    assert hashlib.sha256(data).hexdigest()[:16] in first.stdout
    assert certify("verify", out1 / K6.name, cwd=tmp_path).returncode == 0
    # running again into the same folder changes nothing
    again = certify("k=6", "--out", out1, cwd=tmp_path)
    assert again.returncode == 0 and (out1 / K6.name).read_bytes() == data
    assert "unchanged" in again.stderr


def test_committed_k6_certificate_is_what_the_code_produces(tmp_path):
    _wait_for_search()
    proc = certify("k=6", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = (tmp_path / K6.name).read_bytes()
    assert data == K6.read_bytes(), (
        "certificates/k6_n6_S1xS5.json differs from the output of `python -m certify k=6` "
        "(regenerate the committed certificate)")


def test_certify_refuses_to_overwrite_without_force(tmp_path):
    _wait_for_search()
    target = tmp_path / K6.name
    other = encode(dict(load(K6), info={"note": "a different certificate"}))
    target.write_bytes(other)
    proc = certify("k=6", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert target.read_bytes() == other
    assert sorted(p.name for p in tmp_path.iterdir()) == [K6.name], "no temporary file left behind"
    proc = certify("k=6", "--out", tmp_path, "--force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes() != other
    assert certify("verify", target, cwd=tmp_path).returncode == 0


def test_certify_twice_in_separate_processes_gives_identical_bytes(tmp_path):
    """k = 6 and k = 7, two runs (one with --jobs 2, different hash seeds and
    working folders): byte-identical, and identical to the committed files."""
    _wait_for_search()
    runs = []
    for number, extra in enumerate([[], ["--jobs", "2"]]):
        folder = tmp_path / f"run{number}"
        folder.mkdir()
        proc = certify("k=6,7", "--out", "out", *extra, cwd=folder,
                       env={"PYTHONHASHSEED": str(number + 1)})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Exception ignored" not in proc.stderr, proc.stderr[-2000:]   # the pool shut down
        runs.append({p.name: p.read_bytes() for p in sorted((folder / "out").iterdir())})
    assert runs[0] == runs[1]
    committed = {p.name: p.read_bytes() for p in certificate_paths() if load(p)["k"] in (6, 7)}
    assert len(committed) == 2 and runs[0] == committed


def test_verify_prints_sha256_of_the_canonical_bytes(tmp_path):
    from certify.kernel.verify import canonical_bytes
    proc = certify("verify", K6, cwd=tmp_path)
    assert proc.returncode == 0
    digest = hashlib.sha256(canonical_bytes(json.loads(K6.read_bytes()))).hexdigest()
    assert f"sha256 {digest}" in proc.stdout


def test_verify_one_line_per_refused_file_naming_claim_or_field(tmp_path):
    k6 = load(K6)
    cases = {
        "a_loss.json": (dict(k6, claims=dict(k6["claims"], loss_upper=k6["claims"]["loss_lower"],
                                             loss_lower=dyadic(frac(k6["claims"]["loss_lower"]) / 2 + 1))),
                        "claim 'loss' refused"),
        "b_extra.json": (dict(k6, claims=dict(k6["claims"], extra_min_eig_lower="1")),
                         "claim 'extra_dims' refused"),
        "c_radius.json": (dict(k6, box=dict(k6["box"], radius="0")), "field box.radius"),
        "d_kind.json": (dict(k6, kind="global_minimum"), "field kind"),
        "e_missing.json": ({key: v for key, v in k6.items() if key != "teacher"}, "field teacher"),
    }
    for name, (obj, _) in cases.items():
        (tmp_path / name).write_bytes(encode(obj))
    (tmp_path / "f_truncated.json").write_bytes(K6.read_bytes()[:-10])
    proc = certify("verify", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2                     # an unreadable file is the worst status
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(cases) + 1 and proc.stderr == ""
    for line, (name, (_, expected)) in zip(lines, sorted(cases.items())):
        assert line.startswith("REFUSED") and name in line and expected in line, line
    assert lines[-1].startswith("REFUSED") and "f_truncated.json" in lines[-1] and "unreadable" in lines[-1]
    (tmp_path / "f_truncated.json").unlink()
    assert certify("verify", tmp_path, cwd=tmp_path).returncode == 1


@pytest.mark.parametrize("args", [["verify", "--bogus"], ["verify", "-x", "certificates"]])
def test_verify_usage_error_exit_2(tmp_path, args):
    proc = certify(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_verify_without_certificates_folder_says_what_to_do(tmp_path):
    proc = certify("verify", cwd=tmp_path)
    assert proc.returncode == 2
    assert "python -m certify k=6" in proc.stderr
