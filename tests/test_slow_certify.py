"""Slow: re-run the whole pipeline for k = 6..20 (and the symmetric certificates) and
compare with the committed certificates: the same statement, byte for byte except the
software record (a certificate made by an earlier version of certify records that
version; run with `python -m pytest -m slow`)."""
from __future__ import annotations

import pytest

from certify.cli.output import file_name, same_statement
from certify.kernel.format import canonical_bytes
from certify.kernel.verify import verify_bytes
from certify.producer import pipelines
from helpers import CERT_DIR, SYM_DIR, load, symmetric_paths


@pytest.mark.slow
@pytest.mark.parametrize("k", range(6, 21))
def test_pipeline_reproduces_committed_certificate(k):
    outcome = pipelines.certify_family_member(k, 128)
    data = canonical_bytes(outcome.obj)
    assert data == outcome.data
    committed = CERT_DIR / file_name(outcome.obj)
    assert committed.exists(), f"no committed certificate {committed.name}"
    old = committed.read_bytes()
    assert data == old or same_statement(old, data), f"{committed.name}: the pipeline's output changed"
    verdict = verify_bytes(data)
    assert verdict.accepted, verdict.first_failure()


@pytest.mark.slow
@pytest.mark.parametrize("k", [load(p)["k"] for p in symmetric_paths()])
def test_symmetric_pipeline_reproduces_committed_certificate(k):
    outcome = pipelines.certify_family_member(k, 128, "symmetric")
    committed = SYM_DIR / file_name(outcome.obj)
    assert committed.exists(), f"no committed certificate {committed.name}"
    old = committed.read_bytes()
    assert outcome.data == old or same_statement(old, outcome.data), \
        f"{committed.name}: the pipeline's output changed"
    assert verify_bytes(outcome.data).accepted
