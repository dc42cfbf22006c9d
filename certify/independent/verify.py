"""verify_bytes(data) -> Verdict: re-prove a certificate from its bytes, independently.

Steps: decode (size limit, UTF-8, strict JSON, canonical bytes; reader.py);
the generic header (format, version, free-text fields); the kind's own reader
(kinds.py); its rough cost estimate against max_seconds; every claim proved or
refused by the kind's prover.  Never raises on bad input.
"""
from __future__ import annotations

import hashlib

import numpy as np

from . import kinds, reader
from .outcome import ClaimResult, Verdict

# failures of a computation on strange but well-formed input (overflow, a non-finite
# interval, a float proposal that cannot be formed): the claims are refused, which is
# always sound; programming errors (TypeError, KeyError, ...) are not caught
REFUSE_ON = (ArithmeticError, ValueError, MemoryError, RecursionError, np.linalg.LinAlgError)


def verify_bytes(data: bytes, max_seconds: float | None = None) -> Verdict:
    """max_seconds: if the kind's rough estimate seconds(statement) exceeds it, nothing is
    proved and the verdict is "too costly" (never accepted, never refused)."""
    verdict = Verdict(hashlib.sha256(bytes(data)).hexdigest())
    try:
        obj = reader.decode(data)
    except reader.Unreadable as err:
        verdict.error, verdict.unreadable = f"unreadable: {err}", True
        return verdict
    module = kinds.module_for(obj)
    try:
        if module is None:
            reader.header(obj, set(obj) if type(obj) is dict else set())
            raise reader.FieldError("kind", "unknown method/kind pair "
                                    f"({str(obj.get('method'))[:30]!r}, {str(obj.get('kind'))[:30]!r})")
        statement = module.read(obj)
    except reader.FieldError as err:
        verdict.error = f"field {err}"
        return verdict
    estimate = module.seconds(statement)
    if max_seconds is not None and estimate > max_seconds:
        verdict.too_costly = f"the independent proof would take about {estimate:.3g} s (limit: {max_seconds:g} s)"
        return verdict
    try:
        verdict.results = module.prove(statement)
    except REFUSE_ON as err:
        verdict.results = [ClaimResult("smooth", False, f"not proved: {type(err).__name__}: {str(err)[:80]}")]
    return verdict


def verify_file(path) -> Verdict:
    """verify_bytes of a file, reading at most reader.MAX_BYTES + 1 bytes of it."""
    return verify_bytes(reader.read_file(path))
