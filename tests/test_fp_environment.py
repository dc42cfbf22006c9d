"""The floating-point model of the fast tests, checked at run time (docs/fast-checks.md,
"The floating-point environment"; kernel.fpenv, kernel.binary64).

The x86-64 MXCSR register of the test thread is set through tests/fpcontrol.py (a
two-function C library compiled on first use; these tests skip without x86-64
Linux and a C compiler).  Each known way out of the model (DAZ, FTZ) is first
reproduced against the bare arithmetic, then shown to be refused by the kernel;
the directed rounding modes are accepted; the arb path gives the same balls in
every mode.  Only certify.kernel and the standard test tools are used.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb, ctx

import fpcontrol
from certify.kernel import binary64, fastfloat, fpenv, methods
from certify.kernel.fastfloat import ETA, TINY, Enc
from certify.kernel.format import canonical_bytes, decode
from certify.kernel.verify import verify_bytes

ROOT = Path(__file__).resolve().parent.parent
CERTS = ROOT / "certificates"
K6 = CERTS / "k6_n6_S1xS5.json"
K10 = CERTS / "k10_n10_S1xS9.json"
SYM100 = CERTS / "symmetric" / "k100_n100_S1xS99_sym.json"
SADDLE = ROOT / "tests" / "data" / "certificates" / "saddle_k4_n4.json"   # made by `certify point` at 15cb736

needs_mxcsr = pytest.mark.skipif(not fpcontrol.available(), reason="needs x86-64 Linux and a C compiler")
BAD = ["DAZ", "FTZ", "DAZ+FTZ"]
DIRECTED = ["round-up", "round-down", "round-toward-zero"]


def exact(x: float) -> Fraction:
    m, e = binary64.value(x)
    return Fraction(m) * Fraction(2) ** e


def dyadic(q: Fraction) -> str:
    """Canonical text of a dyadic rational (docs/format.md), written independently."""
    if q.denominator == 1:
        return str(q.numerator)
    return f"{q.numerator}*2^-{q.denominator.bit_length() - 1}"


def value(text: str) -> Fraction:
    m, _, e = text.partition("*2^")
    return Fraction(int(m)) * Fraction(2) ** int(e or 0)


def shift_box(obj, steps=4):
    """Move the centre by `steps` radii in every coordinate: the zero leaves the box."""
    r = value(obj["box"]["radius"])
    obj["box"]["centre"] = [[dyadic(value(x) + steps * r) for x in row] for row in obj["box"]["centre"]]


def mutated(path: Path, edit) -> bytes:
    obj = json.loads(path.read_bytes())
    edit(obj)
    return canonical_bytes(obj)


def outcome(verdict):
    return verdict.status, [(r.claim, r.proved, r.detail) for r in verdict.results]


# ---------------------------------------------------------------------------
# binary64: exact conversions, no stepping
# ---------------------------------------------------------------------------
def reference_ceil(q: Fraction) -> float:
    """Least binary64 >= q, by bisection over the ordered bit patterns (test oracle)."""
    if q > exact(sys.float_info.max):
        return float("inf")
    lo, hi = -0x7FEFFFFFFFFFFFFF, 0x7FEFFFFFFFFFFFFF      # signed order index of -max .. +max
    def at(i):
        return binary64.from_bits(i if i >= 0 else (1 << 63) | -i)
    while lo < hi:
        mid = (lo + hi) // 2
        if exact(at(mid)) >= q:
            hi = mid
        else:
            lo = mid + 1
    return at(lo)


def random_dyadics(count, seed):
    rnd = random.Random(seed)
    for _ in range(count):
        m = rnd.getrandbits(rnd.choice([1, 2, 30, 53, 54, 80, 200])) * rnd.choice([1, -1])
        yield m, rnd.choice([rnd.randint(-1200, -1000), rnd.randint(-1100, 1000), rnd.randint(960, 1000)])


def test_ceil_is_the_least_float_above():
    for m, e in random_dyadics(400, 1):
        q = Fraction(m) * Fraction(2) ** e
        got = binary64.ceil(m, e)
        assert got == reference_ceil(q) or (got == 0 and reference_ceil(q) == 0), (m, e)
        if got != float("inf"):
            assert exact(got) >= q


def test_value_and_to_arb_are_exact_on_every_kind_of_float():
    for bits in [1, 3, (1 << 52) - 1, 1 << 52, 0x3FF0000000000001, 0x7FEFFFFFFFFFFFFF, (1 << 63) | 5]:
        x = binary64.from_bits(bits)
        m, e = binary64.value(x)
        assert Fraction(m) * Fraction(2) ** e == Fraction(x)          # CPython's exact conversion
        assert exact_arb(binary64.to_arb(x)) == Fraction(x)
        assert binary64.to_arb(x).rad() == 0
    with pytest.raises(ArithmeticError):
        binary64.value(float("inf"))


def test_float_above_bounds_every_ball_exactly():
    rnd = random.Random(2)
    for m, e in random_dyadics(200, 3):
        x = arb((m, e)) + arb(0, (rnd.getrandbits(20), e - 60))
        top = exact_arb(x.upper())
        if reference_ceil(top) == float("inf"):
            with pytest.raises(ArithmeticError):
                fastfloat.float_above(x)
            continue
        f = fastfloat.float_above(x)
        assert exact(f) >= top
        assert f == reference_ceil(top)
    with pytest.raises(ArithmeticError):
        fastfloat.float_above(arb((1, 1024)))
    with pytest.raises(ArithmeticError):
        fastfloat.float_above(arb("inf"))


def exact_arb(x) -> Fraction:
    m, e = x.mid().man_exp()
    return Fraction(int(m)) * Fraction(2) ** int(e)


# ---------------------------------------------------------------------------
# the probe in the default environment and under each mode
# ---------------------------------------------------------------------------
def test_default_environment_is_the_model():
    assert fpenv.problem() is None
    assert fpenv.rounding_mode() == "round-to-nearest"
    assert fastfloat.environment_ok()


PATHS = {"python floats": fpenv._scalar, "numpy": fpenv._numpy,
         "small BLAS": lambda: fpenv._blas(fpenv._SMALL), "arb conversions": fpenv._conversions,
         "threaded BLAS": lambda: fpenv._blas(fpenv._threaded_side())}


@needs_mxcsr
@pytest.mark.parametrize("mode", BAD)
def test_probe_finds_daz_and_ftz_on_every_path(mode):
    with fpcontrol.mxcsr(**fpcontrol.MODES[mode]):
        found = {name: check() for name, check in PATHS.items()}
        whole, light = fpenv.problem(), fpenv.problem(threads=False)
        ok = fastfloat.environment_ok()
    missed = [name for name, problem in found.items() if problem is None]
    assert not missed, f"{mode} not seen by {missed}"
    assert whole and light and not ok


@needs_mxcsr
@pytest.mark.parametrize("mode", DIRECTED)
def test_probe_accepts_the_directed_rounding_modes(mode):
    with fpcontrol.mxcsr(**fpcontrol.MODES[mode]):
        problem, rounding = fpenv.problem(), fpenv.rounding_mode()
    assert problem is None
    assert rounding == {"round-up": "round-upward", "round-down": "round-downward",
                        "round-toward-zero": "round-toward-zero"}[mode]


def openblas() -> bool:
    config = getattr(np, "__config__", None)
    info = getattr(config, "CONFIG", {}) if config else {}
    return "openblas" in json.dumps(info).lower()


@needs_mxcsr
@pytest.mark.skipif(not openblas(), reason="the thread layout is OpenBLAS's")
def test_probe_finds_daz_left_in_the_blas_threads_only():
    """A library that sets DAZ and FTZ before numpy is imported leaves them in every
    OpenBLAS worker thread; resetting the main thread afterwards does not reach them."""
    child = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]
        import fpcontrol
        lib = fpcontrol._library()
        old = lib.get_mxcsr()
        lib.set_mxcsr(old | fpcontrol.DAZ | fpcontrol.FTZ)
        import numpy
        lib.set_mxcsr(old)
        from certify.kernel import fpenv
        print(repr(fpenv.problem(threads=False)))
        print(repr(fpenv.problem()))
    """)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, env=env, timeout=120)
    light, whole = out.stdout.strip().splitlines()[-2:]
    assert light == "None"
    assert "threaded" in whole and "DAZ" in whole


