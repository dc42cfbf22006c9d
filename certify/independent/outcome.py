"""What the independent checker returns: one ClaimResult per claim, one Verdict per file.

Claim names are those of the reference checker (certify.kernel), so that
`verify --both` can compare the two claim by claim:
    smooth, loss, hessian (local minima) or index (saddles), extra_dims, critical.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ClaimResult:
    claim: str
    proved: bool
    detail: str


@dataclass
class Verdict:
    sha256: str
    results: list = field(default_factory=list)   # ClaimResult, in order
    error: str | None = None                      # why the file is not a statement
    unreadable: bool = False                      # the bytes are not a certificate at all

    @property
    def accepted(self) -> bool:
        return self.error is None and bool(self.results) and all(r.proved for r in self.results)

    def first_failure(self) -> str:
        if self.error:
            return self.error
        failed = [r for r in self.results if not r.proved]
        return f"claim '{failed[0].claim}' refused: {failed[0].detail}" if failed else ""


class NotSmooth(ArithmeticError):
    """A zero neuron or a parallel pair could not be excluded on the box."""
