"""Audit of the trusted kernel (certify/kernel/): each test is a concrete input or
process state on which verify_bytes (or a kernel test it relies on) misbehaves.

Each test failed on the kernel as audited and passes since its fix (regression
tests).  None of them was an accepted false statement through verify_bytes in the
default environment; the findings were crashes under process states (warnings as
errors, the interpreter's int/str digit limit, a LinAlgError from LAPACK), a dtype
assumption about LAPACK's output, and the cost plan charging the arb-only path twice.
"""
from __future__ import annotations

import copy
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from flint import arb

from certify.kernel import fastfloat, methods
from certify.kernel.cost import UNLIMITED, Budget
from certify.kernel.fastfloat import Enc
from certify.kernel.format import canonical_bytes, decode
from certify.kernel.verify import verify_bytes

from helpers import K6, TESTS, load

SADDLE = TESTS / "data" / "certificates" / "saddle_k4_n4.json"


def value(text: str) -> Fraction:
    m, _, e = text.partition("*2^")
    return Fraction(int(m)) * Fraction(2) ** int(e or 0)


def dyadic(q: Fraction) -> str:
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    e = q.denominator.bit_length() - 1
    assert q.denominator == 1 << e
    return f"{q.numerator}*2^-{e}"


# ---------------------------------------------------------------------------
# 1. LAPACK's eigh may raise LinAlgError ("Eigenvalues did not converge"); the arb
#    path's proposal does not catch it, so verify_bytes raises instead of refusing.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("path, fast", [(K6, False), (SADDLE, False), (SADDLE, True)],
                         ids=["k6 arb-only", "saddle arb-only", "saddle fast"])
def test_eigh_failure_is_a_refusal_not_an_exception(monkeypatch, path, fast):
    def no_convergence(*args, **kwargs):
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    monkeypatch.setattr(np.linalg, "eigh", no_convergence)
    try:
        verdict = verify_bytes(path.read_bytes(), fast=fast)
    except Exception as err:          # noqa: BLE001 - the finding
        pytest.fail(f"verify_bytes raised {type(err).__name__}: {err}")
    assert verdict.status != "accepted"


# ---------------------------------------------------------------------------
# 2. numpy floating-point warnings escape the fast Krawczyk test: with warnings
#    turned into errors (python -W error, pytest filterwarnings = error) a
#    readable file makes verify_bytes raise RuntimeWarning.
# ---------------------------------------------------------------------------
def huge_centre_certificate() -> bytes:
    """K6 with its centre scaled by 2^1022 and one entry moved by 2^1021: the
    gradient at the centre is about 2^1021, so |C| |grad| overflows in floats.
    The box (radius 2^-100) holds no critical point; the loss claims [1, 2^2100]
    are true (F is about |W|^2 / 4 < 2^2060 there, and > 1)."""
    obj = load(K6)
    obj["box"]["centre"] = [[dyadic(value(x) * 2 ** 1022) for x in row] for row in obj["box"]["centre"]]
    obj["box"]["centre"][0][0] = dyadic(value(obj["box"]["centre"][0][0]) + 2 ** 1021)
    obj["claims"]["loss_lower"] = "1"
    obj["claims"]["loss_upper"] = str(2 ** 2100)
    return canonical_bytes(obj)


def test_float_overflow_under_warnings_as_errors_is_a_refusal():
    data = huge_centre_certificate()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            verdict = verify_bytes(data)
        except Exception as err:      # noqa: BLE001 - the finding
            pytest.fail(f"verify_bytes raised {type(err).__name__}: {err}")
    assert verdict.status == "refused"


# ---------------------------------------------------------------------------
# 3. Lemma I relies on LAPACK returning float64 eigenvectors: a float32 Q makes
#    Q^T Q a float32 product whose error the float64 bound (U = 2^-52) does not
#    cover, and eigenvalue_counts proves a false count.
# ---------------------------------------------------------------------------
def test_eigenvalue_counts_does_not_rely_on_the_dtype_of_the_eigenvectors(monkeypatch):
    lam = 0.75
    mu_exact = Fraction(lam) + Fraction(1, 2 ** 60)          # [[0.75]] has 1 eigenvalue below mu
    mu = arb((mu_exact.numerator, -(mu_exact.denominator.bit_length() - 1)))
    H = Enc(np.array([[lam]]), np.array([[0.0]]))
    q = np.float32(1) + np.float32(2.0 ** -23)               # any Q is admissible in Lemma I
    monkeypatch.setattr(np.linalg, "eigh", lambda A: (np.array([lam]), np.array([[q]], dtype=np.float32)))
    counts = fastfloat.eigenvalue_counts(H, mu)
    # exact truth: 0.75 < mu and 0.75 > -mu, so (#below mu, #below -mu) = (1, 0)
    assert counts in (None, (1, 0)), counts


# ---------------------------------------------------------------------------
# 4. The arb-only path is charged twice: its arb tests are in the mandatory
#    estimate AND each one is `admit`ted again as a fallback (claims.py:118,158,192).
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [K6, SADDLE], ids=["k6", "saddle"])
def test_arb_only_verification_within_its_estimate_is_not_too_costly(path):
    data = path.read_bytes()
    module, statement = methods.read(decode(data))
    arb_path = module.cost(statement).mandatory(False)
    verdict = verify_bytes(data, fast=False, budget=Budget(seconds=arb_path.seconds * 1.01, bytes=None))
    assert verdict.estimate == arb_path
    assert verdict.status == "accepted", verdict.first_failure()


