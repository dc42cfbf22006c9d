"""Families in real k (docs/families.md): the real-k formulas, the Taylor-model enclosures and
the verifier of the methods `family` and `transition`, mostly through FALSE claims.

Independent references: the dense numpy objective (certify/producer/objective.py, all k^2
coordinates) at integer k, the integer-size reduced formulas, central finite differences in
s = k^-1/2, sympy for the pair function, point evaluations inside the Taylor-model boxes.
"""
from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb, arb_series, ctx

from certify.producer import objective
from certify.kernel import dyadic, methods
from certify.kernel.family import method as kfamily
from certify.kernel.family import structure
from certify.kernel.format import canonical_bytes
from certify.kernel.reduced import blocks as B
from certify.kernel.reduced.series import SJet, coefficient, constant, length_at_least
from certify.kernel.verify import verify_bytes
from certify.producer import branch

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "families"
FAMILY_Q1 = DATA / "family_q1_k6-6.6.json"
FAMILY_Q2 = DATA / "family_q2_k8-8.5.json"
TRANSITION_Q1 = ROOT / "certificates" / "families" / "transition_S1xSk-1.json"


def load(path):
    return json.loads(Path(path).read_bytes())


def verify(obj):
    return verify_bytes(canonical_bytes(obj))


def mid(A) -> np.ndarray:
    return np.array([[float(A[i, j].mid()) for j in range(A.ncols())] for i in range(A.nrows())])


def exact(text) -> Fraction:
    m, e = dyadic.parse(text)
    return Fraction(m) * Fraction(2) ** e


def dyadic_text(x: Fraction) -> str:
    from certify.producer.exact import format_dyadic
    e = x.denominator.bit_length() - 1
    assert x.denominator == 1 << e
    return format_dyadic(x.numerator, -e)


def embed(blocks, theta, zeta=None) -> np.ndarray:
    """The dense k x k (or k x (k+1)) matrix W(theta) of a block ansatz, written independently of
    the kernel's parameter conventions except the orbit order."""
    names = B.parameter_names(blocks)
    starts = np.cumsum([0] + list(blocks))
    k = int(starts[-1])
    W = np.zeros((k, k + (zeta is not None)))
    for (kind, a, b), x in zip(names, theta):
        A, Bs = slice(starts[a], starts[a + 1]), slice(starts[b], starts[b + 1])
        if kind == "alpha":
            W[A, A] += x * np.eye(blocks[a])
        elif kind == "beta":
            W[A, A] += x * (1 - np.eye(blocks[a]))
        else:
            W[A, Bs] = x
    if zeta is not None:
        for a in range(len(blocks)):
            W[starts[a]:starts[a + 1], k] = zeta[a]
    return W


def random_theta(blocks, seed):
    names = B.parameter_names(blocks)
    rng = np.random.default_rng(seed)
    return rng.normal(size=len(names)) * 0.3 + np.array([1.0 if n[0] == "alpha" else 0.0 for n in names])


def same_set(a, b, tol):
    a, b = np.asarray(a), np.asarray(b)
    return max(np.min(np.abs(b - x)) for x in a) < tol and max(np.min(np.abs(a - x)) for x in b) < tol


# ---------------------------------------------------------------------------
# formulas: real sizes against integer sizes and the dense objective
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("q,k", [(1, 6), (1, 9), (2, 8), (2, 11)])
def test_real_size_formulas_equal_integer_ones(q, k):
    theta = random_theta([q, k - q], k)
    with ctx.workprec(128):
        integer = B.block_loss([q, k - q], B.jets([q, k - q], [arb(x) for x in theta]))
        real = B.block_loss([q, arb(k) - q], B.jets([q, arb(k) - q], [arb(x) for x in theta]))
    assert abs(float((integer.v - real.v).mid())) < 1e-25
    assert np.max(np.abs(mid(integer.g) - mid(real.g))) < 1e-25
    assert np.max(np.abs(mid(integer.h) - mid(real.h))) < 1e-25


