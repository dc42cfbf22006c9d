"""Shared helpers for the verifier, fuzz, CLI and symmetric tests.

Everything here that DECIDES something about a certificate is written
independently of certify/kernel: its own strict dyadic parser, its own reading
of docs/format.md, and the loss and gradient in mpmath from the closed forms of
MATH.md.  The only project code used for decisions is certify.objective (float
Hessian / eigenvalues, to estimate margins that are then required to be huge)
and canonical_bytes (which *is* the definition of the canonical form).
"""
from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np

from certify import objective
from certify.kernel.verify import canonical_bytes, verify_bytes

ROOT = Path(__file__).resolve().parent.parent
CERT_DIR = ROOT / "certificates"
K6 = CERT_DIR / "k6_n6_S1xS5.json"


# environment of `python -m certify` subprocesses: this checkout, no stray bytecode
SUBPROCESS_ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def run_certify(*args, cwd=ROOT, env=None, timeout=600) -> subprocess.CompletedProcess:
    """`python -m certify ARGS` in a subprocess (text output captured; env adds to
    SUBPROCESS_ENV); asserts that it printed no traceback."""
    proc = subprocess.run([sys.executable, "-m", "certify", *map(str, args)], cwd=cwd,
                          env={**SUBPROCESS_ENV, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-2000:]
    return proc


def certificate_paths() -> list[Path]:
    return sorted(CERT_DIR.glob("*.json"))


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


# ---------------------------------------------------------------------------
# exact dyadic numbers, parsed and printed independently of certify.kernel
# ---------------------------------------------------------------------------
_INT = re.compile(r"(0|-?[1-9][0-9]*)")
_DY = re.compile(r"(-?[1-9][0-9]*)\*2\^(-[1-9][0-9]*)")


def strict_fraction(text) -> Fraction | None:
    """Value of a canonical dyadic string per docs/format.md, else None."""
    if not isinstance(text, str) or len(text) > 4000 or not text.isascii():
        return None
    if _INT.fullmatch(text):
        return Fraction(int(text))
    match = _DY.fullmatch(text)
    if not match:
        return None
    m, e = int(match.group(1)), int(match.group(2))
    if m % 2 == 0 or -e > 100_000:   # (larger exponents: not needed by any test)
        return None
    return Fraction(m, 2 ** -e)


def frac(text: str) -> Fraction:
    q = strict_fraction(text)
    assert q is not None, f"test bug: {text!r} is not a canonical dyadic"
    return q


def dyadic(q) -> str:
    """Canonical text of a dyadic rational (Fraction, int or finite float)."""
    q = Fraction(q)
    den = q.denominator
    assert den & (den - 1) == 0, f"{q} is not dyadic"
    if den == 1:
        return str(q.numerator)
    e = den.bit_length() - 1
    m = q.numerator
    assert m % 2 == 1 or m % 2 == -1
    return f"{m}*2^-{e}"


def shifted_text(text: str, delta: float) -> str:
    """Exact text of value(text) + delta (delta a float, added exactly)."""
    return dyadic(frac(text) + Fraction(delta))


def scaled_text(text: str, factor) -> str:
    return dyadic(frac(text) * Fraction(factor))


def to_float_matrix(rows) -> np.ndarray:
    return np.array([[float(frac(x)) for x in row] for row in rows])


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
# orbits of index pairs under permutations of blocks, by brute force
# ---------------------------------------------------------------------------
def pair_orbits(blocks, fixed: int = 0) -> list[list[tuple[int, int]]]:
    """Orbits of the pairs (i, j) in {0..k-1}^2 (k = sum(blocks)) under the group acting
    diagonally, (i, j) -> (s(i), s(j)), that permutes the indices of each block except
    its first `fixed` ones (fixed = 0: Delta(prod S_pa)); by union-find over the
    generating adjacent transpositions, independent of certify.kernel.symmetric."""
    k = sum(blocks)
    starts = np.cumsum([0] + list(blocks))
    gens = [(i, i + 1) for a in range(len(blocks))
            for i in range(starts[a] + fixed, starts[a + 1] - 1)]
    parent = {x: x for x in itertools.product(range(k), repeat=2)}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    def swap(i, s, t):
        return t if i == s else s if i == t else i

    for (i, j), (s, t) in itertools.product(list(parent), gens):
        parent[find((i, j))] = find((swap(i, s, t), swap(j, s, t)))
    orbits: dict = {}
    for x in parent:
        orbits.setdefault(find(x), []).append(x)
    return list(orbits.values())


# ---------------------------------------------------------------------------
# an independent reading of docs/format.md
# ---------------------------------------------------------------------------
TOP = {"format", "version", "kind", "method", "k", "n", "d", "d_max", "teacher",
       "prec", "box", "claims", "software"}


def _is_int(x) -> bool:
    return type(x) is int


def _matrix_ok(value, rows, cols) -> bool:
    return (isinstance(value, list) and len(value) == rows and all(
        isinstance(r, list) and len(r) == cols and all(strict_fraction(x) is not None for x in r)
        for r in value))


def format_problem(obj) -> str | None:
    """First violation of docs/format.md (structure and the sign conditions of
    the claims), or None when the object is a well-formed statement."""
    if not isinstance(obj, dict):
        return "top level is not an object"
    keys = set(obj)
    if not TOP <= keys or not keys <= TOP | {"info"}:
        return "top-level keys"
    if obj["format"] != "certify/relu-spurious-minimum" or type(obj["format"]) is not str:
        return "format"
    if not _is_int(obj["version"]) or obj["version"] != 1:
        return "version"
    if type(obj["kind"]) is not str or obj["kind"] not in ("local_minimum", "saddle"):
        return "kind"
    saddle = obj["kind"] == "saddle"
    if obj["method"] != "dense" or type(obj["method"]) is not str:
        return "method"
    k, n, d, d_max, prec = obj["k"], obj["n"], obj["d"], obj["d_max"], obj["prec"]
    if not all(_is_int(x) for x in (k, n, d)) or not (1 <= k <= n and k <= d and n * d <= 1600):
        return "k, n, d"
    if d_max is not None and (not _is_int(d_max) or d_max < d):
        return "d_max"
    if not _is_int(prec) or not 64 <= prec <= 2048:
        return "prec"
    if not _matrix_ok(obj["teacher"], k, d):
        return "teacher shape/numbers"
    V = [[frac(x) for x in row] for row in obj["teacher"]]
    for i in range(k):
        for j in range(i + 1):
            if sum(a * b for a, b in zip(V[i], V[j])) != (1 if i == j else 0):
                return "teacher not orthonormal"
    box = obj["box"]
    if not isinstance(box, dict) or set(box) != {"centre", "radius"}:
        return "box keys"
    if not _matrix_ok(box["centre"], n, d):
        return "centre shape/numbers"
    r = strict_fraction(box["radius"])
    if r is None or r <= 0:
        return "radius"
    claims = obj["claims"]
    hessian_key = "hessian_min_abs_eig_lower" if saddle else "hessian_min_eig_lower"
    want = {"loss_lower", "loss_upper", hessian_key} | ({"morse_index"} if saddle else set())
    if d_max is None or d_max > d:
        want.add("extra_min_eig_lower")
    if not isinstance(claims, dict) or set(claims) != want:
        return "claim keys"
    if saddle and not (_is_int(claims["morse_index"]) and 1 <= claims["morse_index"] <= n * d - 1):
        return "morse_index"
    values = {key: strict_fraction(v) for key, v in claims.items() if key != "morse_index"}
    if any(v is None for v in values.values()):
        return "claim numbers"
    if not saddle and values["loss_lower"] <= 0:
        return "loss_lower <= 0"
    if values[hessian_key] <= 0:
        return "hessian claim <= 0"
    if values.get("extra_min_eig_lower", 1) <= 0:
        return "extra claim <= 0"
    sw = obj["software"]
    if not isinstance(sw, dict) or not all(isinstance(v, str) for v in sw.values()):
        return "software"
    if "info" in obj and not (isinstance(obj["info"], dict)
                              and all(isinstance(v, str) for v in obj["info"].values())):
        return "info"
    return None


def strict_decode(data: bytes):
    """The object of certificate bytes, or None if the bytes are not canonical
    UTF-8 JSON without duplicate keys, NaN/Infinity or floats."""
    def pairs(items):
        keys = [key for key, _ in items]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate")
        return dict(items)

    def bad(_):
        raise ValueError("constant")
    try:
        obj = json.loads(data.decode("utf-8"), object_pairs_hook=pairs,
                         parse_constant=bad, parse_float=bad)
        return obj if canonical_bytes(obj) == data else None
    except Exception:
        return None


# ---------------------------------------------------------------------------
# the objective in mpmath, straight from the closed forms of MATH.md
# ---------------------------------------------------------------------------
DPS = 60


def _mp(q) -> mpmath.mpf:
    q = Fraction(q)
    return mpmath.mpf(q.numerator) / q.denominator


def _f(u, v, nu, nv):
    c = sum(a * b for a, b in zip(u, v)) / (nu * nv)
    c = max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))
    t = mpmath.acos(c)
    return nu * nv * (mpmath.sin(t) + (mpmath.pi - t) * c) / (2 * mpmath.pi)


