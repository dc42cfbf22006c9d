"""Verify a certificate file from its own bytes alone.

    verify_bytes(data) -> Verdict

Steps: size limit; UTF-8; JSON without NaN/Infinity/duplicate keys; canonical
bytes (so the SHA-256 names exactly one statement); strict structure
(kernel.statement); every claim re-proved in arb (kernel.prove).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from . import symmetric
from .prove import prove
from .statement import FormatError, read_statement

MAX_BYTES = 4 * 1024 * 1024


class Unreadable(ValueError):
    """The bytes are not a certificate at all (encoding, JSON, canonical form)."""


@dataclass
class Verdict:
    sha256: str
    results: list = field(default_factory=list)   # ClaimResult, in order
    error: str | None = None                      # structure error, if any
    unreadable: bool = False                      # bytes are not a certificate at all

    @property
    def accepted(self) -> bool:
        return self.error is None and bool(self.results) and all(r.proved for r in self.results)

    def first_failure(self) -> str:
        if self.error:
            return self.error
        failed = [r for r in self.results if not r.proved]
        return f"claim '{failed[0].claim}' refused: {failed[0].detail}" if failed else ""


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


def decode(data: bytes):
    """The JSON object of a certificate's bytes; raises Unreadable."""
    if len(data) > MAX_BYTES:
        raise Unreadable(f"file larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8")
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                         parse_float=lambda s: _no_constant(f"float {s[:20]}"))
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    except (ValueError, RecursionError) as err:   # JSONDecodeError; int over 4300 digits
        raise Unreadable(f"not valid JSON ({str(err)[:80]})") from None
    if canonical_bytes(obj) != data:
        raise Unreadable("not in canonical form (re-serialise with sorted keys, indent 1)")
    return obj


def verify_bytes(data: bytes) -> Verdict:
    """Re-prove the certificate stored in `data`; never raises on bad input."""
    verdict = Verdict(hashlib.sha256(data).hexdigest())
    try:
        obj = decode(data)
    except Unreadable as err:
        verdict.error, verdict.unreadable = f"unreadable: {err}", True
        return verdict
    # "method": "symmetric" has its own reader and prover (kernel.symmetric)
    reader, prover = ((symmetric.read_statement, symmetric.prove)
                      if isinstance(obj, dict) and obj.get("method") == symmetric.METHOD
                      else (read_statement, prove))
    try:
        statement = reader(obj)
    except FormatError as err:
        verdict.error = f"field {err}"
        return verdict
    verdict.results = prover(statement)
    return verdict
