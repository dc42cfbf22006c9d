"""Bounded cost and the arb-only verifier (docs/cost.md, docs/trust.md).

verify_bytes(data, fast=True, budget=DEFAULT_BUDGET): the cost of checking is
estimated from the header before any arithmetic (kernel.cost and the methods'
`cost`); a file over budget is "too costly", an arb fallback over budget leaves its
claim "too costly", and no fallback is tried once a claim is refused.
verify_bytes(data, fast=False) uses the arb tests only.  The worst files of
bench/bench_worst_case.py must end "too costly" or "refused" (their time is
measured by the bench, never here).  Only certify.kernel and the standard test
tools are used.
"""
from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb

from certify.kernel import fastfloat, inertia, methods
from certify.kernel.cost import DEFAULT_BUDGET, UNLIMITED, Budget
from certify.kernel.dense import geometry
from certify.kernel.format import canonical_bytes, decode
from certify.kernel.verify import verify_bytes

ROOT = Path(__file__).resolve().parent.parent
CERTS = ROOT / "certificates"
DATA = ROOT / "tests" / "data" / "certificates"      # made by `certify point` at commit 15cb736
K6 = CERTS / "k6_n6_S1xS5.json"
K20 = CERTS / "k20_n20_S1xS19.json"
SADDLE = DATA / "saddle_k4_n4.json"
MINIMUM_N8 = DATA / "minimum_k7_n8.json"

sys.path.insert(0, str(ROOT / "bench"))
import bench_worst_case as worst  # noqa: E402  (the worst files are built in one place)


def mutated(path: Path, edit) -> bytes:
    obj = json.loads(path.read_bytes())
    edit(obj)
    return canonical_bytes(obj)


def set_claims(**claims):
    return lambda obj: obj["claims"].update(claims)


def as_saddle(index: int):
    def edit(obj):
        obj["kind"] = "saddle"
        obj["claims"]["hessian_min_abs_eig_lower"] = obj["claims"].pop("hessian_min_eig_lower")
        obj["claims"]["morse_index"] = index
    return edit


def estimate(data: bytes):
    module, statement = methods.read(decode(data))
    return module.cost(statement)


# ---------------------------------------------------------------------------
# the cost model
# ---------------------------------------------------------------------------
def test_committed_certificates_are_affordable():
    for path in sorted(CERTS.glob("*.json")) + sorted((CERTS / "symmetric").glob("*.json")):
        est = estimate(path.read_bytes())
        assert DEFAULT_BUDGET.fits(est.mandatory(True)), path.name
    for path in (K6, K20, CERTS / "symmetric" / "k1000000_n1000000_S1xS999999_sym.json"):
        verdict = verify_bytes(path.read_bytes())
        assert verdict.status == "accepted", (path.name, verdict.first_failure())
        assert verdict.too_costly is None and verdict.fast_tests == "used"


def test_unaffordable_file_is_refused_before_any_arithmetic(monkeypatch):
    def no_arithmetic(*args, **kwargs):
        raise AssertionError("arithmetic before the cost decision")
    monkeypatch.setattr(geometry, "Geometry", no_arithmetic)
    verdict = verify_bytes(worst.spread(prec=2048, tiny=True))
    assert verdict.status == "too costly" and not verdict.accepted and not verdict.refused
    assert verdict.results == []
    assert "limits" in verdict.too_costly
    assert not DEFAULT_BUDGET.fits(verdict.estimate)


def test_estimates_grow_with_size_precision_and_path():
    small, large = estimate(K6.read_bytes()), estimate(mutated(K20, lambda o: None))
    precise = estimate(mutated(K20, lambda o: o.update(prec=2048)))
    for a, b in [(small, large), (large, precise)]:
        assert a.mandatory(True).seconds < b.mandatory(True).seconds
    assert large.mandatory(True).seconds < large.mandatory(False).seconds
    assert set(large.fallback) == {"hessian", "extra_dims", "critical"}
    assert set(estimate(SADDLE.read_bytes()).fallback) == {"index", "extra_dims", "critical"}