@pytest.mark.parametrize("blocks", [(1, 5), (2, 6), (1, 1, 1, 3), (2, 1, 4), (1, 1, 2, 4)], ids=str)
def test_loss_gradient_and_extra_coordinate_match_dense(blocks):
    k = sum(blocks)
    theta = random_theta(blocks, 7 * k)
    zeta = np.random.default_rng(k).normal(size=len(blocks)) * 0.3
    names = B.parameter_names(blocks)
    with ctx.workprec(128):
        jet = B.block_loss(list(blocks), B.jets(list(blocks), [arb(x) for x in theta]))
        with_extra = B.block_loss(list(blocks), dict(zip(names, [arb(x) for x in theta])),
                                  zeta=[arb(z) for z in zeta])
    W = embed(blocks, theta)
    E = np.array([embed(blocks, row) for row in np.eye(len(names))])
    assert abs(float(jet.v.mid()) - objective.loss(W, np.eye(k))) < 1e-12
    grad = np.einsum("oij,ij->o", E, objective.gradient(W, np.eye(k)))
    assert np.max(np.abs(mid(jet.g)[:, 0] - grad)) < 1e-11
    assert abs(float(with_extra.mid()) - objective.loss(embed(blocks, theta, zeta), np.eye(k, k + 1))) < 1e-12


def normalised_block_spectra(q, k, theta) -> list:
    mats = branch.block_matrices(q, k, theta)
    return [np.linalg.eigvalsh(M) for name, M in mats.items() if name != "extra"], mats["extra"]


@pytest.mark.parametrize("q,k", [(1, 6), (1, 7), (2, 8)])
def test_block_spectra_are_the_dense_hessian_spectrum(q, k):
    """At integer k, the union of the isotypic block spectra is the spectrum of the dense
    k^2 x k^2 Hessian, and the extra block's spectrum is that of the dense d > k matrix M."""
    theta = random_theta([q, k - q], 3 * k + q)
    spectra, extra = normalised_block_spectra(q, float(k), theta)
    W = embed((q, k - q), theta)
    dense = np.linalg.eigvalsh(objective.hessian(W, np.eye(k)))
    assert same_set(np.concatenate(spectra), dense, 1e-8)
    M = objective.extra_dimension_block(W, np.eye(k))
    assert same_set(np.linalg.eigvalsh(extra), np.linalg.eigvalsh(M), 1e-8)


@pytest.mark.parametrize("q,k", [(1, 8), (1, 7.5), (2, 9), (2, 8.3)])
def test_block_spectra_are_the_full_spectrum(q, k):
    """The blocks against the full reduced Hessian of docs/symmetric.md (17 x 17 for q = 1,
    26 x 26 for q = 2), at integer k and - the remark of docs/families.md section 4 - at
    non-integer k."""
    theta = random_theta([q, 10], 11 * q)
    spectra, _ = normalised_block_spectra(q, k, theta)
    with ctx.workprec(96):
        full = np.linalg.eigvalsh(mid(B.reduced_hessian(structure.sizes(q, arb(k)), [arb(x) for x in theta])))
    assert same_set(np.concatenate(spectra), full, 1e-9)


def test_block_vectors_are_polynomials_that_count_dimensions():
    """Multiplicities: 5 + 5 + 2 directions for q = 1, 6 + 5 + 4 + 2 + 2 for q = 2, matching
    the K-fixed dimensions 5 + 2*5 + 1 + 1 = 17 and 6 + 4 + 2*5 + 2*2 + 1 + 1 = 26."""
    p = 9
    assert [len(b.vectors(p)) for b in structure.blocks(1)] == [5, 2]
    assert [len(b.vectors(p)) for b in structure.blocks(2)] == [5, 4, 2, 2]
    assert len(B.parameter_names(B.refine([1, p])[0])) == 5 + 2 * 5 + 1 + 1
    assert len(B.parameter_names(B.refine([2, p])[0])) == 6 + 4 + 2 * 5 + 2 * 2 + 1 + 1


