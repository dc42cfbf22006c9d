"""The statement a certificate claims, read strictly from its JSON data.

Checks structure, types, sizes and consistency BEFORE any mathematics and
returns a Statement of exact integers and dyadic strings.  Nothing here proves
anything; kernel.prove decides every mathematical claim.  Format: docs/format.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import dyadic

FORMAT = "certify/relu-spurious-minimum"
VERSION = 1
KINDS = ("local_minimum", "saddle")
METHODS = ("dense",)
MAX_VARIABLES = 1600          # n * d for the dense method (k = 40): bounds time and memory
PREC_RANGE = (64, 2048)       # working precision of arb, in bits
TOP_KEYS = {"format", "version", "kind", "method", "k", "n", "d", "d_max",
            "teacher", "prec", "box", "claims", "software"}
OPTIONAL_TOP_KEYS = {"info"}   # free text for humans; never read by the kernel
BASE_CLAIMS = {"loss_lower", "loss_upper", "hessian_min_eig_lower"}
SADDLE_CLAIMS = {"loss_lower", "loss_upper", "hessian_min_abs_eig_lower", "morse_index"}
INTEGER_CLAIMS = {"morse_index"}   # JSON integers; every other claim is a dyadic string
EXTRA_CLAIM = "extra_min_eig_lower"


class FormatError(ValueError):
    """The certificate is not a well-formed statement; `field` names where."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Statement:
    """A claim: the box centre +- radius (entrywise) holds exactly one critical
    point W* of F (teacher rows `teacher`), a strict local minimum (kind
    "local_minimum") or a nondegenerate saddle with claims["morse_index"]
    negative Hessian eigenvalues (kind "saddle"), for every input dimension in
    [d, d_max] (d_max None: unbounded), with the stated bounds."""
    k: int
    n: int
    d: int
    d_max: int | None
    teacher: tuple          # k rows of d dyadic strings
    centre: tuple           # n rows of d dyadic strings
    radius: str
    prec: int
    claims: dict            # claim name -> dyadic string (morse_index: int)
    kind: str = "local_minimum"   # or "saddle": nondegenerate critical point of index morse_index

    @property
    def covers_extra_dimensions(self) -> bool:
        return self.d_max is None or self.d_max > self.d


def read_int(obj: dict, key: str, low: int, high: int) -> int:
    """obj[key], which must be a JSON integer in [low, high] (FormatError otherwise)."""
    value = obj.get(key)
    if type(value) is not int or not low <= value <= high:
        raise FormatError(key, f"must be an integer in [{low}, {high}], got {str(value)[:40]!r}")
    return value


def read_dyadic(value, field: str) -> str:
    """value, which must be a canonical dyadic string (FormatError naming field otherwise)."""
    try:
        dyadic.parse(value)
    except dyadic.DyadicError as err:
        raise FormatError(field, str(err)) from None
    return value


def _matrix(value, rows: int, cols: int, field: str) -> tuple:
    if not isinstance(value, list) or len(value) != rows:
        raise FormatError(field, f"must be a list of {rows} rows")
    out = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != cols:
            raise FormatError(f"{field}[{i}]", f"must be a list of {cols} numbers")
        out.append(tuple(read_dyadic(x, f"{field}[{i}]") for x in row))
    return tuple(out)


def _exact(text: str) -> Fraction:
    m, e = dyadic.parse(text)
    return Fraction(m) * Fraction(2) ** e


def _require_orthonormal(teacher: tuple) -> None:
    """Exact check that the teacher rows are orthonormal: with every entry
    written as A_ia * 2^E for one common exponent E <= 0 and integers A_ia,
    V V^T = I  <=>  sum_a A_ia A_ja = 4^(-E) [i = j]  (integer arithmetic)."""
    parsed = [[dyadic.parse(x) for x in row] for row in teacher]
    E = min([0] + [e for row in parsed for m, e in row if m])
    rows = [{a: m << (e - E) for a, (m, e) in enumerate(row) if m} for row in parsed]
    one = 1 << (-2 * E)
    for i, a in enumerate(rows):
        for j, b in enumerate(rows[: i + 1]):
            dot = sum(x * b[col] for col, x in a.items() if col in b)
            if dot != (one if i == j else 0):
                raise FormatError("teacher", f"rows {j} and {i} are not orthonormal")


def check_header(obj, top_keys: set, optional_keys: set) -> None:
    """A JSON object with exactly the given keys (optional ones allowed), of
    this FORMAT and VERSION, whose free-text fields (software, info) are objects
    of strings; raises FormatError naming the first bad field."""
    if not isinstance(obj, dict):
        raise FormatError("certificate", "top level must be a JSON object")
    unknown = set(obj) - top_keys - optional_keys
    if unknown:
        raise FormatError(sorted(unknown)[0], "unknown field")
    missing = top_keys - set(obj)
    if missing:
        raise FormatError(sorted(missing)[0], "missing field")
    if obj["format"] != FORMAT:
        raise FormatError("format", f"must be {FORMAT!r}")
    if obj["version"] != VERSION or type(obj["version"]) is not int:
        raise FormatError("version", f"unsupported version {str(obj['version'])[:20]!r}")
    for key in ("software", "info"):
        value = obj.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise FormatError(key, "must be an object of strings")


def read_statement(obj) -> Statement:
    """Validate the decoded JSON of a certificate and return its Statement."""
    check_header(obj, TOP_KEYS, OPTIONAL_TOP_KEYS)
    if obj["kind"] not in KINDS:
        raise FormatError("kind", f"unknown kind {str(obj['kind'])[:40]!r}")
    if obj["method"] not in METHODS:
        raise FormatError("method", f"unknown method {str(obj['method'])[:40]!r}")
    k = read_int(obj, "k", 1, MAX_VARIABLES)
    n = read_int(obj, "n", k, MAX_VARIABLES)          # n >= k: then inf F = 0
    d = read_int(obj, "d", k, MAX_VARIABLES)          # d >= k: the teacher fits
    if n * d > MAX_VARIABLES:
        raise FormatError("n", f"n * d = {n * d} exceeds {MAX_VARIABLES} variables")
    d_max = obj["d_max"]
    if d_max is not None and (type(d_max) is not int or d_max < d):
        raise FormatError("d_max", "must be null (no upper limit) or an integer >= d")
    prec = read_int(obj, "prec", *PREC_RANGE)
    teacher = _matrix(obj["teacher"], k, d, "teacher")
    _require_orthonormal(teacher)
    box = obj["box"]
    if not isinstance(box, dict) or set(box) != {"centre", "radius"}:
        raise FormatError("box", "must be an object with exactly 'centre' and 'radius'")
    centre = _matrix(box["centre"], n, d, "box.centre")
    radius = read_dyadic(box["radius"], "box.radius")
    if not _exact(radius) > 0:
        raise FormatError("box.radius", "must be positive")
    claims = obj["claims"]
    base = SADDLE_CLAIMS if obj["kind"] == "saddle" else BASE_CLAIMS
    expected = base | ({EXTRA_CLAIM} if d_max is None or d_max > d else set())
    if not isinstance(claims, dict) or set(claims) != expected:
        raise FormatError("claims", f"must have exactly the keys {sorted(expected)} "
                                    f"for kind {obj['kind']!r} and d_max {d_max}")
    claims = {key: read_int(claims, key, 1, n * d - 1) if key in INTEGER_CLAIMS
              else read_dyadic(value, f"claims.{key}") for key, value in claims.items()}
    return Statement(k, n, d, d_max, teacher, centre, radius, prec, claims, obj["kind"])