def mp_loss(W, V) -> mpmath.mpf:
    """F(W) for exact (Fraction) W and V; raises ZeroDivisionError at a zero neuron."""
    with mpmath.workdps(DPS):
        W = [[_mp(x) for x in row] for row in W]
        V = [[_mp(x) for x in row] for row in V]
        nw = [mpmath.sqrt(sum(x * x for x in u)) for u in W]
        nv = [mpmath.sqrt(sum(x * x for x in v)) for v in V]
        if min(nw) == 0:
            raise ZeroDivisionError("zero neuron")
        total = mpmath.mpf(0)
        for rows, norms in ((W, nw), (V, nv)):
            for i in range(len(rows)):
                total += norms[i] ** 2 / 4
                for j in range(i + 1, len(rows)):
                    total += _f(rows[i], rows[j], norms[i], norms[j])
        for i, w in enumerate(W):
            for j, v in enumerate(V):
                total -= _f(w, v, nw[i], nv[j])
        return +total


def mp_gradient(W, V) -> list:
    """grad F as a flat list (row-major) of mpf, for exact W and V."""
    with mpmath.workdps(DPS):
        W = [[_mp(x) for x in row] for row in W]
        V = [[_mp(x) for x in row] for row in V]
        out = []
        for i, w in enumerate(W):
            nw = mpmath.sqrt(sum(x * x for x in w))
            ub = [x / nw for x in w]
            row = [x / 2 for x in w]
            others = [(1, q) for j, q in enumerate(W) if j != i] + [(-1, q) for q in V]
            for sign, q in others:
                nq = mpmath.sqrt(sum(x * x for x in q))
                c = sum(a * b for a, b in zip(w, q)) / (nw * nq)
                c = max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))
                t = mpmath.acos(c)
                s = mpmath.sin(t)
                row = [r + sign * (nq * s * a + (mpmath.pi - t) * b) / (2 * mpmath.pi)
                       for r, a, b in zip(row, ub, q)]
            out.extend(row)
        return out


