"""The independent checker (certify/independent/): docs/independent-checker.md.

1. import rule: nothing from certify.kernel, python-flint or the rest of certify
   (source scan and a fresh interpreter's sys.modules);
2. the committed certificates are accepted, with the kernel's claim names;
3. FALSE statements are refused (most of this file): claims just beyond the truth
   (true values computed independently: mpmath closed forms in tests/helpers.py,
   numpy Hessians of certify/objective.py), saddles declared minima and the
   reverse, wrong Morse indices, shifted centres, radius 0 / huge, relabelled k,
   the global minimum, M not positive definite, malformed bytes and fields;
4. formulas against independent computations (finite differences of the
   checker's own loss and gradient, numpy Hessians, dense spectra vs reduced);
5. the matrix lemmas on matrices whose answer is known, both ways.
"""
from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from certify.producer import objective, pipelines
from certify.independent import dense, exact, intervals, reader, spectral, verify_bytes, verify_file
from certify.independent import symmetric as isym
from certify.independent.pairs import pair
from certify.kernel.verify import verify_bytes as kernel_verify
from helpers import CERT_DIR, K6, ROOT, encode, load, put_path
from oracle.formulas import mp_gradient, mp_loss
from oracle.numbers import dyadic, frac, to_float_matrix

PACKAGE = ROOT / "certify" / "independent"
SYM_DIR = CERT_DIR / "symmetric"
POINT_DATA = ROOT / "tests" / "data" / "point"
SLOW = pytest.mark.slow
# mutations per agreement test below (saddle, symmetric); CERTIFY_FUZZ=N runs N / 10
AGREEMENT_RUNS = max(30, int(os.environ.get("CERTIFY_FUZZ", "0")) // 10)


def check(obj):
    return verify_bytes(encode(obj))


def refused(obj) -> set:
    """Names of the refused claims, or {'error'} / {'unreadable'} for a statement that is not one."""
    verdict = check(obj)
    if verdict.unreadable:
        return {"unreadable"}
    if verdict.error:
        return {"error"}
    return {r.claim for r in verdict.results if not r.proved}


@pytest.fixture(scope="module")
def k6():
    return load(K6)


@pytest.fixture(scope="module")
def saddle():
    """A saddle certificate (n = k = d = 4, Morse index 2), produced by `certify point`."""
    obj = json.loads((POINT_DATA / "saddle_k4_n4.json").read_text())
    W = np.array(obj["W"], dtype=float)
    return pipelines.certify_candidate(W, objective.identity_teacher(obj["k"], W.shape[1]), 128).obj


@pytest.fixture(scope="module")
def sym8():
    return pipelines.certify_family_member(8, 128, "symmetric").obj


def edited(obj, path, value):
    out = copy.deepcopy(obj)
    put_path(out, path, value)
    return out


# ---------------------------------------------------------------------------
# 1. import rule
# ---------------------------------------------------------------------------
def imports_of(path) -> list[tuple[str, int]]:
    """(absolute module, line) of every import in a file of certify/independent, relative
    imports resolved; dynamic imports are listed as '<dynamic ...>'."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = "certify.independent".split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            out.append((module, node.lineno))
            out += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("__import__", "importlib.import_module", "import_module", "exec", "eval"):
                out.append((f"<dynamic {name}>", node.lineno))
    return out


def forbidden(module: str) -> bool:
    top = module.split(".")[0]
    if module.startswith("<dynamic") or top == "flint":
        return True
    return top == "certify" and not (module == "certify.independent" or module.startswith("certify.independent."))


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_source_imports_nothing_of_the_kernel_flint_or_the_producer(path):
    allowed_third_party = {"mpmath", "numpy"}
    for module, line in imports_of(path):
        where = f"{path.name}:{line} imports {module}"
        assert not forbidden(module), where
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names or top in allowed_third_party or top in ("certify", "__future__"), where


def test_import_scan_would_catch_forbidden_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..kernel import prove\nimport flint\nfrom certify import objective\n"
                   "def f():\n    from certify.kernel.verify import verify_bytes\n    return __import__('x')\n")
    found = [m for m, _ in imports_of(bad) if forbidden(m)]
    assert {"certify.kernel", "flint", "certify.objective", "certify.kernel.verify"} <= set(found)
    assert any(m.startswith("<dynamic") for m in found)


_RUNTIME = r"""
import json, sys
from certify.independent import verify_bytes
accepted = [verify_bytes(open(p, "rb").read()).accepted for p in sys.argv[1:]]
print(json.dumps({"accepted": accepted, "modules": sorted(sys.modules)}))
"""


def test_verifying_loads_no_kernel_flint_or_producer_module():
    paths = [K6, sorted(SYM_DIR.glob("*.json"))[0]]
    proc = subprocess.run([sys.executable, "-c", _RUNTIME, *map(str, paths)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["accepted"] == [True, True]
    # "certify" itself (certify/__init__.py, kept inert by test_import_graph) is the only
    # other certify module allowed
    bad = [m for m in result["modules"] if m != "certify" and (forbidden(m) or m.startswith("flint"))]
    assert bad == [], bad
    assert "certify.independent.dense" in result["modules"]


# ---------------------------------------------------------------------------
# 2. committed certificates
# ---------------------------------------------------------------------------
def _dense_paths():
    out = []
    for path in sorted(CERT_DIR.glob("*.json"), key=lambda p: int(p.name.split("_")[0][1:])):
        k = int(path.name.split("_")[0][1:])
        out.append(path if k <= 10 else pytest.param(path, marks=SLOW))
    return out


@pytest.mark.parametrize("path", _dense_paths() + sorted(SYM_DIR.glob("*.json")), ids=lambda p: p.name)
def test_committed_certificate_is_accepted_with_the_kernels_claim_names(path):
    data = path.read_bytes()
    verdict = verify_bytes(data)
    assert verdict.accepted, verdict.first_failure()
    reference = kernel_verify(data)
    assert [r.claim for r in verdict.results] == [r.claim for r in reference.results]
    assert verdict.sha256 == reference.sha256


def test_saddle_is_accepted_with_its_index(saddle):
    verdict = check(saddle)
    assert verdict.accepted, verdict.first_failure()
    assert [r.claim for r in verdict.results] == ["smooth", "loss", "index", "extra_dims", "critical"]
    W, V = to_float_matrix(saddle["box"]["centre"]), to_float_matrix(saddle["teacher"])
    assert int(np.sum(np.linalg.eigvalsh(objective.hessian(W, V)) < 0)) == saddle["claims"]["morse_index"]


def test_verify_file_reads_the_file(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(K6.read_bytes())
    assert verify_file(path).accepted


# ---------------------------------------------------------------------------
# 3. false statements: dense local minimum
# ---------------------------------------------------------------------------
def true_loss(obj) -> mpmath.mpf:
    """F at the centre, 60 digits (tests/helpers.mp_loss, an independent mpmath implementation)."""
    return mp_loss([[frac(x) for x in r] for r in obj["box"]["centre"]], [[frac(x) for x in r] for r in obj["teacher"]])


def near(value, delta: float) -> str:
    """A dyadic string within 1e-30 of value + delta."""
    q = Fraction(mpmath.nstr(value, 45)) + Fraction(delta)
    return dyadic(Fraction(round(q * 2 ** 120), 2 ** 120))


def float_spectra(obj):
    W, V = to_float_matrix(obj["box"]["centre"]), to_float_matrix(obj["teacher"])
    return np.linalg.eigvalsh(objective.hessian(W, V)), np.linalg.eigvalsh(objective.extra_dimension_block(W, V))


def test_loss_bounds_just_beyond_the_true_loss_are_refused(k6):
    F = true_loss(k6)
    assert refused(edited(k6, ("claims", "loss_lower"), near(F, 1e-20))) == {"loss"}
    assert refused(edited(k6, ("claims", "loss_upper"), near(F, -1e-20))) == {"loss"}
    # the same distance on the right side is proved: the test can fail
    ok = edited(edited(k6, ("claims", "loss_lower"), near(F, -1e-20)), ("claims", "loss_upper"), near(F, 1e-20))
    assert check(ok).accepted


def test_hessian_claim_just_above_the_true_lambda_min_is_refused(k6):
    lam, lam_x = (s[0] for s in float_spectra(k6))
    assert refused(edited(k6, ("claims", "hessian_min_eig_lower"), dyadic(lam + 1e-6))) == {"hessian"}
    assert check(edited(k6, ("claims", "hessian_min_eig_lower"), dyadic(lam - 1e-6))).accepted
    assert refused(edited(k6, ("claims", "extra_min_eig_lower"), dyadic(lam_x + 1e-6))) == {"extra_dims"}
    assert check(edited(k6, ("claims", "extra_min_eig_lower"), dyadic(lam_x - 1e-6))).accepted


def test_nonpositive_claims_are_refused(k6):
    assert "loss" in refused(edited(k6, ("claims", "loss_lower"), "0"))
    assert "hessian" in refused(edited(k6, ("claims", "hessian_min_eig_lower"), "0"))
    assert "extra_dims" in refused(edited(k6, ("claims", "extra_min_eig_lower"), "-1*2^-10"))


def test_minimum_declared_saddle_is_refused(k6):
    obj = copy.deepcopy(k6)
    obj["kind"] = "saddle"
    claims = obj["claims"]
    claims["hessian_min_abs_eig_lower"] = claims.pop("hessian_min_eig_lower")
    for index in (1, 2, 35):
        claims["morse_index"] = index
        assert refused(obj) == {"index"}


def test_saddle_declared_minimum_or_with_a_wrong_index_is_refused(saddle):
    p = saddle["claims"]["morse_index"]
    for wrong in (p - 1, p + 1):
        assert refused(edited(saddle, ("claims", "morse_index"), wrong)) == {"index"}
    lam = float_spectra(saddle)[0]
    gap = float(np.min(np.abs(lam)))
    assert refused(edited(saddle, ("claims", "hessian_min_abs_eig_lower"), dyadic(gap + 1e-6))) == {"index"}
    as_minimum = copy.deepcopy(saddle)
    as_minimum["kind"] = "local_minimum"
    claims = as_minimum["claims"]
    claims["hessian_min_eig_lower"] = claims.pop("hessian_min_abs_eig_lower")
    del claims["morse_index"]
    assert refused(as_minimum) == {"hessian"}


def test_shifted_centre_is_refused_and_a_small_shift_is_not(k6):
    r = frac(k6["box"]["radius"])
    c = k6["box"]["centre"]
    for i, a in ((0, 0), (3, 5)):
        outside = edited(k6, ("box", "centre", i, a), dyadic(frac(c[i][a]) + 4 * r))
        assert refused(outside) == {"critical"}
        inside = edited(k6, ("box", "centre", i, a), dyadic(frac(c[i][a]) - r / 2))
        assert check(inside).accepted
    # every coordinate moved by 1e-20 (far outside the box of radius 2^-100)
    moved = edited(k6, ("box", "centre"), [[dyadic(frac(x) + Fraction(1e-20)) for x in row] for row in c])
    assert "critical" in refused(moved)


def test_radius_zero_negative_or_huge_is_refused(k6):
    assert refused(edited(k6, ("box", "radius"), "0")) == {"error"}
    assert refused(edited(k6, ("box", "radius"), "-1*2^-100")) == {"error"}
    for radius in ("1", "1*2^-4", "1*2^-20"):
        assert not check(edited(k6, ("box", "radius"), radius)).accepted, radius


def test_wrong_k_is_refused(k6):
    assert refused(edited(k6, ("k",), 5)) == {"error"}           # teacher shape
    assert refused(edited(k6, ("k",), 7)) == {"error"}
    grown = copy.deepcopy(k6)
    grown.update(k=7, n=7, d=7)
    grown["teacher"] = [row + ["0"] for row in grown["teacher"]] + [["0"] * 6 + ["1"]]
    centre = [row + ["0"] for row in grown["box"]["centre"]]
    # a seventh neuron equal to the new teacher row: parallel, not in the smooth set
    assert refused(edited(grown, ("box", "centre"), centre + [["0"] * 6 + ["1"]])) == {"smooth"}
    # a generic seventh neuron: no longer a critical point
    other = centre + [[dyadic(Fraction(s, 8)) for s in (1, -3, 1, 3, -1, 1, 3)]]
    assert "critical" in refused(edited(grown, ("box", "centre"), other))


def test_global_minimum_is_refused(k6):
    teacher = k6["teacher"]
    at_V = edited(k6, ("box", "centre"), [list(row) for row in reversed(teacher)])
    assert refused(at_V) == {"smooth"}
    nudged = [[dyadic(frac(x) + Fraction(1e-20) * (1 if (i + a) % 2 else -1)) for a, x in enumerate(row)]
              for i, row in enumerate(teacher)]
    assert "loss" in refused(edited(k6, ("box", "centre"), nudged)) or refused(
        edited(k6, ("box", "centre"), nudged)) == {"smooth"}


def test_extra_dims_refused_where_M_is_not_positive_definite(k6):
    centre = [list(row) for row in k6["box"]["centre"]]
    centre[0] = [dyadic(frac(x) / 8) for x in centre[0]]       # a small first neuron
    obj = edited(edited(k6, ("box", "centre"), centre), ("claims", "extra_min_eig_lower"), "1*2^-20")
    assert float_spectra(obj)[1][0] < -0.1                      # numpy: M has a negative eigenvalue
    assert "extra_dims" in refused(obj)


def test_scaled_problem_with_a_non_orthonormal_teacher_is_refused(k6):
    obj = copy.deepcopy(k6)
    obj["teacher"] = [[dyadic(2 * frac(x)) for x in row] for row in obj["teacher"]]
    assert refused(obj) == {"error"}


def test_symmetry_images_are_accepted(k6):
    """Permuted neurons and a signed coordinate permutation: the same theorem."""
    obj = copy.deepcopy(k6)
    perm, cols = [3, 1, 5, 0, 2, 4], [2, 0, 1, 5, 3, 4]

    def tx(row):
        return [row[a] if a % 2 else dyadic(-frac(row[a])) for a in cols]
    obj["box"]["centre"] = [tx(obj["box"]["centre"][i]) for i in perm]
    obj["teacher"] = [tx(row) for row in obj["teacher"]]
    assert check(obj).accepted


# ---------------------------------------------------------------------------
# 3b. false statements: symmetric
# ---------------------------------------------------------------------------
def embed(blocks, theta) -> np.ndarray:
    """W(theta) from the parameter order of docs/format.md (independent of the code)."""
    starts = np.cumsum([0] + list(blocks))
    k = int(starts[-1])
    W = np.zeros((k, k))
    values = iter(theta)
    for a in range(len(blocks)):
        for b in range(len(blocks)):
            A, B = slice(starts[a], starts[a + 1]), slice(starts[b], starts[b + 1])
            if a == b:
                W[A, A] += next(values) * np.eye(blocks[a])
                if blocks[a] >= 2:
                    W[A, A] += next(values) * (1 - np.eye(blocks[a]))
            else:
                W[A, B] = next(values)
    assert next(values, None) is None
    return W


def sym_spectra(obj):
    W = embed(obj["blocks"], [float(frac(x)) for x in obj["box"]["centre"]])
    V = np.eye(obj["k"])
    return np.linalg.eigvalsh(objective.hessian(W, V)), np.linalg.eigvalsh(objective.extra_dimension_block(W, V))


def test_symmetric_k8_is_accepted_and_false_variants_refused(sym8):
    assert check(sym8).accepted
    lam, lam_x = (s[0] for s in sym_spectra(sym8))
    assert refused(edited(sym8, ("claims", "hessian_min_eig_lower"), dyadic(lam + 1e-6))) == {"hessian"}
    assert check(edited(sym8, ("claims", "hessian_min_eig_lower"), dyadic(lam - 1e-6))).accepted
    assert refused(edited(sym8, ("claims", "extra_min_eig_lower"), dyadic(lam_x + 1e-6))) == {"extra_dims"}
    W = embed(sym8["blocks"], [float(frac(x)) for x in sym8["box"]["centre"]])
    F = objective.loss(W, np.eye(8))
    assert refused(edited(sym8, ("claims", "loss_lower"), dyadic(F + 1e-9))) == {"loss"}
    assert refused(edited(sym8, ("claims", "loss_upper"), dyadic(F - 1e-9))) == {"loss"}
    r = frac(sym8["box"]["radius"])
    c0 = frac(sym8["box"]["centre"][0])
    assert refused(edited(sym8, ("box", "centre", 0), dyadic(c0 + 4 * r))) == {"critical"}
    assert check(edited(sym8, ("box", "centre", 0), dyadic(c0 + r / 2))).accepted


def test_symmetric_relabelled_or_malformed_is_refused(sym8):
    relabelled = edited(edited(edited(edited(sym8, ("k",), 9), ("n",), 9), ("d",), 9), ("blocks",), [1, 8])
    assert not check(relabelled).accepted
    swapped = edited(sym8, ("blocks",), [7, 1])      # also 5 parameters, but another point
    assert refused(swapped) and refused(swapped) <= {"hessian", "critical", "loss", "extra_dims"}
    for path, value in ((("teacher",), [[1]]), (("blocks",), [1, 7, 0]), (("blocks",), [8, 0]), (("n",), 9),
                        (("kind",), "saddle"), (("blocks",), [1, 1, 1, 5]), (("box", "centre"), ["0"] * 4)):
        assert refused(edited(sym8, path, value)) == {"error"}, (path, value)
    global_min = edited(sym8, ("box", "centre"), ["1", "0", "0", "1", "0"])     # W = V
    assert refused(global_min) == {"smooth"}


def test_symmetric_minimum_of_phi_that_is_a_saddle_of_F_is_refused(monkeypatch):
    """symmetric.md section 4: the (3, 3) critical point is a minimum inside Fix(G) whose
    only negative direction lies in the sign representation of one S_3.  Refused for the
    'hessian' claim; with the refinement removed (K = G) the same bytes would be accepted,
    so the test can fail."""
    from test_symmetric_audit import FIXG_MIN_FULL_SADDLES, critical_statement
    start, negatives = FIXG_MIN_FULL_SADDLES[(3, 3)]
    obj = critical_statement((3, 3), start, "1*2^-20", d_max=6)
    W = embed((3, 3), [float(frac(x)) for x in obj["box"]["centre"]])
    assert int(np.sum(np.linalg.eigvalsh(objective.hessian(W, np.eye(6))) < -1e-3)) == negatives
    assert refused(obj) == {"hessian"}
    monkeypatch.setattr(isym, "refine", lambda S: (isym.Structure(S.p), list(range(S.m))))
    assert check(obj).accepted


# ---------------------------------------------------------------------------
# 3c. malformed bytes and fields
# ---------------------------------------------------------------------------
def test_malformed_bytes_are_unreadable(k6, tmp_path):
    data = K6.read_bytes()
    cases = [data[:-1], data[: len(data) // 2], data + b"\n", data.replace(b"\n", b"\r\n"),
             data.replace(b'"k": 6', b'"k": 6.0'), data.replace(b'"k": 6', b'"k": NaN'),
             data.replace(b'"k": 6', b'"k": Infinity'), b"\xef\xbb\xbf" + data,
             data.replace(b'"k": 6,', b'"k": 6,\n "k": 6,'), data.replace(b'"certify/', b'"c\xe9rtify/'),
             json.dumps(k6).encode(), b"", b"[]", data.replace(b'"k":', b'"\\u006b":')]
    for case in cases:
        verdict = verify_bytes(case)
        assert verdict.unreadable and not verdict.accepted, case[:60]
    big = copy.deepcopy(k6)
    big["info"] = {"pad": "x" * (4 * 1024 * 1024)}
    assert verify_bytes(encode(big)).unreadable
    path = tmp_path / "big.json"
    path.write_bytes(encode(big))
    assert len(reader.read_file(path)) == reader.MAX_BYTES + 1
    assert verify_file(path).unreadable


@pytest.mark.parametrize("path, value", [
    (("format",), "certify/other"), (("version",), 2), (("version",), True), (("kind",), "global_minimum"),
    (("method",), "sparse"), (("k",), 0), (("n",), 5), (("d",), 5), (("d_max",), 5), (("d_max",), "7"),
    (("prec",), 63), (("prec",), 2049), (("box", "radius"), "2*2^-3"), (("box", "radius"), "0.5"),
    (("box", "radius"), "1*2^-100001"), (("box", "centre", 0, 0), "-0"), (("box", "centre", 0, 0), "+1"),
    (("box", "centre", 0, 0), 1), (("box", "centre", 0), ["1"] * 5), (("teacher", 0, 0), "-1*2^-1"),
    (("claims", "loss_lower"), 1), (("claims", "extra"), "1"), (("software",), {"name": 1}),
    (("info",), "free text"), (("zzz",), "1"), (("box", "zzz"), "1"),
])
def test_malformed_fields_are_errors(k6, path, value):
    verdict = check(edited(k6, path, value))
    assert verdict.error and not verdict.unreadable and not verdict.accepted


def test_claim_keys_follow_kind_and_d_max(k6, saddle):
    assert refused(edited(k6, ("d_max",), 6)) == {"error"}                 # extra claim present, d_max = d
    no_extra = edited(k6, ("d_max",), 6)
    del no_extra["claims"]["extra_min_eig_lower"]
    assert check(no_extra).accepted
    too_big = edited(k6, ("n",), 1601)
    assert refused(too_big) == {"error"}
    for index in (0, 16, True, "2"):
        assert refused(edited(saddle, ("claims", "morse_index"), index)) == {"error"}


# ---------------------------------------------------------------------------
# 4. formulas against independent computations
# ---------------------------------------------------------------------------
def test_pair_partials_match_finite_differences():
    with mpmath.workdps(50):
        mp = mpmath.mp
        h = mpmath.mpf(10) ** -15
        for A, B, q in ((2, 3, 1), (0.7, 1.3, -0.6), (1, 1, 0.999), (5, 0.2, -0.01)):
            A, B, q = (mpmath.mpf(x) for x in (A, B, q))
            P = pair(mp, A, B, q)
            f = lambda a, b, c: pair(mp, a, b, c).f            # noqa: E731
            assert abs(P.f - (mpmath.sqrt(A * B - q * q) + (mp.pi - mpmath.acos(q / mpmath.sqrt(A * B))) * q)
                       / (2 * mp.pi)) < 1e-40
            first = {"fA": (h, 0, 0), "fB": (0, h, 0), "fq": (0, 0, h)}
            for name, (da, db, dq) in first.items():
                fd = (f(A + da, B + db, q + dq) - f(A - da, B - db, q - dq)) / (2 * h)
                assert abs(getattr(P, name) - fd) < 1e-20, name
            for name, (i, j) in {"fAA": ("fA", 0), "fAB": ("fA", 1), "fBB": ("fB", 1), "fAq": ("fA", 2),
                                 "fBq": ("fB", 2), "fqq": ("fq", 2)}.items():
                step = [0, 0, 0]
                step[j] = h
                up = getattr(pair(mp, A + step[0], B + step[1], q + step[2]), i)
                down = getattr(pair(mp, A - step[0], B - step[1], q - step[2]), i)
                assert abs(getattr(P, name) - (up - down) / (2 * h)) < 1e-20, name


def statement_at(W, V, radius=Fraction(1, 2 ** 400), prec=300) -> dense.DenseStatement:
    W = [[Fraction(x) for x in row] for row in W]
    V = [[Fraction(x) for x in row] for row in V]
    return dense.DenseStatement("local_minimum", len(V), len(W), len(W[0]), None, V, W, Fraction(radius),
                                prec, {})


def quantities(st):
    with intervals.precision(st.prec):
        geo = dense.Geometry(st)
        norms, bounds = geo.smooth_bounds()
        on_box = dense.box_pairs(geo, norms, bounds)
        H, M = dense.hessian_and_extra(geo, on_box)
        g = dense.gradient_at_centre(geo, dense.centre_pairs(geo), st.prec)
        F = dense.loss_on_box(geo, norms, on_box)
    grad = [Fraction(m, 1 << g[2]) for m in g[0]]
    return intervals.lower(F), grad, g, H, M


@pytest.fixture(scope="module")
def generic_point():
    """A non-critical point near the k = 6 minimum, n = 7 > k = 6 (one extra neuron), d = 6."""
    rng = np.random.default_rng(5)
    W = to_float_matrix(load(K6)["box"]["centre"])
    W = np.vstack([W, rng.normal(size=6) * 0.5]) + 0.05 * rng.normal(size=(7, 6))
    return W, np.eye(6)


def test_loss_and_gradient_match_finite_differences_and_mpmath(generic_point):
    W, V = generic_point
    F, grad, g, _, _ = quantities(statement_at(W, V))
    exact_W = [[Fraction(x) for x in r] for r in W]
    assert abs(float(F) - float(mp_loss(exact_W, V.tolist()))) < 1e-15
    reference = [float(x) for x in mp_gradient(exact_W, V.tolist())]
    assert max(abs(float(x) - y) for x, y in zip(grad, reference)) < 1e-15
    h = 2.0 ** -30
    for i, a in ((0, 0), (3, 4), (6, 5)):
        up, down = W.copy(), W.copy()
        up[i, a] += h
        down[i, a] -= h
        fd = (quantities(statement_at(up, V))[0] - quantities(statement_at(down, V))[0]) / (2 * Fraction(h))
        assert abs(float(fd - grad[i * 6 + a])) < 1e-12


def test_hessian_and_M_match_numpy_and_finite_differences_of_the_gradient(generic_point):
    W, V = generic_point
    _, _, _, H, M = quantities(statement_at(W, V))
    assert np.max(np.abs(H.floats() - objective.hessian(W, V))) < 1e-12
    assert np.max(np.abs(M.floats() - objective.extra_dimension_block(W, V))) < 1e-12
    h = 2.0 ** -30
    for i, a in ((0, 1), (6, 3)):
        up, down = W.copy(), W.copy()
        up[i, a] += h
        down[i, a] -= h
        g_up, g_down = quantities(statement_at(up, V))[1], quantities(statement_at(down, V))[1]
        column = np.array([float((x - y) / (2 * Fraction(h))) for x, y in zip(g_up, g_down)])
        assert np.max(np.abs(column - H.floats()[:, i * 6 + a])) < 1e-12


def test_hessian_enclosure_contains_the_hessian_at_points_of_the_box(generic_point):
    W, V = generic_point
    r = 2.0 ** -20
    _, _, _, H, M = quantities(statement_at(W, V, radius=Fraction(r), prec=128))
    mid, rad = H.floats(), np.array(H.rowrad, dtype=float) * 2.0 ** -H.G
    mid_M, rad_M = M.floats(), np.array(M.rowrad, dtype=float) * 2.0 ** -M.G
    assert rad.max() < 1e-3                          # not trivially wide
    rng = np.random.default_rng(0)
    seen = 0.0
    for _ in range(6):
        P = W + r * rng.choice([-1.0, 1.0], size=W.shape)
        dev = np.abs(objective.hessian(P, V) - mid).sum(axis=1)
        assert np.all(dev <= rad + 1e-12)
        assert np.all(np.abs(objective.extra_dimension_block(P, V) - mid_M).sum(axis=1) <= rad_M + 1e-12)
        seen = max(seen, float(dev.max()))
    assert seen > 1e-3 * rad.max()                   # the box really moves the Hessian


def phi_jet(blocks, theta, prec=200):
    """(phi, grad phi, Hess phi) at theta, exact lower ends of the enclosures."""
    with intervals.precision(prec):
        point = [intervals.interval(Fraction(t)) for t in theta]
        ev = isym.evaluate(isym.Structure(blocks), point, sum(blocks), want_hessian=True)
    hess = np.array([[float(intervals.lower(x)) for x in row] for row in ev.hessian])
    return intervals.lower(ev.value), [intervals.lower(x) for x in ev.gradient], hess


def reduced_spectra(blocks, theta, prec=128):
    """Spectra of D^-1/2 S D^-1/2 (S the refined Hessian) and of P^-1/2 S_M P^-1/2."""
    S = isym.Structure(blocks)
    R, parent = isym.refine(S)
    with intervals.precision(prec):
        point = [intervals.interval(Fraction(t)) for t in theta]
        refined = isym.evaluate(R, isym.refined_parameters(S, R, parent, point), sum(blocks), want_hessian=True)
        S_M, sizes = isym.extra_block(R, refined)
    mid = lambda M: np.array([[float(intervals.lower(x)) for x in row] for row in M])     # noqa: E731
    D, P = np.array(R.orbit_sizes(), float), np.array(sizes, float)
    return (np.linalg.eigvalsh(mid(refined.hessian) / np.sqrt(np.outer(D, D))),
            np.linalg.eigvalsh(mid(S_M) / np.sqrt(np.outer(P, P))))


def same_set(a, b, tol) -> bool:
    return all(np.min(np.abs(b - x)) < tol for x in a) and all(np.min(np.abs(a - x)) < tol for x in b)


@pytest.mark.parametrize("blocks", [(1, 7), (3, 3), (2, 5), (1, 1, 3), (4, 4), (2, 3, 4), (1, 2, 6)], ids=str)
def test_symmetric_phi_and_reduced_spectra_match_the_dense_problem(blocks):
    """phi = F(W(theta)); grad phi and Hess phi = finite differences of phi; the reduced
    Hessian and M have the same spectra, as sets, as the dense k^2 x k^2 Hessian and the
    n x n matrix M (numpy, certify/objective.py) at a generic G-fixed point."""
    rng = np.random.default_rng(sum(blocks) * 7 + len(blocks))
    size = isym.Structure(blocks).size
    theta = rng.uniform(-0.5, 0.5, size)
    S = isym.Structure(blocks)
    for o in S.alpha.values():
        theta[o] = rng.uniform(0.7, 1.2)
    phi, grad, hess = phi_jet(blocks, theta)
    spec_H, spec_M = reduced_spectra(blocks, theta)
    k = sum(blocks)
    W = embed(blocks, theta)
    assert abs(float(phi) - objective.loss(W, np.eye(k))) < 1e-12
    assert same_set(spec_H, np.linalg.eigvalsh(objective.hessian(W, np.eye(k))), 1e-10)
    assert same_set(spec_M, np.linalg.eigvalsh(objective.extra_dimension_block(W, np.eye(k))), 1e-10)
    h = Fraction(1, 2 ** 30)
    for o in range(size):
        up, down = theta.copy(), theta.copy()
        up[o] += float(h)
        down[o] -= float(h)
        p_up, g_up, _ = phi_jet(blocks, up)
        p_down, g_down, _ = phi_jet(blocks, down)
        assert abs(float((p_up - p_down) / (2 * h) - grad[o])) < 1e-12
        column = np.array([float((x - y) / (2 * h)) for x, y in zip(g_up, g_down)])
        assert np.max(np.abs(column - hess[:, o])) < 1e-10


@pytest.mark.parametrize("blocks", [(1, 7), (3, 3), (2, 5), (1, 1, 3), (2, 3, 4), (1, 2, 6), (5,)], ids=str)
def test_gram_gaps_by_lagrange_identity_match_the_dense_rows(blocks):
    """Every pair class's gap |u|^2 |v|^2 - (u.v)^2, computed by Lagrange's identity on
    coordinate classes, equals the exact value from two rows of W(theta) (or a row and a
    teacher vector e_l) picked from the class, with theta dyadic and the rows exact."""
    rng = np.random.default_rng(len(blocks) * 31 + sum(blocks))
    S = isym.Structure(blocks)
    theta = [Fraction(int(x), 2 ** 20) for x in rng.integers(-2 ** 20, 2 ** 20, S.size)]
    W = [[Fraction(x) for x in row] for row in embed(blocks, [float(t) for t in theta])]
    starts = np.cumsum([0] + list(blocks)).tolist()
    gap = lambda u, v: sum(x * x for x in u) * sum(y * y for y in v) - sum(x * y for x, y in zip(u, v)) ** 2  # noqa: E731
    e = lambda l: [Fraction(int(i == l)) for i in range(sum(blocks))]                                 # noqa: E731
    with intervals.precision(300):
        point = [intervals.interval(t) for t in theta]
        _, classes = isym.pair_classes(S)
        seen = 0
        for count, a, b, _, _, _, gap_of, label in classes:
            i = starts[a]
            if b is not None:
                j = starts[b] + (1 if a == b else 0)
                want = gap(W[i], W[j])
            elif label.endswith("its own e_i"):
                want = gap(W[i], e(i))
            else:
                c = int(label.split("block ")[-1])
                want = gap(W[i], e(starts[c] + (1 if c == a else 0)))
            got = gap_of(point)
            assert intervals.lower(got) <= want <= intervals.upper(got), label
            assert intervals.upper(got) - intervals.lower(got) <= abs(want) * Fraction(1, 2 ** 250) + Fraction(1, 2 ** 280)
            seen += 1
    assert seen == len(classes) > 0


# ---------------------------------------------------------------------------
# 5. the matrix lemmas and exact products
# ---------------------------------------------------------------------------
def test_packed_products_are_exact():
    rng = np.random.default_rng(1)
    for n, p, m, bits in ((3, 4, 5, 10), (7, 1, 2, 200), (1, 9, 1, 3), (5, 5, 5, 70)):
        A = [[int(x) * (1 << bits) // 7 - (1 << bits) // 3 for x in rng.integers(0, 20, p)] for _ in range(n)]
        B = [[int(x) ** 5 - 3 ** bits for x in rng.integers(-50, 50, m)] for _ in range(p)]
        assert exact.matmul(A, B) == [[sum(A[i][t] * B[t][j] for t in range(p)) for j in range(m)] for i in range(n)]


def enclosure(M: np.ndarray, radius: float = 0.0, G: int = 60) -> spectral.Enclosure:
    """An Enclosure containing the (exactly symmetric) float matrix M widened by radius:
    rounding M to 2^-G moves each entry by at most half a unit."""
    mid = [[int(round(x * 2 ** G)) for x in row] for row in M]
    return spectral.Enclosure(mid, G, [int(radius * 2 ** G) + len(M)] * len(M))


def rotated(diagonal, seed=3) -> np.ndarray:
    Q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(diagonal), len(diagonal))))
    M = Q @ np.diag(diagonal) @ Q.T
    return (M + M.T) / 2


def test_lambda_min_lemma_both_ways():
    M = rotated([0.5, 1.0, 2.0, 3.0, 10.0])
    assert spectral.min_eigenvalue_exceeds(enclosure(M), Fraction(0.499))[0]
    assert not spectral.min_eigenvalue_exceeds(enclosure(M), Fraction(0.501))[0]
    # an enclosure containing a matrix with lambda_min < bound must be refused
    assert not spectral.min_eigenvalue_exceeds(enclosure(M, radius=0.01), Fraction(0.495))[0]
    assert spectral.min_eigenvalue_exceeds(enclosure(M, radius=0.01), Fraction(0.485))[0]
    assert not spectral.min_eigenvalue_exceeds(enclosure(rotated([-1.0, 2.0, 3.0])), Fraction(0))[0]


def test_morse_index_lemma_both_ways():
    M = rotated([-2.0, -1.0, 0.5, 1.0, 3.0])
    assert spectral.morse_index(enclosure(M), Fraction(0.4), 2)[0]
    for p in (1, 3):
        assert not spectral.morse_index(enclosure(M), Fraction(0.4), p)[0]
    assert not spectral.morse_index(enclosure(M), Fraction(0.6), 2)[0]     # 0.5 lies in [-0.6, 0.6]
    assert not spectral.morse_index(enclosure(M, radius=0.2), Fraction(0.4), 2)[0]
    assert not spectral.morse_index(enclosure(M), Fraction(0.4), 0)[0]


def test_krawczyk_and_convexity_lemmas_on_an_affine_map():
    """g(x) = A (x - z): the zero z inside, near the edge of, or outside the box c + [-r, r]^N."""
    A = rotated([0.3, 1.0, 2.0, 4.0])
    r = Fraction(1, 2 ** 20)
    G, Gg = 60, 120
    J = enclosure(A, G=G)
    for offset, inside in ((0.5, True), (0.98, True), (1.02, False), (3.0, False)):
        z = np.array([offset, -0.2, 0.1, 0.0]) * float(r)          # the zero, relative to c = 0
        g = -A @ z                                                   # g(0)
        g_mid = [int(round(x * 2 ** Gg)) for x in g]
        g_rad = [1 << 40] * 4                                         # 2^-80: tiny
        assert spectral.unique_zero(J, g_mid, g_rad, Gg, r)[0] == inside, offset
        assert spectral.unique_zero_convex(J, g_mid, g_rad, Gg, r, Fraction(0.29))[0] == inside, offset


# ---------------------------------------------------------------------------
# 6. a kind is one module plus one line; comparing two verdicts
# ---------------------------------------------------------------------------
def test_a_new_kind_is_one_module_and_one_line(k6, monkeypatch):
    import types
    from certify.independent import kinds
    from certify.independent.outcome import ClaimResult

    def read(obj):
        reader.header(obj, set(obj) - {"info"})
        return obj["k"]

    module = types.SimpleNamespace(read=read, seconds=lambda k: 0.0,
                                   prove=lambda k: [ClaimResult("family", k == 6, "toy")])
    obj = edited(k6, ("kind",), "toy_family")
    assert refused(obj) == {"error"}                               # unknown kinds are refused
    monkeypatch.setitem(kinds.KINDS, ("dense", "toy_family"), module)
    verdict = check(obj)
    assert verdict.accepted and [r.claim for r in verdict.results] == ["family"]
    assert not check(edited(obj, ("k",), 7)).accepted


def test_disagreements_name_the_claim(k6):
    from certify.independent import disagreements
    data = encode(edited(k6, ("claims", "hessian_min_eig_lower"), "1*2^-3"))
    assert disagreements(kernel_verify(data), verify_bytes(data)) == []
    good, bad = verify_bytes(K6.read_bytes()), verify_bytes(data)
    found = disagreements(good, bad, names=("first", "second"))
    assert "only the first checker accepts" in found
    assert "claim 'hessian': proved only by the first checker" in found


# ---------------------------------------------------------------------------
# 7. symmetric mutations: both checkers give the same answer (test_fuzz covers dense)
# ---------------------------------------------------------------------------
def symmetric_mutation(rng, obj):
    """(description, mutated object) of a symmetric certificate."""
    out = copy.deepcopy(obj)
    op = rng.choice(["shift", "radius", "claim", "claim_add", "blocks", "relabel", "d_max", "prec"])
    if op == "shift":
        o = rng.randrange(len(out["box"]["centre"]))
        delta = Fraction(rng.choice([-1, 1]) * 10.0 ** rng.uniform(-32, -1))
        out["box"]["centre"][o] = dyadic(frac(out["box"]["centre"][o]) + delta)
    elif op == "radius":
        out["box"]["radius"] = dyadic(frac(out["box"]["radius"]) * Fraction(rng.choice([2 ** -10, 2, 2 ** 10, 2 ** 30,
                                                                                          2 ** 60])))
    elif op == "claim":
        key = rng.choice(sorted(out["claims"]))
        out["claims"][key] = dyadic(frac(out["claims"][key]) * Fraction(rng.choice([0.5, 1 - 2 ** -40, 1 + 2 ** -40,
                                                                                      1.0001, 2])))
    elif op == "claim_add":
        key = rng.choice(sorted(out["claims"]))
        out["claims"][key] = dyadic(frac(out["claims"][key]) + rng.choice([-1, 1]) * Fraction(1, 2 ** rng.choice(
            [30, 60, 70, 80, 120])))
    elif op == "blocks":
        out["blocks"] = list(reversed(out["blocks"]))
    elif op == "relabel":
        k = out["k"] + rng.choice([-1, 1])
        out.update(k=k, n=k, d=k, blocks=[1, k - 1])
    elif op == "d_max":
        out["d_max"] = rng.choice([None, out["k"], out["k"] + 1])
        if out["d_max"] == out["k"]:
            out["claims"].pop("extra_min_eig_lower", None)
    else:
        out["prec"] = rng.choice([64, 100, 128, 256])
    return op, out


def test_symmetric_mutations_both_checkers_agree(sym8):
    import random
    rng = random.Random(20250602)
    bases = [sym8, load(sorted(SYM_DIR.glob("*.json"), key=lambda p: len(p.name))[0])]
    answers = []
    for number in range(AGREEMENT_RUNS):
        op, obj = symmetric_mutation(rng, bases[number % 2])
        data = encode(obj)
        mine, reference = verify_bytes(data), kernel_verify(data)
        assert mine.accepted == reference.accepted, (number, op, mine.first_failure(), reference.first_failure())
        answers.append(mine.accepted)
    assert 0 < sum(answers) < len(answers)          # both answers occur


def saddle_mutation(rng, obj):
    """(description, mutated object) of a saddle certificate."""
    out = copy.deepcopy(obj)
    op = rng.choice(["shift", "radius", "claim", "index", "d_max", "prec", "sign"])
    if op == "shift":
        i, a = rng.randrange(out["n"]), rng.randrange(out["d"])
        delta = Fraction(rng.choice([-1, 1]) * 10.0 ** rng.uniform(-32, -1))
        out["box"]["centre"][i][a] = dyadic(frac(out["box"]["centre"][i][a]) + delta)
    elif op == "radius":
        out["box"]["radius"] = dyadic(frac(out["box"]["radius"]) * Fraction(rng.choice([2 ** -10, 2, 2 ** 20,
                                                                                          2 ** 60, 2 ** 90])))
    elif op == "claim":
        key = rng.choice(sorted(set(out["claims"]) - {"morse_index"}))
        out["claims"][key] = dyadic(frac(out["claims"][key]) * Fraction(rng.choice([0.5, 1 - 2 ** -40, 1 + 2 ** -40,
                                                                                      1.0001, 2, -1])))
    elif op == "index":
        out["claims"]["morse_index"] = max(1, out["claims"]["morse_index"] + rng.choice([-1, 1]))
    elif op == "d_max":
        out["d_max"] = rng.choice([None, out["d"], out["d"] + 1])
        if out["d_max"] == out["d"]:
            out["claims"].pop("extra_min_eig_lower", None)
    elif op == "prec":
        out["prec"] = rng.choice([64, 100, 128, 256])
    else:
        i = rng.randrange(out["n"])
        out["box"]["centre"][i] = [dyadic(-frac(x)) for x in out["box"]["centre"][i]]
    return op, out


def test_saddle_mutations_both_checkers_agree(saddle):
    import random
    rng = random.Random(20250603)
    answers = []
    for number in range(AGREEMENT_RUNS + 10):
        op, obj = saddle_mutation(rng, saddle)
        data = encode(obj)
        mine, reference = verify_bytes(data), kernel_verify(data)
        assert mine.accepted == reference.accepted, (number, op, mine.first_failure(), reference.first_failure())
        if op in ("index", "sign"):
            assert not mine.accepted, (number, op)          # a different index, or no longer critical
        answers.append(mine.accepted)
    assert 0 < sum(answers) < len(answers)


def test_independent_estimate_over_the_limit_is_too_costly_never_accepted(k6, tmp_path):
    """max_seconds: a file whose rough estimate exceeds it is neither proved nor refused;
    `verify --independent/--both` report it as too costly (exit 2) and name the limit."""
    data = K6.read_bytes()
    assert verify_bytes(data).accepted and verify_bytes(data, max_seconds=100).accepted
    verdict = verify_bytes(data, max_seconds=1e-6)
    assert not verdict.accepted and verdict.too_costly and not verdict.results
    for flag in ("--independent", "--both"):      # 0.03 s: the kernel's estimate fits, this one does not
        result = subprocess.run([sys.executable, "-m", "certify", "verify", flag, "--max-seconds", "0.03", str(K6)],
                                capture_output=True, text=True, cwd=ROOT)
        out = result.stdout + result.stderr
        assert result.returncode == 2 and "TOO COSTLY" in out and "independent" in out, result

