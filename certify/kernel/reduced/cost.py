"""The cost model of method "symmetric" (kernel.cost): from the blocks and prec only (not k).

The proof is dominated by second-order jets (kernel.reduced.jets) of the refined
ansatz: about 2 m'^2 pair evaluations, each carrying a D' x D' Hessian, where m'
is the number of refined blocks (at most 9) and D' the number of refined
parameters (at most 84); the matrix tests are on D' x D' matrices.  Rates measured
with bench/bench_worst_case.py --calibrate, rounded up.
"""
from __future__ import annotations

from ..cost import Cost, Estimate
from ..dense.cost import matrix_test
from .blocks import parameter_names, refine


def proof(blocks, prec: int) -> Cost:
    """The jets (phi, grad phi, Hess phi and the refined Hessian) and M."""
    refined, _ = refine(list(blocks))
    m, D = len(refined), len(parameter_names(refined))
    work = m * m * D * D
    return Cost(0.02 + 2.5e-6 * work * (1 + prec / 4096), 2e7 + 130 * work * (1 + prec / 4096))


def cost(statement) -> Estimate:
    """The estimate of one symmetric statement (kernel.cost.Estimate), from its header."""
    blocks = list(statement.blocks)
    refined, _ = refine(blocks)
    D, Dr = len(parameter_names(blocks)), len(parameter_names(refined))
    fast = matrix_test("fast_pd", Dr) + matrix_test("fast_krawczyk", D)
    arb = matrix_test("arb_pd", Dr) + matrix_test("arb_krawczyk", D)
    fallback = {"hessian": matrix_test("arb_pd", Dr), "critical": matrix_test("arb_krawczyk", D)}
    if statement.header.covers_extra_dimensions:
        M = len(refined)
        fast, arb = fast + matrix_test("fast_pd", M), arb + matrix_test("arb_pd", M)
        fallback["extra_dims"] = matrix_test("arb_pd", M)
    return Estimate(proof(blocks, statement.header.prec), fast, arb, fallback)
