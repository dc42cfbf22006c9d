"""Verify a certificate file from its own bytes alone.

    verify_bytes(data, *, fast=True, budget=DEFAULT_BUDGET) -> Verdict

Steps: size limit; UTF-8; JSON without NaN/Infinity/duplicate keys; canonical
bytes (so the SHA-256 names exactly one statement); strict structure
(kernel.format and the method's reader); the cost of checking, estimated from the
header (kernel.cost) against `budget`; the floating-point environment
(kernel.fpenv), if the fast tests are to be used; every claim re-proved (the
method's prover, kernel.methods).

Outcomes (Verdict.status):
  "unreadable"  the bytes are not a well-formed certificate (no mathematics tried)
  "too costly"  checking would exceed the budget (before any arithmetic, or an arb
                fallback that was needed), and no claim was refused: raise the budget
  "refused"     a claim could not be proved (also when the proof stops with an error:
                verify_bytes never raises on bad input, and a refusal is always safe)
  "accepted"    every claim was proved
fast=False uses the arb tests only: no floating-point or BLAS assumption
(docs/trust.md); the fast tests are also left out when the probe finds the
environment outside their model.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from . import fpenv, methods
from .claims import ClaimResult
from .dyadic import brief
from .cost import DEFAULT_BUDGET, Budget, Cost, Plan
from .format import FormatError, Unreadable, decode


@dataclass
class Verdict:
    sha256: str
    results: list = field(default_factory=list)   # ClaimResult, in order
    error: str | None = None                      # why the bytes are not a certificate
    method: str | None = None                     # the method module's NAME
    statement: object = None                      # what the file states, as the reader read it
    too_costly: str | None = None                 # why it was not checked within the budget
    fast_tests: str = ""                          # "used", or why not
    estimate: Cost | None = None                  # estimated cost of the path taken (no fallback)
    budget: Budget = DEFAULT_BUDGET

    @property
    def unreadable(self) -> bool:
        """The bytes are not a well-formed certificate (no mathematics was tried)."""
        return self.error is not None

    @property
    def refused(self) -> bool:
        """A claim was tried and could not be proved."""
        return any(not r.proved and not r.too_costly for r in self.results)

    @property
    def accepted(self) -> bool:
        return (self.error is None and self.too_costly is None and bool(self.results)
                and all(r.proved for r in self.results))

    @property
    def status(self) -> str:
        """"unreadable", "too costly", "refused" or "accepted" (see the module doc)."""
        if self.unreadable:
            return "unreadable"
        if self.refused:
            return "refused"
        if self.too_costly is not None:
            return "too costly"
        return "accepted" if self.accepted else "refused"

    def first_failure(self) -> str:
        if self.error:
            return self.error
        failed = [r for r in self.results if not r.proved and not r.too_costly]
        if failed:
            return f"claim '{failed[0].claim}' refused: {failed[0].detail}"
        return f"too costly to check: {self.too_costly}" if self.too_costly else ""


def verify_bytes(data: bytes, *, fast: bool = True, budget: Budget = DEFAULT_BUDGET) -> Verdict:
    """Re-prove the certificate stored in `data`; never raises on bad input.
    fast: try the floating-point tests first (each "yes" proved in
    docs/fast-checks.md; they are used only if kernel.fpenv finds the model);
    False: arb tests only.  budget: limits on the estimated cost (kernel.cost;
    cost.UNLIMITED: none)."""
    verdict = Verdict(hashlib.sha256(data).hexdigest(), budget=budget)
    try:
        module, statement = methods.read(decode(data))
    except Unreadable as err:
        verdict.error = f"unreadable: {err}"
        return verdict
    except FormatError as err:
        verdict.error = f"malformed: field {err}"
        return verdict
    verdict.method, verdict.statement = module.NAME, statement
    problem = fpenv.problem() if fast else "arb tests only (fast=False)"
    verdict.fast_tests = "used" if problem is None else f"not used: {problem}"
    plan = Plan(module.cost(statement), problem is None, budget)
    verdict.estimate = plan.committed
    if not plan.affordable():
        path = "with the fast tests" if plan.fast else "with the arb tests only"
        verdict.too_costly = (f"the proof {path} would take {plan.committed} (limits: {budget})")
        return verdict
    try:
        verdict.results = module.prove(statement, plan)
    except Exception as err:      # noqa: BLE001 -- never raise on bad input: a refusal is always safe
        verdict.results = [ClaimResult("proof", False, f"not proved: the proof stopped with "
                                                       f"{type(err).__name__}: {brief(str(err), 80)}")]
    costly = [r for r in verdict.results if r.too_costly]
    if costly:
        verdict.too_costly = f"claim '{costly[0].claim}': {costly[0].detail}"
    return verdict