def test_series_coefficients_match_finite_differences_in_s():
    """d/ds and d^2/ds^2 of the gradient and Hessian of phi along a curve theta(s), from the
    series jets, against central differences of the point jets."""
    q, s0 = 1, 0.39
    theta0 = random_theta([1, 8], 5)
    slope = np.random.default_rng(2).normal(size=5) * 0.2
    with ctx.workprec(128), length_at_least(4):
        t = arb_series([arb(0), arb(1)], prec=4)
        s = constant(arb(s0), 4) + t
        k = 1 / (s * s)
        x = {n: SJet.variable(constant(arb(theta0[i]), 4) + t * arb(slope[i]), i)
             for i, n in enumerate(B.parameter_names([1, 8]))}
        out = B.block_loss(structure.sizes(q, k), x)
        H = out.hessian(5)
        g = out.gradient(5)

        def at(dt):
            kk = arb(1 / (s0 + dt) ** 2)
            return B.block_loss(structure.sizes(q, kk), B.jets(structure.sizes(q, kk),
                                                                [arb(theta0[i] + slope[i] * dt) for i in range(5)]))
        h = 1e-5
        plus, minus, zero = at(h), at(-h), at(0.0)
    d1 = (mid(plus.h) - mid(minus.h)) / (2 * h)
    d2 = (mid(plus.h) + mid(minus.h) - 2 * mid(zero.h)) / h ** 2
    series_d1 = np.array([[float(coefficient(H[i][j], 1).mid()) for j in range(5)] for i in range(5)])
    series_d2 = np.array([[2 * float(coefficient(H[i][j], 2).mid()) for j in range(5)] for i in range(5)])
    assert np.max(np.abs(series_d1 - d1)) < 1e-7 * np.max(np.abs(d1))
    assert np.max(np.abs(series_d2 - d2)) < 1e-3 * np.max(np.abs(d2))
    dg = (mid(plus.g) - mid(minus.g))[:, 0] / (2 * h)
    assert np.max(np.abs(np.array([float(coefficient(x, 1).mid()) for x in g]) - dg)) < 1e-7 * np.max(np.abs(dg))


def test_pair_function_derivatives_agree_with_sympy():
    sympy = pytest.importorskip("sympy")
    P, q = sympy.symbols("P q", positive=True)
    f = (sympy.sqrt(P - q ** 2) + (sympy.pi - sympy.acos(q / sympy.sqrt(P))) * q) / (2 * sympy.pi)
    exact_values = [f, f.diff(P), f.diff(q), f.diff(P, 2), f.diff(P, q), f.diff(q, 2)]
    for Pv, qv in [(2.3, 0.7), (1.1, -0.9), (0.5, 0.02)]:
        with ctx.workprec(128):
            got = B.f_derivatives(arb(Pv), arb(qv), arb(Pv) - arb(qv) ** 2)
        for g, e in zip(got, exact_values):
            assert abs(float(g.mid()) - float(e.subs({P: Pv, q: qv}))) < 1e-13


def test_truncated_series_are_never_read_as_zero():
    """python-flint truncates series to ctx.cap terms: a coefficient beyond the known length is
    refused (a silently zero Lagrange remainder would be unsound)."""
    s = arb_series([arb(1), arb(1)], prec=20)
    short = s * s                                   # truncated to ctx.cap (10) terms
    assert short.prec <= 10
    with pytest.raises(ArithmeticError):
        coefficient(short, 12)
    with length_at_least(20):
        assert coefficient(s * s, 12) == 0 and (s * s).prec == 20


def test_taylor_models_enclose_point_values():
    """Random (u, t) of the first piece of a certificate: the gradient and Hessian of phi at
    theta = c(t) + w u, computed with point jets, lie in the model enclosures on the
    sub-interval containing t."""
    st = methods.read(load(FAMILY_Q1))[1]
    piece = st.pieces[0]
    rng = np.random.default_rng(0)
    with ctx.workprec(st.header.prec):
        with length_at_least(piece.order + 2):
            models = kfamily.piece_models(st.q, piece)
        s_mid, h, subs = piece.balls()
        hf = float(h.mid())
        centre = [[exact(c) for c in row] for row in piece.centre]
        w = [exact(x) for x in piece.radius]
        for _ in range(6):
            j = int(rng.integers(len(subs)))
            lo = -hf + 2 * hf * j / len(subs)
            t = Fraction(lo + rng.random() * 2 * hf / len(subs))
            u = [Fraction(float(x)) for x in rng.uniform(-1, 1, size=5)]
            theta = [sum(c * t ** n for n, c in enumerate(row)) + wi * ui for row, wi, ui in zip(centre, w, u)]
            s = (exact(piece.s_lo) + exact(piece.s_hi)) / 2 + t
            kk = arb((1 / (s * s)).numerator) / (1 / (s * s)).denominator
            sizes = structure.sizes(st.q, kk)
            jet = B.block_loss(sizes, B.jets(sizes, [arb(x.numerator) / x.denominator for x in theta]))
            Tj = subs[j]
            J = models["hessian"].enclose(Tj)
            for a in range(5):
                for b in range(5):
                    assert J[a, b].contains(jet.h[a, b] * dyadic.to_arb(piece.radius[a]) * dyadic.to_arb(piece.radius[b]))
            if all(x == 0 for x in u):
                continue
            g0 = B.block_loss(sizes, B.jets(sizes, [arb(v.numerator) / v.denominator for v in (sum(c * t ** n for n, c in enumerate(row)) for row in centre)]))
            y = models["gradient"].enclose(Tj)
            for a in range(5):
                assert y[a, 0].contains(g0.g[a, 0] * dyadic.to_arb(piece.radius[a]))