def test_an_arb_fallback_over_budget_leaves_its_claim_too_costly():
    data = mutated(K20, set_claims(hessian_min_eig_lower="1*2^-4"))      # false: lambda_min ~ 0.055
    est = estimate(data)
    tight = Budget(seconds=est.mandatory(True).seconds * 1.01, bytes=None)
    verdict = verify_bytes(data, budget=tight)
    assert verdict.status == "too costly", verdict.first_failure()
    costly = [r for r in verdict.results if r.too_costly]
    assert [r.claim for r in costly] == ["hessian"] and not costly[0].proved
    # the same file with room for the fallback: the arb test runs and refuses it
    assert verify_bytes(data, budget=UNLIMITED).status == "refused"


def test_no_fallback_after_a_refusal(monkeypatch):
    data = mutated(K20, set_claims(loss_lower="1*2^-4", hessian_min_eig_lower="1*2^-4"))
    called = []
    monkeypatch.setattr(fastfloat, "approximate_eigenvectors", lambda A: called.append(A))
    verdict = verify_bytes(data, budget=UNLIMITED)
    assert verdict.status == "refused" and not called
    hessian = next(r for r in verdict.results if r.claim == "hessian")
    assert not hessian.proved and "not tried" in hessian.detail


def test_declared_saddle_is_refused_by_the_fast_count_without_arb(monkeypatch):
    monkeypatch.setattr(inertia, "eigenvalue_counts", lambda *a: pytest.fail("arb test run"))
    verdict = verify_bytes(mutated(K20, as_saddle(1)))
    index = next(r for r in verdict.results if r.claim == "index")
    assert verdict.status == "refused" and "Morse index is 0, not the claimed 1" in index.detail


@pytest.mark.parametrize("name", ["n800_d2_prec128", "n800_d2_prec2048", "sym444_prec2048", "k40_teacher"])
def test_worst_files_end_too_costly_or_refused(name):
    builders = {"n800_d2_prec128": worst.spread, "n800_d2_prec2048": lambda: worst.spread(prec=2048, tiny=True),
                "sym444_prec2048": lambda: worst.symmetric(2048), "k40_teacher": worst.huge_teacher}
    verdict = verify_bytes(builders[name]())
    assert verdict.status in ("too costly", "refused", "unreadable"), verdict.first_failure()
    assert not verdict.accepted


@pytest.mark.slow
def test_every_worst_file_ends_too_costly_or_refused():
    for name, data in worst.files().items():
        verdict = verify_bytes(data)
        if name.endswith("_valid"):
            assert verdict.status == "accepted", (name, verdict.first_failure())
        else:
            assert verdict.status in ("too costly", "refused", "unreadable"), (name, verdict.first_failure())


# ---------------------------------------------------------------------------
# the arb-only verifier
# ---------------------------------------------------------------------------
SMALL = [K6, CERTS / "k7_n7_S1xS6.json", CERTS / "k8_n8_S1xS7.json", SADDLE, DATA / "saddle_k5_n6.json",
         MINIMUM_N8] + sorted((CERTS / "symmetric").glob("*.json"))


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.name)
def test_arb_only_verifies(path):
    verdict = verify_bytes(path.read_bytes(), fast=False)
    assert verdict.status == "accepted", verdict.first_failure()
    assert verdict.fast_tests.startswith("not used")
    assert not any("float" in r.detail for r in verdict.results)


@pytest.mark.slow
@pytest.mark.parametrize("k", range(9, 21))
def test_arb_only_verifies_larger_certificates(k):
    path = CERTS / f"k{k}_n{k}_S1xS{k - 1}.json"
    verdict = verify_bytes(path.read_bytes(), fast=False)
    assert verdict.status == "accepted", verdict.first_failure()


def shifted(obj, steps=4):
    def value(text):
        m, _, e = text.partition("*2^")
        return Fraction(int(m)) * Fraction(2) ** int(e or 0)

    def dyadic(q):
        return str(q.numerator) if q.denominator == 1 else f"{q.numerator}*2^-{q.denominator.bit_length() - 1}"
    r = value(obj["box"]["radius"])
    obj["box"]["centre"] = [[dyadic(value(x) + steps * r) for x in row] for row in obj["box"]["centre"]]


