"""verify_bytes(data) -> Verdict: re-prove a certificate from its bytes, independently.

Steps: decode (size limit, UTF-8, strict JSON, canonical bytes; reader.py);
the generic header (format, version, free-text fields); the kind's own reader
(kinds.py); every claim proved or refused by the kind's prover.  Never raises
on bad input.
"""
from __future__ import annotations

import hashlib

from . import kinds, reader
from .outcome import Verdict


def verify_bytes(data: bytes) -> Verdict:
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
    verdict.results = module.prove(statement)
    return verdict


def verify_file(path) -> Verdict:
    """verify_bytes of a file, reading at most reader.MAX_BYTES + 1 bytes of it."""
    return verify_bytes(reader.read_file(path))