def test_kink_lemma_on_certified_points():
    """F > 0 where the smoothness check holds: at the certified branch, no neuron is parallel to a
    teacher vector and the dense loss is positive."""
    for q, k in [(1, 6), (2, 8)]:
        theta = branch.newton(q, float(k), branch.minimum(q, float(k), starts=12))
        W = embed((q, k - q), theta)
        cos = (W / np.linalg.norm(W, axis=1, keepdims=True))
        assert np.max(np.abs(cos)) < 1 - 1e-6
        assert objective.loss(W, np.eye(k)) > 1e-3


# ---------------------------------------------------------------------------
# the verifier: true certificates accepted, false ones refused
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def family_q1():
    return load(FAMILY_Q1)


def test_small_family_certificates_are_accepted(family_q1):
    for obj in (family_q1, load(FAMILY_Q2)):
        verdict = verify(obj)
        assert verdict.accepted, verdict.first_failure()
        assert [r.claim for r in verdict.results] == ["smooth", "critical", "hessian", "extra_dims", "chain"]


def test_family_certificates_pass_the_schema(family_q1):
    jsonschema = pytest.importorskip("jsonschema")
    from certify.schema import load_schema
    validator = jsonschema.Draft202012Validator(load_schema(1))
    for obj in (family_q1, load(FAMILY_Q2), load(TRANSITION_Q1)):
        assert not list(validator.iter_errors(obj))
    bad = copy.deepcopy(family_q1)
    bad["tail"] = {"s": ["0", "1*2^-20"]}
    assert list(validator.iter_errors(bad))


def _gap(obj):
    # move the start of piece 1 up: its s_hi no longer equals piece 0's s_lo
    obj["pieces"][1]["s"][1] = dyadic_text(exact(obj["pieces"][1]["s"][1]) - Fraction(1, 2 ** 40))


def _overlap(obj):
    obj["pieces"][1]["s"][1] = dyadic_text(exact(obj["pieces"][1]["s"][1]) + Fraction(1, 2 ** 40))


def _empty_interval(obj):
    obj["pieces"][0]["s"][0] = obj["pieces"][0]["s"][1]


def _below_start(obj):
    obj["pieces"][0]["s"][1] = dyadic_text(Fraction(1, 2))          # k = 4 = q + 3


def _no_pieces(obj):
    obj["pieces"] = []


def _tail_chart(obj):
    obj["tail"] = {"s": ["0", obj["pieces"][-1]["s"][0]], "scaling": [0, 1, 1, 0, 2]}


def _wrong_blocks(obj):
    obj["blocks"] = [1, "k-2"]


def _finite_d_max(obj):
    obj["d_max"] = 7


def _short_centre_row(obj):
    obj["pieces"][0]["centre"][0] = obj["pieces"][0]["centre"][0][:-1]


def _zero_radius(obj):
    obj["pieces"][0]["radius"][2] = "0"


@pytest.mark.parametrize("mutate", [_gap, _overlap, _empty_interval, _below_start, _no_pieces, _tail_chart,
                                    _wrong_blocks, _finite_d_max, _short_centre_row, _zero_radius],
                         ids=lambda f: f.__name__[1:])
def test_malformed_family_is_refused(family_q1, mutate):
    obj = copy.deepcopy(family_q1)
    mutate(obj)
    verdict = verify(obj)
    assert not verdict.accepted and verdict.unreadable, verdict.results


def test_shifted_centre_is_refused(family_q1):
    """The box of piece 0 moved by 100 radii in alpha_1: it no longer contains the zero."""
    obj = copy.deepcopy(family_q1)
    piece = obj["pieces"][0]
    piece["centre"][3][0] = dyadic_text(exact(piece["centre"][3][0]) + 100 * exact(piece["radius"][3]))
    verdict = verify(obj)
    assert not verdict.accepted
    assert not {r.claim: r.proved for r in verdict.results}.get("critical", False)


