"""The landscape census (certify/census/): descent, results folder, resume,
engines, certification adapter, binomial intervals and the command line.

Independent references: certify.objective.gradient (the unbatched formula,
itself checked against finite differences in test_formulas) and a finite
difference here; the Wilson interval against a brute-force solution of its
defining inequality; landmark losses/eigenvalues of the (1, k-1) family from
the committed certificates' values (docs/census.md).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from certify.census import certification, classify, descent, endpoints, engines, results
from certify.census.params import ParameterError as UsageError, n_value, parse_n_specs
from certify.census.runner import Census, SimulatedCrash
from certify.census.store import Store, StoreError
from certify.kernel.verify import verify_bytes
from certify.producer.objective import gradient, identity_teacher, loss

ROOT = Path(__file__).resolve().parents[1]
LANDMARK_LOSS = {6: 0.025080581, 8: 0.021508037, 12: 0.016523793, 20: 0.011275582}
LANDMARK_EIG = {6: 0.0047004, 8: 0.0213466, 12: 0.0393474, 20: 0.0550926}


# ---------------------------------------------------------------- descent


def test_gradient_matches_the_unbatched_formula_and_finite_differences():
    rng = np.random.default_rng(1)
    for k, n in ((6, 6), (7, 9), (12, 12)):
        W = rng.normal(size=(4, n, k)) / np.sqrt(k)
        G = descent.gradient_identity_teacher(W)
        V = identity_teacher(k, k)
        for r in range(4):
            np.testing.assert_allclose(G[r], gradient(W[r], V), rtol=0, atol=1e-13)
    # one directional derivative by central differences of the loss
    W = rng.normal(size=(1, 7, 7)) / np.sqrt(7)
    D = rng.normal(size=(1, 7, 7))
    h = 1e-6
    fd = (descent.loss_identity_teacher(W + h * D) - descent.loss_identity_teacher(W - h * D)) / (2 * h)
    assert fd[0] == pytest.approx(float(np.sum(descent.gradient_identity_teacher(W) * D)), abs=1e-8)


def test_zero_row_gives_non_finite_gradient_and_stops_the_run():
    W = descent.starts(6, 6, 3, 0)
    W[1, 2] = 0.0
    with np.errstate(all="ignore"):
        assert not np.all(np.isfinite(descent.gradient_identity_teacher(W)[1]))
    res = descent.descend(W, max_iter=50)
    assert np.isnan(res.grad_norms[1]) and res.steps[1] == 0
    assert np.array_equal(res.points[1], W[1])


def test_descent_is_plain_gradient_descent_with_step_5_over_k():
    k = 7
    W0 = descent.starts(k, k, 2, 5)
    res = descent.descend(W0, max_iter=3, tol=1e-300)
    V = identity_teacher(k, k)
    for r in range(2):
        W = W0[r].copy()
        for _ in range(3):
            W = W - (5.0 / k) * gradient(W, V)
        np.testing.assert_allclose(res.points[r], W, rtol=0, atol=1e-14)
        assert res.steps[r] == 3
        assert res.grad_norms[r] == pytest.approx(np.linalg.norm(gradient(W, V)), rel=1e-12)
        assert res.losses[r] == pytest.approx(loss(W, V), abs=1e-15)


def test_stopping_rules():
    k = 8
    W0 = descent.starts(k, k, 12, 0)
    res = descent.descend(W0, tol=1e-9, max_iter=30000)
    conv = res.grad_norms <= 1e-9
    glob = res.losses <= descent.GLOBAL_LOSS
    assert np.all(conv | glob)                      # every run stopped for a reason
    assert np.all(res.steps[glob & ~conv] % descent.DEFAULT_CHECK_EVERY == 0)
    # the run did not stop earlier: one step back the gradient was above tol
    V = identity_teacher(k, k)
    r = int(np.flatnonzero(conv & ~glob)[0])
    again = descent.descend(W0[r:r + 1], tol=1e-300, max_iter=int(res.steps[r]) - 1)
    assert np.linalg.norm(gradient(again.points[0], V)) > 1e-9
    assert res.losses[~glob].min() > 0.005           # spurious end points are far from 0


def test_step_5_over_k_does_not_converge_below_k_4():
    """Why the command line refuses k < 4: step 5/k oscillates there, 1/k converges."""
    for k in (2, 3):
        W0 = descent.starts(k, k, 3, 0)
        assert np.all(descent.descend(W0, max_iter=3000).grad_norms > 0.1)
        assert np.all(descent.descend(W0, max_iter=3000, step=1.0 / k).grad_norms <= 1e-12)
    assert np.all(descent.descend(descent.starts(4, 4, 3, 0), max_iter=3000).losses <= 1e-10)


def test_end_points_do_not_depend_on_the_batch():
    k = 9
    W0 = descent.starts(k, k, 20, 3)
    whole = descent.descend(W0, tol=1e-10)
    for parts in ([0, 7, 20], [0, 1, 2, 13, 20]):
        pieces = [descent.descend(W0[a:b], tol=1e-10) for a, b in zip(parts, parts[1:])]
        assert np.array_equal(np.concatenate([p.points for p in pieces]), whole.points)
        assert np.array_equal(np.concatenate([p.steps for p in pieces]), whole.steps)


def test_starts_are_seeded_per_k_and_n():
    A = descent.starts(8, 8, 5, 0)
    assert np.array_equal(A, descent.starts(8, 8, 5, 0))
    assert np.array_equal(A[:3], descent.starts(8, 8, 3, 0))     # more runs extend, not reshuffle
    assert not np.array_equal(A, descent.starts(8, 8, 5, 1))
    assert not np.array_equal(A[:, :, :8], descent.starts(8, 9, 5, 0)[:, :8, :])
    assert descent.starts(8, 9, 5, 0).shape == (5, 9, 8)
    assert abs(np.std(descent.starts(20, 20, 50, 0)) - 1 / np.sqrt(20)) < 0.01


# ---------------------------------------------------------------- intervals


def _wilson_brute_force(x, N, z=results.Z95):
    """The set {p in [0, 1] : |x/N - p| <= z sqrt(p(1-p)/N)} (an interval around x/N),
    its ends found by bisection on the inequality itself."""
    ph = x / N
    inside = lambda p: abs(ph - p) <= z * math.sqrt(p * (1 - p) / N)   # noqa: E731

    def boundary(outside, inner):
        for _ in range(200):
            mid = (outside + inner) / 2
            outside, inner = (outside, mid) if inside(mid) else (mid, inner)
        return inner
    lower = 0.0 if inside(0.0) else boundary(0.0, ph)
    upper = 1.0 if inside(1.0) else boundary(1.0, ph)
    return lower, upper


@pytest.mark.parametrize("x,N", [(0, 10), (1, 10), (5, 10), (10, 10), (32, 100), (160, 500),
                                 (471, 500), (499, 500), (1, 1)])
def test_wilson_interval_against_brute_force(x, N):
    lo, hi = results.wilson_interval(x, N)
    blo, bhi = _wilson_brute_force(x, N)
    assert lo == pytest.approx(blo, abs=1e-12) and hi == pytest.approx(bhi, abs=1e-12)
    assert 0 <= lo <= x / N <= hi <= 1


def test_wilson_interval_known_value_and_bad_input():
    # textbook example: 0 successes in 10 trials, 95%: [0, 0.2775]
    lo, hi = results.wilson_interval(0, 10)
    assert lo == 0 and hi == pytest.approx(0.27753, abs=1e-5)
    for bad in ((11, 10), (-1, 10), (0, 0)):
        with pytest.raises(ValueError):
            results.wilson_interval(*bad)


# ---------------------------------------------------------------- store


PARAMS = {"format": "certify-census", "version": 1, "ks": [7], "n": ["k"], "runs": 6, "seed": 0,
          "tol": 1e-10, "max_iter": 20000, "check_every": 1000, "global_loss": 1e-10,
          "chunk_runs": 3, "certify": False, "prec": 128, "step": "5/k", "init": "x",
          "descent": "plain gradient descent"}


def _chunk(store, first=0, count=3):
    u = endpoints.Unit(7, 7, first, count, 0, 1e-10, 20000, 1000, 1e-10)
    arrays, meta = endpoints.run_unit(u)
    store.write_chunk(7, 7, first, count, arrays, meta)
    return arrays


def test_chunk_round_trip_and_tamper_detection(tmp_path):
    store = Store.create(tmp_path / "c", PARAMS)
    arrays = _chunk(store)
    back, meta = store.read_chunk(7, 7, 0, 3)
    for name in arrays:
        assert np.array_equal(back[name], arrays[name])
    assert store.read_chunk(7, 7, 3, 3) is None                     # not there yet
    assert not list((tmp_path / "c").rglob("*.tmp"))                 # atomic: no leftovers
    path = store.chunk_path(7, 7, 0, 3)
    # a flipped byte anywhere: either unreadable or a checksum failure
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        store.read_chunk(7, 7, 0, 3)
    # a well-formed npz with one changed number and the old checksum
    _chunk(store)
    import io
    with np.load(path) as z:
        content = {name: z[name] for name in z.files}
    content["losses"] = content["losses"].copy()
    content["losses"][0] += 1e-9
    buf = io.BytesIO()
    np.savez(buf, **content)
    path.write_bytes(buf.getvalue())
    with pytest.raises(StoreError, match="checksum"):
        store.read_chunk(7, 7, 0, 3)
    # a chunk made with other parameters
    other = Store(tmp_path / "c", dict(PARAMS, seed=1))
    _chunk(store)
    with pytest.raises(StoreError, match="other parameters"):
        other.read_chunk(7, 7, 0, 3)


def test_results_folder_checks(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    for bad in (afile, afile / "sub"):
        with pytest.raises(StoreError):
            Store.create(bad, PARAMS)
    full = tmp_path / "full"
    full.mkdir()
    (full / "something").write_text("x")
    with pytest.raises(StoreError, match="not empty"):
        Store.create(full, PARAMS)
    Store.create(tmp_path / "ok", PARAMS)
    with pytest.raises(StoreError, match="--resume"):
        Store.create(tmp_path / "ok", PARAMS)                        # no silent overwrite
    with pytest.raises(StoreError, match="other parameters"):
        Store.resume(tmp_path / "ok", dict(PARAMS, runs=7))
    with pytest.raises(StoreError, match="no such folder"):
        Store.resume(tmp_path / "missing")
    (tmp_path / "ok" / "params.json").write_text(json.dumps(dict(PARAMS, runs=7)))
    with pytest.raises(StoreError, match="edited"):
        Store.resume(tmp_path / "ok")


def test_folder_in_use_is_refused_and_stale_lock_taken_over(tmp_path):
    import socket
    store = Store.create(tmp_path / "c", PARAMS)                  # holds the lock
    with pytest.raises(StoreError, match="in use by another census"):
        Store.resume(tmp_path / "c")
    store.unlock()
    Store.resume(tmp_path / "c").unlock()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / "c" / ".lock").write_text(f"{socket.gethostname()} {dead}\n")
    again = Store.resume(tmp_path / "c")                           # the process is gone
    assert (tmp_path / "c" / ".lock").read_text().split()[1] == str(os.getpid())
    again.unlock()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_folder_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="not writable"):
            Store.create(ro / "census", PARAMS)
    finally:
        ro.chmod(0o700)


# ---------------------------------------------------------------- census runs


def _comparable(obj):
    """A results object without wall-clock times (which differ run to run)."""
    if isinstance(obj, dict):
        return {key: _comparable(v) for key, v in obj.items() if key != "seconds"}
    if isinstance(obj, list):
        return [_comparable(x) for x in obj]
    return obj


def _census(folder, params, engine=None, **kw):
    store = Store.create(folder, params) if not (folder / "params.json").exists() \
        else Store.resume(folder, params)
    engine = engine or engines.SerialEngine()
    try:
        with np.errstate(all="ignore"):
            records = Census(store, engine, log=open(os.devnull, "w"), **kw).run()
    finally:
        engine.close()
        store.unlock()
    data = json.loads(results.results_json(store.params, records))
    data["params"].pop("chunk_runs")
    return _comparable(data)


SMALL = dict(PARAMS, ks=[7, 8], runs=10, chunk_runs=4, tol=1e-10, certify=False)


def test_crash_and_resume_equals_uninterrupted_run(tmp_path):
    whole = _census(tmp_path / "whole", SMALL)
    with pytest.raises(SimulatedCrash):
        _census(tmp_path / "crash", SMALL, stop_after_chunks=4)   # 3 chunks per (k, n)
    stored = sorted(p.name for p in (tmp_path / "crash" / "chunks").iterdir())
    assert len(stored) == 4
    partial = json.loads((tmp_path / "crash" / "results.json").read_text())   # k = 7 finished
    assert partial["complete"] is False and [s["k"] for s in partial["summary"]] == [7]
    assert _comparable(partial["summary"]) == [whole["summary"][0]]
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "crash" / "chunks").iterdir()}
    resumed = _census(tmp_path / "crash", SMALL)
    assert resumed == whole
    for p, t in mtimes.items():                                      # stored chunks not redone
        assert p.stat().st_mtime_ns == t
    assert whole["summary"][0]["k"] == 7 and whole["summary"][1]["runs"] == 10


def test_chunking_and_process_engine_do_not_change_results(tmp_path):
    a = _census(tmp_path / "a", SMALL)
    b = _census(tmp_path / "b", dict(SMALL, chunk_runs=10), engine=engines.ProcessEngine(2))
    assert a == b


def test_dask_local_cluster_gives_identical_results(tmp_path):
    pytest.importorskip("dask.distributed")
    a = _census(tmp_path / "a", SMALL)
    b = _census(tmp_path / "b", dict(SMALL, chunk_runs=3), engine=engines.DaskEngine("local:2"))
    assert a == b


def test_small_census_certified_and_verifiable(tmp_path):
    params = dict(PARAMS, ks=[8], runs=20, chunk_runs=10, tol=1e-12, max_iter=50000, certify=True)
    data = _census(tmp_path / "c", params)
    (s,) = data["summary"]
    assert s["runs"] == 20 and s["spurious_runs"] > 0 and s["global"] > 0
    assert s["global"] + s["spurious_runs"] + s["saddle_runs"] + s["other_critical_runs"] \
        + s["unconverged"] + s["zero_neuron"] == 20
    assert s["distinct_spurious"] == 1 and s["types"] == ["S1xS7"]
    assert s["loss_min"] == pytest.approx(LANDMARK_LOSS[8], abs=1e-9)
    assert s["certified_minima"] == 1 and s["not_certified"] == 0
    assert LANDMARK_EIG[8] - 1e-5 < s["min_certified_eig"] < LANDMARK_EIG[8] + 1e-7
    assert s["spurious_lo95"] < s["spurious_fraction"] < s["spurious_hi95"]
    (e,) = data["details"][0]["distinct"]
    cert = e["certificate"]
    data_bytes = (tmp_path / "c" / cert["file"]).read_bytes()
    verdict = verify_bytes(data_bytes)
    assert verdict.accepted and verdict.sha256 == cert["sha256"]
    assert cert["loss_lower_float"] <= e["loss"] + 1e-13 and e["loss"] <= cert["loss_upper_float"] + 1e-13
    assert len(e["run_list"]) == e["runs"] == s["spurious_runs"]
    statuses = data["details"][0]["run_status"]
    assert [statuses[r] for r in e["run_list"]] == ["critical"] * e["runs"]


# ---------------------------------------------------------------- certification adapter


def test_adapter_never_calls_certified_what_the_verifier_refuses(monkeypatch):
    W = lowest = classify.describe_dense(endpoints.polish(*_k7_end_point()), 7)["_W"]
    record, obj = certification.certify_point(W, 7, 7, "S1xS6")
    assert record["status"] == "certified" and obj is not None
    import certify.producer.produce as produce
    from certify.kernel.claims import ClaimResult
    from certify.kernel.verify import Verdict

    def refusing(data):     # the producer's only way to accept is the verifier's "yes"
        return Verdict("0" * 64, results=[ClaimResult("hessian", False, "refused by the test")])
    monkeypatch.setattr(produce, "verify_bytes", refusing)
    record, obj = certification.certify_point(lowest, 7, 7, "S1xS6")
    assert record["status"] == "not certified" and obj is None
    assert "refused by the test" in record["reason"]


def _k7_end_point():
    """A spurious end point of the k = 7 census starts (seed 0) and the teacher."""
    W0 = descent.starts(7, 7, 40, 0)
    res = descent.descend(W0, tol=1e-10)
    r = int(np.flatnonzero(res.losses > 0.01)[0])
    return res.points[r], identity_teacher(7, 7)


def test_adapter_refuses_false_candidates():
    V = identity_teacher(7, 7)
    # the global minimum (loss 0): not a spurious minimum
    record, obj = certification.certify_point(V.copy(), 7, 7, "S7")
    assert record["status"] == "not certified" and obj is None
    # a random point: not critical
    record, obj = certification.certify_point(descent.starts(7, 7, 1, 9)[0], 7, 7, "none")
    assert record["status"] == "not certified" and obj is None


def test_symmetric_route_at_large_k():
    from certify.producer import reduced, search
    k = 45
    theta = search.family_theta(k)
    W = reduced.embed((1, k - 1), theta)
    rng = np.random.default_rng(0)
    p = rng.permutation(k)
    X = W[p][:, p] + 1e-10 * rng.normal(size=(k, k))        # permuted raw end point
    found = endpoints.block_form(X)
    assert found is not None and found[0] == [1, k - 1]
    entry = classify.describe_symmetric(*found)
    assert entry["kind_float"] == "minimum" and entry["isotropy"] == f"S1xS{k - 1}"
    assert entry["loss"] == pytest.approx(loss(W, identity_teacher(k, k)), abs=1e-12)
    record, obj = certification.certify_point(entry["_W"], k, k, entry["isotropy"])
    assert record["status"] == "certified" and record["method"] == "symmetric"
    assert record["hessian_min_eig_lower_float"] < entry["min_eig_float"]
    # a point that is not in any block ansatz at large k is reported, not dropped
    assert endpoints.block_form(descent.starts(k, k, 1, 0)[0]) is None
    m = 2
    runs = classify.Runs(k, k, np.full(m, endpoints.CRITICAL, dtype=np.int8),
                         np.array([0.5, 0.6]), np.zeros(m), np.zeros(m, dtype=int),
                         np.array([X, descent.starts(k, k, 1, 0)[0]]), {},
                         [list(found[0]), None], [list(found[1]), None])
    entries = classify.distinct_points(runs)
    assert [e["route"] for e in entries] == ["symmetric", "none"]
    assert entries[1]["isotropy"] == "no block structure" and entries[1]["runs"] == 1
    # runs stopped at max_iter: polished by Newton in theta when they are near a block point
    near = W[p][:, p] + 1e-7 * rng.normal(size=(k, k))
    runs = classify.Runs(k, k, np.full(2, endpoints.UNCONVERGED, dtype=np.int8),
                         np.array([0.5, 0.6]), np.ones(2), np.zeros(2, dtype=int),
                         np.array([near, descent.starts(k, k, 1, 0)[0]]), {}, [None] * 2, [None] * 2)
    assert classify.polish_symmetric(runs) == 1
    assert runs.status.tolist() == [endpoints.POLISHED, endpoints.UNCONVERGED]
    assert runs.losses[0] == pytest.approx(entry["loss"], abs=1e-12) and runs.blocks[0] == [1, k - 1]


# ---------------------------------------------------------------- command line


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "certify", "census", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def test_parse_n_specs():
    assert parse_n_specs("k,k+1,k+2") == ["k", "k+1", "k+2"]
    assert parse_n_specs("k+0, 7") == ["k", "7"]
    assert [n_value(s, 10) for s in ("k", "k+2", "7")] == [10, 12, 7]
    with pytest.raises(UsageError):
        parse_n_specs("2k")


def test_cli_census_writes_results_and_resumes(tmp_path):
    proc = _cli("k=6", "--runs", "6", "--n", "k,k+1", "--no-certify", "--results", "res",
                "--max-iter", "3000", "--chunk-runs", "4", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    assert "ETA" in proc.stderr and "k=6 n=7: spurious" in proc.stderr     # progress, summaries
    assert proc.stdout.splitlines()[0].split()[:3] == ["k", "n", "runs"]
    data = json.loads((tmp_path / "res" / "results.json").read_text())
    assert [(s["k"], s["n"]) for s in data["summary"]] == [(6, 6), (6, 7)]
    assert (tmp_path / "res" / "results.csv").read_text().startswith("k,n,runs,seed,")
    # the same command again: refused, nothing overwritten
    before = (tmp_path / "res" / "results.json").read_bytes()
    again = _cli("k=6", "--runs", "6", "--no-certify", "--results", "res", cwd=tmp_path)
    assert again.returncode == 2 and "--resume" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert (tmp_path / "res" / "results.json").read_bytes() == before
    # resume of a finished census: nothing to do, same results
    resumed = _cli("--resume", "res", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming: 12/12 runs already stored" in resumed.stderr
    assert _comparable(json.loads((tmp_path / "res" / "results.json").read_text())) == _comparable(data)
    # resume with other parameters: refused
    other = _cli("--resume", "res", "--runs", "7", cwd=tmp_path)
    assert other.returncode == 2 and "other parameters" in other.stderr
    other = _cli("k=6,7", "--runs", "6", "--n", "k,k+1", "--no-certify", "--max-iter", "3000",
                 "--chunk-runs", "4", "--resume", "res", cwd=tmp_path)
    assert other.returncode == 2 and "ks=[6]" in other.stderr
    # a tampered chunk: refused before any work
    chunk = sorted((tmp_path / "res" / "chunks").iterdir())[0]
    data = bytearray(chunk.read_bytes())
    data[-40] ^= 0xFF
    chunk.write_bytes(bytes(data))
    tampered = _cli("--resume", "res", cwd=tmp_path)
    assert tampered.returncode == 2 and chunk.name in tampered.stderr
    assert len(tampered.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args,message", [
    (["k=6", "--n", "5"], "n=5 < k=6"),
    (["k=6..8", "--n", "7"], "n=7 < k=8"),
    (["k=6", "--runs", "0"], "--runs"),
    (["k=1"], "k >= 4"),
    (["k=3..8"], "k < 4"),
    (["k=6", "--n", "2k"], "--n"),
    (["k=6", "--jobs", "0"], "--jobs"),
    (["k=6", "--jobs", "65"], "--jobs"),
    (["k=6", "--jobs", "2", "--dask", "local:2"], "either"),
    (["k=6", "--tol", "-1"], "--tol"),
    (["k=6", "--prec", "5000"], "--prec"),
    (["x=6"], "expected k="),
    ([], "k=SPEC"),
    (["--resume", "nowhere"], "no such folder"),
    (["k=50", "--n", "k+1"], "n=51 > k=50"),
    (["k=6", "--runs", "many"], "--runs"),
    (["k=6", "--bogus"], "unrecognized"),
])
def test_cli_bad_usage_exit_2_one_line_no_work(tmp_path, args, message):
    proc = _cli(*args, "--results", "res", cwd=tmp_path) if "--resume" not in args \
        else _cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "res").exists()


def test_cli_results_path_problems(tmp_path):
    (tmp_path / "afile").write_text("x")
    for target in ("afile", "afile/sub"):
        proc = _cli("k=6", "--runs", "2", "--results", target, cwd=tmp_path)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
        assert "Traceback" not in proc.stderr
    assert (tmp_path / "afile").read_text() == "x"
    proc = _cli("k=6", "--runs", "2", "--results", "/proc/census-test", cwd=tmp_path)
    assert proc.returncode == 2 and "not writable" in proc.stderr


def test_cli_bad_dask_address(tmp_path):
    for address in ("local:x", "local:0"):
        proc = _cli("k=6", "--runs", "2", "--dask", address, "--results", "res", cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "res").exists()          # the engine is checked before the folder is made


# ---------------------------------------------------------------- slow


@pytest.mark.slow
def test_census_n_equals_k_up_to_20(tmp_path):
    """k = 6..20, 100 runs, seed 0: every distinct spurious minimum certified; the
    lowest is S1 x S(k-1) at the landmark loss."""
    proc = _cli("k=6..20", "--runs", "100", "--seed", "0", "--results", "res", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads((tmp_path / "res" / "results.json").read_text())
    for s in data["summary"]:
        assert s["not_certified"] == 0
        assert s["certified_minima"] == s["distinct_spurious"]
        if s["k"] in LANDMARK_LOSS and s["distinct_spurious"]:
            assert s["loss_min"] == pytest.approx(LANDMARK_LOSS[s["k"]], abs=1e-9)
            assert "S1xS%d" % (s["k"] - 1) in s["types"]


# ---------------------------------------------------------------- report --census


def _results_file(folder, seed, runs, rows):
    folder.mkdir(parents=True)
    summary = [{"k": k, "n": n, "runs": runs, "seed": seed, "spurious_runs": x} for k, n, x in rows]
    (folder / "results.json").write_text(json.dumps({
        "format": "certify-census-results", "params": {"seed": seed, "tol": 1e-12, "max_iter": 50000},
        "summary": summary}))


def test_census_series_never_mix_seeds_or_run_counts(tmp_path):
    _results_file(tmp_path / "a", 0, 500, [(10, 10, 177), (12, 12, 283), (10, 11, 0)])
    _results_file(tmp_path / "b", 1, 500, [(10, 10, 160)])
    _results_file(tmp_path / "c", 0, 100, [(10, 10, 38)])
    _results_file(tmp_path / "d", 0, 500, [(14, 14, 347)])            # same parameters: joins "a"
    series = results.load_census_series(tmp_path)
    assert sorted(series) == [(0, 0, 100, 1e-12, 50000), (0, 0, 500, 1e-12, 50000),
                              (0, 1, 500, 1e-12, 50000), (1, 0, 500, 1e-12, 50000)]
    assert [p[0] for p in series[(0, 0, 500, 1e-12, 50000)]] == [10, 12, 14]
    k, frac, lo, hi = series[(0, 0, 500, 1e-12, 50000)][0]
    assert (k, frac) == (10, 177 / 500) and (lo, hi) == results.wilson_interval(177, 500)
    assert results.series_label((0, 1, 500, 1e-12, 50000)) == "n = k, seed 1, 500 runs"


def test_report_census_alone_draws_error_bars(tmp_path):
    pytest.importorskip("matplotlib")
    _results_file(tmp_path / "run" / "a", 0, 500, [(10, 10, 177), (12, 12, 283)])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "certify", "report", "--census", "run",
                           "--out", "plots"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == \
        ["spurious_fraction.pdf", "spurious_fraction.png"]


def test_failing_task_stops_with_one_line_and_keeps_chunks(tmp_path, monkeypatch, capsys):
    from certify.cli import census as cli
    real = endpoints.run_unit
    calls = []

    def flaky(unit):
        calls.append(unit.first)
        if len(calls) == 2:
            raise MemoryError("simulated worker failure")
        return real(unit)
    monkeypatch.setattr(endpoints, "run_unit", flaky)
    code = cli.run(["k=6", "--runs", "6", "--chunk-runs", "3", "--no-certify",
                           "--results", str(tmp_path / "res"), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "MemoryError" in err[0] and "--resume" in err[0]
    assert len(list((tmp_path / "res" / "chunks").iterdir())) == 1       # the first chunk is kept
    assert not (tmp_path / "res" / ".lock").exists()
    monkeypatch.setattr(endpoints, "run_unit", real)
    assert cli.run(["--resume", str(tmp_path / "res"), "-q"]) == 0
