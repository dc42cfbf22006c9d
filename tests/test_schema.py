"""The JSON Schema of the format (certify/schema/certificate-v1.schema.json),
checked by an independent validator (the `jsonschema` package).

  - the schema is a valid Draft 2020-12 schema, shipped inside the package
    (package data) and linked from docs/format.md;
  - every committed certificate validates;
  - the schema is NECESSARY for acceptance: no file the verifier accepts
    fails it;
  - where it can express a rule it enforces it: every mutation the verifier
    refuses for a structural reason ("malformed: field ...") fails the schema unless the
    only violations are cross-field rules a JSON Schema cannot state (shapes
    against k, n, d; n >= k; orthonormal teacher; ...), found independently
    by `cross_field_problem` below.
"""
from __future__ import annotations

import json
import random
import re
import tomllib
from collections import Counter

import pytest

jsonschema = pytest.importorskip("jsonschema")

from certify.kernel.verify import verify_bytes  # noqa: E402
from certify.schema import SCHEMAS, load_schema  # noqa: E402

from helpers import K6, ROOT, certificate_paths, encode, load, read_point  # noqa: E402
from oracle.numbers import strict_fraction  # noqa: E402

SCHEMA_FILE = ROOT / "certify" / "schema" / SCHEMAS[1]
N_SCHEMA_MUTATIONS = 300


@pytest.fixture(scope="module")
def validator():
    schema = load_schema(1)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_valid_and_versioned(validator):
    schema = validator.schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "v1" in schema["$id"] and SCHEMA_FILE.name == "certificate-v1.schema.json"
    for name in ("local_minimum_dense", "local_minimum_symmetric"):
        branch = schema["$defs"][name]["properties"]
        assert branch["version"] == {"const": 1}
        assert branch["format"] == {"const": "certify/relu-spurious-minimum"}
    assert {b["$ref"] for b in schema["oneOf"]} == {"#/$defs/local_minimum_dense",
                                                    "#/$defs/local_minimum_symmetric",
                                                    "#/$defs/saddle_dense", "#/$defs/family",
                                                    "#/$defs/transition"}


def test_schema_ships_inside_the_package():
    """Located through importlib.resources, declared as package data, linked from the docs."""
    assert json.loads(SCHEMA_FILE.read_text()) == load_schema(1)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    shipped = {path for package, patterns in package_data.items() for pattern in patterns
               for path in (ROOT / package.replace(".", "/")).glob(pattern)}
    assert SCHEMA_FILE in shipped, package_data
    assert "jsonschema" in " ".join(config["project"]["optional-dependencies"]["test"])
    assert "certify/schema/certificate-v1.schema.json" in (ROOT / "docs" / "format.md").read_text()


ALL_CERTIFICATES = sorted((ROOT / "certificates").rglob("*.json"))
SYMMETRIC = [p for p in ALL_CERTIFICATES if load(p).get("method") == "symmetric"]


def test_every_certificate_folder_is_covered():
    assert set(certificate_paths()) <= set(ALL_CERTIFICATES)


@pytest.mark.parametrize("path", ALL_CERTIFICATES, ids=lambda p: str(p.relative_to(ROOT / "certificates")))
def test_committed_certificate_validates(validator, path):
    errors = [f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(load(path))]
    assert errors == []


# ---------------------------------------------------------------------------
# exact numbers: the pattern agrees with the independent strict parser
# ---------------------------------------------------------------------------
NUMBER_TEXTS = ["0", "1", "-1", "12", "-12", "1*2^-1", "-5*2^-7", "3*2^-100000", "3*2^-99999",
                "3*2^-100001", "1*2^-0", "2*2^-3", "1*2^0", "1*2^3", "01", "00", "-0", "+1", "0.5",
                "1e3", " 1", "1 ", "1\n", "1*2^-1\n", "\n1", "NaN", "inf", "", "-", "1*2^-01",
                "0*2^-1", "-0*2^-1", "1*2**-1", "\u0661", "1" * 4000, "1" * 4001,
                "1*2^-" + "9" * 12, "1 * 2^-1", "1*2^-1*2^-1", "10*2^-3", "15*2^-3"]


