"""The command line under misuse (issue 14), one test per class of bad input, each
run as a user would: `python -m certify ...` in a subprocess (helpers.run_certify
asserts that no traceback is printed).  Every refusal is checked three ways where it
applies: the exit code, the one-line message naming the cause, and that nothing was
written (or the existing file is unchanged).

Exit codes (certify/cli/common.py): 0 success, 1 a claim refused / not certified,
2 unusable input (usage, unreadable file, output path), 141 output pipe closed."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from certify.cli.output import same_statement
from helpers import K6, POINT_DATA, ROOT, SUBPROCESS_ENV, SYM_DIR, encode, load, run_certify

SADDLE = POINT_DATA / "saddle_k4_n4.json"        # certified in ~0.1 s


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def assert_usage_error(proc, *words):
    """Exit 2, nothing on stdout, one line on stderr containing every word."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    line = one_line(proc.stderr)
    for word in words:
        assert word in line, (word, line)
    return line


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---------------------------------------------------------------------------
# k specifications
# ---------------------------------------------------------------------------
def test_k_below_six_is_reported_per_k_and_nothing_is_written(tmp_path):
    proc = run_certify("k=2..5", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 4
    for k, line in zip(range(2, 6), lines):
        assert line.startswith(f"k={k}: NOT CERTIFIED") and "saddle" in line and "k < 6" in line, line
    assert not list(tmp_path.rglob("*.json"))


def test_a_range_across_six_certifies_the_others_and_exits_1(tmp_path):
    proc = run_certify("k=5..7", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "k=5: NOT CERTIFIED" in proc.stderr
    assert files_in(tmp_path / "out") == ["k6_n6_S1xS5.json", "k7_n7_S1xS6.json"]
    for name in ("k6_n6_S1xS5.json", "k7_n7_S1xS6.json"):          # the committed bytes
        assert same_statement((ROOT / "certificates" / name).read_bytes(), (tmp_path / "out" / name).read_bytes())
    assert [line.split()[0] for line in proc.stdout.strip().splitlines()[1:]] == ["6", "7"]


@pytest.mark.parametrize("spec, words", [("k=6..3", ["k=6..3", "empty range", "k=3..6"]),
                                         ("k=abc", ["k=abc", "not an integer"]),
                                         ("k=1", ["k must be in 2.."]), ("k=0", ["k must be in"]),
                                         ("k=100000000", ["k must be in"]), ("k=", ["k=", "not an integer"]),
                                         ("k=1..2000000", ["10^6"])])
def test_bad_k_specifications_name_the_problem(tmp_path, spec, words):
    assert_usage_error(run_certify(spec, cwd=tmp_path), *words)
    assert files_in(tmp_path) == []


def test_n_without_k_says_that_k_is_needed(tmp_path):
    assert_usage_error(run_certify("n=7", cwd=tmp_path), "n=", "needs k=")
    assert files_in(tmp_path) == []


def test_n_below_k_is_refused_before_any_work(tmp_path):
    line = assert_usage_error(run_certify("k=6", "n=5", "--out", tmp_path / "nonexistent", cwd=tmp_path),
                              "n = 5 < k = 6", "n >= k")
    assert files_in(tmp_path) == [], line


# ---------------------------------------------------------------------------
# subcommands and options
# ---------------------------------------------------------------------------
def test_a_typo_in_the_subcommand_suggests_the_close_one(tmp_path):
    line = assert_usage_error(run_certify("verfy", cwd=tmp_path), "'verfy'", "did you mean 'verify'")
    for command in ("verify", "point", "symmetric", "table", "report", "census"):
        assert command in line
    line = assert_usage_error(run_certify("frobnicate", cwd=tmp_path), "unknown command 'frobnicate'", "verify")
    assert "did you mean" not in line and "expected k=" not in line


@pytest.mark.parametrize("args", [["6"], ["k=6", "--bogus"], ["k=6", "--prec", "x"], ["verify", "--bogus"],
                                  ["verify", "-x", "certificates"], ["point"], ["symmetric"],
                                  ["symmetric", "--blocks", "1,x"], ["symmetric", "--blocks", "1,2,3,4"],
                                  ["k=41", "--method", "dense"]],
                         ids=lambda a: " ".join(a))
def test_usage_errors_exit_2_in_one_line_and_write_nothing(tmp_path, args):
    proc = run_certify(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2, proc.stderr     # argparse: usage + error
    assert "error" in proc.stderr
    assert files_in(tmp_path) == []


def test_no_arguments_prints_the_usage_and_exits_2(tmp_path):
    proc = run_certify(cwd=tmp_path)
    assert proc.returncode == 2 and "verify" in proc.stdout and files_in(tmp_path) == []


@pytest.mark.parametrize("command", [["k=6"], ["census", "k=6"]], ids=["certify", "census"])
@pytest.mark.parametrize("jobs", ["0", "-1", "1000"])
def test_jobs_outside_1_to_64_is_refused(tmp_path, command, jobs):
    proc = run_certify(*command, "--jobs", jobs, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "--jobs" in line and "1..64" in line
    if command == ["k=6"]:                     # (census: certify/census.py, being rewritten)
        assert_usage_error(proc, "--jobs", "1..64", jobs)
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("prec", ["63", "2049"])
def test_precision_outside_the_format_range_is_refused(tmp_path, prec):
    assert_usage_error(run_certify("k=6", "--prec", prec, cwd=tmp_path), "--prec", "64..2048", prec)
    assert_usage_error(run_certify("point", SADDLE, "--prec", prec, "--out", "x.json", cwd=tmp_path),
                       "--prec", "64..2048")
    assert files_in(tmp_path) == []


def test_lowest_precision_works(tmp_path):
    proc = run_certify("k=6", "--prec", "64", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "out" / "k6_n6_S1xS5.json"
    assert load(path)["prec"] == 64
    assert run_certify("verify", path, cwd=tmp_path).returncode == 0


def test_highest_precision_works(tmp_path):
    proc = run_certify("k=6", "--prec", "2048", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert load(tmp_path / "out" / "k6_n6_S1xS5.json")["prec"] == 2048


# ---------------------------------------------------------------------------
# output targets: checked before any work, one line, exit 2, nothing lost
# ---------------------------------------------------------------------------
def test_an_existing_certificate_with_other_content_is_not_replaced(tmp_path):
    other = encode(dict(load(K6), info={"note": "a different certificate"}))
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / K6.name
    target.write_bytes(other)
    proc = run_certify("k=6", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = one_line(proc.stderr.strip().splitlines()[-1])
    assert "exists with different content" in line and "--force" in line
    assert target.read_bytes() == other
    assert files_in(tmp_path / "out") == [K6.name]                     # no temporary file left
    proc = run_certify("point", SADDLE, "--out", target, cwd=tmp_path)  # the same for a file target
    assert proc.returncode == 2 and "exists with different content" in proc.stderr
    assert target.read_bytes() == other and files_in(tmp_path / "out") == [K6.name]


def test_an_existing_output_file_is_refused_before_the_work(tmp_path):
    """A candidate that cannot be certified (parallel neurons): if the target were
    checked first the answer would be 'exists' (exit 2), not the result of the work."""
    (tmp_path / "cand.json").write_text('{"k": 2, "W": [[1, 0.5], [2, 1.0]]}')
    (tmp_path / "taken.json").write_text("{}\n")
    proc = run_certify("point", "cand.json", "--out", "taken.json", cwd=tmp_path)
    assert proc.returncode == 2 and "exists" in proc.stderr, proc.stderr


def test_a_missing_output_folder_is_created_only_when_its_parent_exists(tmp_path):
    assert_usage_error(run_certify("k=6", "--out", "missing/deeper", cwd=tmp_path),
                       "missing/deeper", "does not exist")
    assert_usage_error(run_certify("point", SADDLE, "--out", "missing/x.json", cwd=tmp_path),
                       "missing", "does not exist")
    assert files_in(tmp_path) == []
    proc = run_certify("k=6", "--out", "new", cwd=tmp_path)            # parent exists: created
    assert proc.returncode == 0 and files_in(tmp_path) == ["new", f"new/{K6.name}"]


def test_the_default_output_folder_of_the_symmetric_method_is_created(tmp_path):
    proc = run_certify("k=41", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "certificates" / "symmetric" / "k41_n41_S1xS40_sym.json").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="/proc")
def test_an_unwritable_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):           # root ignores permissions: use /proc below only
            pytest.skip("running as root: chmod 0o500 does not make a folder unwritable")
        assert_usage_error(run_certify("k=6", "--out", folder, cwd=tmp_path), "cannot write in folder")
        assert_usage_error(run_certify("point", SADDLE, "--out", folder / "x.json", cwd=tmp_path),
                           "cannot write in folder")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(sys.platform != "linux", reason="/proc")
def test_a_folder_nobody_can_write_is_refused(tmp_path):
    """/proc refuses new files even to root."""
    assert_usage_error(run_certify("k=6", "--out", "/proc", cwd=tmp_path), "cannot write in folder /proc")
    assert_usage_error(run_certify("point", SADDLE, "--out", "/proc/x.json", cwd=tmp_path),
                       "cannot write in folder /proc")


@pytest.mark.parametrize("target, words", [("/dev/full", "a device"), ("-", "standard output ('-')"),
                                           ("/dev/stdout", "symbolic link")])
def test_special_files_are_refused_as_output_files(tmp_path, target, words):
    """(/dev/stdout is a symbolic link: refused whatever it points to.)"""
    assert_usage_error(run_certify("point", SADDLE, "--out", target, cwd=tmp_path), words)
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("target", ["/dev/full", "-", "/dev/stdout"])
def test_special_files_are_refused_as_output_folders(tmp_path, target):
    line = assert_usage_error(run_certify("k=6", "--out", target, cwd=tmp_path))
    assert "not a folder" in line or "standard output" in line
    assert files_in(tmp_path) == []


def test_standard_output_redirected_to_a_file_is_refused_as_a_special_target(tmp_path):
    out = tmp_path / "stdout.txt"
    with open(out, "w") as handle:
        proc = subprocess.run([sys.executable, "-m", "certify", "point", str(SADDLE), "--out", "/dev/stdout"],
                              cwd=tmp_path, env=SUBPROCESS_ENV, stdout=handle, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--force" not in proc.stderr, proc.stderr        # following the advice would clobber /dev/stdout


def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert_usage_error(run_certify("point", SADDLE, "--out", fifo, cwd=tmp_path, timeout=60), "FIFO")
    assert_usage_error(run_certify("k=6", "--out", fifo, cwd=tmp_path, timeout=60), "not a folder")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and files_in(tmp_path) == ["fifo"]


def test_a_folder_given_as_output_file_is_refused(tmp_path):
    (tmp_path / "dir").mkdir()
    assert_usage_error(run_certify("point", SADDLE, "--out", "dir", cwd=tmp_path), "a folder, not a regular file")
    assert files_in(tmp_path) == ["dir"]


def test_written_certificates_follow_the_umask(tmp_path):
    proc = run_certify("k=6", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0
    old = os.umask(0o022)
    os.umask(old)
    assert stat.S_IMODE((tmp_path / "out" / K6.name).stat().st_mode) == 0o666 & ~old


# ---------------------------------------------------------------------------
# verify on what is not a certificate
# ---------------------------------------------------------------------------
def assert_unreadable_line(proc, *words):
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    line = one_line(proc.stderr)
    assert line.startswith("UNREADABLE"), line
    for word in words:
        assert word in line, (word, line)
    assert one_line(proc.stdout).startswith("0 proved, 0 refused, 1 unreadable")
    return line


def test_verify_refuses_special_files_without_reading_them(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert_unreadable_line(run_certify("verify", "/dev/zero", cwd=tmp_path, timeout=60), "a device")
    assert_unreadable_line(run_certify("verify", fifo, cwd=tmp_path, timeout=60), "FIFO")
    assert_unreadable_line(run_certify("verify", "-", cwd=tmp_path, timeout=60), "standard input")


def test_verify_refuses_a_huge_file_without_reading_it_all(tmp_path):
    """A sparse 64 GiB file: reading it would take minutes and all memory."""
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(64 * 1024 ** 3)
    assert_unreadable_line(run_certify("verify", huge, cwd=tmp_path, timeout=60), "larger than 4194304 bytes")
    big = tmp_path / "big.json"                                  # just over the limit, real bytes
    big.write_bytes(b" " * (4 * 1024 * 1024 + 1))
    assert_unreadable_line(run_certify("verify", big, cwd=tmp_path), "larger than")


def test_verify_a_folder_without_certificates(tmp_path):
    (tmp_path / "empty").mkdir()
    assert_usage_error(run_certify("verify", "empty", cwd=tmp_path), "no certificates found", "empty")
    assert_usage_error(run_certify("verify", cwd=tmp_path), "no certificates/ folder", "k=6")


def test_verify_names_crlf_line_endings(tmp_path):
    (tmp_path / "crlf.json").write_bytes(K6.read_bytes().replace(b"\n", b"\r\n"))
    assert_unreadable_line(run_certify("verify", "crlf.json", cwd=tmp_path), "CRLF")


def test_verify_does_not_call_valid_json_invalid(tmp_path):
    shutil.copy(POINT_DATA / "saddle_k4_n4.json", tmp_path / "cand.json")
    json.loads((tmp_path / "cand.json").read_text())               # it IS valid JSON
    line = assert_unreadable_line(run_certify("verify", "cand.json", cwd=tmp_path))
    assert "not valid JSON" not in line


def test_verify_a_symmetric_certificate(tmp_path):
    path = SYM_DIR / "k100_n100_S1xS99_sym.json"
    proc = run_certify("verify", path, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    first, summary = proc.stdout.strip().splitlines()
    assert first.startswith("OK") and "k=100 n=100 d >= 100" in first
    assert summary.startswith("1 proved, 0 refused, 0 unreadable")


# ---------------------------------------------------------------------------
# pipes closed early
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("command, codes", [("verify", {141}), ("verify --json", {0, 141}),
                                            ("--help", {0, 141}), ("verify --help", {0, 141}),
                                            ("table --no-verify", {0, 141})])
def test_output_into_head_stops_quietly(command, codes):
    """`verify` prints one line per file as it is proved, so `head -1` closes the pipe while
    it still writes: exit 141; the others may finish first (one JSON document, short help)."""
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m certify {command} | head -1"],
                          cwd=ROOT, env=SUBPROCESS_ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode in codes, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr and "Exception" not in proc.stderr
    assert proc.stderr == "" and len(proc.stdout.splitlines()) == 1


# ---------------------------------------------------------------------------
# numpy's floating-point warnings are not for the user
# ---------------------------------------------------------------------------
def test_numpy_runtime_warnings_never_reach_the_terminal(tmp_path):
    """A neuron of norm ~1e-200 underflows in the float checks (the same pipeline emits
    RuntimeWarnings in-process: the test can fail)."""
    import warnings

    import numpy as np

    from certify.producer import NotCertified, objective, pipelines
    W = np.array([[1e-200, 1e-200], [0.2, 1.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(NotCertified):
            pipelines.certify_candidate(W, objective.identity_teacher(2, 2), 128)
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
    (tmp_path / "tiny.json").write_text(json.dumps({"k": 2, "W": W.tolist()}))
    proc = run_certify("point", "tiny.json", "--out", "x.json", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Warning" not in proc.stderr and one_line(proc.stderr).startswith("not certified:")
    assert files_in(tmp_path) == ["tiny.json"]
