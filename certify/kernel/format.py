"""Strict bytes -> certificate fields, shared by every proof method (docs/format.md).

    decode(data)                  bytes -> JSON object, or Unreadable
    read_header(obj, ...)         the fields every method has (format, version, kind, k, n, d,
                                  d_max, prec, software, info), or FormatError
    read_box(obj, read_centre)    box.centre (shape checked by the method) and box.radius > 0
    read_claims(obj, expected)    exactly the expected claim names, each a dyadic (or an integer)

Nothing here proves anything: the method modules (kernel.methods) decide every
mathematical claim.  Everything is checked BEFORE any arithmetic, so the cost of
reading is bounded by the size limit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

from flint import arb

from . import dyadic

FORMAT = "certify/relu-spurious-minimum"
VERSION = 1
MAX_BYTES = 4 * 1024 * 1024   # no certificate is larger; readers read at most MAX_BYTES + 1
PREC_RANGE = (64, 2048)       # working precision of arb, in bits
EXTRA_CLAIM = "extra_min_eig_lower"
HEADER_KEYS = {"format", "version", "kind", "method", "k", "n", "d", "d_max", "prec",
               "box", "claims", "software"}
OPTIONAL_KEYS = {"info"}      # free text for humans; never read by the kernel


class Unreadable(ValueError):
    """The bytes are not a certificate at all (encoding, JSON, canonical form)."""


class FormatError(ValueError):
    """The certificate is not a well-formed statement; `field` names where."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


# ---------------------------------------------------------------------------
# bytes
# ---------------------------------------------------------------------------
def canonical_bytes(obj) -> bytes:
    """The one byte string a certificate object is stored as."""
    return (json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=True,
                       allow_nan=False) + "\n").encode("ascii")


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Unreadable("duplicate key in a JSON object")
    return dict(pairs)


def _no_constant(name):
    raise Unreadable(f"JSON constant {name} is not allowed")


def _no_float(text):
    raise Unreadable(f"JSON float {text[:20]} is not allowed: every number of a certificate is an "
                     "integer or an exact dyadic string (is this a candidate point? certify it with "
                     "`certify point`)")


def _int(text):
    """A JSON integer of at most dyadic.MAX_DIGITS digits, converted without the
    interpreter's int/str digit limit (longer ones are refused before conversion)."""
    if len(text) > dyadic.MAX_DIGITS:
        raise Unreadable(f"JSON integer with more than {dyadic.MAX_DIGITS} digits")
    return dyadic.decimal_int(text)


def decode(data: bytes):
    """The JSON object of a certificate's bytes; raises Unreadable."""
    if len(data) > MAX_BYTES:
        raise Unreadable(f"file larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8")
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                         parse_float=_no_float, parse_int=_int)
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    except Unreadable:            # valid JSON, but not of a certificate (floats, NaN, duplicates)
        raise
    except (ValueError, RecursionError) as err:   # JSONDecodeError; int over 4300 digits
        raise Unreadable(f"not valid JSON ({str(err)[:80]})") from None
    try:
        canonical = canonical_bytes(obj)
    except ValueError:            # an integer longer than the interpreter's int/str limit
        raise Unreadable("a number is too long to print in this interpreter "
                         "(sys.set_int_max_str_digits)") from None
    if canonical != data:
        if b"\r\n" in data and canonical == data.replace(b"\r\n", b"\n"):
            raise Unreadable("CRLF line endings: the file was converted to Windows line endings "
                             "(restore LF endings, e.g. git config core.autocrlf false)")
        raise Unreadable("not in canonical form (re-serialise with sorted keys, indent 1)")
    return obj


# ---------------------------------------------------------------------------
# fields
# ---------------------------------------------------------------------------
def read_int(obj: dict, key: str, low: int, high: int) -> int:
    """obj[key], which must be a JSON integer in [low, high] (FormatError otherwise)."""
    value = obj.get(key)
    if type(value) is not int or not low <= value <= high:
        raise FormatError(key, f"must be an integer in [{low}, {high}], got {dyadic.brief(value)}")
    return value


def read_dyadic(value, field: str) -> str:
    """value, which must be a canonical dyadic string (FormatError naming field otherwise)."""
    try:
        dyadic.parse(value)
    except dyadic.DyadicError as err:
        raise FormatError(field, str(err)) from None
    return value


def read_matrix(value, rows: int, cols: int, field: str) -> tuple:
    """A rows x cols list of lists of dyadic strings, as a tuple of tuples."""
    if not isinstance(value, list) or len(value) != rows:
        raise FormatError(field, f"must be a list of {rows} rows")
    out = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != cols:
            raise FormatError(f"{field}[{i}]", f"must be a list of {cols} numbers")
        out.append(tuple(read_dyadic(x, f"{field}[{i}]") for x in row))
    return tuple(out)


def read_vector(value, size: int, field: str) -> tuple:
    """A list of `size` dyadic strings, as a tuple."""
    if not isinstance(value, list) or len(value) != size:
        raise FormatError(field, f"must be a list of {size} numbers")
    return tuple(read_dyadic(x, field) for x in value)