FALSE = {
    "k6 mu high": (K6, set_claims(hessian_min_eig_lower="1*2^-7")),          # lambda_min ~ 0.0047
    "k6 extra high": (K6, set_claims(extra_min_eig_lower="1*2^-1")),
    "k6 loss high": (K6, set_claims(loss_lower="1*2^-5")),
    "k6 saddle": (K6, as_saddle(1)),
    "k6 shifted": (K6, shifted),
    "k7 n8 saddle": (MINIMUM_N8, as_saddle(2)),
    "saddle index 1": (SADDLE, set_claims(morse_index=1)),
    "saddle index 3": (SADDLE, set_claims(morse_index=3)),
    "saddle gap high": (SADDLE, set_claims(hessian_min_abs_eig_lower="1*2^-1")),
    "saddle as minimum": (SADDLE, lambda o: (o.update(kind="local_minimum"), o["claims"].pop("morse_index"),
                                             o["claims"].update(hessian_min_eig_lower=o["claims"].pop(
                                                 "hessian_min_abs_eig_lower")))),
    "sym100 mu high": (CERTS / "symmetric" / "k100_n100_S1xS99_sym.json", set_claims(hessian_min_eig_lower="1")),
}


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "arb-only"])
@pytest.mark.parametrize("name", sorted(FALSE))
def test_false_claims_are_refused(name, fast):
    path, edit = FALSE[name]
    verdict = verify_bytes(mutated(path, edit), fast=fast, budget=UNLIMITED)
    assert verdict.status == "refused", verdict.first_failure()


def test_arb_only_k40_is_too_costly_at_the_default_budget():
    verdict = verify_bytes(canonical_bytes(worst.certificate(40)), fast=False)
    assert verdict.status == "too costly" and verdict.results == []


# ---------------------------------------------------------------------------
# Lemma I: every count the fast inertia test proves is checked exactly
# ---------------------------------------------------------------------------
def exact_count_below(X, s) -> int:
    """#{eigenvalues of the rational symmetric X below s}: Sylvester's law with an exact
    LDL^T (symmetric Gaussian elimination); None if a pivot is 0."""
    n = len(X)
    A = [[X[i][j] - (s if i == j else 0) for j in range(n)] for i in range(n)]
    negative = 0
    for p in range(n):
        pivot = A[p][p]
        if pivot == 0:
            return None
        negative += pivot < 0
        for i in range(p + 1, n):
            factor = A[i][p] / pivot
            for j in range(p + 1, n):
                A[i][j] -= factor * A[p][j]
    return negative


def test_fast_inertia_counts_are_exact_on_random_interval_matrices():
    rng = np.random.default_rng(5)
    proved = 0
    for trial in range(60):
        N = int(rng.integers(2, 7))
        Q, _ = np.linalg.qr(rng.standard_normal((N, N)))
        lam = rng.choice([-1, 1], N) * rng.uniform(0.01, 2, N)
        M = Q @ np.diag(lam) @ Q.T
        M = np.triu(M) + np.triu(M, 1).T
        R = np.full((N, N), float(rng.choice([1e-14, 1e-6, 3e-3, 0.1])))
        mu = arb(float(rng.choice([1e-3, 5e-3, 0.02, 0.5])))
        counts = fastfloat.eigenvalue_counts(fastfloat.Enc(M, R), mu)
        if counts is None:
            continue
        proved += 1
        mu_q = Fraction(float(mu.mid()))
        for _ in range(4):                          # members: random corners, made symmetric
            signs = rng.choice([-1, 1], (N, N))
            signs = np.triu(signs) + np.triu(signs, 1).T
            X = [[Fraction(M[i, j]) + signs[i, j] * Fraction(R[i, j]) for j in range(N)] for i in range(N)]
            for s, claimed in zip((mu_q, -mu_q), counts):
                exact = exact_count_below(X, s)
                assert exact is None or exact == claimed, (trial, counts)
    assert proved >= 20


