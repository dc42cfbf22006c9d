"""The cost model of method "dense" (kernel.cost): from n, d, k, prec, kind and d_max only.

Each step's seconds and bytes are counts of its dominant operations times rates
measured on the reference machine (bench/bench_worst_case.py --calibrate), rounded
up; N = n d.

  shared         pair geometry on the box (with the Hessian tables), F on the box,
                 grad F at the centre: 3 (n(n-1)/2 + n k) + k(k-1)/2 pair evaluations
                 at prec bits and 3 n^2 d ball multiply-adds
  enc / balls    the Hessian enclosure as floats (N^2 float operations and the
                 conversion of the 5 n^2 + 2 n k pair scalars) or as arb balls (N^2 ball
                 operations)
  MATRIX_RATES   fast_pd, fast_krawczyk, fast_index: the fast tests (N^3 BLAS/LAPACK flops);
                 arb_pd, arb_krawczyk, arb_index: the arb tests (N^3 ball multiply-adds at 53 bits)
"""
from __future__ import annotations

from ..cost import Cost, Estimate


def pair_seconds(prec: int) -> float:
    """One pair of the geometry (cosine, sine, angle, f and the Hessian coefficients)."""
    return (6 + 0.03 * prec) * 1e-6


def shared(n: int, d: int, k: int, prec: int) -> Cost:
    pairs = 3 * (n * (n - 1) // 2 + n * k) + k * (k - 1) // 2
    madds = 3 * n * n * d + n * k * d
    seconds = pairs * pair_seconds(prec) + madds * (0.1 + 0.002 * prec) * 1e-6 + n * n * 2e-6
    return Cost(seconds, n * n * (300 + 1.2 * prec) + n * d * (100 + prec))


def conversions(balls: int) -> Cost:
    """arb balls -> float mid-rad pairs (Enc.from_arbs)."""
    return Cost(balls * 1.1e-6, balls * 40)


def enc(n: int, d: int, k: int) -> Cost:
    N = n * d
    return Cost(2e-7 * N * N, 64 * N * N) + conversions(5 * n * n + 2 * n * k + 2 * n * d + k * d)


def balls(n: int, d: int, k: int) -> Cost:
    N = n * d
    return Cost(1.4e-6 * N * N + 3e-6 * n * n, 200 * N * N)


# matrix tests on N x N matrices: (seconds per N^3, seconds per N^2, bytes per N^2)
MATRIX_RATES = {"fast_pd": (2.2e-10, 5e-8, 80), "fast_krawczyk": (2.0e-10, 5e-8, 20),
                "fast_index": (8.0e-10, 1e-7, 120), "arb_pd": (1.0e-8, 2e-6, 300),
                "arb_krawczyk": (5.5e-9, 2e-6, 260), "arb_index": (1.5e-8, 3e-6, 300)}


def matrix_test(step: str, N: int) -> Cost:
    """One matrix test of MATRIX_RATES on an N x N matrix."""
    cubic, square, memory = MATRIX_RATES[step]
    return Cost(cubic * N ** 3 + square * N * N, memory * N * N)


STEPS = {"enc": enc, "balls": balls,
         **{step: (lambda n, d, k, step=step: matrix_test(step, n * d)) for step in MATRIX_RATES}}


def cost(statement) -> Estimate:
    """The estimate of one dense statement (kernel.cost.Estimate), from its header."""
    h = statement.header
    n, d, k, N = h.n, h.d, h.k, h.n * h.d
    saddle = h.kind == "saddle"
    claim, test = ("index", "index") if saddle else ("hessian", "pd")
    fast = enc(n, d, k) + matrix_test(f"fast_{test}", N) + matrix_test("fast_krawczyk", N)
    arb = balls(n, d, k) + matrix_test(f"arb_{test}", N) + matrix_test("arb_krawczyk", N)
    fallback = {claim: balls(n, d, k) + matrix_test(f"arb_{test}", N),
                "critical": balls(n, d, k) + matrix_test("arb_krawczyk", N)}
    if h.covers_extra_dimensions:      # the n x n matrix M of the d > k lemma
        fast = fast + conversions(n * n) + matrix_test("fast_pd", n)
        arb = arb + matrix_test("arb_pd", n)
        fallback["extra_dims"] = matrix_test("arb_pd", n)
    return Estimate(shared(n, d, k, h.prec), fast, arb, fallback)
