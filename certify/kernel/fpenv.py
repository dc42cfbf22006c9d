"""Run-time check of the floating-point model of the fast tests (TRUSTED).

The fast tests (kernel.fastfloat, kernel.dense.hessian) are sound under the model
of docs/fast-checks.md: IEEE 754 binary64 arithmetic with GRADUAL UNDERFLOW, in
any of the four rounding modes, in Python floats, in numpy's elementwise loops and
reductions, in the BLAS products behind `@` (in every BLAS thread), and in the
float <-> arb conversions of python-flint.  A process leaves that model when a
thread's floating-point control register is changed (x86-64 MXCSR, AArch64 FPCR),
which any library loaded into Python can do:

  DAZ (denormals are zero)   subnormal INPUTS are read as 0;
  FTZ (flush to zero)        subnormal RESULTS are replaced by 0;
  RC (rounding control)      the rounding mode (allowed: the model has U = 2^-52).

`problem()` detects these by computation, not by reading a register (a register
read would miss other architectures and the BLAS worker threads, whose registers
are their own): on each code path it computes operations whose exact results are
known and compares the results with them BIT FOR BIT (integer comparison of the
64-bit patterns: a float comparison is itself affected by DAZ).  The inputs are
built from bit patterns at run time, so no constant is folded at compile time.

    subnormal input   3 * 2^-1074 times 2^52 = 3 * 2^-1022        (DAZ gives 0)
    subnormal result  3 * 2^-537 times 2^-537 = 3 * 2^-1074       (FTZ gives 0)
                      1.5 * 2^-1022 - 2^-1022 = 2^-1023
    rounding          1 + 3*2^-54, 1 + 2^-54, -1 - 3*2^-54, -1 - 2^-54: each result
                      must be one of the two binary64 neighbours of the exact sum;
                      the pattern names the rounding mode (reported, not required)

Paths: Python float arithmetic; numpy ufuncs on arrays (vector loops and their
scalar tails); numpy sums along both axes; BLAS dgemm and dgemv, small
(calling thread only) and large enough to be split over every BLAS thread
(OpenBLAS splits a product of m n k >= 2^18 t among t threads); arb(float) and
float(arb).  The probe does not prove the model; it detects every known way of
leaving it.  Cost (bench/bench_worst_case.py --probe): about 0.1 ms for the checks
of the calling thread, 0.4 ms with the threaded product on an idle machine; waking
the BLAS threads of an overloaded machine can take 20 ms.
"""
from __future__ import annotations

import functools
import os

import numpy as np
from flint import arb

from . import binary64

_ROUNDING_TERMS = ((1, 3), (1, 1), (-1, -3), (-1, -1))     # (s, k): the sum s + k 2^-54


def _bits(x: float) -> int:
    return binary64.to_bits(x)


# inputs, from bit patterns
_S3 = binary64.from_bits(3)                      # 3 * 2^-1074 (subnormal)
_P52 = binary64.from_bits((1023 + 52) << 52)     # 2^52
_H = binary64.from_bits((1023 - 537) << 52)      # 2^-537
_H3 = binary64.from_bits(((1023 - 536) << 52) | (1 << 51))   # 3 * 2^-537
_N15 = binary64.from_bits((1 << 52) | (1 << 51))  # 1.5 * 2^-1022
_N1 = binary64.from_bits(1 << 52)                 # 2^-1022
_TERMS = [binary64.ceil(k, -54) for _, k in _ROUNDING_TERMS]   # 2^-54 and 3 * 2^-54, signed
_SIGNS = [binary64.ceil(s, 0) for s, _ in _ROUNDING_TERMS]

# expected results, as bit patterns
_DAZ_EXPECTED = _bits(binary64.ceil(3, -1022))
_FTZ_PRODUCT_EXPECTED = 3
_FTZ_DIFFERENCE_EXPECTED = _bits(binary64.ceil(1, -1023))
_NEIGHBOURS = [(_bits(binary64.floor((s << 54) + k, -54)), _bits(binary64.ceil((s << 54) + k, -54)))
               for s, k in _ROUNDING_TERMS]
_MODES = {  # which neighbour (0 = below, 1 = above) each mode picks, per term
    (1, 0, 0, 1): "round-to-nearest",
    (1, 1, 1, 1): "round-upward",
    (0, 0, 0, 0): "round-downward",
    (0, 0, 1, 1): "round-toward-zero",
}

_VECTOR = 37          # > any SIMD width, and not a multiple of it: vector body and tail
_SMALL = 4            # a BLAS product this small runs on the calling thread only


def _threaded_side() -> int:
    """Side p (a multiple of 64, 128 <= p <= 512) of a p x p x p product that OpenBLAS
    splits over all of its threads (at most os.cpu_count(); measured: it uses about
    m n k / 2^20 threads, so p^3 >= 2^20 os.cpu_count(); 512 covers 128 threads)."""
    side = 128
    while side < 512 and side ** 3 < (os.cpu_count() or 1) * 2 ** 20:
        side += 64
    return side


@functools.lru_cache(maxsize=None)
def _blas_inputs(p: int):
    """Read-only inputs of `_blas` (built once per size): A (2p x p) and B = all ones
    (p x p).  Rows 2i of A: 3*2^-1074 in column i, zeros elsewhere; rows 2i + 1:
    (s, t, 0, ...) with s + t the i-th rounding sum (mod 4).  Interleaved, so that
    every block of rows a BLAS thread may be given holds both kinds."""
    A = np.zeros((2 * p, p))
    A[0::2][np.arange(p), np.arange(p)] = _S3
    A[1::2, 0] = np.resize(np.array(_SIGNS), p)
    A[1::2, 1] = np.resize(np.array(_TERMS), p)
    B = np.ones((p, p))
    for M in (A, B):
        M.flags.writeable = False
    return A, B


