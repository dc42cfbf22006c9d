"""Verify a certificate file from its own bytes alone.

    verify_bytes(data) -> Verdict

Steps: size limit; UTF-8; JSON without NaN/Infinity/duplicate keys; canonical
bytes (so the SHA-256 names exactly one statement); strict structure
(kernel.format and the method's reader); every claim re-proved (the method's
prover, kernel.methods).  A file that fails before the mathematics is
"unreadable"; a well-formed file with a claim that could not be proved is
"refused".
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from . import methods
from .format import FormatError, Unreadable, decode


@dataclass
class Verdict:
    sha256: str
    results: list = field(default_factory=list)   # ClaimResult, in order
    error: str | None = None                      # why the bytes are not a certificate
    method: str | None = None                     # the method module's NAME
    statement: object = None                      # what the file states, as the reader read it

    @property
    def unreadable(self) -> bool:
        """The bytes are not a well-formed certificate (no mathematics was tried)."""
        return self.error is not None

    @property
    def accepted(self) -> bool:
        return self.error is None and bool(self.results) and all(r.proved for r in self.results)

    def first_failure(self) -> str:
        if self.error:
            return self.error
        failed = [r for r in self.results if not r.proved]
        return f"claim '{failed[0].claim}' refused: {failed[0].detail}" if failed else ""


def verify_bytes(data: bytes) -> Verdict:
    """Re-prove the certificate stored in `data`; never raises on bad input."""
    verdict = Verdict(hashlib.sha256(data).hexdigest())
    try:
        module, statement = methods.read(decode(data))
    except Unreadable as err:
        verdict.error = f"unreadable: {err}"
        return verdict
    except FormatError as err:
        verdict.error = f"malformed: field {err}"
        return verdict
    verdict.method, verdict.statement = module.NAME, statement
    verdict.results = module.prove(statement)
    return verdict
