"""The verifier refuses certificates that are not well-formed statements (valid
canonical JSON, but a field of the wrong type, shape or value; docs/format.md).
They are refused BEFORE any mathematics, naming the field: Verdict.unreadable
(exit 2 on the command line), error "malformed: field <name>: ..."."""
from __future__ import annotations

import copy
import time
from fractions import Fraction

import pytest

from certify.kernel.verify import verify_bytes
from helpers import assert_field_error, assert_unreadable, encode, get_path, put_path, verify_obj
from oracle.fmt import format_problem
from oracle.numbers import dyadic, frac

QUICK = 10.0      # guard against blow-ups, not a speed test


def _rm(*keys):
    def edit(obj):
        del get_path(obj, keys[:-1])[keys[-1]]
    return edit


def _set(*keys, value):
    def edit(obj):
        put_path(obj, keys, value(get_path(obj, keys)) if callable(value) else value)
    return edit


FIELD_CASES = {
    # types and values of scalars
    "k_bool": (_set("k", value=True), "k"),
    "k_string": (_set("k", value="6"), "k"),
    "k_null": (_set("k", value=None), "k"),
    "k_zero": (_set("k", value=0), "k"),
    "k_huge": (_set("k", value=10 ** 6), "k"),
    "k_relabelled_7": (_set("k", value=7), "n"),
    "k_relabelled_5": (_set("k", value=5), "teacher"),
    "n_7": (_set("n", value=7), "box.centre"),
    "n_5": (_set("n", value=5), "n"),
    "n_bool": (_set("n", value=True), "n"),
    "d_7": (_set("d", value=7), "teacher"),
    "d_5": (_set("d", value=5), "d"),
    "d_huge": (_set("d", value=10 ** 30), "d"),
    "nd_too_many": (lambda o: o.update(n=4096, d=4096), "n"),
    "version_2": (_set("version", value=2), "version"),
    "version_bool": (_set("version", value=True), "version"),
    "version_string": (_set("version", value="1"), "version"),
    "format": (_set("format", value="certify/relu-global-minimum"), "format"),
    "format_list": (_set("format", value=["certify/relu-spurious-minimum"]), "format"),
    "kind": (_set("kind", value="global_minimum"), "kind"),
    "kind_list": (_set("kind", value=["local_minimum"]), "kind"),
    "method": (_set("method", value="sparse"), "method"),
    "method_null": (_set("method", value=None), "method"),
    "prec_low": (_set("prec", value=63), "prec"),
    "prec_high": (_set("prec", value=2049), "prec"),
    "prec_bool": (_set("prec", value=True), "prec"),
    "prec_string": (_set("prec", value="128"), "prec"),
    "d_max_below_d": (_set("d_max", value=5), "d_max"),
    "d_max_bool": (_set("d_max", value=True), "d_max"),
    "d_max_string": (_set("d_max", value="null"), "d_max"),
    "d_max_equal_d_with_extra_claim": (_set("d_max", value=6), "claims"),
    # missing / unknown fields
    **{f"missing_{key}": (_rm(key), key) for key in
       ["format", "version", "kind", "method", "k", "n", "d", "d_max", "teacher", "prec",
        "box", "claims", "software"]},
    "missing_radius": (_rm("box", "radius"), "box"),
    "missing_centre": (_rm("box", "centre"), "box"),
    "missing_claim": (_rm("claims", "loss_upper"), "claims"),
    "missing_extra_claim": (_rm("claims", "extra_min_eig_lower"), "claims"),
    "unknown_top": (_set("proof", value="trust me"), "proof"),
    "unknown_box": (_set("box", "shape", value="ball"), "box"),
    "unknown_claim": (_set("claims", "loss_exact", value="1"), "claims"),
    "box_list": (_set("box", value=[]), "box"),
    "claims_list": (_set("claims", value=[]), "claims"),
    "software_list": (_set("software", value=["certify"]), "software"),
    "software_int": (_set("software", "version", value=1), "software"),
    # shapes
    "centre_missing_row": (_set("box", "centre", value=lambda c: c[:-1]), "box.centre"),
    "centre_extra_row": (_set("box", "centre", value=lambda c: c + [c[0]]), "box.centre"),
    "centre_extra_column": (_set("box", "centre", value=lambda c: [r + ["0"] for r in c]), "box.centre[0]"),
    "centre_short_row": (_set("box", "centre", value=lambda c: [c[0]] + [c[1][:-1]] + c[2:]), "box.centre[1]"),
    "centre_flat": (_set("box", "centre", value=lambda c: [x for r in c for x in r]), "box.centre"),
    "centre_nested": (_set("box", "centre", value=lambda c: [[r] for r in c]), "box.centre[0]"),
    "centre_transposed_dict": (_set("box", "centre", value=lambda c: {"0": c}), "box.centre"),
    "teacher_missing_row": (_set("teacher", value=lambda t: t[:-1]), "teacher"),
    "teacher_extra_column": (_set("teacher", value=lambda t: [r + ["0"] for r in t]), "teacher[0]"),
    "teacher_not_orthonormal_scaled": (_set("teacher", value=lambda t: [["2" if x == "1" else x for x in r] for r in t]), "teacher"),
    "teacher_not_orthonormal_repeated": (_set("teacher", value=lambda t: [t[0]] + t[:-1]), "teacher"),
    "teacher_almost_orthonormal": (_set("teacher", 0, 0, value="9007199254740991*2^-53"), "teacher"),
    "teacher_rotated_not_exact": (_set("teacher", value=lambda t: [["3*2^-2", "5*2^-3"] + r[2:] if i == 0 else r for i, r in enumerate(t)]), "teacher"),
    "teacher_is_student": (lambda o: o.update(teacher=o["box"]["centre"]), "teacher"),
    "teacher_identity_string": (_set("teacher", value="identity"), "teacher"),
    # numbers that are not canonical dyadic strings
    "centre_int": (_set("box", "centre", 0, 0, value=0), "box.centre[0]"),
    "centre_null": (_set("box", "centre", 0, 0, value=None), "box.centre[0]"),
    "centre_list": (_set("box", "centre", 0, 0, value=["1"]), "box.centre[0]"),
    "radius_int": (_set("box", "radius", value=1), "box.radius"),
    "radius_zero": (_set("box", "radius", value="0"), "box.radius"),
    "radius_negative_tiny": (_set("box", "radius", value="-1*2^-100"), "box.radius"),
    "radius_negative": (_set("box", "radius", value="-1"), "box.radius"),
    "claim_int": (_set("claims", "loss_lower", value=0), "claims.loss_lower"),
    "claim_exponent_beyond_range": (_set("claims", "loss_lower", value="1*2^-" + "9" * 30), "claims.loss_lower"),
    "teacher_int": (_set("teacher", 0, 0, value=1), "teacher[0]"),
}