def _check(name: str, got, expected: int) -> str | None:
    """None if every float in `got` (a float or an array) has the bit pattern `expected`."""
    if isinstance(got, float):
        return None if _bits(got) == expected else name
    return None if np.all(np.asarray(got).view(np.uint64) == expected) else name


def _rounding(name: str, results) -> str | None:
    """None if each of the four sums is a neighbour of its exact value; `results` is a
    list of four floats or an array whose rows are such lists."""
    if isinstance(results, list):
        ok = all(_bits(x) in pair for x, pair in zip(results, _NEIGHBOURS))
        return None if ok else name
    results = np.asarray(results).view(np.uint64)
    for column, (below, above) in enumerate(_NEIGHBOURS):
        if not np.all((results[:, column] == below) | (results[:, column] == above)):
            return name
    return None


def rounding_mode() -> str:
    """The rounding mode of Python float addition ("unknown" if none of the four)."""
    picks = tuple(int(_bits(s + t) == above) for s, t, (_, above) in zip(_SIGNS, _TERMS, _NEIGHBOURS))
    return _MODES.get(picks, "unknown")


def _scalar() -> str | None:
    return (_check("Python float: a subnormal input was read as 0 (DAZ)", _S3 * _P52, _DAZ_EXPECTED)
            or _check("Python float: a subnormal product was flushed to 0 (FTZ)", _H * _H3,
                      _FTZ_PRODUCT_EXPECTED)
            or _check("Python float: a subnormal difference was flushed to 0 (FTZ)", _N15 - _N1,
                      _FTZ_DIFFERENCE_EXPECTED)
            or _rounding("Python float: a sum is not rounded to a neighbour",
                         [s + t for s, t in zip(_SIGNS, _TERMS)]))


@functools.lru_cache(maxsize=None)
def _numpy_inputs():
    """Read-only arrays of `_numpy` (built once)."""
    arrays = dict(subnormal=np.full(_VECTOR, _S3), p52=np.full(_VECTOR, _P52),
                  h=np.full(_VECTOR, _H), h3=np.full(_VECTOR, _H3),
                  n15=np.full(_VECTOR, _N15), n1=np.full(_VECTOR, _N1),
                  signs=np.tile(np.array(_SIGNS), _VECTOR), terms=np.tile(np.array(_TERMS), _VECTOR),
                  rows=np.full((4, _VECTOR), _S3))
    for a in arrays.values():
        a.flags.writeable = False
    return arrays


def _numpy() -> str | None:
    a = _numpy_inputs()
    return (_check("numpy: a subnormal input was read as 0 (DAZ)", a["subnormal"] * a["p52"], _DAZ_EXPECTED)
            or _check("numpy: a subnormal product was flushed to 0 (FTZ)", a["h"] * a["h3"],
                      _FTZ_PRODUCT_EXPECTED)
            or _check("numpy: a subnormal difference was flushed to 0 (FTZ)", a["n15"] - a["n1"],
                      _FTZ_DIFFERENCE_EXPECTED)
            or _rounding("numpy: a sum is not rounded to a neighbour", (a["signs"] + a["terms"]).reshape(-1, 4))
            or _check("numpy: a sum of subnormals is wrong (DAZ/FTZ)", a["subnormal"].sum(), 3 * _VECTOR)
            or _check("numpy: a row sum of subnormals is wrong (DAZ/FTZ)", a["rows"].sum(axis=1), 3 * _VECTOR)
            or _check("numpy: a column sum of subnormals is wrong (DAZ/FTZ)", a["rows"].T.sum(axis=0),
                      3 * _VECTOR))


def _blas(p: int) -> str | None:
    """A B (inputs of `_blas_inputs`): every entry of an even row is 3*2^-1074 (one
    subnormal product, the other terms exact zeros); every entry of odd row 2i + 1 is
    one rounding of the i-th rounding sum.  Also an even row block times a column of
    B (dgemv).  p is a multiple of 4."""
    A, B = _blas_inputs(p)
    C = A @ B
    size = "small" if p == _SMALL else f"threaded, {2 * p} x {p} x {p}"
    return (_check(f"BLAS dgemm ({size}): a subnormal product was lost (DAZ/FTZ)", C[0::2], 3)
            or _rounding(f"BLAS dgemm ({size}): a sum is not rounded to a neighbour",
                         C[1::2][: p - p % 4].T.reshape(-1, 4))
            or (_check("BLAS dgemv: a subnormal product was lost (DAZ/FTZ)", A[0::2] @ B[0], 3)
                if p == _SMALL else None))


def _conversions() -> str | None:
    if arb(_S3).mid().man_exp() != (3, -1074):
        return "arb(float) of a subnormal is wrong (DAZ in libm frexp)"
    return _check("float(arb) of a subnormal is wrong (FTZ in libm ldexp)", float(arb((3, -1074))), 3)


def problem(threads: bool = True) -> str | None:
    """None if every check passes; else a one-line description of the first failure.
    threads=False leaves out the threaded BLAS product (the checks of the calling
    thread only, about 0.2 ms)."""
    with np.errstate(all="ignore"):
        return (_scalar() or _numpy() or _blas(_SMALL) or _conversions()
                or (_blas(_threaded_side()) if threads else None))