# ---------------------------------------------------------------------------
# the arb Hessian (ballarray.Balls) against the float one and the pair-by-pair oracle
# ---------------------------------------------------------------------------
def reference_hessian(W, V):
    """tests/oracle/balls.py (written pair by pair from docs/mathematics.md); it
    still imports NotSmooth from the kernel module's former place."""
    import importlib
    import types
    from certify.kernel import pair
    sys.modules.setdefault("certify.kernel.geometry", types.SimpleNamespace(NotSmooth=pair.NotSmooth))
    return importlib.import_module("oracle.balls").hessian(W, V)


@pytest.mark.parametrize("path", [K6, SADDLE, MINIMUM_N8], ids=lambda p: p.name)
def test_arb_hessian_overlaps_the_float_one_and_the_oracle(path):
    from flint import ctx

    from certify.kernel.ballarray import Balls
    from certify.kernel.dense.hessian import hessian_enclosure
    from certify.kernel.dense.method import _balls
    _, statement = methods.read(decode(path.read_bytes()))
    with ctx.workprec(statement.header.prec):
        W, _, _, V = _balls(statement)
        geo = geometry.Geometry(W, V)
        oracle = reference_hessian(W, V)
    with ctx.workprec(53):
        A = hessian_enclosure(geo, Balls).to_arb_mat()
        E = hessian_enclosure(geo)
    N = A.nrows()
    for i in range(N):
        for j in range(N):
            x = A[i, j]
            assert x.overlaps(oracle[i, j]), (i, j)
            assert x.overlaps(arb(float(E.mid[i, j]), float(E.rad[i, j]))), (i, j)
            assert x.rad() < 1e-12                # tight: 53-bit balls on a box of radius 2^-100


# ---------------------------------------------------------------------------
# families and transitions: the estimate per piece, the run-time backstop
# ---------------------------------------------------------------------------
FAMILY_SMALL = ROOT / "tests" / "data" / "families" / "family_q1_k6-6.6.json"
TRANSITIONS = sorted((CERTS / "families").glob("*.json"))


def test_family_estimates_grow_with_order_splits_precision_and_pieces():
    base = estimate(FAMILY_SMALL.read_bytes()).mandatory(True).seconds

    def with_pieces(change):
        def apply(obj):
            for piece in obj["pieces"]:
                change(piece)
        return apply
    def pad_order(piece):
        piece["order"] += 10
        piece["centre"] = [row + ["0"] * 10 for row in piece["centre"]]
    for data, factor in [(mutated(FAMILY_SMALL, with_pieces(pad_order)), 1.5),
                         (mutated(FAMILY_SMALL, lambda o: o.update(prec=2048)), 4),
                         (mutated(FAMILY_SMALL, with_pieces(lambda p: p.update(splits=256))), 1)]:
        assert estimate(data).mandatory(True).seconds > factor * base
    for path in TRANSITIONS:             # the committed transitions stay within the default budget
        assert DEFAULT_BUDGET.fits(estimate(path.read_bytes()).mandatory(True)), path.name


def test_a_family_run_past_three_times_the_budget_stops_too_costly(monkeypatch):
    """Plan.overrun: with the estimate forced to 0 and a budget of 1 ms, the proof stops
    between pieces as too costly (never accepted, never refused)."""
    from certify.kernel.cost import Cost, Estimate
    from certify.kernel.family import method as family, transition
    monkeypatch.setattr(family, "cost", lambda st: Estimate(Cost(0, 0), Cost(), Cost()))
    monkeypatch.setattr(transition, "cost", lambda st: Estimate(Cost(0, 0), Cost(), Cost()))
    for path in [FAMILY_SMALL] + TRANSITIONS[:1]:
        verdict = verify_bytes(path.read_bytes(), budget=Budget(0.001, None))
        assert verdict.status == "too costly", (path.name, verdict.status)
        assert "times the time limit" in verdict.too_costly
    assert verify_bytes(FAMILY_SMALL.read_bytes()).status == "accepted"