@pytest.mark.parametrize("case", sorted(FIELD_CASES), ids=sorted(FIELD_CASES))
def test_malformed_field_is_refused(k6, case):
    edit, field = FIELD_CASES[case]
    edit(k6)
    assert format_problem(k6) is not None      # the oracle agrees it is malformed
    t0 = time.perf_counter()
    assert_field_error(verify_obj(k6), field)
    assert time.perf_counter() - t0 < QUICK


NONCANONICAL = ["+1", "01", "00", "-0", "1*2^0", "2*2^-3", "1*2^-0", "3*2^1", "3*2^+1",
                "1*2^-01", "1*2^3", "0.5", "1e0", "1E-3", " 1", "1 ", "", "-", "NaN", "nan",
                "inf", "-inf", "Infinity", "0x1", "1/2", "1_0", "--1", "\u0661",
                "1*2^-1*2^-1", "0*2^-1", "-0*2^-1", "1 * 2^-1", "1*2**-1", "1*2^-1\t",
                "1" * 4001, "1*2^-" + "9" * 3999]
WHERE = {"centre": ("box", "centre", 0, 1), "teacher": ("teacher", 1, 1), "radius": ("box", "radius"),
         "loss_lower": ("claims", "loss_lower"), "hessian": ("claims", "hessian_min_eig_lower")}
FIELD_NAME = {"centre": "box.centre[0]", "teacher": "teacher[1]", "radius": "box.radius",
              "loss_lower": "claims.loss_lower", "hessian": "claims.hessian_min_eig_lower"}


@pytest.mark.parametrize("where", sorted(WHERE))
@pytest.mark.parametrize("text", NONCANONICAL, ids=[repr(t[:12]) for t in NONCANONICAL])
def test_noncanonical_number_is_refused(k6, where, text):
    _set(*WHERE[where], value=text)(k6)
    assert_field_error(verify_obj(k6), FIELD_NAME[where])


