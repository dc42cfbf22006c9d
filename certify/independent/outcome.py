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
    too_costly: str | None = None                 # not checked: the estimate exceeds the limit

    @property
    def accepted(self) -> bool:
        return (self.error is None and self.too_costly is None and bool(self.results)
                and all(r.proved for r in self.results))

    def first_failure(self) -> str:
        if self.error:
            return self.error
        if self.too_costly:
            return f"too costly to check: {self.too_costly}"
        failed = [r for r in self.results if not r.proved]
        return f"claim '{failed[0].claim}' refused: {failed[0].detail}" if failed else ""


def disagreements(first, second, names=("kernel", "independent")) -> list[str]:
    """Where two verdicts of the same bytes differ (any objects with .accepted, .error,
    .results of .claim/.proved): the overall answer, then claim by claim.  Both checkers
    may leave a true claim unproved; a difference still means a bug or a gap in one."""
    out = []
    if first.accepted != second.accepted:
        who = names[0] if first.accepted else names[1]
        out.append(f"only the {who} checker accepts")
    if bool(first.error) != bool(second.error):
        who = names[0] if first.error else names[1]
        out.append(f"only the {who} checker finds the statement malformed")
    a = {r.claim: r.proved for r in first.results}
    b = {r.claim: r.proved for r in second.results}
    for claim in [c for c in a if c in b]:
        if a[claim] != b[claim]:
            who = names[0] if a[claim] else names[1]
            out.append(f"claim '{claim}': proved only by the {who} checker")
    return out


class NotSmooth(ArithmeticError):
    """A zero neuron or a parallel pair could not be excluded on the box."""