# ---------------------------------------------------------------------------
# each finding: reproduced against the bare arithmetic, then refused by the kernel
# ---------------------------------------------------------------------------
def encloses(E: Enc, value: Fraction) -> bool:
    return abs(value - exact(float(E.mid.ravel()[0]))) <= exact(float(E.rad.ravel()[0]))


def daz_product():
    """Lemma G's example: 3 2^-1074 times 2^100."""
    a, b = binary64.from_bits(3), binary64.ceil(1, 100)
    return Enc.exact(np.array([[a]])) @ Enc.exact(np.array([[b]])), exact(a) * exact(b)


@needs_mxcsr
def test_daz_breaks_a_matrix_product_and_arb_of_a_subnormal():
    E, value = daz_product()
    assert encloses(E, value)
    with fpcontrol.mxcsr(daz=True):
        E_daz, _ = daz_product()
        converted = arb(binary64.from_bits(1 << 44))            # 2^-1030
        exact_conversion = binary64.to_arb(binary64.from_bits(1 << 44))
    assert not encloses(E_daz, value)                            # the finding
    assert exact_arb(converted) >= Fraction(1, 2 ** 1023)        # the finding: arb(2^-1030) ~ 2^-1023
    assert exact_conversion == arb((1, -1030))                   # binary64.to_arb is unaffected


