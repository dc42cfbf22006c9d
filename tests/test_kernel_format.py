"""Contract of certify.kernel.format (bytes -> fields, shared by every method) and of
the method table certify.kernel.methods: canonical bytes are a bijection on the
objects they encode, every field reader accepts exactly its documented range, and
Box.balls encloses every point of the box while keeping its centre and radius exact."""
from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from flint import arb, ctx

from certify.kernel import format as fmt
from certify.kernel import methods
from certify.kernel.dense import method as dense_method
from certify.kernel.reduced import method as reduced_method
from helpers import exact_arb
from oracle.numbers import dyadic, frac

SEED = 4_000_037


def random_json(rng, depth=0):
    """Random JSON made of what certificates hold: objects, lists, strings, integers, null."""
    kind = rng.choice(["str", "int", "null", "list", "dict"] if depth < 3 else ["str", "int", "null"])
    if kind == "str":
        return "".join(rng.choice("ab*^-019 \u00e9\"\\/\n") for _ in range(rng.randrange(6)))
    if kind == "int":
        return rng.randrange(-10 ** 30, 10 ** 30)
    if kind == "null":
        return None
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{rng.randrange(100)}": random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


# ---------------------------------------------------------------------------
# bytes
# ---------------------------------------------------------------------------
def test_canonical_bytes_round_trip_and_are_unique():
    """decode(canonical_bytes(x)) == x, and no other serialisation of x decodes."""
    rng = random.Random(SEED)
    for _ in range(300):
        obj = {"a": random_json(rng), "b": random_json(rng)}
        data = fmt.canonical_bytes(obj)
        assert data.endswith(b"\n") and data.isascii()
        assert fmt.decode(data) == obj
        for other in (json.dumps(obj, sort_keys=True, indent=2).encode() + b"\n",
                      json.dumps(obj, sort_keys=True, indent=1).encode(),
                      json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False).encode() + b"\n",
                      json.dumps(obj, sort_keys=True).encode() + b"\n"):
            if other != data:
                with pytest.raises(fmt.Unreadable):
                    fmt.decode(other)


@pytest.mark.parametrize("data, words", [
    (b'{"a": 1.5}\n', "float"), (b'{"a": NaN}\n', "NaN"), (b'{"a": Infinity}\n', "Infinity"),
    (b'{"a": 1, "a": 1}\n', "duplicate"), (b"\xff\n", "UTF-8"), (b'{"a": \n', "JSON"),
    (b'{\r\n "a": 1\r\n}\r\n', "CRLF"), (b'{"a":1}\n', "canonical")])
def test_decode_names_why_bytes_are_unreadable(data, words):
    with pytest.raises(fmt.Unreadable) as info:
        fmt.decode(data)
    assert words in str(info.value)


def test_size_limit_boundary():
    pad = fmt.MAX_BYTES - len(fmt.canonical_bytes({"x": ""}))
    at = fmt.canonical_bytes({"x": "y" * pad})
    assert len(at) == fmt.MAX_BYTES and fmt.decode(at) == {"x": "y" * pad}
    with pytest.raises(fmt.Unreadable, match="larger than"):
        fmt.decode(fmt.canonical_bytes({"x": "y" * (pad + 1)}))


# ---------------------------------------------------------------------------
# fields
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("value, ok", [(64, True), (2048, True), (63, False), (2049, False),
                                       (True, False), (128.0, False), ("128", False), (None, False)])
def test_read_int_accepts_exactly_its_range(value, ok):
    if ok:
        assert fmt.read_int({"prec": value}, "prec", *fmt.PREC_RANGE) == value
    else:
        with pytest.raises(fmt.FormatError) as info:
            fmt.read_int({"prec": value}, "prec", *fmt.PREC_RANGE)
        assert info.value.field == "prec"


def test_read_matrix_and_vector_check_shape_and_spelling():
    assert fmt.read_matrix([["1", "0"], ["0", "-1*2^-3"]], 2, 2, "m") == (("1", "0"), ("0", "-1*2^-3"))
    assert fmt.read_vector(["1", "3*2^-2"], 2, "v") == ("1", "3*2^-2")
    for bad, field in (([["1", "0"]], "m"), ([["1"], ["0", "1"]], "m[0]"), ([["1", "0"], ["0", "2*2^-1"]], "m[1]"),
                       ("11", "m"), ([["1", "0"], ["0", 1]], "m[1]")):
        with pytest.raises(fmt.FormatError) as info:
            fmt.read_matrix(bad, 2, 2, "m")
        assert info.value.field == field
    with pytest.raises(fmt.FormatError):
        fmt.read_vector(["1"], 2, "v")


def test_exact_is_the_oracle_value():
    rng = random.Random(SEED + 1)
    for _ in range(500):
        q = Fraction(rng.randrange(-10 ** 20, 10 ** 20), 2 ** rng.randrange(0, 300))
        assert fmt.exact(dyadic(q)) == q == frac(dyadic(q))


def header(**changes):
    obj = {"format": fmt.FORMAT, "version": 1, "kind": "local_minimum", "method": "dense", "k": 3,
           "n": 4, "d": 5, "d_max": None, "prec": 128, "box": {}, "claims": {}, "software": {},
           "teacher": []}
    obj.update(changes)
    return obj


@pytest.mark.parametrize("changes, field", [
    ({"n": 2}, "n"), ({"d": 2}, "d"), ({"d_max": 4}, "d_max"), ({"d_max": True}, "d_max"),
    ({"d_max": 5.0}, "d_max"), ({"prec": 63}, "prec"), ({"prec": 2049}, "prec"), ({"version": True}, "version"),
    ({"kind": "saddle"}, "kind"), ({"format": fmt.FORMAT + " "}, "format"), ({"info": {"a": 1}}, "info"),
    ({"software": {"a": None}}, "software"), ({"zzz": 1}, "zzz")])
