"""Contract of certify.kernel.verify.verify_bytes: never raises, whatever the bytes;
the verdict is 'accepted' only with every claim proved, 'unreadable' exactly when
the bytes are not a well-formed statement (then no mathematics was tried), and it
names the SHA-256 of the very bytes it was given."""
from __future__ import annotations

import hashlib
import random

from certify.kernel.claims import ClaimResult
from certify.kernel.verify import Verdict, verify_bytes
from helpers import encode


def test_never_raises_on_random_and_mutated_bytes(k6_bytes):
    rng = random.Random(1)
    samples = [bytes(rng.randrange(256) for _ in range(rng.randrange(200))) for _ in range(300)]
    for _ in range(300):
        data = bytearray(k6_bytes)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        samples.append(bytes(data))
    for data in samples:
        verdict = verify_bytes(data)
        assert verdict.sha256 == hashlib.sha256(data).hexdigest()
        assert verdict.accepted == (verdict.error is None and all(r.proved for r in verdict.results)
                                    and bool(verdict.results))
        if verdict.unreadable:
            assert verdict.results == [] and verdict.statement is None and verdict.method is None


def test_verdict_of_a_true_certificate(k6, k6_bytes):
    verdict = verify_bytes(k6_bytes)
    assert verdict.accepted and not verdict.unreadable and verdict.error is None
    assert verdict.method == "dense" and verdict.statement.header.k == 6
    assert verdict.statement.box.centre == tuple(tuple(row) for row in k6["box"]["centre"])
    assert verdict.statement.claims == k6["claims"]


def test_verdict_semantics():
    assert not Verdict("0").accepted                                   # no results: nothing proved
    ok, no = ClaimResult("a", True, ""), ClaimResult("b", False, "because")
    assert Verdict("0", [ok]).accepted and Verdict("0", [ok]).first_failure() == ""
    refused = Verdict("0", [ok, no])
    assert not refused.accepted and not refused.unreadable
    assert refused.first_failure() == "claim 'b' refused: because"
    broken = Verdict("0", error="malformed: field k: bad")
    assert broken.unreadable and not broken.accepted and broken.first_failure() == "malformed: field k: bad"


def test_a_malformed_statement_is_unreadable_and_names_its_field(k6):
    k6["prec"] = 10
    verdict = verify_bytes(encode(k6))
    assert verdict.unreadable and verdict.error.startswith("malformed: field prec")