def test_even_mantissa_spelling_of_the_same_number_is_refused(k6):
    """The value is unchanged (m*2^e = 2m*2^(e-1)); only the spelling is not canonical."""
    x = k6["box"]["centre"][0][0]
    m, e = x.split("*2^")
    k6["box"]["centre"][0][0] = f"{2 * int(m)}*2^{int(e) - 1}"
    assert frac(x) == Fraction(2 * int(m), 2 ** (1 - int(e)))
    assert_field_error(verify_obj(k6), "box.centre[0]")


@pytest.mark.parametrize("where", ["teacher", "centre", "radius", "loss_lower"])
def test_dyadic_with_trailing_newline_is_refused(k6, where):
    path = WHERE[where]
    put_path(k6, path, get_path(k6, path) + "\n")
    assert_field_error(verify_obj(k6), FIELD_NAME[where])


@pytest.mark.parametrize("info", [5, "text", [1, 2], None, {"a": 1}])
def test_info_must_be_an_object_of_strings(k6, info):
    k6["info"] = info
    assert_field_error(verify_obj(k6), "info")


def test_scaled_teacher_is_refused_even_though_the_scaled_theorem_is_true(k6):
    """F(2W, 2V) = 4 F(W, V): scaling everything gives a true statement about the
    non-orthonormal teacher 2V, which the format forbids."""
    k6["teacher"] = [[dyadic(2 * frac(x)) for x in r] for r in k6["teacher"]]
    k6["box"]["centre"] = [[dyadic(2 * frac(x)) for x in r] for r in k6["box"]["centre"]]
    k6["box"]["radius"] = dyadic(2 * frac(k6["box"]["radius"]))
    for key in ("loss_lower", "loss_upper"):
        k6["claims"][key] = dyadic(4 * frac(k6["claims"][key]))
    assert_field_error(verify_obj(k6), "teacher")


def test_dimension_range_wider_without_the_extra_claim_is_malformed(k6):
    """A statement for d = k only (no extra claim) widened to d_max > d or null."""
    k6["d_max"] = k6["d"]
    del k6["claims"]["extra_min_eig_lower"]
    assert verify_obj(k6).accepted                       # the narrow statement is true
    for d_max in (k6["d"] + 1, k6["d"] + 100, None):
        k6["d_max"] = d_max
        assert_field_error(verify_obj(k6), "claims")


# ---------------------------------------------------------------------------
# kind saddle (method dense)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0, 16, -1, "2", True, None])
def test_saddle_index_outside_range_or_not_an_integer_is_malformed(saddle_k4, value):
    """morse_index is an integer in 1..n d - 1 (0 would be a minimum, n d a maximum)."""
    saddle_k4["claims"]["morse_index"] = value
    assert format_problem(saddle_k4) is not None
    assert_field_error(verify_obj(saddle_k4), "morse_index")


def test_saddle_index_as_a_json_float_is_unreadable(saddle_k4):
    """2.0 is not an integer: the canonical bytes hold a JSON float, refused before reading."""
    saddle_k4["claims"]["morse_index"] = 2.0
    assert format_problem(saddle_k4) is not None
    verdict = verify_bytes(encode(saddle_k4))
    assert_unreadable(verdict)
    assert "float" in verdict.error


@pytest.mark.parametrize("change, field", [
    ("gap_zero", "claims"), ("gap_negative", "claims"), ("wrong_keys", "claims"), ("min_key", "claims"),
    ("method_symmetric", "blocks"), ("kind_minimum", "claims")])
def test_malformed_saddle_claims_are_refused(saddle_k4, change, field):
    claims = saddle_k4["claims"]
    if change == "gap_zero":
        claims["hessian_min_abs_eig_lower"] = "0"
    elif change == "gap_negative":
        claims["hessian_min_abs_eig_lower"] = "-1*2^-10"
    elif change == "wrong_keys":
        del claims["extra_min_eig_lower"]
    elif change == "min_key":
        claims["hessian_min_eig_lower"] = claims["hessian_min_abs_eig_lower"]
    elif change == "method_symmetric":
        saddle_k4["method"] = "symmetric"
    elif change == "kind_minimum":
        saddle_k4["kind"] = "local_minimum"
    assert format_problem(saddle_k4) is not None
    verdict = verify_obj(saddle_k4)
    if change in ("gap_zero", "gap_negative"):
        # a nonpositive gap is well formed but false: refused as a claim (exit 1)
        assert not verdict.accepted and not verdict.unreadable
        assert "index" in verdict.first_failure() and "not positive" in verdict.first_failure()
    else:
        assert_field_error(verdict, field)