def test_read_header_refuses_each_rule(changes, field):
    with pytest.raises(fmt.FormatError) as info:
        fmt.read_header(header(**changes), {"teacher"}, ("local_minimum",), (1, 100))
    assert info.value.field == field


@pytest.mark.parametrize("changes", [{}, {"n": 3, "d": 3}, {"d_max": 5}, {"d_max": 10 ** 9},
                                     {"prec": 64}, {"prec": 2048}, {"info": {"note": "x"}}])
def test_read_header_accepts_the_documented_range(changes):
    h = fmt.read_header(header(**changes), {"teacher"}, ("local_minimum",), (1, 100))
    obj = header(**changes)
    assert (h.k, h.n, h.d, h.d_max, h.prec) == (obj["k"], obj["n"], obj["d"], obj["d_max"], obj["prec"])
    assert h.covers_extra_dimensions == (obj["d_max"] is None or obj["d_max"] > obj["d"])
    assert fmt.extra_claim(h) == ({fmt.EXTRA_CLAIM} if h.covers_extra_dimensions else set())


def test_read_claims_exact_key_set_and_integer_claims():
    obj = {"kind": "saddle", "d_max": None,
           "claims": {"loss_lower": "1*2^-3", "morse_index": 2}}
    keys = {"loss_lower", "morse_index"}
    assert fmt.read_claims(obj, keys, {"morse_index": (1, 3)}) == {"loss_lower": "1*2^-3", "morse_index": 2}
    for claims, field in (({"loss_lower": "1*2^-3"}, "claims"),
                          ({"loss_lower": "1*2^-3", "morse_index": 4}, "morse_index"),
                          ({"loss_lower": "1*2^-3", "morse_index": "2"}, "morse_index"),
                          ({"loss_lower": "0.125", "morse_index": 2}, "claims.loss_lower"),
                          ({"loss_lower": "1*2^-3", "morse_index": 2, "x": "1"}, "claims")):
        with pytest.raises(fmt.FormatError) as info:
            fmt.read_claims(dict(obj, claims=claims), keys, {"morse_index": (1, 3)})
        assert info.value.field == field


# ---------------------------------------------------------------------------
# the box: for every point x of X, x is in the balls; centre and radius exact
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("prec", [64, 128, 300])
def test_box_balls_enclose_every_point_of_the_box(prec):
    rng = random.Random(SEED + prec)
    for _ in range(20):
        rows, cols = rng.randrange(1, 4), rng.randrange(1, 4)
        centre = tuple(tuple(dyadic(Fraction(rng.randrange(-10 ** 40, 10 ** 40), 2 ** rng.randrange(0, 200)))
                             for _ in range(cols)) for _ in range(rows))
        r = Fraction(1, 2 ** rng.randrange(1, 250))
        box = fmt.read_box({"box": {"centre": [list(x) for x in centre], "radius": dyadic(r)}},
                           lambda v: fmt.read_matrix(v, rows, cols, "box.centre"))
        with ctx.workprec(prec):
            X, c, radius = box.balls()
        assert radius.rad() == 0 and radius == exact_arb(r)
        for i in range(rows):
            for a in range(cols):
                exact_c = frac(centre[i][a])
                assert c[i][a].rad() == 0 and fmt.exact(centre[i][a]) == exact_c
                assert c[i][a] == exact_arb(exact_c)              # exact, whatever the precision
                for t in (-1, 1, 0, Fraction(rng.randrange(-1024, 1025), 1024)):
                    point = exact_c + t * r                        # a point of the box
                    assert X[i][a].contains(exact_arb(point)), (i, a, t)
                # and no wider than the box (radii are stored with 30-bit mantissas)
                # plus the rounding of the centre at the working precision
                with ctx.workprec(prec + 4000):
                    assert X[i][a].rad() <= exact_arb(r) * (1 + arb(2) ** -28) \
                        + abs(c[i][a]) * arb(2) ** -(prec - 2)


def test_box_radius_must_be_positive():
    for radius in ("0", "-1", "-1*2^-100", 1, "1.0"):
        with pytest.raises(fmt.FormatError) as info:
            fmt.read_box({"box": {"centre": [], "radius": radius}}, lambda v: ())
        assert info.value.field == "box.radius"
    for box in ({"centre": []}, {"centre": [], "radius": "1", "x": 1}, [], None):
        with pytest.raises(fmt.FormatError) as info:
            fmt.read_box({"box": box}, lambda v: ())
        assert info.value.field == "box"


# ---------------------------------------------------------------------------
# the method table
# ---------------------------------------------------------------------------
def test_method_table_is_consistent():
    from certify.kernel.family import method as family_method
    from certify.kernel.family import transition as transition_method
    assert methods.METHODS == {"dense": dense_method, "symmetric": reduced_method,
                               "family": family_method, "transition": transition_method}
    for name, module in methods.METHODS.items():
        assert module.NAME == name and module.KINDS
        for attribute in ("read", "prove", "loss", "cost"):
            assert callable(getattr(module, attribute))
    for obj in ({"method": "dense"}, {"method": "symmetric"}):
        assert methods.method_of(obj).NAME == obj["method"]


@pytest.mark.parametrize("obj", [{}, {"method": "Dense"}, {"method": None}, {"method": ["dense"]},
                                 [], "dense", None, {"method": "dense "}])
def test_unknown_methods_are_refused(obj):
    with pytest.raises(fmt.FormatError) as info:
        methods.method_of(obj)
    assert info.value.field == "method"