# ---------------------------------------------------------------------------
# the oracle: is a (mutated) certificate a TRUE theorem?
# ---------------------------------------------------------------------------
class Reference:
    """Independent facts about an accepted certificate, used to judge mutations.

    delta  bound on |W* - c|_inf: 4 x the Newton step H(c)^-1 grad F(c) (mpmath
           gradient, float Hessian).  By Newton-Kantorovich |W* - c| <= 2|step|
           once the step is tiny compared with the curvature scale (here the
           step is ~1e-31, the scale ~1e-2).
    F0     F(c) to 60 digits; lam, lam_x: float lambda_min of H(c) and M(c).
    """

    def __init__(self, obj: dict):
        self.obj = obj
        self.V = [[frac(x) for x in row] for row in obj["teacher"]]
        self.c = [[frac(x) for x in row] for row in obj["box"]["centre"]]
        self.r = frac(obj["box"]["radius"])
        with mpmath.workdps(DPS):
            self.F0 = mp_loss(self.c, self.V)
        g0 = np.array([float(x) for x in mp_gradient(self.c, self.V)])
        Wf, Vf = np.array(self.c, dtype=float), np.array(self.V, dtype=float)
        H = objective.hessian(Wf, Vf)
        self.delta = 4 * float(np.max(np.abs(np.linalg.solve(H, g0))))
        self.lam = float(np.linalg.eigvalsh(H)[0])
        self.lam_x = float(np.linalg.eigvalsh(objective.extra_dimension_block(Wf, Vf))[0])


def _smooth_enough(Wf: np.ndarray, Vf: np.ndarray, tol: float = 1e-3) -> bool:
    P = np.vstack([Wf, Vf])
    norms = np.linalg.norm(P, axis=1)
    if norms.min() < tol:
        return False
    U = P / norms[:, None]
    C = np.abs(U @ U.T) - np.eye(len(P))
    return float(C.max()) < 1 - tol


def _exactly_degenerate(c, V) -> str | None:
    """A zero row of c, or two exactly parallel / antiparallel rows among c and V."""
    rows = [("w", i, r) for i, r in enumerate(c)] + [("v", j, r) for j, r in enumerate(V)]
    sq = [sum(x * x for x in r) for _, _, r in rows]
    for a, (na, ia, ra) in enumerate(rows):
        if sq[a] == 0:
            return f"{na}_{ia} = 0"
        for b in range(a):
            dot = sum(x * y for x, y in zip(ra, rows[b][2]))
            if dot * dot == sq[a] * sq[b]:
                return f"{na}_{ia} parallel to {rows[b][0]}_{rows[b][1]}"
    return None


def judge(ref: Reference, obj: dict) -> tuple[str, str]:
    """See _judge; every mpmath comparison runs at DPS digits."""
    with mpmath.workdps(DPS):
        return _judge(ref, obj)


