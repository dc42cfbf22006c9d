"""Strict reading of certificate bytes (docs/format.md), written for the independent checker.

    decode(data) -> the JSON object, or Unreadable
    read_file(path) -> bytes (at most MAX_BYTES + 1 are read; more means "too large")
    dyadic(text, field) -> Fraction, or FieldError
    integer(obj, key, low, high), header(obj, keys), ...

Shares no code with certify.kernel.  "Unreadable" means the bytes are not a
certificate at all (size, encoding, JSON, canonical form); FieldError means a
well-formed JSON object that is not a well-formed statement (a field, a shape,
a number, a cross-field rule).  Nothing here proves a mathematical claim.
"""
from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

FORMAT = "certify/relu-spurious-minimum"
VERSION = 1
MAX_BYTES = 4 * 1024 * 1024        # 4 MiB
MAX_TEXT = 4000                    # longest dyadic string
MIN_EXPONENT = -100_000            # m * 2^e needs e >= MIN_EXPONENT
PREC_RANGE = (64, 2048)
FREE_TEXT = ("software", "info")   # objects of strings, part of no claim

_INTEGER = re.compile(r"0|-?[1-9][0-9]*")
_SCALED = re.compile(r"(-?[1-9][0-9]*)\*2\^(-[1-9][0-9]*)")


class Unreadable(ValueError):
    """The bytes are not a certificate (too large, not UTF-8, not strict JSON, not canonical)."""


class FieldError(ValueError):
    """A decoded object that is not a well-formed statement; the message names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


# ---------------------------------------------------------------------------
# bytes
# ---------------------------------------------------------------------------
def read_file(path) -> bytes:
    """The bytes of a file, reading at most MAX_BYTES + 1 of them (a longer file
    is refused by decode without being loaded whole)."""
    with open(Path(path), "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def canonical(obj) -> bytes:
    """The one byte string docs/format.md allows for obj."""
    return (json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False)
            + "\n").encode("ascii")


def _object_without_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise Unreadable(f"duplicate key {key[:40]!r}")
        seen.add(key)
    return dict(pairs)


def _refuse_constant(text):
    raise Unreadable(f"JSON constant or float {text[:20]!r} is not allowed")


def decode(data: bytes):
    """The object stored in certificate bytes; raises Unreadable."""
    if not isinstance(data, (bytes, bytearray)):
        raise Unreadable("not bytes")
    if len(data) > MAX_BYTES:
        raise Unreadable(f"more than {MAX_BYTES} bytes")
    try:
        text = bytes(data).decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8") from None
    try:
        obj = json.loads(text, object_pairs_hook=_object_without_duplicates,
                         parse_constant=_refuse_constant, parse_float=_refuse_constant)
    except Unreadable:
        raise
    except (ValueError, RecursionError) as err:   # syntax errors; integers over 4300 digits
        raise Unreadable(f"not JSON ({str(err)[:60]})") from None
    try:
        same = canonical(obj) == bytes(data)
    except (ValueError, RecursionError):
        same = False
    if not same:
        raise Unreadable("not in canonical form (json.dumps(sort_keys=True, indent=1) + newline)")
    return obj


# ---------------------------------------------------------------------------
# fields
# ---------------------------------------------------------------------------
def dyadic(text, field: str) -> Fraction:
    """The exact value of a canonical dyadic string: "0", "-12", or "m*2^e" with m
    odd, e < 0, e >= MIN_EXPONENT, at most MAX_TEXT characters."""
    if type(text) is not str or len(text) > MAX_TEXT:
        raise FieldError(field, f"not a dyadic string: {str(text)[:40]!r}")
    if _INTEGER.fullmatch(text):
        return Fraction(int(text))
    match = _SCALED.fullmatch(text)
    if not match:
        raise FieldError(field, f"not a canonical dyadic number: {text[:40]!r}")
    mantissa, exponent = int(match.group(1)), int(match.group(2))
    if mantissa % 2 == 0:
        raise FieldError(field, f"even mantissa in {text[:40]!r}")
    if exponent < MIN_EXPONENT:
        raise FieldError(field, f"exponent below {MIN_EXPONENT} in {text[:40]!r}")
    return Fraction(mantissa, 1 << -exponent)


def integer(obj: dict, key: str, low: int, high: int) -> int:
    """obj[key]: a JSON integer (not a boolean) in [low, high]."""
    value = obj.get(key)
    if type(value) is not int or not low <= value <= high:
        raise FieldError(key, f"must be an integer in [{low}, {high}]")
    return value


def optional_dimension(obj: dict, key: str, low: int) -> int | None:
    """obj[key]: null (no upper limit) or an integer >= low."""
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is not int or value < low:
        raise FieldError(key, f"must be null or an integer >= {low}")
    return value


def matrix(value, rows: int, cols: int, field: str) -> list[list[Fraction]]:
    """A rows x cols list of lists of dyadic strings, as exact values."""
    if type(value) is not list or len(value) != rows:
        raise FieldError(field, f"must be a list of {rows} rows")
    out = []
    for i, row in enumerate(value):
        if type(row) is not list or len(row) != cols:
            raise FieldError(f"{field}[{i}]", f"must be a list of {cols} numbers")
        out.append([dyadic(x, f"{field}[{i}]") for x in row])
    return out


def header(obj, keys: set) -> None:
    """A JSON object with exactly `keys` plus optionally "info", of this format and
    version, whose free-text fields are objects of strings."""
    if type(obj) is not dict:
        raise FieldError("certificate", "the top level must be a JSON object")
    extra = set(obj) - keys - {"info"}
    if extra:
        raise FieldError(sorted(extra)[0], "unknown field")
    missing = keys - set(obj)
    if missing:
        raise FieldError(sorted(missing)[0], "missing field")
    if obj["format"] != FORMAT:
        raise FieldError("format", f"must be {FORMAT!r}")
    if type(obj["version"]) is not int or obj["version"] != VERSION:
        raise FieldError("version", f"must be {VERSION}")
    for key in FREE_TEXT:
        value = obj.get(key, {})
        if type(value) is not dict or any(type(v) is not str for v in value.values()):
            raise FieldError(key, "must be an object of strings")


def box(obj) -> tuple:
    """obj["box"]: an object with exactly "centre" and "radius"; returns (centre
    as stored, radius > 0 as an exact value)."""
    value = obj["box"]
    if type(value) is not dict or set(value) != {"centre", "radius"}:
        raise FieldError("box", "must have exactly the keys 'centre' and 'radius'")
    radius = dyadic(value["radius"], "box.radius")
    if radius <= 0:
        raise FieldError("box.radius", "must be positive")
    return value["centre"], radius


def claims(obj, expected: set, integers: dict) -> dict:
    """obj["claims"]: exactly the keys `expected`; integers[key] = (low, high) for
    the integer claims, every other claim a dyadic string (exact value)."""
    value = obj["claims"]
    if type(value) is not dict or set(value) != expected:
        raise FieldError("claims", f"must have exactly the keys {sorted(expected)}")
    return {key: integer(value, key, *integers[key]) if key in integers
            else dyadic(value[key], f"claims.{key}") for key in sorted(value)}
