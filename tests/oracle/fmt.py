"""An independent reading of docs/format.md: strict decoding of certificate bytes and
the structural rules of a dense certificate, written without certify.kernel's reader.
(canonical_bytes is imported: it IS the definition of the canonical form.)"""
from __future__ import annotations

import json

from certify.kernel.format import canonical_bytes

from .numbers import frac, strict_fraction

TOP = {"format", "version", "kind", "method", "k", "n", "d", "d_max", "teacher",
       "prec", "box", "claims", "software"}


def _is_int(x) -> bool:
    return type(x) is int


def _matrix_ok(value, rows, cols) -> bool:
    return (isinstance(value, list) and len(value) == rows and all(
        isinstance(r, list) and len(r) == cols and all(strict_fraction(x) is not None for x in r)
        for r in value))


def format_problem(obj) -> str | None:
    """First violation of docs/format.md for the dense method (structure and the sign
    conditions of the claims), or None when the object is a well-formed statement."""
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