def krawczyk_example():
    """g(x) = 2^-100 (x - 2^-950) on X = [-2^-990, 2^-990]: the zero 2^-950 is outside X."""
    J = Enc.exact(np.array([[binary64.ceil(1, -100)]]))
    y = [arb((1, -100)) * (arb(0) - arb((1, -950)))]             # g(0) = -2^-1050, subnormal
    return y, J, arb((1, -990))


@needs_mxcsr
def test_daz_made_the_float_krawczyk_test_accept_a_box_without_zero(monkeypatch):
    y, J, r = krawczyk_example()
    assert not fastfloat.krawczyk_contains(y, J, r)
    with fpcontrol.mxcsr(daz=True):
        guarded = fastfloat.krawczyk_contains(y, J, r)
        monkeypatch.setattr(fastfloat, "environment_ok", lambda: True)
        unguarded = fastfloat.krawczyk_contains(y, J, r)
    assert unguarded                  # the finding, reproduced without the environment check
    assert not guarded                # refused with it


def ftz_product():
    """a = 2^500 (1 + 2^-52), b = 2^-981 (1 + 2^-52), p = 1: g b = 2^-1032 is subnormal."""
    a = binary64.ceil(2 ** 52 + 1, 500 - 52)
    b = binary64.ceil(2 ** 52 + 1, -981 - 52)
    return Enc.exact(np.array([[a]])) @ Enc.exact(np.array([[b]])), exact(a) * exact(b)


@needs_mxcsr
def test_ftz_breaks_a_matrix_product_and_float_of_a_tiny_ball():
    E, value = ftz_product()
    assert encloses(E, value)
    with fpcontrol.mxcsr(ftz=True):
        E_ftz, _ = ftz_product()
        tiny = float(arb((1, -1060)))
        above = fastfloat.float_above(arb((1, -1060)) + arb(0, (1, -1100)))
    assert not encloses(E_ftz, value)       # FTZ is not absorbed by the 2^-1000 margin
    assert tiny == 0.0                      # where the former float_above started its crawl
    assert exact(above) >= Fraction(1, 2 ** 1060) and exact(above) < Fraction(1, 2 ** 1059)


def test_the_underflow_term_of_lemma_g():
    """Without + ETA in the radius, an exact operand with a subnormal entry times a huge
    one is not enclosed, even in the IEEE default environment."""
    a, b = binary64.ceil(2 ** 52 + 1, 1000 - 52), binary64.from_bits(3)
    E = Enc.exact(np.array([[a]])) @ Enc.exact(np.array([[b]]))
    value = exact(a) * exact(b)
    assert abs(value - exact(float(E.mid[0, 0]))) == Fraction(1, 2 ** 126)
    assert encloses(E, value)
    assert exact(float(E.rad[0, 0])) < Fraction(1, 2 ** 70)      # and not hugely wider
    assert ETA > 0 and TINY < Fraction(1, 2 ** 126)


def pd_enc(N=6):
    rnd = np.random.default_rng(0)
    A = rnd.standard_normal((N, N))
    M = A @ A.T + N * np.eye(N)
    return Enc(np.triu(M) + np.triu(M, 1).T, np.full((N, N), 1e-12))


def contracting():
    """g(x) = x - 2^-60 on [-2^-50, 2^-50]^3 (zero inside)."""
    J = Enc.exact(np.eye(3))
    return [arb((-1, -60))] * 3, J, arb((1, -50))


