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
  fast_pd, fast_krawczyk, fast_index     the fast tests (N^3 BLAS/LAPACK flops)
  arb_pd, arb_krawczyk, arb_index        the arb tests (N^3 ball multiply-adds at 53 bits)
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


def fast_pd(N: int) -> Cost:
    return Cost(2.2e-10 * N ** 3 + 5e-8 * N * N, 80 * N * N)


def fast_krawczyk(N: int) -> Cost:
    return Cost(2.0e-10 * N ** 3 + 5e-8 * N * N, 20 * N * N)


def fast_index(N: int) -> Cost:
    return Cost(8.0e-10 * N ** 3 + 1e-7 * N * N, 120 * N * N)


def arb_pd(N: int) -> Cost:
    return Cost(1.0e-8 * N ** 3 + 2e-6 * N * N, 300 * N * N)


def arb_krawczyk(N: int) -> Cost:
    return Cost(5.5e-9 * N ** 3 + 2e-6 * N * N, 260 * N * N)


def arb_index(N: int) -> Cost:
    return Cost(1.5e-8 * N ** 3 + 3e-6 * N * N, 300 * N * N)


STEPS = {"enc": enc, "balls": balls,
         "fast_pd": lambda n, d, k: fast_pd(n * d), "fast_krawczyk": lambda n, d, k: fast_krawczyk(n * d),
         "fast_index": lambda n, d, k: fast_index(n * d), "arb_pd": lambda n, d, k: arb_pd(n * d),
         "arb_krawczyk": lambda n, d, k: arb_krawczyk(n * d), "arb_index": lambda n, d, k: arb_index(n * d)}


def cost(statement) -> Estimate:
    """The estimate of one dense statement (kernel.cost.Estimate), from its header."""
    h = statement.header
    n, d, k, N = h.n, h.d, h.k, h.n * h.d
    saddle = h.kind == "saddle"
    matrix = "index" if saddle else "hessian"
    fast = enc(n, d, k) + (fast_index(N) if saddle else fast_pd(N)) + fast_krawczyk(N)
    arb = balls(n, d, k) + (arb_index(N) if saddle else arb_pd(N)) + arb_krawczyk(N)
    fallback = {matrix: balls(n, d, k) + (arb_index(N) if saddle else arb_pd(N)),
                "critical": balls(n, d, k) + arb_krawczyk(N)}
    if h.covers_extra_dimensions:      # the n x n matrix M of the d > k lemma
        fast = fast + conversions(n * n) + fast_pd(n)
        arb = arb + arb_pd(n)
        fallback["extra_dims"] = arb_pd(n)
    return Estimate(shared(n, d, k, h.prec), fast, arb, fallback)