@pytest.mark.parametrize("text", NUMBER_TEXTS, ids=[repr(t[:14]) for t in NUMBER_TEXTS])
def test_dyadic_pattern_matches_the_format(validator, text):
    defs = validator.schema["$defs"]
    expected = strict_fraction(text) is not None
    assert validator.evolve(schema=defs["dyadic"]).is_valid(text) == expected
    positive = expected and strict_fraction(text) > 0
    assert validator.evolve(schema=defs["positive_dyadic"]).is_valid(text) == positive


# ---------------------------------------------------------------------------
# structural mutations
# ---------------------------------------------------------------------------
def cross_field_problem(obj) -> str | None:
    """A violated format rule that relates two fields (so no JSON Schema can
    state it), read from docs/format.md; None when there is none."""
    try:
        k, n, d, d_max = obj["k"], obj["n"], obj["d"], obj["d_max"]
        if not all(type(x) is int for x in (k, n, d)):
            return None
        if n < k or d < k or n * d > 1600:
            return "n >= k, d >= k, n * d <= 1600"
        if type(d_max) is int and d_max < d:
            return "d_max >= d"
        for name, rows, want in (("teacher", obj["teacher"], k), ("box.centre", obj["box"]["centre"], n)):
            if isinstance(rows, list) and (len(rows) != want or any(
                    isinstance(r, list) and len(r) != d for r in rows)):
                return f"{name} shape"
        claims = obj["claims"]
        if isinstance(claims, dict) and type(d_max) is int and (
                ("extra_min_eig_lower" in claims) != (d_max > d)):
            return "extra claim present exactly when d_max > d"
        V = [[strict_fraction(x) for x in row] for row in obj["teacher"]]
        if all(x is not None for row in V for x in row):
            for i in range(k):
                for j in range(i + 1):
                    if sum(a * b for a, b in zip(V[i], V[j])) != (i == j):
                        return "teacher orthonormal"
    except (KeyError, TypeError, IndexError):
        return None
    return None


def _mutations(rng, count):
    import test_fuzz as fuzz   # the fuzzer's generators (tests/ is on sys.path)
    base = fuzz.Base(K6)
    gens = [(g, w) for g, w in fuzz.STRUCTURAL if g not in (fuzz.m_huge_padding,)]
    gens += [(fuzz.m_sign_flip, 2), (fuzz.m_radius, 2), (fuzz.m_claim, 2), (fuzz.m_swap_claims, 1),
             (fuzz.m_student_teacher_swap, 1), (fuzz.m_duplicate_neuron, 1), (fuzz.m_scaled_problem, 1)]
    for _ in range(count):
        gen = rng.choices([g for g, _ in gens], [w for _, w in gens])[0]
        yield gen.__name__, gen(rng, base)[1]


def _decode(data: bytes):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def test_schema_agrees_with_the_verifier_on_mutations(validator):
    """Seeded sample of fuzz mutations that decode as JSON."""
    rng = random.Random(4)
    counts, missed = Counter(), []
    for name, data in _mutations(rng, N_SCHEMA_MUTATIONS):
        obj = _decode(data)
        if obj is None:
            counts["not JSON (the schema does not apply)"] += 1
            continue
        verdict = verify_bytes(data)
        valid = validator.is_valid(obj)
        counts["decoded"] += 1
        if verdict.accepted:
            counts["accepted by the verifier"] += 1
            assert valid, (name, "verifier accepted a file the schema refuses",
                           [e.message[:100] for e in validator.iter_errors(obj)][:3])
        elif verdict.error and verdict.error.startswith("malformed: field "):
            counts["refused for structure"] += 1
            if not valid:
                counts["  ...and by the schema"] += 1
            else:
                problem = cross_field_problem(obj)
                if problem is None:
                    missed.append((name, verdict.error[:120]))
                counts[f"  ...schema passes, cross-field: {problem}"] += 1
        else:
            counts["refused otherwise (bytes or mathematics)"] += 1
    print(f"\nschema vs verifier on {N_SCHEMA_MUTATIONS} mutations:")
    main = ["not JSON (the schema does not apply)", "decoded", "accepted by the verifier",
            "refused otherwise (bytes or mathematics)", "refused for structure"]
    for key in main + sorted(k for k in counts if k.startswith("  ")):
        print(f"  {key:58s} {counts[key]}")
    assert missed == [], missed[:10]
    assert counts["refused for structure"] > N_SCHEMA_MUTATIONS // 5
    assert counts["  ...and by the schema"] > N_SCHEMA_MUTATIONS // 10