def fast_answers():
    return (fastfloat.positive_definite(pd_enc(), arb((1, -4))),
            fastfloat.krawczyk_contains(*contracting()),
            fastfloat.eigenvalue_counts(pd_enc(), arb((1, -4))))


@needs_mxcsr
@pytest.mark.parametrize("mode", BAD + DIRECTED)
def test_each_fast_test_says_no_outside_the_model_and_works_in_any_rounding(mode):
    assert fast_answers() == (True, True, (0, 0))
    with fpcontrol.mxcsr(**fpcontrol.MODES[mode]):
        answers = fast_answers()
    assert answers == ((False, False, None) if mode in BAD else (True, True, (0, 0)))


# ---------------------------------------------------------------------------
# whole certificates in every mode
# ---------------------------------------------------------------------------
def tiny_claim() -> bytes:
    """A valid certificate with a tiny claim: lambda_min(H) > 2^-1060 (the former
    float_above crawled through the subnormals on it under FTZ)."""
    return mutated(K6, lambda o: o["claims"].update(hessian_min_eig_lower="1*2^-1060"))


FALSE_CLAIMS = {
    "mu_high": lambda o: o["claims"].update(hessian_min_eig_lower="1*2^-2"),
    "loss_high": lambda o: o["claims"].update(loss_lower="3*2^-5"),
    "saddle": lambda o: (o.update(kind="saddle"), o["claims"].update(
        hessian_min_abs_eig_lower=o["claims"].pop("hessian_min_eig_lower"), morse_index=1)),
    "shifted": shift_box,
}


@needs_mxcsr
@pytest.mark.parametrize("mode", BAD + DIRECTED)
def test_certificates_in_every_mode(mode):
    files = [K6, SYM100, SADDLE]
    with fpcontrol.mxcsr(**fpcontrol.MODES[mode]):
        valid = [verify_bytes(p.read_bytes()) for p in files]
        tiny = verify_bytes(tiny_claim())
        false = {name: verify_bytes(mutated(K6, edit)) for name, edit in FALSE_CLAIMS.items()}
    for path, verdict in zip(files, valid):
        assert verdict.status == "accepted", (path.name, verdict.first_failure())
        assert verdict.fast_tests.startswith("not used") == (mode in BAD)
    assert tiny.status == "accepted", tiny.first_failure()
    for name, verdict in false.items():
        assert verdict.status == "refused", name


def test_tiny_claim_in_the_default_environment():
    verdict = verify_bytes(tiny_claim())
    assert verdict.status == "accepted" and verdict.fast_tests == "used"


@needs_mxcsr
@pytest.mark.parametrize("mode", BAD + DIRECTED)
def test_arb_path_gives_the_same_balls_in_every_mode(mode):
    files = [K6, SYM100, SADDLE]
    reference = [outcome(verify_bytes(p.read_bytes(), fast=False)) for p in files]
    balls = hessian_balls(K6)
    with fpcontrol.mxcsr(**fpcontrol.MODES[mode]):
        got = [outcome(verify_bytes(p.read_bytes(), fast=False)) for p in files]
        balls_mode = hessian_balls(K6)
    assert got == reference
    assert balls_mode == balls


def hessian_balls(path: Path) -> list:
    """The arb Hessian enclosure (ballarray.Balls) of a dense certificate, as exact
    (midpoint, radius) pairs."""
    from certify.kernel.ballarray import Balls
    from certify.kernel.dense import geometry
    from certify.kernel.dense.hessian import hessian_enclosure
    from certify.kernel.dense.method import _balls
    _, statement = methods.read(decode(path.read_bytes()))
    with ctx.workprec(statement.header.prec):
        W, _, _, V = _balls(statement)
        geo = geometry.Geometry(W, V)
    with ctx.workprec(53):
        A = hessian_enclosure(geo, Balls).to_arb_mat()
    return [(x.mid().man_exp(), x.rad().man_exp()) for x in A.entries()]


@pytest.mark.slow
@needs_mxcsr
@pytest.mark.parametrize("mode", BAD + DIRECTED)
def test_every_committed_certificate_in_every_mode(mode):
    files = sorted(CERTS.glob("*.json")) + sorted((CERTS / "symmetric").glob("*.json"))
    with fpcontrol.mxcsr(**fpcontrol.MODES[mode]):
        verdicts = {p.name: verify_bytes(p.read_bytes()) for p in files}
    assert all(v.status == "accepted" for v in verdicts.values()), \
        {name: v.first_failure() for name, v in verdicts.items() if not v.accepted}
