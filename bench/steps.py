"""The steps timed by bench/calibrate.py, each on its worst inputs, and their estimates.

STEPS[name](n, d, prec) -> (setup, run): `run(setup)` is timed.  N = n (d = 1) for the
matrix tests.  estimate(name, n, d, prec) -> kernel.cost.Cost for the same step.
"""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, ctx

from certify.kernel import fastfloat, inertia, krawczyk, methods, posdef
from certify.kernel.ballarray import Balls
from certify.kernel.cost import Cost
from certify.kernel.dense import cost as dense_cost
from certify.kernel.dense import geometry
from certify.kernel.dense.hessian import hessian_enclosure
from certify.kernel.format import decode
from certify.kernel.reduced import cost as reduced_cost

from bench_worst_case import canonical, dyadic


def dense_statement(n: int, d: int, prec: int):
    """A generic dense box: Gaussian centre with prec + 60 bit mantissas, radius 2^-(prec + 500)."""
    rnd = random.Random(n * 1000 + d)
    k = min(n, d)
    bits = prec + 60
    centre = [[dyadic(Fraction(round(rnd.gauss(0, 1) * 2 ** 50) * 2 ** (bits - 50) + rnd.getrandbits(bits - 50)
                               | 1, 2 ** bits)) for _ in range(d)] for _ in range(n)]
    obj = {"format": "certify/relu-spurious-minimum", "version": 1, "kind": "local_minimum",
           "method": "dense", "k": k, "n": n, "d": d, "d_max": None, "prec": prec,
           "teacher": [["1" if a == j else "0" for a in range(d)] for j in range(k)],
           "box": {"centre": centre, "radius": f"1*2^-{prec + 500}"},
           "claims": {"loss_lower": "1*2^-100", "loss_upper": "1", "hessian_min_eig_lower": "1*2^-20",
                      "extra_min_eig_lower": "1*2^-20"}, "software": {}}
    return methods.read(decode(canonical(obj)))[1]


def geometry_of(statement):
    from certify.kernel.dense.method import _balls
    with ctx.workprec(statement.header.prec):
        W, c, r, V = _balls(statement)
        return W, c, V, geometry.Geometry(W, V)


def shared(n, d, prec):
    statement = dense_statement(n, d, prec)

    def run(s):
        from certify.kernel.dense.method import _balls
        with ctx.workprec(prec):
            W, c, r, V = _balls(s)
            geometry.Geometry(W, V)
            geometry.loss(W, V)
            geometry.gradient(c, V)
    return statement, run


def enclosure(array):
    def step(n, d, prec):
        _, _, _, geo = geometry_of(dense_statement(n, d, 128))

        def run(g):
            with ctx.workprec(53):
                H = hessian_enclosure(g, array)
                if array is Balls:
                    H.to_arb_mat()
        return geo, run
    return step


def spd(N: int, seed: int = 0) -> np.ndarray:
    A = np.random.default_rng(seed).standard_normal((N, N))
    M = A @ A.T / N + np.eye(N)
    return np.triu(M) + np.triu(M, 1).T


def fast(test):
    def step(n, d, prec):
        H = fastfloat.Enc(spd(n), np.full((n, n), 1e-13))
        y = [arb((1, -80))] * n

        def run(E):
            if test == "pd":
                assert fastfloat.positive_definite(E, arb((1, -10)))
            elif test == "krawczyk":
                assert fastfloat.krawczyk_contains(y, E, arb((1, -40)))
            else:
                assert fastfloat.eigenvalue_counts(E, arb((1, -10))) == (0, 0)
        return H, run
    return step


def arb_test(test):
    def step(n, d, prec):
        M = spd(n)
        A = arb_mat(n, n, [arb(x, 1e-13) for x in M.ravel().tolist()])
        y = [arb((1, -80))] * n

        def run(A):
            with ctx.workprec(53):
                if test == "pd":
                    assert posdef.min_eigenvalue_exceeds(A, arb((1, -10)), fastfloat.approximate_eigenvectors(A))
                elif test == "krawczyk":
                    assert krawczyk.unique_zero_in_box(y, A, fastfloat.approximate_inverse(A), arb((1, -40)))
                else:
                    Q = fastfloat.approximate_eigenvectors(A)
                    assert inertia.eigenvalue_counts(A, arb((1, -10)), Q) == (0, 0)
        return A, run
    return step


SYMMETRIC_BLOCKS = {1: [12], 2: [4, 8], 3: [4, 4, 4]}


def symmetric_statement(m: int, prec: int):
    from bench_worst_case import symmetric
    import json
    obj = json.loads(symmetric(prec))
    blocks = SYMMETRIC_BLOCKS[m]
    from certify.kernel.reduced.blocks import parameter_names
    size = len(parameter_names(blocks))
    obj["blocks"], obj["k"], obj["n"], obj["d"] = blocks, sum(blocks), sum(blocks), sum(blocks)
    rnd = random.Random(m)
    bits = prec + 60
    obj["box"]["centre"] = [dyadic(Fraction((round(rnd.uniform(-1, 1) * 2 ** 50) << (bits - 50))
                                            + rnd.getrandbits(bits - 50) | 1, 2 ** bits)) for _ in range(size)]
    obj["box"]["radius"] = f"1*2^-{prec + 500}"
    return methods.read(decode(canonical(obj)))[1]


def symmetric_step(m, d, prec):
    from certify.kernel.reduced import method
    statement = symmetric_statement(m, prec)
    return statement, lambda s: method.prove(s)


STEPS = {"shared": shared, "enc": enclosure(fastfloat.Enc), "balls": enclosure(Balls),
         "fast_pd": fast("pd"), "fast_krawczyk": fast("krawczyk"), "fast_index": fast("index"),
         "arb_pd": arb_test("pd"), "arb_krawczyk": arb_test("krawczyk"), "arb_index": arb_test("index"),
         "symmetric": symmetric_step}


def estimate(step: str, n: int, d: int, prec: int) -> Cost:
    if step == "shared":
        return dense_cost.shared(n, d, min(n, d), prec)
    if step in ("enc", "balls"):
        return dense_cost.STEPS[step](n, d, min(n, d))
    if step == "symmetric":
        return reduced_cost.proof(SYMMETRIC_BLOCKS[n], prec)
    return dense_cost.STEPS[step](n, 1, 1)