def test_schema_refuses_the_verifiers_field_cases(validator):
    """Every malformed-field case of test_refuse_structure: the schema refuses it unless
    only a cross-field rule is broken."""
    import test_refuse_structure as tv
    only_cross_field = []
    for case, (edit, _) in sorted(tv.FIELD_CASES.items()):
        obj = load(K6)
        edit(obj)
        assert not verify_bytes(encode(obj)).accepted
        if validator.is_valid(obj):
            problem = cross_field_problem(obj)
            assert problem is not None, f"{case}: schema accepts a structurally bad file"
            only_cross_field.append(case)
    print(f"\nschema passes (cross-field rules only): {only_cross_field}")
    # rules the schema does express
    assert not set(only_cross_field) & {"k_bool", "k_string", "k_zero", "k_huge", "version_2",
                                         "kind", "method", "prec_low", "missing_claim",
                                         "missing_extra_claim", "unknown_top", "radius_int"}


@pytest.mark.parametrize("edit", [
    lambda o: o["box"].update(radius="0"),
    lambda o: o["box"].update(radius="-1*2^-100"),
    lambda o: o["claims"].update(loss_lower="0"),
    lambda o: o["claims"].update(hessian_min_eig_lower="-1"),
    lambda o: o["claims"].update(extra_min_eig_lower="0"),
    lambda o: o.update(info={"a": 1}),
    lambda o: o.update(software=[]),
    lambda o: o.update(d_max=0),
    lambda o: o.update(prec=True),
    lambda o: o.update(kind="saddle"),
    lambda o: o["teacher"][0].__setitem__(0, "1.0"),
], ids=["radius_0", "radius_negative", "loss_lower_0", "hessian_negative", "extra_0", "info_int",
        "software_list", "d_max_0", "prec_bool", "kind_saddle", "teacher_decimal"])
def test_schema_refuses_simple_violations(validator, edit):
    obj = load(K6)
    edit(obj)
    assert not validator.is_valid(obj)
    assert not verify_bytes(encode(obj)).accepted


def test_schema_patterns_are_anchored_for_python_and_ecma():
    """Python's '$' also matches before a final newline: every pattern guards it."""
    text = SCHEMA_FILE.read_text()
    patterns = re.findall(r'"pattern": "([^"]*)"', text)
    assert patterns and all(p.startswith("^") and p.endswith("$(?!\\\\n)") for p in patterns), patterns


# ---------------------------------------------------------------------------
# method symmetric (its own branch of the oneOf)
# ---------------------------------------------------------------------------
def symmetric_cross_field_problem(obj) -> str | None:
    """Cross-field rules of the symmetric method (docs/symmetric.md)."""
    try:
        k, n, d, d_max, blocks = obj["k"], obj["n"], obj["d"], obj["d_max"], obj["blocks"]
        if n != k or d != k:
            return "n = d = k"
        if sum(blocks) != k:
            return "sum(blocks) = k"
        if type(d_max) is int and d_max < k:
            return "d_max >= k"
        m = len(blocks)
        if len(obj["box"]["centre"]) != m * m + sum(1 for p in blocks if p >= 2):
            return "one centre entry per orbit parameter"
        if type(d_max) is int and ("extra_min_eig_lower" in obj["claims"]) != (d_max > k):
            return "extra claim present exactly when d_max > k"
    except (KeyError, TypeError):
        return None
    return None