def exact(text: str) -> Fraction:
    """The exact rational value of a canonical dyadic string."""
    m, e = dyadic.parse(text)
    return Fraction(m) * Fraction(2) ** e


@dataclass(frozen=True)
class Header:
    """The fields every certificate has.  d_max None: every input dimension >= d."""
    kind: str
    method: str
    k: int
    n: int
    d: int
    d_max: int | None
    prec: int

    @property
    def covers_extra_dimensions(self) -> bool:
        return self.d_max is None or self.d_max > self.d


def read_envelope(obj, top_keys: set, kinds: tuple) -> None:
    """A JSON object with exactly `top_keys` (+ optional info), of this FORMAT and
    VERSION, kind in `kinds`, free-text fields (software, info) objects of strings."""
    if not isinstance(obj, dict):
        raise FormatError("certificate", "top level must be a JSON object")
    unknown = set(obj) - top_keys - OPTIONAL_KEYS
    if unknown:
        raise FormatError(sorted(unknown)[0], "unknown field")
    missing = top_keys - set(obj)
    if missing:
        raise FormatError(sorted(missing)[0], "missing field")
    if obj["format"] != FORMAT:
        raise FormatError("format", f"must be {FORMAT!r}")
    if obj["version"] != VERSION or type(obj["version"]) is not int:
        raise FormatError("version", f"unsupported version {dyadic.brief(obj['version'], 20)}")
    for key in ("software", "info"):
        value = obj.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise FormatError(key, "must be an object of strings")
    if obj["kind"] not in kinds:
        raise FormatError("kind", f"must be one of {list(kinds)} for method "
                                  f"{dyadic.brief(obj['method'])}, got {dyadic.brief(obj['kind'])}")


def read_header(obj, method_keys: set, kinds: tuple, k_range: tuple) -> Header:
    """read_envelope with HEADER_KEYS + method_keys, then k in k_range, n >= k, d >= k,
    d_max null or >= d, prec in PREC_RANGE."""
    read_envelope(obj, HEADER_KEYS | method_keys, kinds)
    k = read_int(obj, "k", *k_range)
    n = read_int(obj, "n", k, k_range[1])          # n >= k: then inf F = 0
    d = read_int(obj, "d", k, k_range[1])          # d >= k: the teacher fits
    d_max = obj["d_max"]
    if d_max is not None and (type(d_max) is not int or d_max < d):
        raise FormatError("d_max", "must be null (no upper limit) or an integer >= d")
    prec = read_int(obj, "prec", *PREC_RANGE)
    return Header(obj["kind"], obj["method"], k, n, d, d_max, prec)


@dataclass(frozen=True)
class Box:
    """X = {x : |x_i - c_i| <= r for every coordinate}; centre nested tuples of
    dyadic strings (the method's shape), radius a dyadic string > 0."""
    centre: tuple
    radius: str

    def balls(self):
        """(X, c, r) as arb: X the centre +- r coordinatewise (balls of radius r exactly
        representable: arb(0, r) is the ball [-r, r]), c the exact centre, r exact.
        Nested like `centre`."""
        spread = arb(0, dyadic.parse(self.radius))

        def convert(x):
            return tuple(convert(y) for y in x) if isinstance(x, tuple) else dyadic.to_arb(x)

        c = convert(self.centre)

        def widen(x):
            return tuple(widen(y) for y in x) if isinstance(x, tuple) else x + spread

        return widen(c), c, dyadic.to_arb(self.radius)


def read_box(obj: dict, read_centre) -> Box:
    """obj["box"]: exactly {centre, radius}; read_centre(value) checks the centre's shape."""
    box = obj["box"]
    if not isinstance(box, dict) or set(box) != {"centre", "radius"}:
        raise FormatError("box", "must be an object with exactly 'centre' and 'radius'")
    centre = read_centre(box["centre"])
    radius = read_dyadic(box["radius"], "box.radius")
    if not dyadic.parse(radius)[0] > 0:
        raise FormatError("box.radius", "must be positive")
    return Box(centre, radius)


def read_claims(obj: dict, expected: set, integer_claims: dict | None = None) -> dict:
    """obj["claims"] with exactly the keys `expected`: dyadic strings, except the keys of
    integer_claims (name -> (low, high)), which are JSON integers in that range."""
    integer_claims = integer_claims or {}
    claims = obj["claims"]
    if not isinstance(claims, dict) or set(claims) != expected:
        raise FormatError("claims", f"must have exactly the keys {sorted(expected)} for kind "
                                    f"{dyadic.brief(obj['kind'])} and d_max {dyadic.brief(obj['d_max'])}")
    return {key: read_int(claims, key, *integer_claims[key]) if key in integer_claims
            else read_dyadic(value, f"claims.{key}") for key, value in claims.items()}


def extra_claim(header: Header) -> set:
    """{EXTRA_CLAIM} exactly when the statement covers dimensions beyond d."""
    return {EXTRA_CLAIM} if header.covers_extra_dimensions else set()
