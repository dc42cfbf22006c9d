"""`python -m certify point`: certify a user's candidate point (and n > k runs).

    python -m certify point candidate.json [--out cert.json] [--prec BITS] [--force]
    python -m certify point candidate.npy --k 6 [...]

Candidate files (floats allowed; accurate to ~1e-6 is enough):
  JSON  {"k": 6, "W": [[...], ...], "V": [[...], ...]}   ("V" optional)
  .npy  a 2-D float array W, with --k.
Rows of W are the student's neurons: n = rows, d = row length, k <= d, k <= n.
The teacher is the first k rows of I_d unless "V" is given (V must then be
exactly orthonormal as binary floating-point numbers, e.g. signed unit rows).

The point is refined by Newton (certify.refine), then the kernel proves either
  "local minimum"  (F > 0 on the box: spurious), or
  "saddle"         (its Morse index, with no Hessian eigenvalue near 0),
whichever the float Hessian indicates.  The claims cover every input
dimension d' >= d when the d > k matrix M is positive definite, else d only.
One line is printed.  Exit codes: 0 certificate written; 1 nothing could be
proved (the line says why); 2 unusable input or usage (the line says why).

Also `python -m certify k=8 n=9` (see run_overparameterised): search for
critical points with n > k neurons and certify those found.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE = 0, 1, 2
MAX_INPUT_BYTES = 16 * 1024 * 1024
PARALLEL_TOL = 1e-12      # |cos| > 1 - this: treated as parallel (formulas not smooth)


class BadCandidate(ValueError):
    """The candidate file is unusable (exit 2); the message says why."""


class Unsmooth(ValueError):
    """The candidate lies where F is not smooth (exit 1); the message says why."""


# ---------------------------------------------------------------------------
# reading candidates
# ---------------------------------------------------------------------------
def _reject_constant(name):
    raise BadCandidate(f"JSON constant {name} is not a number")


def _float_matrix(value, field: str):
    import numpy as np
    if not isinstance(value, list) or not value:
        raise BadCandidate(f"{field} must be a non-empty list of rows")
    width = None
    for i, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise BadCandidate(f"{field}[{i}] must be a non-empty list of numbers")
        if width is None:
            width = len(row)
        if len(row) != width:
            raise BadCandidate(f"{field} has rows of different lengths ({width} and {len(row)}): wrong shape")
        for x in row:
            if type(x) not in (int, float):
                raise BadCandidate(f"{field}[{i}] contains a non-number {str(x)[:20]!r}")
    return np.array(value, dtype=float)


def read_candidate(path: Path, k_option: int | None):
    """(W, V) as float arrays from a candidate file; raises BadCandidate."""
    W, k, V = load_candidate(path, k_option)
    return check_candidate(W, k, V)


def load_candidate(path: Path, k_option: int | None = None, need_k: bool = True):
    """(W, k, V) as read from a candidate file (JSON or .npy), before the checks of
    :func:`check_candidate`: W a non-empty 2-D float array; k from the file or
    k_option (None only when need_k is false); V None when the file gives none.
    Raises BadCandidate."""
    import numpy as np
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise BadCandidate(f"file larger than {MAX_INPUT_BYTES} bytes")
        data = path.read_bytes()
    except OSError as err:
        raise BadCandidate(f"cannot read {path}: {err.strerror or err}") from None
    if not data.strip():
        raise BadCandidate("the file is empty")
    V = None
    if path.suffix.lower() == ".npy":
        if k_option is None and need_k:
            raise BadCandidate("a .npy candidate needs --k")
        import io
        try:
            W = np.load(io.BytesIO(data), allow_pickle=False)
        except Exception as err:   # numpy raises ValueError/OSError/EOFError/... on bad files
            raise BadCandidate(f"not a readable .npy array ({type(err).__name__}: {str(err)[:80]})") from None
        if W.ndim != 2 or W.shape[0] == 0 or W.shape[1] == 0:
            raise BadCandidate(f"W must be a 2-D array (neurons x dimension), got shape {W.shape}: wrong shape")
        if not np.issubdtype(W.dtype, np.number) or np.issubdtype(W.dtype, np.complexfloating):
            raise BadCandidate(f"W must hold real numbers, got dtype {W.dtype}")
        W = W.astype(float)
        k = k_option
    else:
        try:
            obj = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise BadCandidate("not UTF-8 text") from None
        except (ValueError, RecursionError) as err:
            if isinstance(err, BadCandidate):
                raise
            raise BadCandidate(f"not valid JSON ({str(err)[:80]})") from None
        if not isinstance(obj, dict):
            raise BadCandidate('top level must be a JSON object {"k": ..., "W": [[...], ...]}')
        unknown = set(obj) - {"k", "W", "V", "info"}
        if unknown:
            raise BadCandidate(f"unknown field {sorted(unknown)[0]!r} (allowed: k, W, V, info)")
        if "W" not in obj:
            raise BadCandidate('missing field "W"')
        k = obj.get("k", k_option)
        if k is None and need_k:
            raise BadCandidate('missing field "k" (or give --k)')
        if k is not None and type(k) is not int:
            raise BadCandidate(f'"k" must be an integer, got {str(k)[:20]!r}')
        if k_option is not None and k_option != k:
            raise BadCandidate(f"--k {k_option} contradicts k = {k} in the file")
        W = _float_matrix(obj["W"], "W")
        if "V" in obj:
            V = _float_matrix(obj["V"], "V")
    return W, k, V


def check_candidate(W, k: int, V=None):
    """Validate shapes and values; returns (W, V).  Raises BadCandidate."""
    import numpy as np
    from .kernel.statement import MAX_VARIABLES
    from .objective import identity_teacher
    n, d = W.shape
    if not np.all(np.isfinite(W)):
        i, a = np.argwhere(~np.isfinite(W))[0]
        raise BadCandidate(f"W[{i}][{a}] is not a finite number (NaN or infinity)")
    if type(k) is not int or k < 1:
        raise BadCandidate(f"k must be a positive integer, got {k}")
    if k > d:
        raise BadCandidate(f"k = {k} > d = {d}: the k teacher neurons do not fit in dimension d (rows are too short)")
    if k > n:
        raise BadCandidate(f"n = {n} < k = {k}: fewer student than teacher neurons is not supported "
                           "(then the global minimum is not known to be 0)")
    if n * d > MAX_VARIABLES:
        raise BadCandidate(f"n * d = {n * d} exceeds {MAX_VARIABLES} variables (dense method)")
    zero = np.where(~np.any(W != 0, axis=1))[0]
    if zero.size:
        raise BadCandidate(f"row {zero[0]} of W is zero: F is not differentiable there")
    if V is None:
        V = identity_teacher(k, d)
    else:
        if V.shape != (k, d):
            raise BadCandidate(f"V must have shape ({k}, {d}) to match k and W, got {V.shape}: wrong shape")
        if not np.all(np.isfinite(V)):
            raise BadCandidate("V contains a non-finite number")
        rows = [[Fraction(float(x)) for x in row] for row in V]
        for i in range(k):
            for j in range(i + 1):
                if sum(a * b for a, b in zip(rows[i], rows[j])) != (1 if i == j else 0):
                    raise BadCandidate(f"teacher rows {j} and {i} are not exactly orthonormal in binary "
                                       "floating point (use e.g. signed unit vectors)")
    return W, V


def parallel_pair(W, V) -> str | None:
    """A description of two (nearly) parallel vectors among the rows of W and V, or None."""
    import numpy as np
    P = np.vstack([W, V])
    U = P / np.linalg.norm(P, axis=1)[:, None]
    C = np.abs(U @ U.T)
    np.fill_diagonal(C, 0)
    i, j = np.unravel_index(np.argmax(C), C.shape)
    if C[i, j] < 1 - PARALLEL_TOL:
        return None
    name = lambda a: f"w_{a}" if a < len(W) else f"v_{a - len(W)}"   # noqa: E731
    i, j = min(i, j), max(i, j)
    return f"{name(i)} and {name(j)} are parallel: F is not twice differentiable there"


# ---------------------------------------------------------------------------
# certifying
# ---------------------------------------------------------------------------
def certify_candidate(W, V, prec: int, info: dict | None = None):
    """Outcome of pipeline.certify_point_for_all_d (every d' >= d when M > 0 at the
    point, else d only), after refusing parallel pairs.  Raises pipeline.NotCertified."""
    from . import pipeline
    parallel = parallel_pair(W, V)
    if parallel:
        raise pipeline.NotCertified(parallel)
    return pipeline.certify_point_for_all_d(W, V, prec, info)[0]


def summary(outcome) -> str:
    """One line: what was proved."""
    from .display import decimal
    obj = outcome.obj
    claims = obj["claims"]
    d, d_max = obj["d"], obj["d_max"]
    dims = f"every d' >= {d}" if d_max is None else (f"d = {d}" if d_max == d else f"{d} <= d' <= {d_max}")
    where = f"k={obj['k']}, n={obj['n']}, {dims}"
    loss = f"F in [{decimal(claims['loss_lower'], 10, 'down')}, {decimal(claims['loss_upper'], 10, 'up')}]"
    if obj["kind"] == "saddle":
        mu = decimal(claims["hessian_min_abs_eig_lower"], 4, "down")
        return (f"saddle, Morse index {claims['morse_index']} of {obj['n'] * obj['d']} ({where}): {loss}, "
                f"no Hessian eigenvalue in [-{mu}, {mu}]")
    mu = decimal(claims["hessian_min_eig_lower"], 4, "down")
    return f"local minimum, spurious ({where}): {loss} > 0, Hessian eigenvalues > {mu}"


def run_point(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify point", description=(
        "Refine a candidate critical point and certify it as a spurious local minimum or a "
        "saddle with its Morse index. Exit 0: certificate written; 1: not certified; 2: bad input."))
    parser.add_argument("candidate", type=Path, help='JSON {"k": 6, "W": [[...]], "V": optional} or .npy (with --k)')
    parser.add_argument("--k", type=int, default=None, help="number of teacher neurons (needed for .npy)")
    parser.add_argument("--out", type=Path, default=None,
                        help="certificate path (default: <candidate>.cert.json next to the candidate)")
    parser.add_argument("--prec", type=int, default=128, help="arb precision in bits, 64..2048 (default 128)")
    parser.add_argument("--force", action="store_true", help="replace an existing different certificate")
    parser.add_argument("--symmetric", action="store_true",
                        help="detect the block symmetry of the point and use the symmetry-reduced "
                             "method (n = k = d, teacher I; --out is then a folder, default "
                             "certificates/symmetric); same as `python -m certify symmetric CANDIDATE`")
    args = parser.parse_args(argv)
    if not 64 <= args.prec <= 2048:
        parser.error("--prec must be in 64..2048")
    if args.symmetric:
        from .symmetric_pipeline import run_symmetric
        forwarded = [str(args.candidate), "--prec", str(args.prec)]
        forwarded += ["--force"] if args.force else []
        forwarded += ["--out", str(args.out)] if args.out is not None else []
        return run_symmetric(forwarded)
    try:
        W, V = read_candidate(args.candidate, args.k)
    except BadCandidate as err:
        print(f"unusable candidate {args.candidate}: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    from . import certificate, pipeline
    t0 = time.perf_counter()
    try:
        outcome = certify_candidate(W, V, args.prec, {"found_by": "user candidate (python -m certify point), refined by Newton"})
    except pipeline.NotCertified as err:
        print(f"not certified: {err}")
        return EXIT_REFUSED
    out = args.out or args.candidate.with_name(args.candidate.stem + ".cert.json")
    try:
        certificate.write(outcome.obj, out, force=args.force)
    except certificate.WouldOverwrite as err:
        print(f"not written: {err}")
        return EXIT_REFUSED
    except OSError as err:
        print(f"cannot write {out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"{summary(outcome)}  -> {out}  ({time.perf_counter() - t0:.2f} s)")
    return EXIT_OK


# ---------------------------------------------------------------------------
# n > k: search, refine, certify   (python -m certify k=8 n=9)
# ---------------------------------------------------------------------------
def parse_n_spec(spec: str, k: int) -> list[int]:
    """'n=9', 'n=k+1', 'n=k+1,k+2', 'n=9..10' -> neuron counts n >= k for this k."""
    if not spec.startswith("n="):
        raise ValueError(f"expected n=..., got {spec!r}")
    values = set()
    for part in spec[2:].split(","):
        part = part.strip()
        try:
            if part.startswith("k+"):
                values.add(k + int(part[2:]))
            elif part == "k":
                values.add(k)
            elif ".." in part:
                lo, hi = (int(x) for x in part.split("..", 1))
                values.update(range(lo, hi + 1))
            else:
                values.add(int(part))
        except ValueError:
            raise ValueError(f"not an integer, range or k+offset: {part!r}") from None
    bad = [n for n in values if n < k]
    if bad or not values:
        raise ValueError(f"n must be >= k = {k}, got {sorted(bad) or 'nothing'}")
    return sorted(values)


def overparameterised_candidates(k: int, n: int, seed: int = 0, tries: int = 40):
    """Float critical points (loss > 0, smooth, nondegenerate) with n neurons
    and teacher I_k (d = k), distinct by loss: from gradient descent (Xavier
    starts) and from float Newton started at the n = k spurious minimum with
    n - k random extra neurons and at random points.  UNTRUSTED: proposes."""
    import warnings
    import numpy as np
    from . import objective, search
    V = objective.identity_teacher(k, k)
    starts = []
    descent = search.gradient_descent(k, n, k, runs=32, seed=seed, max_iter=20000)
    starts += [W for W, g in zip(descent.points, descent.grad_norms) if np.isfinite(g)]
    rng = np.random.default_rng(seed)
    base = search.lowest_spurious_minimum(k) if k >= 6 else None
    for _ in range(tries):
        if base is not None:
            starts.append(np.vstack([base, rng.normal(0, 0.3, (n - k, k))]))
        starts.append(rng.normal(0, 1 / np.sqrt(k), (n, k)))
    found = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for W in starts:
            W = _float_newton(W, V)
            if W is None or np.min(np.linalg.norm(W, axis=1)) < 1e-3:
                continue
            P = np.vstack([W, V])
            U = P / np.linalg.norm(P, axis=1)[:, None]
            if np.max(np.abs(U @ U.T) - np.eye(len(P))) > 1 - 1e-6:
                continue
            F = objective.loss(W, V)
            eig = np.linalg.eigvalsh(objective.hessian(W, V))
            if F < 1e-8 or np.min(np.abs(eig)) < 1e-6:
                continue
            found.setdefault(round(F, 8), W)
    return [found[key] for key in sorted(found)]


def _float_newton(W, V, steps: int = 60):
    import numpy as np
    from . import objective
    for _ in range(steps):
        g = objective.gradient(W, V)
        if not np.all(np.isfinite(g)):
            return None
        if np.max(np.abs(g)) < 1e-12:
            return W
        try:
            step = np.linalg.solve(objective.hessian(W, V), g.ravel()).reshape(W.shape)
        except np.linalg.LinAlgError:
            return None
        W = W - step
    return None


def run_overparameterised(ks: list[int], n_spec: str, args) -> int:
    """Body of `python -m certify k=8 n=9`: for every k and n, search, refine and
    certify each candidate found; one certificate per certified point in args.out."""
    from . import certificate, pipeline
    status = EXIT_OK
    for k in ks:
        try:
            ns = parse_n_spec(n_spec, k)
        except ValueError as err:
            print(f"usage: {err}", file=sys.stderr)
            return EXIT_UNUSABLE
        for n in ns:
            t0 = time.perf_counter()
            candidates = overparameterised_candidates(k, n)
            print(f"k={k} n={n}: {len(candidates)} candidate(s) in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr, flush=True)
            if not candidates:
                print(f"k={k} n={n}: not certified: the search found no smooth nondegenerate critical "
                      "point with loss > 0", flush=True)
                status = max(status, EXIT_REFUSED)
            import numpy as np
            V = np.eye(k)
            for number, W in enumerate(candidates, 1):
                t0 = time.perf_counter()
                try:
                    outcome = certify_candidate(W, V, args.prec, {
                        "found_by": f"n > k search (gradient descent / float Newton), candidate {number}"})
                except pipeline.NotCertified as err:
                    print(f"k={k} n={n} #{number}: not certified: {err}", flush=True)
                    status = max(status, EXIT_REFUSED)
                    continue
                name = certificate.file_name(outcome.obj).replace(".json", f"_{number}.json")
                path = args.out / name
                try:
                    certificate.write(outcome.obj, path, force=args.force)
                except certificate.WouldOverwrite as err:
                    print(f"k={k} n={n} #{number}: {err}", flush=True)
                    status = max(status, EXIT_REFUSED)
                    continue
                print(f"k={k} n={n} #{number}: {summary(outcome)}  -> {path}  "
                      f"({time.perf_counter() - t0:.2f} s)", flush=True)
    return status
