"""The verifier refuses bytes that are not a certificate at all ("unreadable": not
UTF-8, not JSON, JSON constants, duplicate keys, not canonical, too large), quickly
and without memory blow-ups, before any mathematics."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc

import pytest

from certify.kernel.format import MAX_BYTES, canonical_bytes
from certify.kernel.verify import verify_bytes
from helpers import K6, ROOT, SUBPROCESS_ENV, assert_unreadable

# "Quickly" below is a guard against blow-ups (a 2^-(10^12) exponent or a 10^6 x 10^6
# matrix takes minutes or all memory), not a speed test: generous for a loaded machine.
QUICK = 10.0


def test_noncanonical_bytes_of_a_true_certificate_are_refused(k6, k6_bytes):
    """Same statement, other bytes: refused as not canonical (one statement, one sha256)."""
    variants = [
        json.dumps(k6, sort_keys=True, indent=2).encode() + b"\n",
        json.dumps(k6, sort_keys=True, indent=1).encode(),          # no final newline
        json.dumps(dict(reversed(k6.items())), indent=1).encode() + b"\n",  # keys not sorted
        json.dumps(k6, sort_keys=True).encode() + b"\n",            # one line
        k6_bytes + b"\n",
        b"\xef\xbb\xbf" + k6_bytes,                                 # UTF-8 BOM
        k6_bytes.replace(b'": ', b'":  ', 1),
    ]
    for data in variants:
        assert data != k6_bytes
        verdict = verify_bytes(data)
        assert_unreadable(verdict)
        assert "CRLF" not in verdict.error


def test_crlf_line_endings_are_named(k6_bytes):
    """A checkout that converted line endings: refused, and the message says why."""
    verdict = verify_bytes(k6_bytes.replace(b"\n", b"\r\n"))
    assert_unreadable(verdict)
    assert "CRLF" in verdict.error
    mixed = k6_bytes.replace(b"\n", b"\r\n", 3)          # only some lines converted
    verdict = verify_bytes(mixed)
    assert_unreadable(verdict)


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1, old
    return data.replace(old, new, 1)


BYTE_CASES = {
    "nan_constant": lambda b: _replace_once(b, b'"k": 6', b'"k": NaN'),
    "infinity_constant": lambda b: _replace_once(b, b'"k": 6', b'"k": Infinity'),
    "minus_infinity": lambda b: _replace_once(b, b'"prec": 128', b'"prec": -Infinity'),
    "float_k": lambda b: _replace_once(b, b'"k": 6', b'"k": 6.0'),
    "exponent_k": lambda b: _replace_once(b, b'"k": 6', b'"k": 6e0'),
    "minus_zero_int": lambda b: _replace_once(b, b'"version": 1', b'"version": -0'),
    "float_radius": lambda b: _replace_once(b, b'"radius": "1*2^-100"', b'"radius": 7.888609052210118e-31'),
    "leading_zero_int": lambda b: _replace_once(b, b'"k": 6', b'"k": 06'),
    "plus_int": lambda b: _replace_once(b, b'"k": 6', b'"k": +6'),
    "duplicate_top_key": lambda b: _replace_once(b, b' "k": 6,\n', b' "k": 6,\n "k": 6,\n'),
    "duplicate_claim": lambda b: b.replace(b'  "loss_lower"', b'  "loss_lower": "1",\n  "loss_lower"', 1),
    "duplicate_radius": lambda b: b.replace(b'  "radius"', b'  "radius": "1",\n  "radius"', 1),
    "truncated_last_byte": lambda b: b[:-1],
    "truncated_half": lambda b: b[: len(b) // 2],
    "truncated_one_byte": lambda b: b[:1],
    "empty": lambda b: b"",
    "two_documents": lambda b: b + b,
    "trailing_garbage": lambda b: b + b"x",
    "not_utf8_ff": lambda b: _replace_once(b, b'"certify"', b'"cert\xffify"'),
    "not_utf8_latin1": lambda b: _replace_once(b, b'"certify"', b'"c\xe9rtify"'),
    "not_utf8_overlong": lambda b: _replace_once(b, b'"certify"', b'"cert\xc0\xafify"'),
    "not_utf8_lone_continuation": lambda b: b"\x80" + b,
    "raw_utf8_non_ascii": lambda b: _replace_once(b, b'"certify"', "\"c\u00e9rtify\"".encode()),
    "utf16": lambda b: b.decode().encode("utf-16"),
    "tab_indent": lambda b: b.replace(b"\n ", b"\n\t"),
    "top_level_list": lambda b: b"[\n " + b[:-1] + b"\n]\n",
    "deep_nesting": lambda b: b"[" * 100000 + b"]" * 100000 + b"\n",
    "five_megabytes": lambda b: _replace_once(b, b'"certify"', b'"' + b"x" * (5 * 1024 * 1024) + b'"'),
}


@pytest.mark.parametrize("case", sorted(BYTE_CASES), ids=sorted(BYTE_CASES))
def test_unreadable_bytes_are_refused(case, k6_bytes):
    data = BYTE_CASES[case](k6_bytes)
    assert data != k6_bytes
    t0 = time.perf_counter()
    verdict = verify_bytes(data)
    assert time.perf_counter() - t0 < QUICK
    assert_unreadable(verdict)


def test_size_limit_is_exact(k6):
    """MAX_BYTES is allowed, MAX_BYTES + 1 is not (free text padded to the byte)."""
    base = len(canonical_bytes(dict(k6, info={"pad": ""})))
    at_limit = canonical_bytes(dict(k6, info={"pad": "x" * (MAX_BYTES - base)}))
    assert len(at_limit) == MAX_BYTES
    assert verify_bytes(at_limit).accepted                  # info is no part of any claim
    over = canonical_bytes(dict(k6, info={"pad": "x" * (MAX_BYTES - base + 1)}))
    verdict = verify_bytes(over)
    assert_unreadable(verdict)
    assert "larger than" in verdict.error


def test_huge_inputs_are_refused_quickly_without_memory_blowup(k6):
    cases = [
        canonical_bytes(dict(k6, k=10 ** 6, n=10 ** 6, d=10 ** 6)),
        canonical_bytes(dict(k6, k=10 ** 4000)),
        canonical_bytes(dict(k6, info={"x": "y" * (5 * 1024 * 1024)})),
        canonical_bytes(dict(k6, teacher=[["1"] * 100000] * 20)),
        canonical_bytes(dict(k6, box={"centre": [["1"]] * 300000, "radius": "1"})),
        canonical_bytes(dict(k6, claims=dict(k6["claims"], loss_lower="7" * 4000))),
    ]
    for data in cases:
        tracemalloc.start()
        t0 = time.perf_counter()
        verdict = verify_bytes(data)
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert not verdict.accepted, verdict.first_failure()
        assert seconds < QUICK, seconds
        assert peak < 20 * len(data) + 50_000_000, peak


def test_integer_with_too_many_digits_is_unreadable(k6_bytes):
    data = _replace_once(k6_bytes, b'"k": 6', b'"k": ' + b"6" * 5000)
    assert_unreadable(verify_bytes(data))


_HUGE_EXPONENT = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from certify.kernel.format import canonical_bytes
from certify.kernel.verify import verify_bytes
obj = json.load(open(sys.argv[1]))
where, text = sys.argv[2], sys.argv[3]
if where == "radius":
    obj["box"]["radius"] = text
else:
    obj["teacher"][0][1] = text
t0 = time.perf_counter()
verdict = verify_bytes(canonical_bytes(obj))
print(verdict.accepted, round(time.perf_counter() - t0, 3))
"""


@pytest.mark.parametrize("where", ["radius", "teacher"])
def test_huge_exponent_is_refused_quickly(where):
    text = "1*2^-" + "9" * 12
    try:
        proc = subprocess.run([sys.executable, "-c", _HUGE_EXPONENT, str(K6), where, text],
                              capture_output=True, text=True, timeout=6 * QUICK, cwd=ROOT,
                              env=SUBPROCESS_ENV)
    except subprocess.TimeoutExpired:
        pytest.fail(f"verification of a 17-character number did not finish in {6 * QUICK} s")
    assert proc.returncode == 0, proc.stderr[-500:]
    accepted, seconds = proc.stdout.split()
    assert accepted == "False" and float(seconds) < QUICK