# ---------------------------------------------------------------------------
# method symmetric
# ---------------------------------------------------------------------------
SYMMETRIC_FIELD_CASES = {
    "teacher_matrix": (("teacher", [["1"]]), "teacher"),
    "teacher_other": (("teacher", "Identity"), "teacher"),
    "n_differs": (("n", 101), "n"),
    "d_below": (("d", 99), "d"),
    "d_above": (("d", 101), "n"),
    "blocks_bool": (("blocks", [1, True, 98]), "blocks"),
    "blocks_one": (("blocks", [100]), "box.centre"),
    "blocks_five": (("blocks", [1, 1, 1, 1, 96]), "blocks"),
    "blocks_four": (("blocks", [1, 1, 2, 96]), "blocks"),
    "blocks_zero": (("blocks", [0, 100]), "blocks"),
    "blocks_string": (("blocks", "1,99"), "blocks"),
    "blocks_sum": (("blocks", [1, 98]), "blocks"),
    "blocks_sum_above": (("blocks", [50, 51]), "blocks"),
    "kind_saddle": (("kind", "saddle"), "kind"),
    "prec_low": (("prec", 10), "prec"),
    "d_max_below": (("d_max", 5), "d_max"),
    "d_max_equal_with_extra_claim": (("d_max", 100), "claims"),
    "version_2": (("version", 2), "version"),
    "unknown_field": (("extra", 1), "extra"),
    "k_beyond_limit": (("k", 10 ** 7 + 1), "k"),
    "k_one": (("k", 1), "k"),
    "method_dense": (("method", "dense"), "blocks"),
}


@pytest.mark.parametrize("case", sorted(SYMMETRIC_FIELD_CASES))
def test_malformed_symmetric_certificate_is_refused(sym100, case):
    (field, value), named = SYMMETRIC_FIELD_CASES[case]
    sym100[field] = value
    assert_field_error(verify_obj(sym100), named)


@pytest.mark.parametrize("case", ["centre_short", "radius_zero", "centre_float_text",
                                  "missing_extra_claim", "d_max_above_without_extra_claim",
                                  "centre_matrix", "missing_blocks"])
def test_symmetric_box_and_claim_shapes_are_checked(sym100, case):
    obj = sym100
    expected = {"centre_short": "box.centre", "radius_zero": "box.radius",
                "centre_float_text": "box.centre", "missing_extra_claim": "claims",
                "d_max_above_without_extra_claim": "claims", "centre_matrix": "box.centre",
                "missing_blocks": "blocks"}[case]
    if case == "centre_short":
        obj["box"]["centre"].pop()
    elif case == "radius_zero":
        obj["box"]["radius"] = "0"
    elif case == "centre_float_text":
        obj["box"]["centre"][0] = "0.5"
    elif case == "missing_extra_claim":
        del obj["claims"]["extra_min_eig_lower"]
    elif case == "d_max_above_without_extra_claim":
        obj["d_max"] = 101
        del obj["claims"]["extra_min_eig_lower"]
    elif case == "centre_matrix":
        obj["box"]["centre"] = [obj["box"]["centre"]]
    else:
        del obj["blocks"]
    assert_field_error(verify_obj(obj), expected)


def test_wrong_block_count_for_the_centre_is_malformed(sym100):
    """(2, 98) has 6 parameters; the (1, 99) centre has 5."""
    sym100["blocks"] = [2, 98]
    assert_field_error(verify_obj(sym100), "box.centre")


def test_structure_errors_are_found_before_any_mathematics(k6, monkeypatch):
    """The reader refuses without calling the prover (a malformed file costs no proof)."""
    from certify.kernel.dense import method
    called = []
    monkeypatch.setattr(method, "prove", lambda statement, plan=None: called.append(1) or [])
    bad = copy.deepcopy(k6)
    bad["prec"] = 63
    assert_field_error(verify_obj(bad), "prec")
    assert called == []
    verify_obj(k6)
    assert called == [1]               # the monkeypatch is effective: the test can fail