def _judge(ref: Reference, obj: dict) -> tuple[str, str]:
    """('false' | 'true' | 'undecided', reason) for a mutated certificate object.

    'false' needs a witness: a violation of docs/format.md; or a point of the box
    where F, lambda_min(H) or lambda_min(M) contradicts a claim by a wide margin;
    or |grad_i F(c')| > 2 r' sum_j |H_ij(c')| (mean value theorem: no zero of
    grad F in a box this small, whose Hessian is within 2x of H(c')).
    'true' needs: the box still contains W* (|c' - c| + delta <= r') and is so
    small (|c' - c| + r' <= 2^-60) that every claim, which keeps a wide margin
    to the values at W*, holds on all of it.  Anything else is 'undecided'."""
    problem = format_problem(obj)
    if problem:
        return "false", f"malformed: {problem}"
    if obj["kind"] != "local_minimum":
        return "undecided", "saddle statements are judged in tests/test_point.py"
    same_shape = all(obj[key] == ref.obj[key] for key in ("k", "n", "d"))
    V = [[frac(x) for x in row] for row in obj["teacher"]]
    c = [[frac(x) for x in row] for row in obj["box"]["centre"]]
    r = frac(obj["box"]["radius"])
    claims = {key: frac(v) for key, v in obj["claims"].items()}
    bad_pair = _exactly_degenerate(c, V)
    if bad_pair:
        return "false", f"the box centre is not in the smooth set U: {bad_pair}"
    Wf, Vf = np.array(c, dtype=float), np.array(V, dtype=float)
    smooth = _smooth_enough(Wf, Vf)
    # witnesses of falsity, at points of the box
    if smooth:
        H = objective.hessian(Wf, Vf)
        lam = float(np.linalg.eigvalsh(H)[0])
        tol = 1e-9 * max(1.0, float(np.abs(H).max()))
        if claims["hessian_min_eig_lower"] > lam + tol:
            return "false", f"lambda_min(H(c')) = {lam:.6g} < hessian claim"
        if "extra_min_eig_lower" in claims:
            M = objective.extra_dimension_block(Wf, Vf)
            lam_x = float(np.linalg.eigvalsh(M)[0])
            if claims["extra_min_eig_lower"] > lam_x + 1e-9 * max(1.0, float(np.abs(M).max())):
                return "false", f"lambda_min(M(c')) = {lam_x:.6g} < extra claim"
        if r <= Fraction(1, 10 ** 12):
            g = mp_gradient(c, V)
            rows = np.abs(H).sum(axis=1)
            for i, gi in enumerate(g):
                if abs(gi) > 2 * _mp(r) * rows[i] + mpmath.mpf(10) ** -50:
                    return "false", f"no zero of grad F in the box (|g_{i}(c')| = {float(abs(gi)):.3g})"
    points = [c]
    for sign in (1, -1):
        rng = np.random.default_rng(0)
        for _ in range(2):
            pattern = rng.choice([-1, 1], size=Wf.shape)
            points.append([[x + sign * int(p) * r for x, p in zip(row, prow)]
                           for row, prow in zip(c, pattern)])
    if smooth:
        q = np.linalg.eigh(objective.hessian(Wf, Vf))[1][:, -1].reshape(Wf.shape)
        points.append([[x + (r if p >= 0 else -r) for x, p in zip(row, prow)]
                       for row, prow in zip(c, q)])
    tol = mpmath.mpf(10) ** -45
    for p in points:
        try:
            F = mp_loss(p, V)
        except (ZeroDivisionError, ValueError):
            continue
        if F < _mp(claims["loss_lower"]) - tol or F > _mp(claims["loss_upper"]) + tol:
            return "false", f"F = {mpmath.nstr(F, 15)} at a point of the box, outside the claimed bounds"
    # sufficient condition for truth.  The dimension range may only shrink: from
    # null (every d' >= d) to any d_max >= d (the extra claim then covers less or,
    # for d_max = d, is absent and not needed).
    d_max, ref_d_max = obj["d_max"], ref.obj["d_max"]
    dims_weaker = d_max == ref_d_max or (ref_d_max is None) or (d_max is not None and d_max <= ref_d_max)
    if not same_shape or V != ref.V or not dims_weaker:
        return "undecided", "different problem"
    shift = max(abs(a - b) for ra, rb in zip(c, ref.c) for a, b in zip(ra, rb))
    if not (float(shift) + ref.delta <= float(r) and float(shift + r) <= 2.0 ** -60):
        return "undecided", "box not provably around W* / too large"
    margin = mpmath.mpf(10) ** -30
    ok = (_mp(claims["loss_lower"]) <= ref.F0 - margin and _mp(claims["loss_upper"]) >= ref.F0 + margin
          and float(claims["hessian_min_eig_lower"]) <= ref.lam - 1e-9)
    if "extra_min_eig_lower" in claims:
        ok = ok and float(claims["extra_min_eig_lower"]) <= ref.lam_x - 1e-9
    if ok:
        return "true", "box contains W*, every claim is weaker than the truth by a wide margin"
    return "undecided", "claims too close to the true values"
