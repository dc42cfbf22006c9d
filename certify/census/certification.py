"""The one place where the census turns a distinct point into a certificate.

    certify_point(W, k, n, label, prec) -> (record, certificate object or None)

Route: n = k > DENSE_MAX_K: the symmetry-reduced producer
(certify.symmetric_pipeline.certify_dense_point: detects the block structure,
Newton in theta, kernel.symmetric proves); otherwise the dense producer
(certify.pipeline.certify_point_for_all_d: valid for every d >= k when the
extra-dimension matrix is positive definite, else for d = k).

"Nothing may be called certified that the verifier would not accept": the
record says "certified" only after certify.kernel.verify.verify_bytes has
accepted the canonical bytes of the certificate object; its SHA-256 is the
certificate hash reported by the census.  A point whose certificate proves
another kind than expected is reported with the kind the kernel proved.
"""
from __future__ import annotations

import time

import numpy as np

from .classify import DENSE_MAX_K

FOUND_BY = "census: gradient descent from Xavier init, step 5/k"


def _dyadic_float(text: str) -> float:
    from ..kernel import dyadic
    return float(dyadic.to_arb(text).mid())


def _produce(W: np.ndarray, k: int, n: int, label: str, prec: int):
    """(certificate object, note) from the producer of the route; raises NotCertified."""
    info = {"found_by": FOUND_BY, "symmetry": label}
    if n == k and k > DENSE_MAX_K:
        from .. import symmetric_pipeline
        outcome = symmetric_pipeline.certify_dense_point(W, prec)
        outcome.obj["info"] = dict(info, found_by=FOUND_BY + "; block structure detected, "
                                   "symmetry-reduced method")
        return outcome.obj, None
    from .. import pipeline
    outcome, note = pipeline.certify_point_for_all_d(W, np.eye(k, k), prec, info)
    return outcome.obj, note


def certify_point(W: np.ndarray, k: int, n: int, label: str, prec: int = 128):
    """(record, certificate object or None) for the critical point near W (n x k).
    Never raises: a failure is a record with status "not certified" and the reason."""
    from ..kernel.verify import canonical_bytes, verify_bytes
    from ..pipeline import NotCertified
    t0 = time.perf_counter()
    try:
        obj, note = _produce(np.asarray(W, dtype=float), k, n, label, prec)
    except NotCertified as err:
        return {"status": "not certified", "reason": str(err)}, None
    except Exception as err:      # a census must finish; the failure is reported, not hidden
        return {"status": "not certified", "reason": f"{type(err).__name__}: {err}"}, None
    data = canonical_bytes(obj)
    verdict = verify_bytes(data)
    seconds = round(time.perf_counter() - t0, 3)
    if not verdict.accepted:
        return {"status": "not certified", "seconds": seconds,
                "reason": f"the verifier refused the produced certificate: {verdict.first_failure()}"}, None
    claims = obj["claims"]
    record = {"status": "certified", "kind": obj.get("kind", "local_minimum"),
              "method": obj.get("method", "dense"), "d_max": obj["d_max"],
              "sha256": verdict.sha256, "seconds": seconds, "claims": claims}
    if obj.get("method") == "symmetric":
        record["blocks"] = obj["blocks"]
    for key in ("hessian_min_eig_lower", "hessian_min_abs_eig_lower", "extra_min_eig_lower",
                "loss_lower", "loss_upper"):
        if key in claims:
            record[key + "_float"] = _dyadic_float(claims[key])
    if "morse_index" in claims:
        record["morse_index"] = claims["morse_index"]
    if note:
        record["note"] = f"d_max = d only: {note}"
    return record, obj


def lambda_min_lower(record: dict) -> float | None:
    """The certified lower bound on the smallest Hessian eigenvalue over the whole
    d-range of the certificate (the smaller of the d = k and the d > k claims),
    as a float rounded from the exact dyadic (illustration; the claim is exact)."""
    if record.get("status") != "certified" or record.get("kind") != "local_minimum":
        return None
    values = [record[key] for key in ("hessian_min_eig_lower_float", "extra_min_eig_lower_float")
              if key in record]
    return min(values) if values else None