def test_inflated_radius_is_refused(family_q1):
    """Radii 10^6 times larger: the box reaches degenerate or non-unique territory."""
    obj = copy.deepcopy(family_q1)
    obj["pieces"][0]["radius"] = [dyadic_text(exact(w) * 2 ** 20) for w in obj["pieces"][0]["radius"]]
    assert not verify(obj).accepted


def test_junction_that_does_not_nest_is_refused(family_q1):
    """The first radius of piece 1 enlarged (and that of piece 0 kept): the boxes at the junction
    are then not nested in the same direction for every coordinate."""
    obj = copy.deepcopy(family_q1)
    w0 = [exact(w) for w in obj["pieces"][0]["radius"]]
    w1 = [exact(w) for w in obj["pieces"][1]["radius"]]
    big = max(w0[0], w1[0]) * 4
    obj["pieces"][1]["radius"][0] = dyadic_text(big)
    obj["pieces"][1]["radius"][1] = dyadic_text(min(w0[1], w1[1]) / 4)
    verdict = verify(obj)
    assert not verdict.accepted
    chain = {r.claim: r for r in verdict.results}.get("chain")
    assert chain is None or not chain.proved


def test_family_claimed_as_minimum_below_k_star_is_refused():
    """The first (saddle) piece of the transition certificate, k in [5, 5.175] < k*, stated as a
    family of minima: the std block is not positive definite there."""
    tr = load(TRANSITION_Q1)
    obj = {key: tr[key] for key in ("format", "version", "blocks", "teacher", "d_max", "prec", "software")}
    obj.update(kind="family", method="family", tail=None,
               pieces=[{key: v for key, v in tr["pieces"][0].items() if key != "std"}])
    verdict = verify(obj)
    assert not verdict.accepted
    hessian = {r.claim: r for r in verdict.results}["hessian"]
    assert not hessian.proved and "std_big" in hessian.detail


def test_verifier_never_raises_on_mutated_family_bytes(family_q1):
    data = canonical_bytes(family_q1)
    rng = np.random.default_rng(1)
    for _ in range(12):
        mutated = bytearray(data)
        for _ in range(3):
            mutated[int(rng.integers(len(mutated)))] = int(rng.integers(32, 127))
        verdict = verify_bytes(bytes(mutated))
        assert verdict.error is not None or not verdict.accepted or bytes(mutated) == data


# ---------------------------------------------------------------------------
# transitions
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def transition_q1():
    return load(TRANSITION_Q1)


def test_transition_certificate_is_accepted_and_k_star_is_narrow(transition_q1):
    verdict = verify(transition_q1)
    assert verdict.accepted, verdict.first_failure()
    st = methods.read(transition_q1)[1]
    lo, hi = st.k_star
    assert hi - lo <= Fraction(1, 10 ** 20)
    assert 5 < lo < hi < 6                      # the float landmarks: saddle at 5, minimum at 6


def _shift_star(obj, amount):
    obj["crossing"]["s"] = [dyadic_text(exact(x) + amount) for x in obj["crossing"]["s"]]


def test_k_star_interval_shifted_by_1e_6_is_refused(transition_q1):
    obj = copy.deepcopy(transition_q1)
    _shift_star(obj, Fraction(1, 2 ** 20))             # about 1e-6 in s
    verdict = verify(obj)
    assert not verdict.accepted
    assert not {r.claim: r.proved for r in verdict.results}["std_index"]


def test_saddle_piece_relabelled_as_minimum_is_refused(transition_q1):
    obj = copy.deepcopy(transition_q1)
    for piece in obj["pieces"]:
        if piece["std"] == "negative":
            piece["std"] = "positive"
    verdict = verify(obj)        # the order rule fails first (positive before the crossing)
    assert not verdict.accepted


def test_misordered_or_missing_crossing_is_malformed(transition_q1):
    for edit in ("no_crossing", "two_crossings", "star_outside"):
        obj = copy.deepcopy(transition_q1)
        states = [p["std"] for p in obj["pieces"]]
        c = states.index("crossing")
        if edit == "no_crossing":
            obj["pieces"][c]["std"] = "positive"
        elif edit == "two_crossings":
            obj["pieces"][c + 1]["std"] = "crossing"
        else:
            obj["crossing"]["s"][1] = obj["pieces"][c]["s"][1]
        assert verify(obj).unreadable