# ---------------------------------------------------------------------------
# 5. The reader depends on the interpreter's int/str digit limit (a process state):
#    below 4000 digits a canonical dyadic of the format raises ValueError out of
#    verify_bytes; with the limit off (0) JSON integers of any length are parsed in
#    quadratic time (measured: 9.6 s for 400 000 digits, 27 s for 800 000, 106 s for
#    1 600 000; a 4 MiB file about 12 minutes by extrapolation).
# ---------------------------------------------------------------------------
def test_reader_does_not_depend_on_the_int_digit_limit():
    obj = load(K6)
    obj["claims"]["loss_upper"] = "1" * 2000          # a true, weaker claim; 2000 digits <= MAX_DIGITS
    data = canonical_bytes(obj)
    assert verify_bytes(data).status == "accepted"
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1000)
    try:
        verdict = verify_bytes(data)
    except Exception as err:          # noqa: BLE001 - the finding
        pytest.fail(f"verify_bytes raised {type(err).__name__}: {err}")
    finally:
        sys.set_int_max_str_digits(old)
    assert verdict.status == "accepted"


# the inputs above are what they claim to be (so each test exercises its finding)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_huge_centre_certificate_is_refused_in_the_default_environment():
    verdict = verify_bytes(huge_centre_certificate())
    assert verdict.status == "refused" and verdict.first_failure().startswith("claim 'critical' refused")


def test_eigenvalue_counts_with_float64_eigenvectors_does_not_prove_the_false_count():
    lam = 0.75
    mu_exact = Fraction(lam) + Fraction(1, 2 ** 60)
    mu = arb((mu_exact.numerator, -(mu_exact.denominator.bit_length() - 1)))
    assert fastfloat.eigenvalue_counts(Enc(np.array([[lam]]), np.array([[0.0]])), mu) in (None, (1, 0))


def test_k6_arb_only_is_accepted_without_a_budget():
    assert verify_bytes(K6.read_bytes(), fast=False, budget=Budget(None, None)).status == "accepted"


# ---------------------------------------------------------------------------
# ruled out: LAPACK's outputs (float64, finite, but wrong) cannot make a false claim
# pass, on either path (Lemmas C, I, K and the arb tests take ANY Q, L, C)
# ---------------------------------------------------------------------------
def above(q: Fraction, factor: Fraction) -> str:
    """q * factor rounded up to the grid 2^-40 (a dyadic >= q * factor)."""
    x = q * factor * 2 ** 40
    return dyadic(Fraction(-(-x.numerator // x.denominator), 2 ** 40))


def false_statements() -> dict:
    """Statements false by construction (the claims of the committed files are within
    1e-6 of the spectra at the centre, and the boxes have radius 2^-100)."""
    k6, saddle = load(K6), load(SADDLE)
    out = {}
    o = copy.deepcopy(k6)
    o["claims"]["hessian_min_eig_lower"] = above(value(o["claims"]["hessian_min_eig_lower"]), Fraction(10001, 10000))
    out["k6 mu 1e-4 high"] = o
    o = copy.deepcopy(saddle)
    o["claims"]["hessian_min_abs_eig_lower"] = above(value(o["claims"]["hessian_min_abs_eig_lower"]),
                                                     Fraction(1001, 1000))
    out["saddle gap 1e-3 high"] = o
    o = copy.deepcopy(saddle)
    o["claims"]["morse_index"] = 3
    out["saddle index 3"] = o
    for name, base in (("k6", k6), ("saddle", saddle)):
        o = copy.deepcopy(base)        # the zero of the gradient is 2^-30 >> r = 2^-100 away
        o["box"]["centre"][0][0] = dyadic(value(o["box"]["centre"][0][0]) + Fraction(1, 2 ** 30))
        o["claims"]["loss_lower"], o["claims"]["loss_upper"] = "1*2^-10", "1"   # F ~ 0.025 there
        out[f"{name} shifted"] = o
    return out


def _eigh_pairs(fix):
    def patched(A, *args, **kwargs):
        w, v = EIGH(A)
        return w, fix(np.array(v))
    return patched


CHOLESKY, EIGH, INV = np.linalg.cholesky, np.linalg.eigh, np.linalg.inv
_RNG = np.random.default_rng(2024)


def _duplicate_first(v):
    v[:, -1] = v[:, 0]
    return v


ADVERSARIES = {
    "cholesky of A + 1e-9 |A| I": ("cholesky", lambda A: CHOLESKY(A + 1e-9 * np.abs(A).max() * np.eye(len(A)))),
    "random triangular L": ("cholesky", lambda A: np.tril(_RNG.normal(size=A.shape)) * np.sqrt(np.abs(A).max())),
    "eigh: duplicated column": ("eigh", _eigh_pairs(_duplicate_first)),
    "eigh: perturbed": ("eigh", _eigh_pairs(lambda v: v + 1e-3 * _RNG.normal(size=v.shape))),
    "eigh: columns scaled by 2^+-40": ("eigh", _eigh_pairs(lambda v: v * 2.0 ** _RNG.integers(-40, 40, v.shape[1]))),
    "inv: perturbed": ("inv", lambda A: INV(A) * (1 + 1e-3 * _RNG.normal(size=A.shape))),
}


@pytest.mark.parametrize("adversary", sorted(ADVERSARIES))
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "arb-only"])
def test_wrong_lapack_outputs_never_make_a_false_statement_pass(monkeypatch, adversary, fast):
    name, patched = ADVERSARIES[adversary]
    monkeypatch.setattr(np.linalg, name, patched)
    for label, obj in false_statements().items():
        verdict = verify_bytes(canonical_bytes(obj), fast=fast, budget=UNLIMITED)
        assert verdict.status == "refused", (label, verdict.first_failure())
