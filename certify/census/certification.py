"""The one place where the census turns a distinct point into a certificate.

    certify_point(W, k, n, label, prec) -> (record, certificate object or None)

Route: n = k > DENSE_MAX_K: the symmetry-reduced producer
(certify.producer.pipelines.certify_symmetric_candidate: detects the block
structure, Newton in theta); otherwise the dense producer
(certify.producer.pipelines.certify_candidate: valid for every d >= k when the
extra-dimension matrix is positive definite, else for d = k).

"Nothing may be called certified that the verifier would not accept": the
producer returns an Outcome only when certify.kernel.verify.verify_bytes has
accepted the certificate's canonical bytes (certify.producer.produce); its
SHA-256 is the certificate hash reported by the census.  A point whose certificate proves
another kind than expected is reported with the kind the kernel proved.
"""
from __future__ import annotations

import time

import numpy as np

from ..kernel.format import exact
from ..producer import NotCertified, pipelines
from .classify import DENSE_MAX_K

FOUND_BY = "census: gradient descent from Xavier init, step 5/k"


def _produce(W: np.ndarray, k: int, n: int, label: str, prec: int):
    """The producer's Outcome for the route (raises NotCertified)."""
    info = {"found_by": FOUND_BY, "symmetry": label}
    if n == k and k > DENSE_MAX_K:
        return pipelines.certify_symmetric_candidate(W, prec, info=dict(
            info, found_by=FOUND_BY + "; block structure detected, symmetry-reduced method"))
    return pipelines.certify_candidate(W, np.eye(k, k), prec, info)


def certify_point(W: np.ndarray, k: int, n: int, label: str, prec: int = 128):
    """(record, certificate object or None) for the critical point near W (n x k).
    Never raises: a failure is a record with status "not certified" and the reason."""
    t0 = time.perf_counter()
    try:
        outcome = _produce(np.asarray(W, dtype=float), k, n, label, prec)
    except NotCertified as err:
        return {"status": "not certified", "reason": str(err)}, None
    except Exception as err:      # a census must finish; the failure is reported, not hidden
        return {"status": "not certified", "reason": f"{type(err).__name__}: {err}"}, None
    obj = outcome.obj
    claims = obj["claims"]
    record = {"status": "certified", "kind": obj["kind"], "method": obj["method"], "d_max": obj["d_max"],
              "sha256": outcome.verdict.sha256, "seconds": round(time.perf_counter() - t0, 3),
              "claims": claims}
    if obj["method"] == "symmetric":
        record["blocks"] = obj["blocks"]
    for key in ("hessian_min_eig_lower", "hessian_min_abs_eig_lower", "extra_min_eig_lower",
                "loss_lower", "loss_upper"):
        if key in claims:
            record[key + "_float"] = float(exact(claims[key]))
    if "morse_index" in claims:
        record["morse_index"] = claims["morse_index"]
    if outcome.note:
        record["note"] = outcome.note
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