def test_transition_margin_too_large_is_refused(transition_q1):
    """A margin mu above the second eigenvalue of the std block: 'exactly one eigenvalue in
    (-mu, mu)' fails."""
    obj = copy.deepcopy(transition_q1)
    obj["crossing"]["margin"] = "1"
    verdict = verify(obj)
    assert not verdict.accepted and not {r.claim: r.proved for r in verdict.results}["std_index"]


# ---------------------------------------------------------------------------
# the commands `family` and `transition`
# ---------------------------------------------------------------------------
def certify_main(argv):
    """The exit code of `certify ARGV` run in this process (argparse exits on bad usage)."""
    from certify.cli import main
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def run_family(argv):
    return certify_main(["family", *argv])

@pytest.mark.parametrize("argv", [["--blocks", "3,k-3"], ["--blocks", "1,k-2"], ["--k", "6..inf"],
                                  ["--k", "4..9"], ["--k", "9..7"], ["--k", "six"], ["--prec", "20"],
                                  ["--bogus"]])
def test_family_command_refuses_bad_input(argv, capsys):
    assert run_family(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "Traceback" not in "\n".join(err)


@pytest.mark.parametrize("argv", [["--blocks", "x"], ["--k", "3..4"], ["--k", "6..5"]])
def test_transition_command_refuses_bad_input(argv, capsys):
    assert certify_main(["transition", *argv]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_family_command_writes_an_accepted_certificate(tmp_path, capsys):
    assert run_family(["--k", "6..6.2", "--out", str(tmp_path)]) == 0
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1 and verify_bytes(files[0].read_bytes()).accepted
    assert "certified" in capsys.readouterr().out
    # a second run writes the same bytes (deterministic), a different file is not replaced
    assert run_family(["--k", "6..6.2", "--out", str(tmp_path)]) == 0
    assert "(unchanged)" in capsys.readouterr().out
    files[0].write_bytes(b"{}")           # not a certificate: refused before any work, not replaced
    assert run_family(["--k", "6..6.2", "--out", str(tmp_path)]) == 2
    assert files[0].read_bytes() == b"{}"


# ---------------------------------------------------------------------------
# the committed certificates (transitions: certificates/families/; the families, too
# costly for the default verification limits: docs/families/)
# ---------------------------------------------------------------------------
COMMITTED = ROOT / "certificates" / "families"
FAMILIES = ROOT / "docs" / "families"


def test_committed_transitions_are_accepted_and_narrow():
    paths = sorted(COMMITTED.glob("transition_*.json"))
    assert {p.name for p in paths} >= {"transition_S1xSk-1.json", "transition_S2xSk-2.json"}
    expected = {1: (5, 6), 2: (7, 8)}
    for path in paths:
        data = path.read_bytes()
        verdict = verify_bytes(data)
        assert verdict.accepted, (path, verdict.first_failure())
        st = methods.read(json.loads(data))[1]
        lo, hi = st.k_star
        assert hi - lo <= Fraction(1, 10 ** 20)
        a, b = expected[st.q]
        k_first, k_last = st.k_range
        assert a < lo < hi < b
        assert k_first <= a < k_first + Fraction(1, 10 ** 6) and k_last - Fraction(1, 10 ** 6) < b <= k_last


@pytest.mark.slow
def test_committed_families_are_accepted():
    from certify.kernel.cost import UNLIMITED
    paths = sorted(FAMILIES.glob("family_*.json"))
    assert paths
    for path in paths:
        verdict = verify_bytes(path.read_bytes(), budget=UNLIMITED)
        assert verdict.accepted, (path, verdict.first_failure())


def test_committed_families_cover_their_ranges_without_gaps():
    """Structure only (fast): the reader accepts them and the ranges start at the first integer
    minimum of each family (6 for q = 1, 8 for q = 2)."""
    paths = sorted(FAMILIES.glob("family_*.json"))
    assert len(paths) == 2
    for path in paths:
        st = methods.read(load(path))[1]
        lo, hi = st.k_range
        assert lo == {1: 6, 2: 8}[st.q] or lo < {1: 6, 2: 8}[st.q] < lo + Fraction(1, 10 ** 6)
        assert hi >= 10 ** 6
