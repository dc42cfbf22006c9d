"""Plain helpers shared by the tests (paths known at collection time, certificate
editing, verdict assertions, the `python -m certify` runner).  Fixtures are in
conftest.py; everything that DECIDES what is true is in the oracle package."""
from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
from flint import arb, arb_mat

from certify.kernel.format import canonical_bytes
from certify.kernel.verify import verify_bytes

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
CERT_DIR = ROOT / "certificates"
SYM_DIR = CERT_DIR / "symmetric"
POINT_DATA = TESTS / "data" / "point"
K6 = CERT_DIR / "k6_n6_S1xS5.json"
K7 = CERT_DIR / "k7_n7_S1xS6.json"

# environment of `python -m certify` subprocesses: this checkout, no stray bytecode
SUBPROCESS_ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def run_certify(*args, cwd=ROOT, env=None, timeout=600, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """`python -m certify ARGS` in a subprocess (text output captured; env adds to
    SUBPROCESS_ENV); asserts that it printed no traceback."""
    proc = subprocess.run([sys.executable, "-m", "certify", *map(str, args)], cwd=cwd,
                          env={**SUBPROCESS_ENV, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, stdin=stdin)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-2000:]
    return proc


def certificate_paths() -> list[Path]:
    """The committed dense certificates (certificates/*.json)."""
    return sorted(CERT_DIR.glob("*.json"))


def symmetric_paths() -> list[Path]:
    """The committed symmetric certificates (certificates/symmetric/*.json)."""
    return sorted(SYM_DIR.glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(Path(path).read_bytes())


def encode(obj) -> bytes:
    """Canonical bytes: a test edits the object, then re-serialises, so that the
    intended refusal is exercised and not merely the canonical-form check."""
    return canonical_bytes(obj)


def verify_obj(obj):
    return verify_bytes(encode(obj))


def larger_certificate() -> Path | None:
    """One committed certificate with k > 6 (the smallest such), or None."""
    others = [(load(p)["k"], p) for p in certificate_paths() if p != K6]
    others = [(k, p) for k, p in others if isinstance(k, int) and k > 6]
    return min(others)[1] if others else None


def read_point(name: str):
    """(W, V) of a candidate in tests/data/point (teacher: first k rows of I_d)."""
    from certify.producer.objective import identity_teacher
    obj = json.loads((POINT_DATA / name).read_text())
    W = np.array(obj["W"], dtype=float)
    return W, identity_teacher(obj["k"], W.shape[1])


def get_path(obj, path):
    """obj[path[0]][path[1]]..."""
    for key in path:
        obj = obj[key]
    return obj


def put_path(obj, path, value):
    get_path(obj, path[:-1])[path[-1]] = value


def arb_mid(A) -> np.ndarray:
    """Float midpoints of a flint arb_mat."""
    return np.array([[float(A[i, j].mid()) for j in range(A.ncols())] for i in range(A.nrows())])


# ---------------------------------------------------------------------------
# verdicts
# ---------------------------------------------------------------------------
def refused_claims(verdict) -> set:
    return {r.claim for r in verdict.results if not r.proved}


def failed_claims(obj) -> set:
    """The refused claims of a certificate object, or {error} when it is not well formed."""
    v = verify_obj(obj)
    return refused_claims(v) | ({v.error} if v.error else set())


def assert_refused_claim(verdict, allowed, alone=False):
    """Refused, well formed, and the first failure names one of the `allowed` claims
    (alone: exactly the `allowed` claims are refused)."""
    assert not verdict.accepted
    assert verdict.error is None, verdict.error
    text = verdict.first_failure()
    assert any(text.startswith(f"claim '{name}' refused") for name in allowed), text
    if alone:
        assert refused_claims(verdict) == set(allowed), [(r.claim, r.detail) for r in verdict.results]


def assert_field_error(verdict, field: str):
    """Not a well-formed statement: refused before any mathematics (hence 'unreadable',
    exit 2 on the command line), with a message naming the field."""
    assert not verdict.accepted and verdict.unreadable
    assert not verdict.results, "structure errors must be found before the mathematics"
    assert verdict.error is not None and verdict.error.startswith("malformed: field "), verdict.error
    assert field in verdict.error, verdict.error
    assert verdict.first_failure() == verdict.error


def assert_unreadable(verdict):
    """The bytes are not a certificate at all (encoding, JSON, canonical form)."""
    assert not verdict.accepted and verdict.unreadable and not verdict.results
    assert verdict.first_failure().startswith("unreadable: "), verdict.first_failure()


def statement_object(problem, centre, radius_exp: int, prec: int = 128, d_max=None,
                     claims: dict | None = None) -> dict:
    """A certificate object for a producer problem (producer.dense.DenseProblem or
    producer.reduced.BlockProblem) at the exact centre ((m, e) pairs): box radius
    2^radius_exp, loss claims = the kernel's enclosure of F on that box rounded
    outward, and `claims` (default: the kind and Hessian claims the producer proposes
    from float spectra).  Nothing is proved here: tests hand it to the verifier."""
    from certify.producer import produce
    from certify.producer.exact import format_dyadic
    if claims is None:
        kind, claims = produce.propose_claims(problem, centre, d_max, prec)
    else:
        kind = "saddle" if "morse_index" in claims else "local_minimum"
    draft = problem.to_object(centre, format_dyadic(1, radius_exp), kind,
                              {**claims, **produce.PLACEHOLDER_LOSS}, d_max, prec, None)
    return {**draft, "claims": {**claims, **produce.loss_on_box(draft)}}


def exact_centre(W) -> list:
    """A float matrix as exact (m, e) pairs (the producer's centre format)."""
    out = []
    for row in W:
        out.append([])
        for x in row:
            num, den = float(x).as_integer_ratio()
            out[-1].append((num, -(den.bit_length() - 1)))
    return out


# ---------------------------------------------------------------------------
# test points for the formulas
# ---------------------------------------------------------------------------
def random_student(rng, n, d, scale=0.8):
    """Generic point: rows Gaussian, no two rows (or a row and e_j) parallel."""
    return scale * rng.normal(size=(n, d))


def near_teacher(rng, n, k, d, eps=0.15):
    """Point near the global minimum (small angles to the teacher rows)."""
    W = rng.normal(scale=eps, size=(n, d))
    W[: min(n, k), :] += np.eye(k, d)[: min(n, k)]
    return W


def sample_points(seed, n, k, d):
    """A generic point, one near the teacher, one with two rows at a small angle."""
    rng = np.random.default_rng(seed)
    pts = [random_student(rng, n, d), near_teacher(rng, n, k, d)]
    W = random_student(rng, n, d)
    if n >= 2:
        W[1] = 1.3 * W[0] + 0.05 * np.linalg.norm(W[0]) * rng.normal(size=d) / np.sqrt(d)
    pts.append(W)
    return pts


def dyadic_point(seed, n, d):
    """A point with entries k/64: exact in binary (floats, arb, Fractions)."""
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(size=(n, d)) * 64) / 64


def pair_cases() -> list:
    """Pairs (u, v): random ones in d = 2, 3, 5 and ones at chosen angles from 1e-3 to pi - 1e-3."""
    rng = np.random.default_rng(11)
    cases = [(rng.normal(size=d), rng.normal(size=d)) for d in (2, 3, 5) for _ in range(3)]
    for d, t in [(2, 1e-3), (3, 1e-2), (4, 0.3), (3, 1.7), (4, 2.6), (3, math.pi - 1e-2),
                 (2, math.pi - 1e-3), (5, math.pi / 2)]:
        a, b = np.linalg.qr(rng.normal(size=(d, 2)))[0].T
        cases.append((1.7 * a, 0.6 * (math.cos(t) * a + math.sin(t) * b)))
    return cases


# ---------------------------------------------------------------------------
# balls and interval matrices
# ---------------------------------------------------------------------------
def exact_arb(q) -> arb:
    """A dyadic rational as an exact arb (radius 0); any other rational as a tight ball."""
    q = Fraction(q)
    if q.denominator & (q.denominator - 1) == 0:
        return arb((q.numerator, -(q.denominator.bit_length() - 1)))
    return arb(q.numerator) / q.denominator


def ball_contains(ball: arb, value) -> bool:
    """The ball contains the mpmath number `value` (computed by the caller at 60 digits or
    more: far below every radius the tests compare with)."""
    with mpmath.workdps(80):
        mid = mpmath.mpf(ball.mid().str(75, radius=False))
        rad = mpmath.mpf(ball.rad().str(20, radius=False))
        return abs(mid - value) <= rad * (1 + mpmath.mpf(10) ** -15) + mpmath.mpf(10) ** -60


def symmetric_with_spectrum(rng, eigenvalues) -> list:
    """A symmetric matrix of Fractions (exact floats) with eigenvalues close to the given ones."""
    N = len(eigenvalues)
    Q, _ = np.linalg.qr(rng.normal(size=(N, N)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    A = np.triu(A) + np.triu(A, 1).T                  # exactly symmetric floats
    return [[Fraction(float(x)) for x in row] for row in A]


def interval_matrix(A, rad) -> arb_mat:
    """Balls of radius rad (a dyadic) around the exact entries of A."""
    N = len(A)
    return arb_mat(N, N, [exact_arb(A[i][j]) + arb(0, exact_arb(rad)) for i in range(N) for j in range(N)])


def interval_cases(seed: int, rad_exp, count: int, max_n: int):
    """(rng, prng, N, rad) for `count` random interval-matrix cases: numpy and stdlib
    generators (seeded), a size N in 1..max_n - 1, entry radius 2^rad_exp (0 if None)."""
    rng = np.random.default_rng(seed + (rad_exp or 0))
    prng = random.Random(seed)
    rad = Fraction(0) if rad_exp is None else Fraction(1, 2 ** -rad_exp)
    for _ in range(count):
        yield rng, prng, int(rng.integers(1, max_n)), rad
