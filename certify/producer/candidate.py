"""Reading a user's candidate point (JSON or .npy) for `certify point` (UNTRUSTED).

Candidate files (floats allowed; accurate to ~1e-6 is enough):
  JSON  {"k": 6, "W": [[...], ...], "V": [[...], ...]}   ("V" optional, "info" ignored)
  .npy  a 2-D float array W, with the number of teacher neurons given separately.
Rows of W are the student's neurons: n = rows, d = row length, k <= d, k <= n.
The teacher is the first k rows of I_d unless "V" is given (V must then be
exactly orthonormal as binary floating-point numbers, e.g. signed unit rows).
Every problem is a BadCandidate with a one-line reason.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..files import FileProblem, read_bounded
from ..kernel.dense.method import MAX_VARIABLES, require_orthonormal
from ..kernel.format import FormatError
from .exact import from_float
from .objective import identity_teacher

MAX_INPUT_BYTES = 16 * 1024 * 1024
PARALLEL_TOL = 1e-12      # |cos| > 1 - this: treated as parallel (formulas not smooth)


class BadCandidate(ValueError):
    """The candidate file is unusable (exit 2); the message says why."""


def _reject_constant(name):
    raise BadCandidate(f"JSON constant {name} is not a number")


def _float_matrix(value, field: str):
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
    try:
        data = read_bounded(path, MAX_INPUT_BYTES)
    except FileProblem as err:
        raise BadCandidate(str(err)) from None
    if not data.strip():
        raise BadCandidate("the file is empty")
    V = None
    if path.suffix.lower() == ".npy":
        if k_option is None and need_k:
            raise BadCandidate("a .npy candidate needs --k")
        try:
            W = np.load(io.BytesIO(data), allow_pickle=False)
        except Exception as err:   # numpy raises ValueError/OSError/EOFError/... on bad files
            first = str(err).strip().split("\n")[0]
            raise BadCandidate(f"not a readable .npy array ({type(err).__name__}: {first})") from None
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
        try:    # the kernel's own exact check, on the strings the certificate will hold
            require_orthonormal(tuple(tuple(from_float(x) for x in row) for row in V))
        except FormatError as err:
            raise BadCandidate(f"{err}: V must be exactly orthonormal in binary floating point "
                               "(use e.g. signed unit vectors)") from None
    return W, V


def parallel_pair(W, V) -> str | None:
    """A description of two (nearly) parallel vectors among the rows of W and V, or None."""
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


def read_symmetric_candidate(path: Path, k_option: int | None = None) -> np.ndarray:
    """W from a candidate file for the symmetry-reduced method: square (n = k = d), finite,
    teacher the identity (no "V", or V = I).  Raises BadCandidate."""
    W, k, V = load_candidate(path, k_option, need_k=False)
    if not np.all(np.isfinite(W)):
        raise BadCandidate("W must be a finite 2-D array")
    if W.shape[0] != W.shape[1] or k not in (None, W.shape[0]) or (
            V is not None and not np.array_equal(V, np.eye(*W.shape))):
        raise BadCandidate("the symmetric method needs n = k = d and teacher I")
    return W