SYMMETRIC_EDITS = {
    "method_dense": (lambda o: o.update(method="dense"), True),
    "teacher_matrix": (lambda o: o.update(teacher=[["1"]]), True),
    "teacher_other": (lambda o: o.update(teacher="Identity"), True),
    "blocks_five": (lambda o: o.update(blocks=[1, 1, 1, 1, o["k"] - 4]), True),
    "blocks_zero": (lambda o: o.update(blocks=[0, o["k"]]), True),
    "blocks_string": (lambda o: o.update(blocks="1,99"), True),
    "blocks_sum": (lambda o: o.update(blocks=[1, o["k"]]), False),
    "k_one": (lambda o: o.update(k=1), True),
    "k_huge": (lambda o: o.update(k=10 ** 8, n=10 ** 8, d=10 ** 8), True),
    "n_differs": (lambda o: o.update(n=o["k"] + 1), False),
    "centre_matrix": (lambda o: o["box"].update(centre=[o["box"]["centre"]]), True),
    "centre_short": (lambda o: o["box"].update(centre=o["box"]["centre"][:-1]), False),
    "centre_float_text": (lambda o: o["box"]["centre"].__setitem__(0, "0.5"), True),
    "radius_zero": (lambda o: o["box"].update(radius="0"), True),
    "unknown_field": (lambda o: o.update(proof="yes"), True),
    "missing_blocks": (lambda o: o.pop("blocks"), True),
    "missing_extra_claim": (lambda o: o["claims"].pop("extra_min_eig_lower"), True),
    "d_max_k_with_extra": (lambda o: o.update(d_max=o["k"]), False),
    "d_max_below": (lambda o: o.update(d_max=o["k"] - 1), False),
    "kind_saddle": (lambda o: o.update(kind="saddle"), True),
    "hessian_negative": (lambda o: o["claims"].update(hessian_min_eig_lower="-1"), True),
}


@pytest.mark.skipif(not SYMMETRIC, reason="no symmetric certificate committed")
@pytest.mark.parametrize("case", sorted(SYMMETRIC_EDITS))
def test_symmetric_branch_agrees_with_the_verifier(validator, case):
    edit, expressible = SYMMETRIC_EDITS[case]
    obj = load(SYMMETRIC[0])
    assert validator.is_valid(obj) and verify_bytes(encode(obj)).accepted
    edit(obj)
    assert not verify_bytes(encode(obj)).accepted
    if expressible:
        assert not validator.is_valid(obj)
    else:
        assert validator.is_valid(obj) and symmetric_cross_field_problem(obj) is not None


@pytest.mark.skipif(not SYMMETRIC, reason="no symmetric certificate committed")
def test_symmetric_weaker_statement_is_valid(validator):
    """Free-text and weakened claims keep the file valid (and accepted)."""
    obj = load(SYMMETRIC[0])
    obj["info"] = {"note": "x"}
    obj["claims"]["loss_upper"] = "1"
    assert validator.is_valid(obj) and verify_bytes(encode(obj)).accepted


# ---------------------------------------------------------------------------
# kind saddle (method dense): its own branch
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saddle_objects():
    """Saddle certificates made by the producer from the k = 4 saddle of
    tests/data/point (d_max = null and d_max = d)."""
    from certify.producer.dense import certify_point
    W, V = read_point("saddle_k4_n4.json")
    return [certify_point(W, V, 128, d_max=d_max).obj for d_max in (None, W.shape[1])]


def test_saddle_certificates_validate(validator, saddle_objects):
    for obj in saddle_objects:
        assert obj["kind"] == "saddle"
        assert verify_bytes(encode(obj)).accepted
        assert [e.message for e in validator.iter_errors(obj)] == []


SADDLE_EDITS = {
    "index_zero": lambda o: o["claims"].update(morse_index=0),
    "index_string": lambda o: o["claims"].update(morse_index="2"),
    "index_bool": lambda o: o["claims"].update(morse_index=True),
    "index_missing": lambda o: o["claims"].pop("morse_index"),
    "minimum_claim_name": lambda o: o["claims"].update(
        hessian_min_eig_lower=o["claims"].pop("hessian_min_abs_eig_lower")),
    "gap_zero": lambda o: o["claims"].update(hessian_min_abs_eig_lower="0"),
    "method_symmetric": lambda o: o.update(method="symmetric"),
    "kind_minimum": lambda o: o.update(kind="local_minimum"),
}


@pytest.mark.parametrize("case", sorted(SADDLE_EDITS))
def test_saddle_branch_refuses_malformed_saddles(validator, saddle_objects, case):
    obj = json.loads(json.dumps(saddle_objects[0]))
    SADDLE_EDITS[case](obj)
    assert not validator.is_valid(obj)
    assert not verify_bytes(encode(obj)).accepted
