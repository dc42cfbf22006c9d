"""Slow: re-run the whole pipeline for k = 6..20 and compare with the committed
certificates byte for byte (run with `python -m pytest -m slow`)."""
from __future__ import annotations

from pathlib import Path

import pytest

from certify import certificate, pipeline
from certify.kernel.verify import canonical_bytes, verify_bytes

CERTIFICATES = Path(__file__).resolve().parent.parent / "certificates"


@pytest.mark.slow
@pytest.mark.parametrize("k", range(6, 21))
def test_pipeline_reproduces_committed_certificate(k):
    outcome = pipeline.certify_k(k)
    data = canonical_bytes(outcome.obj)
    committed = CERTIFICATES / certificate.file_name(outcome.obj)
    assert committed.exists(), f"no committed certificate {committed.name}"
    assert data == committed.read_bytes(), f"{committed.name}: the pipeline's output changed"
    verdict = verify_bytes(data)
    assert verdict.accepted, verdict.first_failure()
