"""What checking a statement may cost, decided from its header before any arithmetic.

An estimate can only make the verifier check LESS (a claim left "too costly to
check" is not proved); it never makes a claim pass.  docs/fast-checks.md, "Cost".

    Cost       estimated seconds and peak bytes of a step (seconds of one core of the
               reference machine, bench/bench_worst_case.py; bytes above the
               interpreter's own)
    Budget     limits on the estimates: DEFAULT_BUDGET (10 s, 1 GiB), UNLIMITED
    Estimate   one statement's costs, from its method's `cost(statement)`:
                 shared    always computed (pair geometry or jets, loss, gradient)
                 fast      float enclosures and fast tests of every matrix claim
                 arb       arb enclosures and arb tests of every matrix claim
                 fallback  claim -> its arb test (with its enclosure), tried when
                           the fast test of that claim says no
    Plan       the path chosen for one verification and what is committed so far:
               `admit(claim)` decides whether that claim's arb fallback is tried.

The rates below were measured on the reference machine (2-core x86-64, one BLAS
thread, python-flint 0.9, numpy 2.4 with OpenBLAS; bench/bench_worst_case.py
--calibrate prints measured against estimated figures) and rounded up.  The
formulas count the dominant operations of each step on its worst inputs (full
precision, every claim's test run): see the method modules' `cost` functions.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

GIB = 2 ** 30
OVERRUN = 3          # Plan.overrun: a run stops as too costly after 3 x the budget's seconds


@dataclass(frozen=True)
class Cost:
    seconds: float = 0.0
    bytes: float = 0.0

    def __add__(self, other: "Cost") -> "Cost":
        """Two steps one after the other (bytes add up: a step's arrays may be kept)."""
        return Cost(self.seconds + other.seconds, self.bytes + other.bytes)

    def __str__(self) -> str:
        return f"about {self.seconds:.3g} s and {self.bytes / GIB:.2g} GiB"


@dataclass(frozen=True)
class Budget:
    """Limits on the ESTIMATED cost of one verification (None: no limit)."""
    seconds: float | None = 10.0
    bytes: float | None = GIB

    def fits(self, cost: Cost) -> bool:
        return ((self.seconds is None or cost.seconds <= self.seconds)
                and (self.bytes is None or cost.bytes <= self.bytes))

    def __str__(self) -> str:
        seconds = "no time limit" if self.seconds is None else f"{self.seconds:g} s"
        memory = "no memory limit" if self.bytes is None else f"{self.bytes / GIB:.2g} GiB"
        return f"{seconds}, {memory}"


DEFAULT_BUDGET = Budget()
UNLIMITED = Budget(None, None)


@dataclass(frozen=True)
class Estimate:
    shared: Cost
    fast: Cost
    arb: Cost
    fallback: dict = field(default_factory=dict)    # claim name -> Cost

    def mandatory(self, fast: bool) -> Cost:
        """What one path costs when every test it runs is run (no fallback)."""
        return self.shared + (self.fast if fast else self.arb)


class Plan:
    """One verification: whether the fast tests are used, and the budget.

    fast        use the fast tests (False: arb tests only)
    committed   the estimated cost of what has been decided to run so far
    refused     set by the method once a claim is refused: no fallback is tried
                after that (a refused statement cannot become accepted)"""

    def __init__(self, estimate: Estimate | None, fast: bool, budget: Budget = DEFAULT_BUDGET):
        self.estimate, self.fast, self.budget = estimate, fast, budget
        self.committed = estimate.mandatory(fast) if estimate is not None else Cost()
        self.refused = False
        self.started = time.perf_counter()

    def overrun(self) -> bool:
        """The run-time backstop of the estimate: more than OVERRUN times the budget's seconds
        have passed since the plan was made (never with an infinite budget).  A method that
        loops over many pieces asks between pieces and stops as too costly; it can only
        turn an answer into "too costly", never into an acceptance."""
        return (self.budget.seconds is not None
                and time.perf_counter() - self.started > OVERRUN * self.budget.seconds)

    @classmethod
    def unlimited(cls) -> "Plan":
        """Fast tests first, every arb fallback allowed (producers, direct callers)."""
        return cls(None, True, UNLIMITED)

    def affordable(self) -> bool:
        """The mandatory part fits the budget."""
        return self.budget.fits(self.committed)

    def fallback_cost(self, claim: str) -> Cost:
        if self.estimate is None:
            return Cost()
        return self.estimate.fallback.get(claim, Cost())

    def admit(self, claim: str) -> bool:
        """Whether the arb fallback of `claim` is tried: no claim refused yet, and the
        estimate of everything committed so far plus this fallback fits the budget
        (then it is committed)."""
        if self.refused:
            return False
        if not self.fast:          # the arb tests are the path itself, already committed
            return True
        total = self.committed + self.fallback_cost(claim)
        if not self.budget.fits(total):
            return False
        self.committed = total
        return True
